// Why a trash directory rather than deleting in place: GC must never leave a
// half-deleted snapshot or blob where readers look, and `rmi` should finish
// when the metadata says the image is gone, not when the disk has freed its
// extents. A rename moves the garbage out of sight in one step; the bytes are
// freed afterwards by whoever empties the trash (this process, a detached
// child, or the next GC after a crash).
#include "store/trash.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "base/file.h"
#include "store/ingest.h"

namespace berth::store {
namespace {

constexpr const char* kLockName = ".lock";

// What is waiting in the trash (its lock file aside).
Result<std::vector<std::string>> Names(const std::string& dir) {
  std::vector<std::string> names = TRY(ListDir(dir));
  std::erase(names, kLockName);
  return names;
}

}  // namespace

Status Trash::MoveIn(const std::string& path, std::string_view tag) {
  for (int attempt = 0; attempt < 100; attempt++) {
    auto tmp = TRY_CTX(MakeTempDir(dir_, std::string(tag) + "-"), "trash");
    // Renaming onto the fresh empty dir replaces it atomically (a directory
    // replaces an empty directory; a file cannot, so files get a name inside).
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) {
      ::rmdir(tmp.c_str());
      if (errno == ENOENT) return Ok();
      return ErrnoError("trash " + path);
    }
    std::string target = S_ISDIR(st.st_mode) ? tmp : JoinPath(tmp, "f");
    if (::rename(path.c_str(), target.c_str()) == 0) return Ok();
    int err = errno;
    if (S_ISDIR(st.st_mode) || err != EEXIST) ::rmdir(tmp.c_str());
    if (err == ENOENT && !PathExists(path)) return Ok();  // moved by someone else
    if (err != ENOENT && err != EEXIST && err != ENOTEMPTY) return ErrnoError("move " + path + " to the trash", err);
  }
  return MakeError(Code::kInternal, "could not move " + path + " to the trash");
}

Status Trash::Empty() {
  // Whoever finds the lock taken leaves its entries to the holder, so the
  // holder looks again after letting go: an entry moved in while it worked
  // is seen either by that look or by its mover's own attempt to lock.
  std::vector<std::string> failed;
  for (;;) {
    UniqueFd lock = TRY(OpenFile(JoinPath(dir_, kLockName), O_RDWR | O_CREAT, 0600));
    if (::flock(lock.get(), LOCK_EX | LOCK_NB) != 0) {
      if (errno == EWOULDBLOCK) return Ok();  // another emptier is at work
      return ErrnoError("lock the trash");
    }
    Status first = Ok();
    bool removed_any = false;
    for (const std::string& name : TRY(Names(dir_))) {
      if (std::find(failed.begin(), failed.end(), name) != failed.end()) continue;
      Status st = RemoveTree(JoinPath(dir_, name));
      if (st.ok()) {
        removed_any = true;
        continue;
      }
      failed.push_back(name);
      if (first.ok()) first = std::move(st).error().Wrap("empty the trash");
    }
    lock.Reset();
    if (!first.ok()) return first;
    if (!removed_any || TRY(Count()) == 0) return Ok();
  }
}

Status Trash::EmptyInBackground() {
  if (TRY(Count()) == 0) return Ok();
  pid_t child = ::fork();
  if (child < 0) return ErrnoError("fork");
  if (child == 0) {
    // Middle process: detach and let the grandchild be adopted by init, so
    // the caller neither waits for it nor leaves a zombie.
    ::setsid();
    if (::fork() != 0) ::_exit(0);
    int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
      ::dup2(null, 0);
      ::dup2(null, 1);
      ::dup2(null, 2);
    }
    (void)Empty();
    ::_exit(0);
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  return Ok();
}

Result<int64_t> Trash::Count() const {
  return static_cast<int64_t>(TRY(Names(dir_)).size());
}

Result<int64_t> Trash::Bytes() const {
  int64_t total = 0;
  for (const std::string& name : TRY(Names(dir_))) {
    auto du = DiskUsage(JoinPath(dir_, name));
    if (du.ok()) total += static_cast<int64_t>(*du);
  }
  return total;
}

}  // namespace berth::store
