// Path confinement for layer extraction. Everything here is fd-relative: the
// root is opened once, every later lookup goes through openat2 with
// RESOLVE_IN_ROOT from that fd, and removal walks with O_NOFOLLOW, so even a
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
  const uint64_t kFlags = O_RDONLY | O_DIRECTORY;
  int fd = OpenAt2(fd_.get(), Join(path), kFlags);
  if (fd >= 0) return UniqueFd(fd);
  if (errno != ENOENT || !create) {
    Error e = ErrnoError(Join(path));
    if (errno == ENOTDIR || errno == ELOOP) e.code = Code::kInvalidArgument;
    return e;
  }
  // Some component is missing: walk from the root, creating what is absent. Each
  // prefix is re-resolved from the root so symlinks keep their in-root meaning.
  UniqueFd cur(OpenAt2(fd_.get(), ".", kFlags));
  if (!cur.valid()) return ErrnoError("open root");
  for (size_t i = 0; i < path.size(); i++) {
    auto prefix = path.subspan(0, i + 1);
    int next = OpenAt2(fd_.get(), Join(prefix), kFlags);
    if (next < 0 && errno == ENOENT) {
      if (::mkdirat(cur.get(), path[i].c_str(), 0755) != 0 && errno != EEXIST) {
        return ErrnoError("mkdir " + Join(prefix));
      }
      next = OpenAt2(fd_.get(), Join(prefix), kFlags);
    }
    if (next < 0) {
      Error e = ErrnoError(Join(prefix));
      // ENOENT after mkdir: a dangling symlink is in the way.
      if (errno == ENOTDIR || errno == ELOOP || errno == ENOENT) e.code = Code::kInvalidArgument;
      return e;
    }
    cur.Reset(next);
  }
  return cur;
}

}  // namespace berth
