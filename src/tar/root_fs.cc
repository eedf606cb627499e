// Path confinement for layer extraction. Everything here is fd-relative: the
// root is opened once, every later lookup of an existing name goes through
// openat2 with RESOLVE_IN_ROOT from that fd, a directory just made is opened
// with O_NOFOLLOW beside it, and removal walks with O_NOFOLLOW, so even a
// symlink created a moment ago by the same archive cannot redirect a write.
#include "tar/root_fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace berth {

RootPath CleanRootPath(std::string_view name) {
  RootPath out;
  size_t i = 0;
  while (i <= name.size()) {
    size_t j = name.find('/', i);
    if (j == std::string_view::npos) j = name.size();
    std::string_view c = name.substr(i, j - i);
    if (c == "..") {
      if (!out.empty()) out.pop_back();
    } else if (!c.empty() && c != ".") {
      out.emplace_back(c);
    }
    i = j + 1;
  }
  return out;
}

std::string RootPathString(const RootPath& p) {
  if (p.empty()) return ".";
  std::string s;
  for (const auto& c : p) {
    if (!s.empty()) s += '/';
    s += c;
  }
  return s;
}

namespace {

std::string Join(std::span<const std::string> path) {
  std::string s;
  for (const auto& c : path) {
    if (!s.empty()) s += '/';
    s += c;
  }
  return s.empty() ? "." : s;
}

int OpenAt2(int dirfd, const std::string& path, uint64_t flags) {
  struct open_how how = {};
  how.flags = flags | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  for (;;) {
    long fd = ::syscall(SYS_openat2, dirfd, path.c_str(), &how, sizeof how);
    if (fd >= 0) return static_cast<int>(fd);
    // EAGAIN: a concurrent rename raced the lookup; the kernel asks for a retry.
    if (errno != EINTR && errno != EAGAIN) return -1;
  }
}

constexpr uint64_t kDirFlags = O_RDONLY | O_DIRECTORY;

// A failed resolution of path: kInvalidArgument when a component is no
// directory (or, with enoent_code, is missing), else as errno says.
Error ResolveError(const std::string& path, Code enoent_code = Code::kNotFound) {
  int err = errno;
  Error e = ErrnoError(path, err);
  if (err == ENOTDIR || err == ELOOP) e.code = Code::kInvalidArgument;
  if (err == ENOENT) e.code = enoent_code;
  return e;
}

}  // namespace

Result<RootFs> RootFs::Open(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoError("open root " + dir);
  return RootFs(UniqueFd(fd), dir);
}

Result<UniqueFd> RootFs::OpenAt(std::span<const std::string> path, int flags) const {
  int fd = OpenAt2(fd_.get(), Join(path), static_cast<uint64_t>(flags));
  if (fd < 0) {
    Error e = ErrnoError(Join(path));
    if (errno == ENOTDIR || errno == ELOOP) e.code = Code::kInvalidArgument;
    return e;
  }
  return UniqueFd(fd);
}

Result<UniqueFd> RootFs::OpenDir(std::span<const std::string> path, bool create) const {
  int fd = OpenAt2(fd_.get(), Join(path), kDirFlags);
  if (fd >= 0) return UniqueFd(fd);
  if (errno != ENOENT || !create) return ResolveError(Join(path));
  // Some component is missing. Find the deepest prefix that resolves: every
  // shorter one does and every longer one fails the same way, so a binary
  // search takes O(log n) resolutions where trying each prefix took O(n), and
  // a name thousands of components deep costs no more than its length.
  UniqueFd cur(OpenAt2(fd_.get(), ".", kDirFlags));
  if (!cur.valid()) return ErrnoError("open root");
  size_t ok = 0, missing = path.size();
  while (missing - ok > 1) {
    size_t mid = ok + (missing - ok) / 2;
    int next = OpenAt2(fd_.get(), Join(path.subspan(0, mid)), kDirFlags);
    if (next >= 0) {
      cur.Reset(next);
      ok = mid;
    } else if (errno == ENOENT) {
      missing = mid;
    } else {
      return ResolveError(Join(path.subspan(0, mid)));
    }
  }
  // Create the rest. Past the first new directory, each component is made in
  // an empty directory this call just made, so it is opened right there
  // (O_NOFOLLOW); only a name that already exists is resolved from the root,
  // so symlinks keep their in-root meaning.
  for (size_t i = ok; i < path.size(); i++) {
    auto prefix = path.subspan(0, i + 1);
    int next = -1;
    if (::mkdirat(cur.get(), path[i].c_str(), 0755) == 0) {
      next = ::openat(cur.get(), path[i].c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    } else if (errno == EEXIST) {
      next = OpenAt2(fd_.get(), Join(prefix), kDirFlags);
    } else {
      return ErrnoError("mkdir " + Join(prefix));
    }
    // ENOENT here: a dangling symlink is in the way.
    if (next < 0) return ResolveError(Join(prefix), Code::kInvalidArgument);
    cur.Reset(next);
  }
  return cur;
}

}  // namespace berth
