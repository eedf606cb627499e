// Leases: how a process tells garbage collection in any process "this is
// mine, in use". A lease is a row in the store's database with an owner (pid,
// the process's start time and the boot id, so a dead owner is recognised at
// once, and a recycled pid is not mistaken for it), an optional expiry, and
// the resources it protects (blobs, snapshots, images, keyed ingests). Every
// long operation (import, pull, load, build, a container's life) holds one
// from its first write until its result is reachable from an image or
// container row. A lease whose owner died or whose expiry passed is dead:
// the next GC deletes it and collects what only it protected.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace berth::store {

class Metadata;

// Who holds a lease: a process identity that survives pid reuse.
struct ProcessId {
  int64_t pid = 0;
  int64_t start_time = 0;  // /proc/<pid>/stat field 22 (clock ticks since boot)
  std::string boot_id{};   // /proc/sys/kernel/random/boot_id

  // This process.
  static const ProcessId& Self();
  // True while that process is running (same boot, same pid, same start time).
  bool Alive() const;
  bool operator==(const ProcessId&) const = default;
};

// What a lease can protect. Keys: a digest string for blobs ("sha256:..."),
// a chain id for snapshots, an image id for images (which protects all the
// image's content), the ingest key (the blob digest's hex) for ingests.
enum class ResourceKind { kBlob, kSnapshot, kImage, kIngest };
std::string_view ResourceKindName(ResourceKind kind);

struct LeaseResource {
  ResourceKind kind = ResourceKind::kBlob;
  std::string key{};
  bool operator==(const LeaseResource&) const = default;
};

struct LeaseRecord {
  int64_t id = 0;
  ProcessId owner{};
  std::string label{};  // what holds it: "import", "pull ubuntu:18.04", "container 3f2a..."
  int64_t created = 0;  // ns
  int64_t expires = 0;  // ns; 0 = never (lives as long as its owner)
  std::vector<LeaseResource> resources{};

  // Dead when expired or when the owner is gone.
  bool Alive(int64_t now_ns) const;
};

// A held lease. Movable; the destructor releases it (deletes the row, and
// with it the protection). A default-constructed Lease protects nothing.
class Lease {
 public:
  Lease() = default;
  Lease(Lease&& o) noexcept;
  Lease& operator=(Lease&& o) noexcept;
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  ~Lease();

  // Creates a lease owned by this process. expires_ns 0: no expiry.
  static Result<Lease> Create(Metadata& metadata, std::string_view label, int64_t expires_ns = 0);

  // Adds a resource (idempotent). Runs in its own transaction, or inside the
  // caller's when one is open on the same Metadata.
  Status Add(ResourceKind kind, std::string_view key);
  // Deletes the lease row now; idempotent.
  Status Release();

  bool valid() const { return id_ != 0; }
  int64_t id() const { return id_; }

 private:
  Lease(Metadata* metadata, int64_t id) : metadata_(metadata), id_(id) {}
  Metadata* metadata_ = nullptr;
  int64_t id_ = 0;
};

}  // namespace berth::store
