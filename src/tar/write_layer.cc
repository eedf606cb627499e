// Producing layer tars from directories: `commit`, `build` steps and `save` of a
// locally unpacked image all end here. Output must be byte-for-byte reproducible
// for the same tree (layer digests feed the build cache), and whiteouts must be
// translated from the overlay form snapshots keep to the `.wh.` form of layer tars.
#include "tar/write_layer.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <vector>

#include "tar/archive_util.h"

namespace berth {
namespace {

constexpr char kOpaqueXattr[] = "trusted.overlay.opaque";

struct Sink {
  Writer& out;
  std::optional<Error> error;

  static la_ssize_t WriteCallback(archive* a, void* self, const void* buf, size_t n) {
    auto* s = static_cast<Sink*>(self);
    Status st = s->out.Write(std::span<const std::byte>(static_cast<const std::byte*>(buf), n));
    if (!st.ok()) {
      archive_set_error(a, EIO, "%s", st.error().message.c_str());
      s->error = std::move(st).error();
      return -1;
    }
    return static_cast<la_ssize_t>(n);
  }
};

std::string ProcPath(int dirfd, const std::string& name) {
  return "/proc/self/fd/" + std::to_string(dirfd) + "/" + name;
}

// Sorted (name, value) xattrs of dirfd/name without following symlinks.
Result<std::vector<std::pair<std::string, std::string>>> ListXattrs(int dirfd,
                                                                    const std::string& name) {
  std::vector<std::pair<std::string, std::string>> out;
  std::string path = ProcPath(dirfd, name);
  ssize_t n = ::llistxattr(path.c_str(), nullptr, 0);
  if (n < 0) {
    if (errno == ENOTSUP) return out;
    return ErrnoError("list xattrs of " + name);
  }
  std::string names(static_cast<size_t>(n), '\0');
  n = ::llistxattr(path.c_str(), names.data(), names.size());
  if (n < 0) return ErrnoError("list xattrs of " + name);
  names.resize(static_cast<size_t>(n));
  for (size_t i = 0; i < names.size();) {
    std::string key = names.c_str() + i;
    i += key.size() + 1;
    if (key.empty()) continue;
    ssize_t vn = ::lgetxattr(path.c_str(), key.c_str(), nullptr, 0);
    if (vn < 0) {
      if (errno == ENODATA) continue;
      return ErrnoError("get xattr " + key + " of " + name);
    }
    std::string value(static_cast<size_t>(vn), '\0');
    vn = ::lgetxattr(path.c_str(), key.c_str(), value.data(), value.size());
    if (vn < 0) return ErrnoError("get xattr " + key + " of " + name);
    value.resize(static_cast<size_t>(vn));
    out.emplace_back(std::move(key), std::move(value));
  }
  std::sort(out.begin(), out.end());
  return out;
}

class LayerWriter {
 public:
  LayerWriter(archive* a, Sink& sink, std::optional<int64_t> max_mtime)
      : a_(a), sink_(sink), max_mtime_(max_mtime) {}

  Status WriteDir(int dirfd, const std::string& prefix) {
    std::vector<std::string> names;
    {
      int fd = ::dup(dirfd);
      if (fd < 0) return ErrnoError("dup");
      DIR* d = ::fdopendir(fd);
      if (!d) {
        ::close(fd);
        return ErrnoError("opendir " + prefix);
      }
      errno = 0;
      while (struct dirent* e = ::readdir(d)) {
        std::string_view n = e->d_name;
        if (n != "." && n != "..") names.emplace_back(n);
      }
      ::closedir(d);
    }
    std::sort(names.begin(), names.end());
    for (const auto& name : names) TRY(WriteOne(dirfd, prefix, name));
    return Ok();
  }

 private:
  Status WriteOne(int dirfd, const std::string& prefix, const std::string& name) {
    struct stat st;
    if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      return ErrnoError("stat " + prefix + name);
    }
    std::string path = prefix + name;
    ArchiveEntryPtr e(archive_entry_new());
    archive_entry_set_uid(e.get(), st.st_uid);
    archive_entry_set_gid(e.get(), st.st_gid);
    if (max_mtime_ && st.st_mtim.tv_sec > *max_mtime_) st.st_mtim.tv_sec = *max_mtime_;
    archive_entry_set_mtime(e.get(), st.st_mtim.tv_sec, 0);

    if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {  // overlay whiteout
      archive_entry_set_pathname(e.get(), (prefix + ".wh." + name).c_str());
      archive_entry_set_filetype(e.get(), AE_IFREG);
      archive_entry_set_perm(e.get(), 0600);
      archive_entry_set_size(e.get(), 0);
      return WriteHeader(e.get(), path);
    }
    if (S_ISSOCK(st.st_mode)) return Ok();

    archive_entry_set_perm(e.get(), st.st_mode & 07777);
    auto xattrs = TRY(ListXattrs(dirfd, name));
    bool opaque = false;
    for (const auto& [k, v] : xattrs) {
      if (k == kOpaqueXattr) opaque = v == "y";
      if (k.starts_with("trusted.overlay.") || k.starts_with("user.overlay.")) continue;
      archive_entry_xattr_add_entry(e.get(), k.c_str(), v.data(), v.size());
    }

    if (S_ISDIR(st.st_mode)) {
      archive_entry_set_pathname(e.get(), (path + "/").c_str());
      archive_entry_set_filetype(e.get(), AE_IFDIR);
      archive_entry_set_size(e.get(), 0);
      TRY(WriteHeader(e.get(), path));
      if (opaque) {
        ArchiveEntryPtr o(archive_entry_new());
        archive_entry_set_pathname(o.get(), (path + "/.wh..wh..opq").c_str());
        archive_entry_set_filetype(o.get(), AE_IFREG);
        archive_entry_set_perm(o.get(), st.st_mode & 0777);
        archive_entry_set_uid(o.get(), st.st_uid);
        archive_entry_set_gid(o.get(), st.st_gid);
        archive_entry_set_mtime(o.get(), st.st_mtim.tv_sec, 0);
        archive_entry_set_size(o.get(), 0);
        TRY(WriteHeader(o.get(), path));
      }
      UniqueFd sub(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!sub.valid()) return ErrnoError("open " + path);
      return WriteDir(sub.get(), path + "/");
    }

    archive_entry_set_pathname(e.get(), path.c_str());
    if (S_ISLNK(st.st_mode)) {
      std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
      ssize_t n = ::readlinkat(dirfd, name.c_str(), target.data(), target.size());
      if (n < 0) return ErrnoError("readlink " + path);
      target.resize(static_cast<size_t>(n));
      archive_entry_set_filetype(e.get(), AE_IFLNK);
      archive_entry_set_symlink(e.get(), target.c_str());
      archive_entry_set_size(e.get(), 0);
      return WriteHeader(e.get(), path);
    }
    if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISFIFO(st.st_mode)) {
      archive_entry_set_filetype(e.get(), st.st_mode & S_IFMT);
      archive_entry_set_rdevmajor(e.get(), major(st.st_rdev));
      archive_entry_set_rdevminor(e.get(), minor(st.st_rdev));
      archive_entry_set_size(e.get(), 0);
      return WriteHeader(e.get(), path);
    }
    if (!S_ISREG(st.st_mode)) return MakeError(Code::kInvalidArgument, "unsupported file type: " + path);

    archive_entry_set_filetype(e.get(), AE_IFREG);
    if (st.st_nlink > 1) {
      auto [it, inserted] = links_.try_emplace({st.st_dev, st.st_ino}, path);
      if (!inserted) {
        archive_entry_set_hardlink(e.get(), it->second.c_str());
        archive_entry_set_size(e.get(), 0);
        return WriteHeader(e.get(), path);
      }
    }
    archive_entry_set_size(e.get(), st.st_size);
    TRY(WriteHeader(e.get(), path));
    UniqueFd fd(::openat(dirfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd.valid()) return ErrnoError("open " + path);
    std::vector<char> buf(1 << 17);
    int64_t left = st.st_size;
    while (left > 0) {
      ssize_t n = ::read(fd.get(), buf.data(), static_cast<size_t>(std::min<int64_t>(left, buf.size())));
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoError("read " + path);
      }
      if (n == 0) return MakeError(Code::kDataLoss, "file shrank while writing the layer: " + path);
      if (archive_write_data(a_, buf.data(), static_cast<size_t>(n)) != n) {
        return Fail(path);
      }
      left -= n;
    }
    return Ok();
  }

  Status WriteHeader(archive_entry* e, const std::string& path) {
    if (archive_write_header(a_, e) < ARCHIVE_WARN) return Fail(path);
    return Ok();
  }

  Error Fail(const std::string& path) {
    if (sink_.error) return std::move(*sink_.error);
    return ArchiveError(a_, "writing layer entry " + path);
  }

  archive* a_;
  Sink& sink_;
  std::map<std::pair<dev_t, ino_t>, std::string> links_;
  std::optional<int64_t> max_mtime_;
};

}  // namespace

Status WriteLayer(const std::string& dir, Writer& out, std::optional<int64_t> max_mtime) {
  UniqueFd root(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) return ErrnoError("write layer " + dir);
  // Before the archive: freeing it on an early return flushes through the
  // sink's callback, so the sink must outlive it.
  Sink sink{out, std::nullopt};
  ArchiveWritePtr a(archive_write_new());
  if (!a) return MakeError(Code::kInternal, "archive_write_new failed");
  archive_write_set_format_pax_restricted(a.get());
  archive_write_set_bytes_per_block(a.get(), 10240);
  archive_write_set_bytes_in_last_block(a.get(), 1);  // end after the two zero blocks
  if (archive_write_open(a.get(), &sink, nullptr, &Sink::WriteCallback, nullptr) != ARCHIVE_OK) {
    return ArchiveError(a.get(), "write layer");
  }
  LayerWriter w(a.get(), sink, max_mtime);
  TRY(w.WriteDir(root.get(), ""));
  if (archive_write_close(a.get()) != ARCHIVE_OK) {
    if (sink.error) return std::move(*sink.error);
    return ArchiveError(a.get(), "write layer");
  }
  return Ok();
}

}  // namespace berth
