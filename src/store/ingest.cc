// Everything berth writes starts life in an ingest dir so that a crash at any
// moment leaves only garbage under <root>/ingest/, never a half-written blob
// or snapshot where readers look. The per-dir flock lets GC tell the garbage
// of a dead process from the work of a live one: the kernel drops the lock
// when its owner's file description closes, however the owner died. Because
// a dir can be removed (and a keyed one re-created) between opening its lock
// file and locking it, every lock taken is checked to still be the file at
// the path; otherwise the taker starts over.
#include "store/ingest.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <cerrno>
#include <ctime>
#include <thread>
#include <utility>

#include "base/file.h"
#include "base/interrupt.h"

namespace berth::store {
namespace {

// True when fd is still the lock file at dir/lock (same device and inode).
bool StillAtPath(int fd, const std::string& lock_path) {
  struct stat a, b;
  if (::fstat(fd, &a) != 0 || ::stat(lock_path.c_str(), &b) != 0) return false;
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

// How long a new dir may stay without a lock file: between its creator's
// mkdir and its creating the lock, a dir has none, and GC must not take it.
constexpr int64_t kLocklessGraceSeconds = 60;

bool Young(const std::string& dir) {
  struct stat st;
  return ::stat(dir.c_str(), &st) == 0 && st.st_mtime + kLocklessGraceSeconds > ::time(nullptr);
}

}  // namespace

IngestDir::IngestDir(IngestDir&& o) noexcept
    : path_(std::exchange(o.path_, std::string())),
      lock_(std::move(o.lock_)),
      keyed_(o.keyed_) {}

IngestDir& IngestDir::operator=(IngestDir&& o) noexcept {
  if (this != &o) {
    if (keyed_) {
      Keep();
    } else {
      (void)Remove();
    }
    path_ = std::exchange(o.path_, std::string());
    lock_ = std::move(o.lock_);
    keyed_ = o.keyed_;
  }
  return *this;
}

IngestDir::~IngestDir() {
  if (keyed_) {
    Keep();
  } else {
    (void)Remove();
  }
}

Result<IngestDir> IngestDir::Create(const std::string& ingest_root) {
  // Between creating the lock file and locking it, a GC sweep may claim the
  // new dir and move it to the trash: then wait for its lock (held only while
  // it moves the dir, or looks at it in a dry run), see that the lock file is
  // no longer at our path, and start over with a new dir.
  for (int attempt = 1;; ++attempt) {
    IngestDir d;
    d.path_ = TRY_CTX(MakeTempDir(ingest_root, ""), "create ingest dir");
    // From here on d's destructor removes the dir if anything fails.
    std::string lock_path = d.Join(kIngestLockName);
    auto fd = OpenFile(lock_path, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (!fd.ok() && fd.error().code != Code::kNotFound) return std::move(fd).error();
    if (fd.ok()) {
      while (::flock(fd->get(), LOCK_EX) != 0) {
        if (errno != EINTR) return ErrnoError("lock " + lock_path);
      }
      if (StillAtPath(fd->get(), lock_path)) {
        d.lock_ = std::move(fd).value();
        return d;
      }
    }
    d.Keep();  // GC took it (to the trash): not ours to remove
    if (attempt == 100) {
      return MakeError(Code::kUnavailable, "create ingest dir: taken by garbage collection 100 times");
    }
  }
}

Result<IngestDir> IngestDir::OpenKeyed(const std::string& ingest_root, std::string_view key,
                                       std::chrono::milliseconds wait) {
  std::string dir = JoinPath(ingest_root, key);
  std::string lock_path = JoinPath(dir, kIngestLockName);
  auto deadline = std::chrono::steady_clock::now() + wait;
  auto pause = std::chrono::milliseconds(5);
  for (;;) {
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return ErrnoError("mkdir " + dir);
    auto fd = OpenFile(lock_path, O_RDWR | O_CREAT, 0600);
    if (!fd.ok() && fd.error().code != Code::kNotFound) return std::move(fd).error();
    if (fd.ok()) {
      if (::flock(fd->get(), LOCK_EX | LOCK_NB) == 0) {
        if (StillAtPath(fd->get(), lock_path)) {
          IngestDir d;
          d.path_ = dir;
          d.lock_ = std::move(fd).value();
          d.keyed_ = true;
          return d;
        }
        continue;  // removed or replaced under us: start over at once
      }
      if (errno != EWOULDBLOCK && errno != EINTR) return ErrnoError("lock " + lock_path);
    }
    // Someone else holds it (or the dir vanished between mkdir and open).
    TRY(CheckInterrupted());  // Ctrl-C while waiting for another process
    if (std::chrono::steady_clock::now() >= deadline) {
      return MakeError(Code::kUnavailable,
                       "ingest " + std::string(key) + " is being written by another process");
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(100));
  }
}

Result<std::optional<UniqueFd>> IngestDir::TryClaim(const std::string& dir) {
  std::string lock_path = JoinPath(dir, kIngestLockName);
  auto fd = OpenFile(lock_path, O_RDWR);
  if (!fd.ok()) {
    if (fd.error().code != Code::kNotFound) return std::move(fd).error();
    if (!PathExists(dir) || Young(dir)) return std::optional<UniqueFd>();
    return std::optional<UniqueFd>(UniqueFd());
  }
  if (::flock(fd->get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) return std::optional<UniqueFd>();
    return ErrnoError("lock " + lock_path);
  }
  if (!StillAtPath(fd->get(), lock_path)) return std::optional<UniqueFd>();
  return std::optional<UniqueFd>(std::move(fd).value());
}

std::string IngestDir::Join(std::string_view name) const { return JoinPath(path_, name); }

Status IngestDir::Remove() {
  if (path_.empty()) return Ok();
  // Remove while still holding the lock so GC never sees it unlocked and half
  // gone. The lock file goes last but one (then the empty dir): a removal
  // killed midway leaves a dir whose lock nobody holds, which the next GC
  // sweeps at once (a dir without a lock file is spared for a minute, as a
  // creator's not yet locked). A waiter on a keyed dir still starts over: the
  // lock file is gone before the lock is let go.
  Status st = Ok();
  auto names = ListDir(path_);
  for (const std::string& name : names.ok() ? *names : std::vector<std::string>{}) {
    if (name == kIngestLockName) continue;
    Status one = RemoveAll(Join(name));
    if (st.ok() && !one.ok()) st = one;
  }
  (void)::unlink(Join(kIngestLockName).c_str());
  Status rest = RemoveTree(path_);
  if (st.ok()) st = rest;
  path_.clear();
  lock_.Reset();
  return st;
}

void IngestDir::Keep() {
  path_.clear();
  lock_.Reset();
}

Status RemoveTree(const std::string& path) { return RemoveAll(path); }

}  // namespace berth::store
