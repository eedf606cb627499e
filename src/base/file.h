// File-system helpers with Result errors: whole-file reads, atomic writes
// (temp + fsync + rename + fsync dir), directory creation and removal.
#pragma once

#include <string>
#include <string_view>

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
Status RemoveAll(const std::string& path);

// rm -rf of name relative to dirfd (AT_FDCWD for paths), fd-relative all the
// way down so a concurrent rename cannot redirect it. Absent is success.
Status RemoveTreeAt(int dirfd, const std::string& name);

bool PathExists(const std::string& path);

// Creates a fresh directory "<parent>/<prefix>XXXXXX"; returns its path.
Result<std::string> MakeTempDir(const std::string& parent, std::string_view prefix);

// Joins path pieces with exactly one '/' between them.
std::string JoinPath(std::string_view a, std::string_view b);

// Total bytes used by regular files below path (du-like, apparent size).
Result<uint64_t> DiskUsage(const std::string& path);

}  // namespace berth
