// Docker reports an image's size as the sum of its layers' sizes, each computed by
// a du-like walk of the unpacked layer (daemon/graphdriver's directory.Size):
// regular files once per inode, symlinks by target length. This reproduces it.
#include "tar/layer_size.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>
#include <utility>

#include "base/fd.h"

namespace berth {
namespace {

Status Walk(int dirfd, std::set<std::pair<dev_t, ino_t>>& seen, uint64_t& total) {
  int fd = ::dup(dirfd);
  if (fd < 0) return ErrnoError("dup");
  DIR* d = ::fdopendir(fd);
  if (!d) {
    ::close(fd);
    return ErrnoError("opendir");
  }
  Status result = Ok();
  while (struct dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    struct stat st;
    if (::fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      result = ErrnoError(std::string("stat ") + e->d_name);
      break;
    }
    if (S_ISDIR(st.st_mode)) {
      UniqueFd sub(::openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!sub.valid()) {
        result = ErrnoError(std::string("open ") + e->d_name);
        break;
      }
      result = Walk(sub.get(), seen, total);
      if (!result.ok()) break;
    } else if (S_ISREG(st.st_mode)) {
      if (st.st_nlink > 1 && !seen.insert({st.st_dev, st.st_ino}).second) continue;
      total += static_cast<uint64_t>(st.st_size);
    } else if (S_ISLNK(st.st_mode)) {
      total += static_cast<uint64_t>(st.st_size);
    }
  }
  ::closedir(d);
  return result;
}

}  // namespace

Result<uint64_t> LayerSize(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoError("layer size " + dir);
  std::set<std::pair<dev_t, ino_t>> seen;
  uint64_t total = 0;
  TRY_CTX(Walk(fd.get(), seen, total), "layer size " + dir);
  return total;
}

}  // namespace berth
