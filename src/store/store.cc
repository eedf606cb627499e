// One object per command owns the store root: it creates the layout, opens
// the database, and holds the root's flock. Every process holds the lock
// shared while it uses the store; GC alone takes it exclusively, so sweeping
// can never remove what another process has just written but not yet
// recorded. Inside a process, Leases play the same role.
#include "store/store.h"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>
#include <thread>

#include "base/file.h"
#include "base/interrupt.h"

namespace berth::store {
namespace {

// flock with a deadline (flock itself has none).
Status LockWithTimeout(int fd, int op, std::chrono::milliseconds timeout,
                       const std::string& what) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto pause = std::chrono::milliseconds(2);
  for (;;) {
    if (::flock(fd, op | LOCK_NB) == 0) return Ok();
    if (errno == EINTR) continue;
    if (errno != EWOULDBLOCK) return ErrnoError(what);
    TRY(CheckInterrupted());  // Ctrl-C while waiting for another process
    if (std::chrono::steady_clock::now() >= deadline) {
      return MakeError(Code::kUnavailable, what + ": store is in use by another process");
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
}

}  // namespace

Store::Store(std::string root, Options options, UniqueFd lock,
             std::unique_ptr<Metadata> metadata)
    : root_(std::move(root)),
      options_(options),
      lock_(std::move(lock)),
      metadata_(std::move(metadata)),
      content_(root_, &leases_, options_.read_only),
      snapshots_(root_, metadata_.get(), &leases_, options_.read_only) {}

Store::~Store() = default;

Result<std::unique_ptr<Store>> Store::Open(const std::string& root, Options options) {
  const std::string what = "open store " + root;
  std::string lock_path = JoinPath(root, "lock");
  if (options.read_only) {
    if (!PathExists(lock_path) || !PathExists(JoinPath(root, "berth.db"))) {
      return MakeError(Code::kNotFound, what + ": no store there");
    }
  } else {
    for (const char* sub : {"blobs/sha256", "ingest", "snapshots", "containers", "tmp"}) {
      TRY_CTX(MkdirAll(JoinPath(root, sub), 0755), what);
    }
  }
  UniqueFd lock = TRY_CTX(
      OpenFile(lock_path, options.read_only ? O_RDONLY : O_RDWR | O_CREAT, 0644), what);
  TRY(LockWithTimeout(lock.get(), LOCK_SH, options.lock_timeout, what));
  auto metadata =
      TRY_CTX(Metadata::Open(JoinPath(root, "berth.db"), options.read_only), what);
  return std::unique_ptr<Store>(
      new Store(root, options, std::move(lock), std::move(metadata)));
}

Result<GcStats> Store::CollectGarbage() {
  const std::string what = "garbage collection";
  if (options_.read_only) return ReadOnlyError().Wrap(what);
  if (!leases_.BeginExclusive(options_.lock_timeout)) {
    return MakeError(Code::kUnavailable, what + ": operations in progress in this process");
  }
  struct EndExclusive {
    Leases* leases;
    ~EndExclusive() { leases->EndExclusive(); }
  } end{&leases_};

  // Release shared, then wait for exclusive: two processes upgrading at once
  // would deadlock if both kept their shared lock while waiting.
  ::flock(lock_.get(), LOCK_UN);
  Status locked = LockWithTimeout(lock_.get(), LOCK_EX, options_.lock_timeout, what);
  Result<GcStats> stats = locked.ok() ? SweepUnreferenced(content_, snapshots_, *metadata_)
                                      : Result<GcStats>(std::move(locked).error());
  Status relock = LockWithTimeout(lock_.get(), LOCK_SH, options_.lock_timeout,
                                  what + ": re-taking the shared lock");
  if (!relock.ok() && stats.ok()) return std::move(relock).error();
  return stats;
}

Result<std::vector<std::string>> Store::Check() const {
  std::vector<std::string> problems = TRY(metadata_->QuickCheck());
  for (const ImageRecord& img : TRY(metadata_->ListImages())) {
    std::string who = "image " + img.id.Short();
    auto need_blob = [&](const Digest& d, const std::string& role) {
      if (!content_.Has(d)) problems.push_back(who + ": " + role + " blob " + d.str() + " is missing");
    };
    need_blob(img.id, "config");
    if (img.manifest_digest) need_blob(*img.manifest_digest, "manifest");
    for (size_t i = 0; i < img.layers.size(); i++) {
      const LayerRecord& l = img.layers[i];
      std::string layer = "layer " + std::to_string(i + 1);
      need_blob(l.blob, layer);
      auto snap = TRY(snapshots_.Get(l.chain_id));
      if (!snap) {
        problems.push_back(who + ": " + layer + " snapshot " + l.chain_id.str() + " is missing");
      }
    }
  }
  for (const SnapshotInfo& s : TRY(snapshots_.List())) {
    if (!PathExists(s.dir)) {
      problems.push_back("snapshot " + s.chain_id.str() + ": directory " + s.dir + " is missing");
    }
    if (s.parent && !TRY(snapshots_.Get(*s.parent))) {
      problems.push_back("snapshot " + s.chain_id.str() + ": parent " + s.parent->str() +
                         " is missing");
    }
  }
  return problems;
}

}  // namespace berth::store
