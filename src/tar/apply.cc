// Layer extraction, the security-critical step of every pull and load. libarchive
// parses the tar; every file-system change is made here with fd-relative syscalls
// on directories opened through RootFs (openat2 RESOLVE_IN_ROOT), new files are
// created with O_EXCL|O_NOFOLLOW after removing whatever held the name, and nothing
// ever follows a symlink by path. So absolute names, "..", and symlinks planted
// earlier in the same tar all stay inside the layer directory. Whiteouts become
// overlay whiteouts (0/0 char devices, trusted.overlay.opaque) because the layer is
// used as an overlay lowerdir.
#include "tar/apply.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <optional>

#include "base/strings.h"
#include "tar/archive_util.h"
#include "tar/layer_size.h"
#include "tar/root_fs.h"

namespace berth {
namespace {

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kWhiteoutMetaPrefix = ".wh..wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";
constexpr char kOpaqueXattr[] = "trusted.overlay.opaque";

std::string ProcPath(int dirfd, const std::string& name) {
  return "/proc/self/fd/" + std::to_string(dirfd) + "/" + name;
}

// xattrs a layer may carry. Overlay's own (opaque, redirect, metacopy, origin) could
// change how the overlay mount reads the lowers, so only whiteout markers set them.
bool AllowedXattr(std::string_view name) {
  if (name.starts_with("trusted.overlay.") || name.starts_with("user.overlay.")) return false;
  return name.starts_with("security.") || name.starts_with("user.") ||
         name.starts_with("trusted.");
}

struct Times {
  struct timespec ts[2];
};

Times EntryTimes(archive_entry* e) {
  Times t;
  t.ts[1].tv_sec = archive_entry_mtime(e);
  t.ts[1].tv_nsec = archive_entry_mtime_is_set(e) ? archive_entry_mtime_nsec(e) : 0;
  if (archive_entry_atime_is_set(e)) {
    t.ts[0].tv_sec = archive_entry_atime(e);
    t.ts[0].tv_nsec = archive_entry_atime_nsec(e);
  } else {
    t.ts[0] = t.ts[1];
  }
  return t;
}

class Applier {
 public:
  Applier(RootFs root, const ApplyOptions& opts, archive* a)
      : root_(std::move(root)), opts_(opts), a_(a) {}

  Status Apply(archive_entry* e);
  Status SetDirectoryTimes();

 private:
  Status ApplyRoot(archive_entry* e);
  Status Whiteout(const RootPath& path, int pfd, archive_entry* e);
  Status RegularFile(int pfd, const std::string& base, archive_entry* e);
  Status Hardlink(const RootPath& path, int pfd, archive_entry* e);
  Status CopyFromLower(const RootPath& target, int pfd, const std::string& base);
  Status Metadata(int pfd, const std::string& base, int fd, mode_t type, archive_entry* e);
  Status Chown(int pfd, const std::string& base, archive_entry* e);
  Status Xattrs(int pfd, const std::string& base, int fd, archive_entry* e);
  void ForgetTimes(const RootPath& path);

  RootFs root_;
  const ApplyOptions& opts_;
  archive* a_;
  std::map<std::string, Times> dir_times_;  // set after all entries (children touch them)
  std::vector<std::optional<RootFs>> lowers_;
};

Status Applier::Apply(archive_entry* e) {
  const char* raw = EntryPathname(e);
  if (!raw) return MakeError(Code::kDataLoss, "tar entry without a name");
  RootPath path = CleanRootPath(raw);
  mode_t type = archive_entry_filetype(e);
  bool is_link = EntryHardlink(e) != nullptr;
  if (path.empty()) {
    if (type != AE_IFDIR || is_link) {
      return MakeError(Code::kInvalidArgument, "cannot replace the layer root");
    }
    return ApplyRoot(e);
  }
  // aufs metadata at the top (.wh..wh.plnk/..., .wh..wh.aufs) means nothing here.
  if (path[0].starts_with(kWhiteoutMetaPrefix) && !(path.size() == 1 && path[0] == kOpaqueMarker)) {
    return Ok();
  }
  for (size_t i = 0; i + 1 < path.size(); i++) {
    if (path[i].starts_with(kWhiteoutPrefix)) {
      return MakeError(Code::kInvalidArgument, "whiteout name used as a directory");
    }
  }
  RootPath parent(path.begin(), path.end() - 1);
  const std::string& base = path.back();
  UniqueFd pfd = TRY(root_.OpenDir(parent, /*create=*/true));
  if (base.starts_with(kWhiteoutPrefix)) return Whiteout(path, pfd.get(), e);

  bool is_dir = type == AE_IFDIR && !is_link;
  if (is_link) {
    RootPath target = CleanRootPath(EntryHardlink(e));
    if (target == path) return MakeError(Code::kInvalidArgument, "hardlink to itself");
  }
  struct stat st;
  if (::fstatat(pfd.get(), base.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    // A later entry replaces an earlier one, except that a directory over a
    // directory keeps its contents and only takes the new metadata.
    if (!(is_dir && S_ISDIR(st.st_mode))) {
      TRY(RemoveTreeAt(pfd.get(), base));
      ForgetTimes(path);
    }
  } else if (errno != ENOENT) {
    return ErrnoError("stat");
  }

  if (is_link) return Hardlink(path, pfd.get(), e);
  switch (type) {
    case AE_IFREG:
      return RegularFile(pfd.get(), base, e);
    case AE_IFDIR: {
      if (::mkdirat(pfd.get(), base.c_str(), 0700) != 0 && errno != EEXIST) {
        return ErrnoError("mkdir");
      }
      UniqueFd dfd(::openat(pfd.get(), base.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!dfd.valid()) return ErrnoError("open directory");
      TRY(Metadata(pfd.get(), base, dfd.get(), type, e));
      dir_times_[RootPathString(path)] = EntryTimes(e);
      return Ok();
    }
    case AE_IFLNK: {
      const char* target = EntrySymlink(e);
      if (!target || !*target) return MakeError(Code::kDataLoss, "symlink without a target");
      if (::symlinkat(target, pfd.get(), base.c_str()) != 0) return ErrnoError("symlink");
      return Metadata(pfd.get(), base, -1, type, e);
    }
    case AE_IFCHR:
    case AE_IFBLK:
    case AE_IFIFO: {
      dev_t dev = type == AE_IFIFO ? 0 : makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e));
      if (::mknodat(pfd.get(), base.c_str(), type | 0600, dev) != 0) return ErrnoError("mknod");
      return Metadata(pfd.get(), base, -1, type, e);
    }
    case AE_IFSOCK:
      return Ok();  // sockets cannot be restored from a tar; Docker skips them too
    default:
      return MakeError(Code::kInvalidArgument, "unsupported entry type " + std::to_string(type));
  }
}

Status Applier::ApplyRoot(archive_entry* e) {
  TRY(Metadata(root_.fd(), ".", root_.fd(), AE_IFDIR, e));
  dir_times_["."] = EntryTimes(e);
  return Ok();
}

Status Applier::Whiteout(const RootPath& path, int pfd, archive_entry* e) {
  const std::string& base = path.back();
  if (base == kOpaqueMarker) {
    if (::fsetxattr(pfd, kOpaqueXattr, "y", 1, 0) != 0) return ErrnoError("set opaque xattr");
    return Ok();
  }
  if (base.starts_with(kWhiteoutMetaPrefix)) return Ok();  // aufs metadata: meaningless here
  std::string victim = base.substr(kWhiteoutPrefix.size());
  if (victim.empty() || victim == "." || victim == "..") {
    return MakeError(Code::kInvalidArgument, "invalid whiteout name");
  }
  TRY(RemoveTreeAt(pfd, victim));
  RootPath victim_path(path.begin(), path.end() - 1);
  victim_path.push_back(victim);
  ForgetTimes(victim_path);
  if (::mknodat(pfd, victim.c_str(), S_IFCHR, makedev(0, 0)) != 0) return ErrnoError("mknod whiteout");
  return Chown(pfd, victim, e);
}

Status Applier::RegularFile(int pfd, const std::string& base, archive_entry* e) {
  UniqueFd fd(::openat(pfd, base.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) return ErrnoError("create");
  int64_t end = 0;
  for (;;) {
    const void* buf;
    size_t size;
    la_int64_t offset;
    int r = archive_read_data_block(a_, &buf, &size, &offset);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) return ArchiveError(a_, "reading file data");
    const char* p = static_cast<const char*>(buf);
    while (size > 0) {
      ssize_t n = ::pwrite(fd.get(), p, size, offset);
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoError("write");
      }
      p += n;
      offset += n;
      size -= static_cast<size_t>(n);
    }
    end = std::max<int64_t>(end, offset);
  }
  // Sparse files may end in a hole.
  if (archive_entry_size_is_set(e) && archive_entry_size(e) > end) {
    if (::ftruncate(fd.get(), archive_entry_size(e)) != 0) return ErrnoError("truncate");
  }
  TRY(Metadata(pfd, base, fd.get(), AE_IFREG, e));
  struct Times t = EntryTimes(e);
  if (::futimens(fd.get(), t.ts) != 0) return ErrnoError("set times");
  return Ok();
}

Status Applier::Hardlink(const RootPath& path, int pfd, archive_entry* e) {
  RootPath target = CleanRootPath(EntryHardlink(e));
  if (target.empty()) return MakeError(Code::kInvalidArgument, "hardlink to the layer root");
  RootPath tparent(target.begin(), target.end() - 1);
  auto tdir = root_.OpenDir(tparent, /*create=*/false);
  struct stat st;
  bool found = tdir.ok() &&
               ::fstatat(tdir->get(), target.back().c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
  if (!found) return CopyFromLower(target, pfd, path.back());
  if (S_ISDIR(st.st_mode)) {
    return MakeError(Code::kInvalidArgument, "hardlink to a directory " + Quote(RootPathString(target)));
  }
  // linkat without AT_SYMLINK_FOLLOW: a link to a symlink links the symlink itself.
  if (::linkat(tdir->get(), target.back().c_str(), pfd, path.back().c_str(), 0) != 0) {
    return ErrnoError("link to " + RootPathString(target));
  }
  return Ok();
}

Status Applier::CopyFromLower(const RootPath& target, int pfd, const std::string& base) {
  std::string tname = Quote(RootPathString(target));
  if (lowers_.empty()) lowers_.resize(opts_.lowers.size());
  for (size_t i = 0; i < opts_.lowers.size(); i++) {
    if (!lowers_[i]) lowers_[i] = TRY(RootFs::Open(opts_.lowers[i]));
    RootPath tparent(target.begin(), target.end() - 1);
    auto dir = lowers_[i]->OpenDir(tparent, /*create=*/false);
    if (!dir.ok()) continue;
    int dfd = dir->get();
    const char* name = target.back().c_str();
    struct stat st;
    if (::fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) break;  // whited out above
    if (S_ISDIR(st.st_mode)) {
      return MakeError(Code::kInvalidArgument, "hardlink to a directory " + tname);
    }
    if (S_ISREG(st.st_mode)) {
      UniqueFd in(::openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
      if (!in.valid()) return ErrnoError("open lower " + tname);
      UniqueFd out(::openat(pfd, base.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
      if (!out.valid()) return ErrnoError("create");
      FdReader r(in.get());
      FdWriter w(out.get());
      TRY(Copy(r, w, 1 << 17));
      if (opts_.same_owner && ::fchown(out.get(), st.st_uid, st.st_gid) != 0) return ErrnoError("chown");
      if (::fchmod(out.get(), st.st_mode & 07777) != 0) return ErrnoError("chmod");
      struct timespec ts[2] = {st.st_atim, st.st_mtim};
      if (::futimens(out.get(), ts) != 0) return ErrnoError("set times");
      return Ok();
    }
    if (S_ISLNK(st.st_mode)) {
      std::string link(static_cast<size_t>(st.st_size) + 1, '\0');
      ssize_t n = ::readlinkat(dfd, name, link.data(), link.size());
      if (n < 0) return ErrnoError("readlink lower " + tname);
      link.resize(static_cast<size_t>(n));
      if (::symlinkat(link.c_str(), pfd, base.c_str()) != 0) return ErrnoError("symlink");
    } else {
      if (::mknodat(pfd, base.c_str(), (st.st_mode & S_IFMT) | 0600, st.st_rdev) != 0) {
        return ErrnoError("mknod");
      }
      std::string proc = ProcPath(pfd, base);
      if (::chmod(proc.c_str(), st.st_mode & 07777) != 0) return ErrnoError("chmod");
    }
    if (opts_.same_owner && ::fchownat(pfd, base.c_str(), st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) != 0) {
      return ErrnoError("chown");
    }
    struct timespec ts[2] = {st.st_atim, st.st_mtim};
    if (::utimensat(pfd, base.c_str(), ts, AT_SYMLINK_NOFOLLOW) != 0) return ErrnoError("set times");
    return Ok();
  }
  return MakeError(Code::kInvalidArgument, "hardlink target " + tname + " not found");
}

Status Applier::Chown(int pfd, const std::string& base, archive_entry* e) {
  if (!opts_.same_owner) return Ok();
  la_int64_t uid = archive_entry_uid(e), gid = archive_entry_gid(e);
  if (uid < 0 || uid >= UINT32_MAX || gid < 0 || gid >= UINT32_MAX) {
    return MakeError(Code::kInvalidArgument, "invalid uid/gid");
  }
  int flags = AT_SYMLINK_NOFOLLOW | (base == "." ? AT_EMPTY_PATH : 0);
  const char* name = base == "." ? "" : base.c_str();
  if (::fchownat(pfd, name, static_cast<uid_t>(uid), static_cast<gid_t>(gid), flags) != 0) {
    return ErrnoError("chown");
  }
  return Ok();
}

Status Applier::Xattrs(int pfd, const std::string& base, int fd, archive_entry* e) {
  if (archive_entry_xattr_reset(e) == 0) return Ok();
  const char* name;
  const void* value;
  size_t size;
  std::string proc;
  while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
    if (!AllowedXattr(name)) continue;
    int r;
    if (fd >= 0) {
      r = ::fsetxattr(fd, name, value, size, 0);
    } else {
      if (proc.empty()) proc = ProcPath(pfd, base);
      r = ::lsetxattr(proc.c_str(), name, value, size, 0);
    }
    // As Docker: a file system without xattrs (or user.* on a symlink) is no error.
    if (r != 0 && errno != ENOTSUP && errno != EPERM) return ErrnoError(std::string("set xattr ") + name);
  }
  return Ok();
}

// Ownership first (chown clears setuid bits and capabilities), then the mode, then
// xattrs such as security.capability, then (for non-directories) times.
Status Applier::Metadata(int pfd, const std::string& base, int fd, mode_t type, archive_entry* e) {
  TRY(Chown(pfd, base, e));
  mode_t mode = archive_entry_perm(e) & 07777;
  if (type != AE_IFLNK) {
    if (fd >= 0) {
      if (::fchmod(fd, mode) != 0) return ErrnoError("chmod");
    } else {
      // A device or fifo: chmod through an O_PATH fd of exactly this node.
      UniqueFd node(::openat(pfd, base.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
      if (!node.valid()) return ErrnoError("open");
      std::string proc = "/proc/self/fd/" + std::to_string(node.get());
      if (::chmod(proc.c_str(), mode) != 0) return ErrnoError("chmod");
    }
  }
  TRY(Xattrs(pfd, base, fd, e));
  if (type != AE_IFDIR && type != AE_IFREG) {
    struct Times t = EntryTimes(e);
    if (::utimensat(pfd, base.c_str(), t.ts, AT_SYMLINK_NOFOLLOW) != 0) return ErrnoError("set times");
  }
  return Ok();
}

void Applier::ForgetTimes(const RootPath& path) {
  std::string key = RootPathString(path);
  dir_times_.erase(key);
  std::string prefix = key + "/";
  auto it = dir_times_.lower_bound(prefix);
  while (it != dir_times_.end() && it->first.starts_with(prefix)) it = dir_times_.erase(it);
}

Status Applier::SetDirectoryTimes() {
  for (const auto& [key, t] : dir_times_) {
    if (key == ".") {
      if (::futimens(root_.fd(), t.ts) != 0) return ErrnoError("set times on layer root");
      continue;
    }
    RootPath path = CleanRootPath(key);
    RootPath parent(path.begin(), path.end() - 1);
    UniqueFd pfd = TRY_CTX(root_.OpenDir(parent, /*create=*/false), "set times on " + key);
    if (::utimensat(pfd.get(), path.back().c_str(), t.ts, AT_SYMLINK_NOFOLLOW) != 0) {
      return ErrnoError("set times on " + key);
    }
  }
  return Ok();
}

}  // namespace

Result<ApplyStats> ApplyLayer(const std::string& root, Reader& tar, const ApplyOptions& opts) {
  RootFs fs = TRY(RootFs::Open(root));
  ArchiveSource source(tar);
  ArchiveReadPtr a = TRY(OpenTarReader(source));
  Applier applier(std::move(fs), opts, a.get());
  ApplyStats stats;
  for (;;) {
    archive_entry* e;
    int r = archive_read_next_header(a.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (r == ARCHIVE_RETRY) continue;
    if (r < ARCHIVE_WARN) return source.TakeError(ArchiveError(a.get(), "reading layer tar"));
    stats.entries++;
    const char* name = EntryPathname(e);
    Status st = applier.Apply(e);
    if (!st.ok()) {
      return source.TakeError(st.error()).Wrap("applying layer entry " + Quote(name ? name : ""));
    }
  }
  TRY(applier.SetDirectoryTimes());
  // Drain padding after the end-of-archive blocks so the caller's hash sees it all.
  NullWriter sink;
  TRY(Copy(source.reader(), sink, 1 << 16));
  stats.size = TRY(LayerSize(root));
  return stats;
}

}  // namespace berth
