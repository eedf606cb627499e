// `diff` of a container: its overlay upper dir holds only what the container
// changed, so walking the upper dir and looking each entry up in the image's
// layers finds every change without reading the unchanged image (Docker
// mounts both trees and compares them whole). The lookups follow overlayfs's
// own rules for the lower layers (whiteouts hide, a non-directory ends a
// merge, an opaque directory hides what is below it), and every name is
// resolved relative to an open directory without following symlinks, since
// the container controls every name in its upper dir.
#include "tar/overlay_changes.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <set>

#include "base/fd.h"

namespace berth {

std::string_view ChangeKindLetter(ChangeKind kind) {
  switch (kind) {
    case ChangeKind::kModify: return "C";
    case ChangeKind::kAdd: return "A";
    case ChangeKind::kDelete: return "D";
  }
  return "?";
}

namespace {

bool IsWhiteout(const struct stat& st) {
  return S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0);
}

bool IsOpaque(int dirfd) {
  for (const char* key : {"trusted.overlay.opaque", "user.overlay.opaque"}) {
    char v[2];
    if (::fgetxattr(dirfd, key, v, sizeof v) == 1 && v[0] == 'y') return true;
  }
  return false;
}

// security.capability of dirfd/name, not following a symlink ("" when none).
std::string Capability(int dirfd, const std::string& name) {
  std::string path = "/proc/self/fd/" + std::to_string(dirfd) + "/" + name;
  char buf[256];
  ssize_t n = ::lgetxattr(path.c_str(), "security.capability", buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

Result<UniqueFd> OpenDirAt(int dirfd, const std::string& name, const std::string& path) {
  UniqueFd fd(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) return ErrnoError("open " + path);
  return fd;
}

Result<std::vector<std::string>> SortedNames(int dirfd, const std::string& path) {
  int fd = ::dup(dirfd);
  if (fd < 0) return ErrnoError("dup");
  DIR* d = ::fdopendir(fd);
  if (d == nullptr) {
    ::close(fd);
    return ErrnoError("read dir " + path);
  }
  std::vector<std::string> names;
  errno = 0;
  while (struct dirent* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (n != "." && n != "..") names.emplace_back(n);
  }
  int err = errno;
  ::closedir(d);
  if (err != 0) return ErrnoError("read dir " + path, err);
  std::sort(names.begin(), names.end());
  return names;
}

// What the merged lowers show at one name of a directory.
struct LowerEntry {
  bool exists = false;
  struct stat st {};
  int holder = -1;              // the lower dir fd the visible entry is in
  std::vector<UniqueFd> dirs{};  // for a directory: its merged dirs, topmost first
};

// Looks name up in dirs (one directory's merged lower dirs, topmost first)
// as overlayfs does. With want_dirs, also opens the dirs a directory merges.
Result<LowerEntry> Lookup(const std::vector<UniqueFd>& dirs, const std::string& name,
                          const std::string& path, bool want_dirs) {
  LowerEntry e;
  for (const UniqueFd& dir : dirs) {
    struct stat st;
    if (::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue;
      return ErrnoError("stat lower " + path);
    }
    if (!e.exists) {
      if (IsWhiteout(st)) return e;
      e = LowerEntry{.exists = true, .st = st, .holder = dir.get()};
      if (!S_ISDIR(st.st_mode) || !want_dirs) return e;
    } else if (!S_ISDIR(st.st_mode)) {
      return e;  // a non-directory (or whiteout) below a directory ends the merge
    }
    UniqueFd sub = TRY(OpenDirAt(dir.get(), name, path));
    bool opaque = IsOpaque(sub.get());
    e.dirs.push_back(std::move(sub));
    if (opaque) return e;
  }
  return e;
}

bool SameTime(const struct timespec& a, const struct timespec& b) {  // Docker's sameFsTimeSpec
  return a.tv_sec == b.tv_sec && (a.tv_nsec == b.tv_nsec || a.tv_nsec == 0 || b.tv_nsec == 0);
}

// Docker's statDifferent plus its capability comparison.
bool Differs(const LowerEntry& old, const struct stat& st, int upper_fd, const std::string& name) {
  const struct stat& o = old.st;
  if (o.st_mode != st.st_mode || o.st_uid != st.st_uid || o.st_gid != st.st_gid ||
      o.st_rdev != st.st_rdev) {
    return true;
  }
  if (!S_ISDIR(o.st_mode) && (!SameTime(o.st_mtim, st.st_mtim) || o.st_size != st.st_size)) {
    return true;
  }
  return Capability(old.holder, name) != Capability(upper_fd, name);
}

class Walker {
 public:
  explicit Walker(std::vector<Change>& out) : out_(out) {}

  // One directory: upper_fd in the upper dir, lowers its merged lower dirs.
  Status Walk(int upper_fd, const std::vector<UniqueFd>& lowers, const std::string& prefix) {
    auto names = TRY(SortedNames(upper_fd, prefix.empty() ? "/" : prefix));
    std::set<std::string> present, deleted;
    for (const std::string& name : names) {
      std::string path = prefix + "/" + name;
      struct stat st;
      if (::fstatat(upper_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT) continue;  // removed meanwhile (a running container)
        return ErrnoError("stat " + path);
      }
      if (IsWhiteout(st)) {
        if (TRY(Lookup(lowers, name, path, false)).exists) deleted.insert(name);
        continue;
      }
      present.insert(name);
      TRY(Entry(upper_fd, lowers, name, path, st));
    }
    if (!lowers.empty() && IsOpaque(upper_fd)) {  // what the lowers had here is gone
      std::set<std::string> old_names;
      for (const UniqueFd& dir : lowers) {
        for (auto& n : TRY(SortedNames(dir.get(), prefix))) old_names.insert(std::move(n));
      }
      for (const std::string& name : old_names) {
        if (present.count(name) || deleted.count(name)) continue;
        if (TRY(Lookup(lowers, name, prefix + "/" + name, false)).exists) deleted.insert(name);
      }
    }
    for (const std::string& name : deleted) {
      out_.push_back({.kind = ChangeKind::kDelete, .path = prefix + "/" + name});
    }
    return Ok();
  }

 private:
  Status Entry(int upper_fd, const std::vector<UniqueFd>& lowers, const std::string& name,
               const std::string& path, const struct stat& st) {
    bool dir = S_ISDIR(st.st_mode);
    LowerEntry old = TRY(Lookup(lowers, name, path, dir));
    size_t at = out_.size();
    bool listed = !old.exists || Differs(old, st, upper_fd, name);
    if (listed) out_.push_back({.kind = old.exists ? ChangeKind::kModify : ChangeKind::kAdd, .path = path});
    if (!dir) return Ok();
    UniqueFd sub(::openat(upper_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!sub.valid()) {
      if (errno == ENOENT) return Ok();
      return ErrnoError("open " + path);
    }
    TRY(Walk(sub.get(), old.dirs, path));
    if (!listed && out_.size() > at) {
      out_.insert(out_.begin() + static_cast<std::ptrdiff_t>(at),
                  Change{.kind = ChangeKind::kModify, .path = path});
    }
    return Ok();
  }

  std::vector<Change>& out_;
};

}  // namespace

Result<std::vector<Change>> OverlayChanges(const std::string& upper,
                                           const std::vector<std::string>& lowers) {
  UniqueFd root(::open(upper.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) return ErrnoError("open upper dir " + upper);
  std::vector<UniqueFd> lower_fds;
  for (const std::string& l : lowers) {
    UniqueFd fd(::open(l.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd.valid()) return ErrnoError("open lower dir " + l);
    lower_fds.push_back(std::move(fd));
  }
  std::vector<Change> out;
  Walker w(out);
  TRY(w.Walk(root.get(), lower_fds, ""));
  return out;
}

}  // namespace berth
