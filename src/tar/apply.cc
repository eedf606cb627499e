// Layer extraction, the security-critical step of every pull and load. libarchive
// parses the tar; every file-system change is made here with fd-relative syscalls
// on directories opened through RootFs (openat2 RESOLVE_IN_ROOT), new files are
// created with O_EXCL|O_NOFOLLOW after removing whatever held the name, and nothing
// ever follows a symlink by path. So absolute names, "..", and symlinks planted
// earlier in the same tar all stay inside the layer directory. Whiteouts become
// overlay whiteouts (0/0 char devices, trusted.overlay.opaque) because the layer is
// used as an overlay lowerdir. A layer is also held to ApplyLimits (entries,
// bytes of file content, padding after the archive), counted before anything is
// written, so a hostile one cannot fill the disk or run forever.
#include "tar/apply.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <optional>
#include <unordered_map>

#include "base/file.h"
#include "base/strings.h"
#include "tar/archive_util.h"
#include "tar/direct_write.h"
#include "tar/layer_size.h"
#include "tar/root_fs.h"

namespace berth {
namespace {

// An entry's name for an error message: quoted, with its middle cut out when
// long (a name can be longer than any message line should be).
std::string EntryLabel(const char* name) {
  std::string_view n = name ? name : "";
  if (n.size() <= 200) return Quote(n);
  return Quote(std::string(n.substr(0, 120)) + "..." + std::string(n.substr(n.size() - 60)));
}

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

// Directory times by inode: set at the end, once the children stop changing
// them. Keyed by inode, not path, so a record stays small however long the name.
using DirTimes = std::unordered_map<ino_t, Times>;

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

// Forgets the times of every directory in a subtree about to be removed, so
// that a directory made later on a reused inode does not take them.
class TimesEraser : public TreeVisitor {
 public:
  explicit TimesEraser(DirTimes& times) : times_(times) {}
  Status Entry(int, const char*, unsigned char) override { return Ok(); }
  Status LeaveDir(int, dev_t, ino_t ino) override {
    times_.erase(ino);
    return Ok();
  }

 private:
  DirTimes& times_;
};

// The last pass over the finished layer: Docker's size, and each directory's
// times from its tar entry, set after the walk has read the directory so that
// the walk's own reads do not move its atime.
class FinishWalk : public LayerSizeVisitor {
 public:
  explicit FinishWalk(const DirTimes& times) : times_(times) {}
  Status LeaveDir(int fd, dev_t, ino_t ino) override {
    auto it = times_.find(ino);
    if (it != times_.end() && ::futimens(fd, it->second.ts) != 0) return ErrnoError("set directory times");
    return Ok();
  }

 private:
  const DirTimes& times_;
};

class Applier {
 public:
  Applier(RootFs root, const ApplyOptions& opts, archive* a)
      : root_(std::move(root)), opts_(opts), a_(a) {}

  Status Apply(archive_entry* e);
  // Sets the directories' times; returns the layer's size (LayerSize).
  Result<uint64_t> Finish();

 private:
  Status ApplyRoot(archive_entry* e);
  Status Whiteout(const RootPath& path, int pfd, archive_entry* e);
  Status RegularFile(int pfd, const std::string& base, archive_entry* e);
  Result<int64_t> WriteData(int fd, int64_t size);
  Status Hardlink(const RootPath& path, int pfd, archive_entry* e);
  Status CopyFromLower(const RootPath& target, int pfd, const std::string& base);
  // created: the mode a regular file was created with (its owner is then
  // berth's), so chown and chmod run only when they change something.
  Status Metadata(int pfd, const std::string& base, int fd, mode_t type, archive_entry* e,
                  std::optional<mode_t> created = std::nullopt);
  Result<bool> OwnerIsAlready(int fd, archive_entry* e);
  Status Chown(int pfd, const std::string& base, archive_entry* e);
  Status Xattrs(int pfd, const std::string& base, int fd, archive_entry* e);
  Status SetTimesLater(int fd, archive_entry* e);
  Status ForgetTimes(int pfd, const std::string& name);
  Status ChargeBytes(int64_t n);

  RootFs root_;
  const ApplyOptions& opts_;
  archive* a_;
  DirTimes dir_times_;
  uint64_t bytes_ = 0;  // charged against opts_.limits.max_bytes
  DirectWriter direct_;  // for opts_.direct_io
  std::vector<std::optional<RootFs>> lowers_;
  std::optional<std::vector<std::string>> lower_dirs_;  // opts_.lowers, or lowers_fn's answer
  // The last parent directory opened: tars list a directory's files one
  // after the other, so most entries reuse it instead of resolving their
  // path again. An entry only ever removes below its parent, so the cached
  // directory is still the one at parent_path_; a whiteout drops it anyway.
  RootPath parent_path_;
  UniqueFd parent_fd_;
  bool parent_setgid_ = false;
  gid_t parent_gid_ = 0;
  Result<int> ParentDir(const RootPath& parent);
};

// RootPathString's length without building it.
size_t RootPathLength(const RootPath& path) {
  size_t n = path.empty() ? 0 : path.size() - 1;
  for (const auto& c : path) n += c.size();
  return n;
}

Result<int> Applier::ParentDir(const RootPath& parent) {
  if (!parent_fd_.valid() || parent != parent_path_) {
    UniqueFd fd = TRY(root_.OpenDir(parent, /*create=*/true));
    struct stat st;
    if (::fstat(fd.get(), &st) != 0) return ErrnoError("stat");
    parent_setgid_ = (st.st_mode & S_ISGID) != 0;  // new files take this group then
    parent_gid_ = st.st_gid;
    parent_fd_ = std::move(fd);
    parent_path_ = parent;
  }
  return parent_fd_.get();
}

Status Applier::Apply(archive_entry* e) {
  const char* raw = EntryPathname(e);
  if (!raw) return MakeError(Code::kDataLoss, "tar entry without a name");
  RootPath path = CleanRootPath(raw);
  // Every name is opened in one openat2 call, which takes no more.
  if (RootPathLength(path) >= PATH_MAX) {
    return MakeError(Code::kInvalidArgument, "name longer than " + std::to_string(PATH_MAX - 1) + " bytes");
  }
  // No file system holds a longer component: refused as the layer's fault,
  // not failed as an I/O error (ENAMETOOLONG).
  for (const auto& c : path) {
    if (c.size() > NAME_MAX) {
      return MakeError(Code::kInvalidArgument, "name component longer than " + std::to_string(NAME_MAX) + " bytes");
    }
  }
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
  int pfd = TRY(ParentDir(parent));
  if (base.starts_with(kWhiteoutPrefix)) {
    UniqueFd held = std::move(parent_fd_);  // not kept past a removal (not needed, but cheap)
    return Whiteout(path, held.get(), e);
  }

  bool is_dir = type == AE_IFDIR && !is_link;
  if (is_link) {
    RootPath target = CleanRootPath(EntryHardlink(e));
    if (target == path) return MakeError(Code::kInvalidArgument, "hardlink to itself");
  }
  struct stat st;
  if (::fstatat(pfd, base.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    // A later entry replaces an earlier one, except that a directory over a
    // directory keeps its contents and only takes the new metadata.
    if (!(is_dir && S_ISDIR(st.st_mode))) {
      if (S_ISDIR(st.st_mode)) TRY(ForgetTimes(pfd, base));
      TRY(RemoveTreeAt(pfd, base));  // below the cached parent, which stays valid
    }
  } else if (errno != ENOENT) {
    return ErrnoError("stat");
  }

  if (is_link) return Hardlink(path, pfd, e);
  switch (type) {
    case AE_IFREG:
      return RegularFile(pfd, base, e);
    case AE_IFDIR: {
      if (::mkdirat(pfd, base.c_str(), 0700) != 0 && errno != EEXIST) {
        return ErrnoError("mkdir");
      }
      UniqueFd dfd(::openat(pfd, base.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!dfd.valid()) return ErrnoError("open directory");
      TRY(Metadata(pfd, base, dfd.get(), type, e));
      return SetTimesLater(dfd.get(), e);
    }
    case AE_IFLNK: {
      const char* target = EntrySymlink(e);
      if (!target || !*target) return MakeError(Code::kDataLoss, "symlink without a target");
      if (std::strlen(target) >= PATH_MAX) {
        return MakeError(Code::kInvalidArgument,
                         "symlink target longer than " + std::to_string(PATH_MAX - 1) + " bytes");
      }
      if (::symlinkat(target, pfd, base.c_str()) != 0) return ErrnoError("symlink");
      return Metadata(pfd, base, -1, type, e);
    }
    case AE_IFCHR:
    case AE_IFBLK:
    case AE_IFIFO: {
      dev_t dev = type == AE_IFIFO ? 0 : makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e));
      if (::mknodat(pfd, base.c_str(), type | 0600, dev) != 0) return ErrnoError("mknod");
      return Metadata(pfd, base, -1, type, e);
    }
    case AE_IFSOCK:
      return Ok();  // sockets cannot be restored from a tar; Docker skips them too
    default:
      return MakeError(Code::kInvalidArgument, "unsupported entry type " + std::to_string(type));
  }
}

Status Applier::ApplyRoot(archive_entry* e) {
  TRY(Metadata(root_.fd(), ".", root_.fd(), AE_IFDIR, e));
  return SetTimesLater(root_.fd(), e);
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
  TRY(ForgetTimes(pfd, victim));
  TRY(RemoveTreeAt(pfd, victim));
  if (::mknodat(pfd, victim.c_str(), S_IFCHR, makedev(0, 0)) != 0) return ErrnoError("mknod whiteout");
  TRY(Chown(pfd, victim, e));
  // The marker's times, so a layer unpacked twice is the same tree (not "now").
  struct Times t = EntryTimes(e);
  if (::utimensat(pfd, victim.c_str(), t.ts, AT_SYMLINK_NOFOLLOW) != 0) return ErrnoError("set times");
  return Ok();
}

Status Applier::RegularFile(int pfd, const std::string& base, archive_entry* e) {
  int64_t size = archive_entry_size_is_set(e) ? archive_entry_size(e) : 0;
  if (size < 0) return MakeError(Code::kDataLoss, "negative file size");
  TRY(ChargeBytes(size));
  // Created with its final permission bits when the umask leaves them alone
  // (0644, 0755: nearly every file), which saves the chmod; the snapshot dir
  // is private (0700) while it is being filled.
  mode_t created = archive_entry_perm(e) & 0777 & ~ProcessUmask();
  UniqueFd fd(::openat(pfd, base.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, created));
  if (!fd.valid()) return ErrnoError("create");
  bool direct = opts_.direct_io && size >= DirectWriter::kMinSize && archive_entry_sparse_count(e) == 0;
  int64_t end = TRY(direct ? direct_.Write(a_, fd.get(), size) : WriteData(fd.get(), size));
  if (end < size) {
    // Only a sparse file may stop short: its map ends in a hole. A plain file
    // whose data ran out is an error (libarchive says so first), never a file
    // stretched to a size its tar did not deliver.
    if (archive_entry_sparse_count(e) == 0) return MakeError(Code::kDataLoss, "file data shorter than its size");
    if (::ftruncate(fd.get(), size) != 0) return ErrnoError("truncate");
  }
  TRY(Metadata(pfd, base, fd.get(), AE_IFREG, e, created));
  struct Times t = EntryTimes(e);
  if (::futimens(fd.get(), t.ts) != 0) return ErrnoError("set times");
  return Ok();
}

// Writes the entry's data blocks at their offsets (holes between the blocks
// of a sparse file stay holes); returns where the data ended. Every block
// must lie within the declared size.
Result<int64_t> Applier::WriteData(int fd, int64_t size) {
  int64_t end = 0;
  for (;;) {
    const void* buf;
    size_t n;
    la_int64_t offset;
    int r = archive_read_data_block(a_, &buf, &n, &offset);
    if (r == ARCHIVE_EOF) return end;
    if (r < ARCHIVE_WARN) return ArchiveError(a_, "reading file data");
    if (offset < 0 || offset > size || n > static_cast<uint64_t>(size - offset)) {
      return MakeError(Code::kDataLoss, "file data beyond the file's size (bad sparse map)");
    }
    const char* p = static_cast<const char*>(buf);
    while (n > 0) {
      ssize_t w = ::pwrite(fd, p, n, offset);
      if (w < 0) {
        if (errno == EINTR) continue;
        return ErrnoError("write");
      }
      p += w;
      offset += w;
      n -= static_cast<size_t>(w);
    }
    end = std::max<int64_t>(end, offset);
  }
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
    return MakeError(Code::kInvalidArgument, "hardlink to a directory " + EntryLabel(RootPathString(target).c_str()));
  }
  // linkat without AT_SYMLINK_FOLLOW: a link to a symlink links the symlink itself.
  if (::linkat(tdir->get(), target.back().c_str(), pfd, path.back().c_str(), 0) != 0) {
    return ErrnoError("link to " + EntryLabel(RootPathString(target).c_str()));
  }
  return Ok();
}

Status Applier::CopyFromLower(const RootPath& target, int pfd, const std::string& base) {
  std::string tname = EntryLabel(RootPathString(target).c_str());
  if (!lower_dirs_) {
    lower_dirs_ = opts_.lowers.empty() && opts_.lowers_fn ? TRY(opts_.lowers_fn()) : opts_.lowers;
    lowers_.resize(lower_dirs_->size());
  }
  for (size_t i = 0; i < lower_dirs_->size(); i++) {
    if (!lowers_[i]) lowers_[i] = TRY(RootFs::Open((*lower_dirs_)[i]));
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
      TRY(ChargeBytes(st.st_size));
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
// True when the new file fd already has the entry's owner (berth's own uid
// and gid: most image files are root's), so no chown is needed. The group is
// checked on the file itself: a setgid parent gives its own.
Result<bool> Applier::OwnerIsAlready(int fd, archive_entry* e) {
  static const uid_t euid = ::geteuid();
  static const gid_t egid = ::getegid();
  la_int64_t uid = archive_entry_uid(e), gid = archive_entry_gid(e);
  if (uid != static_cast<la_int64_t>(euid)) return false;
  if (parent_fd_.valid() && parent_fd_.get() != fd) {  // the file's group follows from its parent
    gid_t got = parent_setgid_ ? parent_gid_ : egid;
    return static_cast<la_int64_t>(got) == gid;
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) return ErrnoError("stat");
  return static_cast<la_int64_t>(st.st_uid) == uid && static_cast<la_int64_t>(st.st_gid) == gid;
}

Status Applier::Metadata(int pfd, const std::string& base, int fd, mode_t type, archive_entry* e,
                         std::optional<mode_t> created) {
  if (!created || !opts_.same_owner || !TRY(OwnerIsAlready(fd, e))) TRY(Chown(pfd, base, e));
  mode_t mode = archive_entry_perm(e) & 07777;
  // A chown clears set-id bits, so those always get their chmod afterwards.
  if (created && *created == mode) {
    // the file has its mode already
  } else if (type != AE_IFLNK) {
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

Status Applier::SetTimesLater(int fd, archive_entry* e) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return ErrnoError("stat");
  dir_times_[st.st_ino] = EntryTimes(e);
  return Ok();
}

Status Applier::ForgetTimes(int pfd, const std::string& name) {
  if (dir_times_.empty()) return Ok();
  TimesEraser eraser(dir_times_);
  Status st = WalkTreeAt(pfd, name, eraser);
  // Absent, or not a directory: nothing to forget.
  if (st.ok() || st.error().code == Code::kNotFound || st.error().code == Code::kInvalidArgument) return Ok();
  return st;
}

Status Applier::ChargeBytes(int64_t n) {
  const uint64_t max = opts_.limits.max_bytes;
  if (n < 0 || static_cast<uint64_t>(n) > max - bytes_) {
    return MakeError(Code::kInvalidArgument, "layer has more than " + std::to_string(max) +
                                                 " bytes of file content (limit BERTH_MAX_LAYER_BYTES)");
  }
  bytes_ += static_cast<uint64_t>(n);
  return Ok();
}

Result<uint64_t> Applier::Finish() {
  FinishWalk walk(dir_times_);
  TRY_CTX(WalkTreeAt(root_.fd(), ".", walk), "finish layer");
  return walk.total();
}

// Reads what follows the end-of-archive marker, so that the caller's hash
// covers every byte, but no more than max bytes of it.
Status DrainTrailing(ArchiveSource& source, archive* a, uint64_t max) {
  // What libarchive read ahead of the marker and left unused counts too.
  la_int64_t used = archive_filter_bytes(a, 0);
  uint64_t seen = used >= 0 && source.delivered() > static_cast<uint64_t>(used)
                      ? source.delivered() - static_cast<uint64_t>(used)
                      : 0;
  std::vector<std::byte> buf(1 << 16);
  for (;;) {
    if (seen > max) {
      return MakeError(Code::kInvalidArgument, "layer tar has more than " + std::to_string(max) +
                                                   " bytes of data after the end of the tar archive");
    }
    size_t n = TRY(source.reader().Read(buf));
    if (n == 0) return Ok();
    seen += n;
  }
}

// Reads one cap from the environment into *value (left alone when unset or empty).
Status LimitFromEnv(const char* var, std::string_view unit, uint64_t& value) {
  const char* s = std::getenv(var);
  if (!s || !*s) return Ok();
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s, s + std::strlen(s), v);
  if (ec != std::errc() || *end != '\0') {
    return MakeError(Code::kInvalidArgument, std::string(var) + "=" + Quote(s) + ": not a whole number of " +
                                                 std::string(unit));
  }
  value = v;
  return Ok();
}

}  // namespace

Result<ApplyLimits> ApplyLimitsFromEnv() {
  ApplyLimits limits;
  TRY(LimitFromEnv("BERTH_MAX_LAYER_ENTRIES", "entries", limits.max_entries));
  TRY(LimitFromEnv("BERTH_MAX_LAYER_BYTES", "bytes", limits.max_bytes));
  return limits;
}

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
    if (++stats.entries > opts.limits.max_entries) {
      return MakeError(Code::kInvalidArgument, "layer has more than " + std::to_string(opts.limits.max_entries) +
                                                   " entries (limit BERTH_MAX_LAYER_ENTRIES)");
    }
    Status st = applier.Apply(e);
    if (!st.ok()) {
      return source.TakeError(st.error()).Wrap("applying layer entry " + EntryLabel(EntryPathname(e)));
    }
  }
  TRY(DrainTrailing(source, a.get(), opts.limits.max_trailing_bytes));
  stats.size = TRY(applier.Finish());
  return stats;
}

}  // namespace berth
