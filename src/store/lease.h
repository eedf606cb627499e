// Leases: in-process protection of work in progress against garbage
// collection. Other processes are kept out by the store's flock; inside one
// process, every writer (and any operation that must keep freshly committed
// but not yet referenced content alive, like a pull between writing its blobs
// and recording the image) holds a Lease, and GC waits until none is held.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <utility>

namespace berth::store {

class Leases {
 public:
  // A held lease; movable, released on destruction. May be released on a
  // different thread than the one that took it.
  class Lease {
   public:
    Lease() = default;
    Lease(Lease&& o) noexcept : owner_(std::exchange(o.owner_, nullptr)) {}
    Lease& operator=(Lease&& o) noexcept {
      if (this != &o) {
        Release();
        owner_ = std::exchange(o.owner_, nullptr);
      }
      return *this;
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() { Release(); }
    void Release();
    bool held() const { return owner_ != nullptr; }

   private:
    friend class Leases;
    explicit Lease(Leases* owner) : owner_(owner) {}
    Leases* owner_ = nullptr;
  };

  // Takes a lease, waiting while a collection runs.
  Lease Acquire();
  // Waits up to timeout for all leases to be released and then blocks new
  // ones until EndExclusive(). Returns false on timeout (nothing changed).
  bool BeginExclusive(std::chrono::milliseconds timeout);
  void EndExclusive();
  int held() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int count_ = 0;
  bool exclusive_ = false;
};

}  // namespace berth::store
