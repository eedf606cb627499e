// File-by-file copying with descriptors. Both sides are walked relative to
// open directory descriptors with O_NOFOLLOW, so what is copied is exactly
// the tree under the named path; the only path resolution that follows
// links is the container-side lookup of the named path itself, and that is
// confined to the container's root.
#include "container/copy.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

#include "base/fd.h"
#include "base/file.h"
#include "tar/root_fs.h"

namespace berth::container {
namespace {

struct Owner {
  bool keep = true;  // keep the source's uid/gid, else 0:0
};

Status CopyEntry(int src_dir, const std::string& src_name, int dst_dir, const std::string& dst_name,
                 Owner owner, int depth);

Status CopyDirContents(int src, int dst, Owner owner, int depth) {
  UniqueFd dup(::dup(src));
  if (!dup.valid()) return ErrnoError("dup");
  DIR* d = ::fdopendir(dup.release());
  if (d == nullptr) return ErrnoError("read directory");
  Status st = Ok();
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    st = CopyEntry(src, name, dst, name, owner, depth + 1);
    if (!st.ok()) break;
  }
  ::closedir(d);
  return st;
}

Status Finish(int fd_or_dir, const std::string& name, const struct stat& st, Owner owner, bool link) {
  int flags = AT_SYMLINK_NOFOLLOW;
  uid_t uid = owner.keep ? st.st_uid : 0;
  gid_t gid = owner.keep ? st.st_gid : 0;
  if (::fchownat(fd_or_dir, name.c_str(), uid, gid, flags) != 0) return ErrnoError("chown " + name);
  if (!link && ::fchmodat(fd_or_dir, name.c_str(), st.st_mode & 07777, 0) != 0) {
    return ErrnoError("chmod " + name);
  }
  timespec times[2] = {st.st_atim, st.st_mtim};
  (void)::utimensat(fd_or_dir, name.c_str(), times, flags);
  return Ok();
}

// Removes what is at dst_dir/name unless it is a directory (a file, a link:
// never followed).
void ClearNonDir(int dst_dir, const std::string& name) {
  struct stat st;
  if (::fstatat(dst_dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode)) {
    ::unlinkat(dst_dir, name.c_str(), 0);
  }
}

// Copies the open regular file in (size bytes) to a new dst_dir/dst_name.
Status CopyContent(int in, off_t size, int dst_dir, const std::string& dst_name) {
  ClearNonDir(dst_dir, dst_name);
  UniqueFd out(::openat(dst_dir, dst_name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!out.valid()) return ErrnoError("create " + dst_name);
  off_t left = size;
  while (left > 0) {
    ssize_t n = ::sendfile(out.get(), in, nullptr, static_cast<size_t>(std::min<off_t>(left, 1 << 30)));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError("copy to " + dst_name);
    if (n == 0) break;  // the file shrank meanwhile
    left -= n;
  }
  return Ok();
}

Status CopyEntry(int src_dir, const std::string& src_name, int dst_dir, const std::string& dst_name,
                 Owner owner, int depth) {
  if (depth > 4096) return MakeError(Code::kInvalidArgument, "directory tree too deep");
  struct stat st;
  if (::fstatat(src_dir, src_name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return ErrnoError("stat " + src_name);
  }
  if (S_ISDIR(st.st_mode)) {
    struct stat have;
    if (::fstatat(dst_dir, dst_name.c_str(), &have, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(have.st_mode)) {
      ::unlinkat(dst_dir, dst_name.c_str(), 0);
    }
    if (::mkdirat(dst_dir, dst_name.c_str(), 0700) != 0 && errno != EEXIST) {
      return ErrnoError("mkdir " + dst_name);
    }
    UniqueFd s(::openat(src_dir, src_name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    UniqueFd d(::openat(dst_dir, dst_name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!s.valid() || !d.valid()) return ErrnoError("open directory " + src_name);
    TRY(CopyDirContents(s.get(), d.get(), owner, depth));
    return Finish(dst_dir, dst_name, st, owner, false);
  }
  if (S_ISREG(st.st_mode)) {
    UniqueFd in(::openat(src_dir, src_name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!in.valid()) return ErrnoError("open " + src_name);
    TRY(CopyContent(in.get(), st.st_size, dst_dir, dst_name));
    return Finish(dst_dir, dst_name, st, owner, false);
  }
  if (S_ISLNK(st.st_mode)) {
    char target[PATH_MAX];
    ssize_t n = ::readlinkat(src_dir, src_name.c_str(), target, sizeof target - 1);
    if (n < 0) return ErrnoError("readlink " + src_name);
    ClearNonDir(dst_dir, dst_name);
    if (::symlinkat(std::string(target, static_cast<size_t>(n)).c_str(), dst_dir, dst_name.c_str()) != 0) {
      return ErrnoError("symlink " + dst_name);
    }
    return Finish(dst_dir, dst_name, st, owner, true);
  }
  if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
    ClearNonDir(dst_dir, dst_name);
    if (::mknodat(dst_dir, dst_name.c_str(), st.st_mode, st.st_rdev) != 0) {
      return ErrnoError("mknod " + dst_name);
    }
    return Finish(dst_dir, dst_name, st, owner, false);
  }
  return Ok();  // sockets: skipped, as docker's tar does
}

// A container path split into its parent (opened in root) and last name;
// "." names the parent itself (src "/." or the root).
struct Resolved {
  UniqueFd parent;
  std::string name;
};

Result<Resolved> ResolveInRoot(const RootFs& root, std::string_view path) {
  RootPath p = CleanRootPath(path);
  if (p.empty()) {
    UniqueFd parent(::openat(root.fd(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!parent.valid()) return ErrnoError("open the container's root");
    return Resolved{std::move(parent), "."};
  }
  std::string name = p.back();
  p.pop_back();
  auto parent = root.OpenDir(p, /*create=*/false);
  if (!parent.ok()) {
    return MakeError(Code::kNotFound, "Could not find the file " + std::string(path) + " in container");
  }
  return Resolved{std::move(*parent), name};
}

bool EndsWithDot(std::string_view p) { return p == "." || p.ends_with("/."); }

std::string BaseName(const std::string& p) {
  std::string s = p;
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  size_t slash = s.rfind('/');
  return slash == std::string::npos ? s : s.substr(slash + 1);
}

}  // namespace

Status CopyTreeAt(int src_dir, const std::string& src_name, int dst_dir, const std::string& dst_name,
                  bool keep_owner) {
  return CopyEntry(src_dir, src_name, dst_dir, dst_name, Owner{.keep = keep_owner}, 0);
}

Status CopyOpenFile(int src, int dst_dir, const std::string& dst_name, bool keep_owner) {
  struct stat st;
  if (::fstat(src, &st) != 0) return ErrnoError("stat " + dst_name);
  if (!S_ISREG(st.st_mode)) return MakeError(Code::kInvalidArgument, dst_name + ": not a regular file");
  TRY(CopyContent(src, st.st_size, dst_dir, dst_name));
  return Finish(dst_dir, dst_name, st, Owner{.keep = keep_owner}, false);
}

Status CopyFromContainer(const std::string& root_dir, std::string_view src, const std::string& dest) {
  RootFs root = TRY(RootFs::Open(root_dir));
  Resolved s = TRY(ResolveInRoot(root, src));
  struct stat st;
  if (::fstatat(s.parent.get(), s.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return MakeError(Code::kNotFound, "Could not find the file " + std::string(src) + " in container");
  }
  struct stat dst;
  bool dest_dir = ::stat(dest.c_str(), &dst) == 0 && S_ISDIR(dst.st_mode);
  if (S_ISDIR(st.st_mode) && EndsWithDot(src)) {
    TRY(MkdirAll(dest, 0755));
    UniqueFd sd(::openat(s.parent.get(), s.name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    UniqueFd dd(::open(dest.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!sd.valid() || !dd.valid()) return ErrnoError("open " + dest);
    return CopyDirContents(sd.get(), dd.get(), Owner{}, 0);
  }
  std::string parent = dest_dir ? dest : DirName(dest);
  std::string name = dest_dir ? (s.name == "." ? BaseName(std::string(src)) : s.name) : BaseName(dest);
  if (!dest_dir && !dest.empty() && dest.back() == '/') {
    return MakeError(Code::kNotFound, "destination directory " + dest + " does not exist");
  }
  if (S_ISDIR(st.st_mode) && !dest_dir && ::lstat(dest.c_str(), &dst) == 0) {
    return MakeError(Code::kInvalidArgument, "cannot copy a directory to a file: " + dest);
  }
  UniqueFd pd(::open(parent.empty() ? "." : parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!pd.valid()) return ErrnoError("open " + parent);
  return CopyEntry(s.parent.get(), s.name, pd.get(), name, Owner{}, 0);
}

Status CopyToContainer(const std::string& src, const std::string& root_dir, std::string_view dest,
                       bool archive) {
  struct stat st;
  if (::lstat(src.c_str(), &st) != 0) return ErrnoError("stat " + src);
  RootFs root = TRY(RootFs::Open(root_dir));
  Owner owner{.keep = archive};
  // An existing directory at dest (a link to one resolved in the root) receives src.
  auto into = root.OpenDir(CleanRootPath(dest), /*create=*/false);
  std::string src_parent = DirName(src), src_name = BaseName(src);
  UniqueFd sp(::open(src_parent.empty() ? "." : src_parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!sp.valid()) return ErrnoError("open " + src_parent);
  if (into.ok()) {
    if (S_ISDIR(st.st_mode) && EndsWithDot(src)) {
      UniqueFd sd(::open(src.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      if (!sd.valid()) return ErrnoError("open " + src);
      return CopyDirContents(sd.get(), into->get(), owner, 0);
    }
    return CopyEntry(sp.get(), src_name, into->get(), src_name, owner, 0);
  }
  if (!dest.empty() && dest.back() == '/') {
    return MakeError(Code::kNotFound, "destination directory " + std::string(dest) + " does not exist");
  }
  Resolved d = TRY(ResolveInRoot(root, dest));
  return CopyEntry(sp.get(), src_name, d.parent.get(), d.name, owner, 0);
}

}  // namespace berth::container
