// File-system helpers with Result errors: whole-file reads, atomic writes
// (temp + fsync + rename + fsync dir), directory creation, and tree walks and
// removal that hold O(1) file descriptors (tree_walk.cc).
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "base/fd.h"
#include "base/result.h"

namespace berth {

// open(2) with O_CLOEXEC; NotFound when the path is absent.
Result<UniqueFd> OpenFile(const std::string& path, int flags, int mode = 0644);

// Reads a whole file (small files only).
Result<std::string> ReadFile(const std::string& path);

// Writes content to path atomically: a temp file beside it, fsync, rename,
// fsync of the directory. Readers see the old or the new file, never a mix.
Status WriteFileAtomic(const std::string& path, std::string_view content, int mode = 0644);

// fsync of a directory (after a rename or unlink inside it).
Status SyncDir(const std::string& dir);

// mkdir -p with the given mode (less the umask) for directories it creates.
// AlreadyExists when path exists and is not a directory.
Status MkdirAll(const std::string& path, int mode = 0755);

// rm -rf; succeeds when the path does not exist. Never follows symlinks.
// As RemoveTreeAt, with errors prefixed "remove <path>: ".
Status RemoveAll(const std::string& path);

// rm -rf of name relative to dirfd (AT_FDCWD for paths), fd-relative all the
// way down so a concurrent rename cannot redirect it. Absent is success.
// Holds at most two file descriptors of its own however deep the tree is.
// A directory it may not write or read (mode 0555, 0000 inside a layer) is
// made u+rwx and retried, which needs its owner or root. An entry it cannot
// remove does not stop it: it removes all it can and returns the first error
// (whose message names the entry, not its whole path). It stops early only
// when it cannot get back up to a directory it left: kConflict when that
// directory moved while it was inside.
Status RemoveTreeAt(int dirfd, const std::string& name);

// What WalkTreeAt calls back.
class TreeVisitor {
 public:
  virtual ~TreeVisitor() = default;
  // Every entry that is not a directory, as `name` in the directory dirfd;
  // type is its d_type (DT_REG, DT_LNK, DT_CHR, ...; never DT_DIR or DT_UNKNOWN).
  virtual Status Entry(int dirfd, const char* name, unsigned char type) = 0;
  // Every directory, the top included, after all of its entries: fd is the
  // directory (O_RDONLY), dev and ino its fstat identity.
  virtual Status LeaveDir(int fd, dev_t dev, ino_t ino) {
    (void)fd, (void)dev, (void)ino;
    return Ok();
  }
};

// Walks the directory name (relative to dirfd, AT_FDCWD for a path) depth
// first without following any symlink, the top included, holding at most two
// file descriptors of its own however deep the tree is and memory in
// proportion to its depth. An entry that vanishes during the walk is skipped.
// The visitor's first error stops the walk and is returned. Errors: NotFound
// when the top is absent, kInvalidArgument when it is not a directory,
// kConflict when a directory moved while the walk was inside it.
Status WalkTreeAt(int dirfd, const std::string& name, TreeVisitor& visitor);

bool PathExists(const std::string& path);

// Names in a directory, without "." and "..", in readdir order. A directory
// that does not exist has none.
Result<std::vector<std::string>> ListDir(const std::string& path);

// Creates a fresh directory "<parent>/<prefix>XXXXXX"; returns its path.
Result<std::string> MakeTempDir(const std::string& parent, std::string_view prefix);

// The directory part of a path: "a/b" -> "a", "/b" -> "/", "b" -> ".".
std::string DirName(const std::string& path);

// 12 random characters from [a-z0-9], for temporary names.
std::string RandomName();

// Joins path pieces with exactly one '/' between them.
std::string JoinPath(std::string_view a, std::string_view b);

// Total bytes used by regular files below path (du-like, apparent size; a
// file with several links counts once per link). Walks as WalkTreeAt does.
Result<uint64_t> DiskUsage(const std::string& path);

// The process's umask (read once, from /proc/self/status: umask(2) can
// only be read by changing it, which would race with other threads creating
// files). 022 when it cannot be read.
mode_t ProcessUmask();

}  // namespace berth
