// Everything berth writes starts life in an ingest dir so that a crash at any
// moment leaves only garbage under <root>/ingest/, never a half-written blob
// or snapshot where readers look. The per-dir flock lets GC tell the garbage
// of a dead process from the work of a live one: the kernel drops the lock
// when its owner's file description closes, however the owner died.
#include "store/ingest.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <cerrno>
#include <utility>

#include "base/file.h"

namespace berth::store {

IngestDir::IngestDir(IngestDir&& o) noexcept
    : path_(std::exchange(o.path_, std::string())), lock_(std::move(o.lock_)) {}

IngestDir& IngestDir::operator=(IngestDir&& o) noexcept {
  if (this != &o) {
    (void)Remove();
    path_ = std::exchange(o.path_, std::string());
    lock_ = std::move(o.lock_);
  }
  return *this;
}

IngestDir::~IngestDir() { (void)Remove(); }

Result<IngestDir> IngestDir::Create(const std::string& ingest_root) {
  IngestDir d;
  d.path_ = TRY_CTX(MakeTempDir(ingest_root, ""), "create ingest dir");
  // From here on d's destructor removes the dir if anything fails.
  d.lock_ = TRY(OpenFile(d.Join(kIngestLockName), O_RDWR | O_CREAT | O_EXCL, 0600));
  if (::flock(d.lock_.get(), LOCK_EX | LOCK_NB) != 0) {
    return ErrnoError("lock " + d.Join(kIngestLockName));
  }
  return d;
}

Result<std::optional<UniqueFd>> IngestDir::TryClaim(const std::string& dir) {
  auto fd = OpenFile(JoinPath(dir, kIngestLockName), O_RDWR);
  if (!fd.ok()) {
    if (fd.error().code == Code::kNotFound) return std::optional<UniqueFd>(UniqueFd());
    return std::move(fd).error();
  }
  if (::flock(fd->get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) return std::optional<UniqueFd>();
    return ErrnoError("lock " + JoinPath(dir, kIngestLockName));
  }
  return std::optional<UniqueFd>(std::move(fd).value());
}

std::string IngestDir::Join(std::string_view name) const { return JoinPath(path_, name); }

Status IngestDir::Remove() {
  if (path_.empty()) return Ok();
  // Remove while still holding the lock so GC never sees it unlocked and half gone.
  Status st = RemoveTree(path_);
  path_.clear();
  lock_.Reset();
  return st;
}

Status RemoveTree(const std::string& path) { return RemoveAll(path); }

}  // namespace berth::store
