// A counter and a flag rather than std::shared_mutex: leases are taken by one
// thread and may be dropped by another (a blob writer handed to a worker),
// which shared_mutex does not allow.
#include "store/lease.h"

namespace berth::store {

void Leases::Lease::Release() {
  if (owner_ == nullptr) return;
  {
    std::lock_guard lock(owner_->mu_);
    owner_->count_--;
  }
  owner_->cv_.notify_all();
  owner_ = nullptr;
}

Leases::Lease Leases::Acquire() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !exclusive_; });
  count_++;
  return Lease(this);
}

bool Leases::BeginExclusive(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  if (!cv_.wait_for(lock, timeout, [&] { return !exclusive_ && count_ == 0; })) return false;
  exclusive_ = true;
  return true;
}

void Leases::EndExclusive() {
  {
    std::lock_guard lock(mu_);
    exclusive_ = false;
  }
  cv_.notify_all();
}

int Leases::held() const {
  std::lock_guard lock(mu_);
  return count_;
}

}  // namespace berth::store
