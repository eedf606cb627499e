// Docker reports an image's size as the sum of its layers' sizes, each computed by
// a du-like walk of the unpacked layer (daemon/graphdriver's directory.Size):
// regular files once per inode, symlinks by target length. This reproduces it,
// on base's WalkTreeAt so that a layer nested deeper than the fd limit still
// has a size.
#include "tar/layer_size.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>

namespace berth {

Status LayerSizeVisitor::Entry(int dirfd, const char* name, unsigned char type) {
  if (type != DT_REG && type != DT_LNK) return Ok();
  struct stat st;
  if (::fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return ErrnoError(std::string("stat ") + name);
  }
  if (S_ISREG(st.st_mode)) {
    if (st.st_nlink > 1 && !seen_.insert({st.st_dev, st.st_ino}).second) return Ok();
    total_ += static_cast<uint64_t>(st.st_size);
  } else if (S_ISLNK(st.st_mode)) {
    total_ += static_cast<uint64_t>(st.st_size);
  }
  return Ok();
}

Result<uint64_t> LayerSize(const std::string& dir) {
  LayerSizeVisitor sum;
  TRY_CTX(WalkTreeAt(AT_FDCWD, dir, sum), "layer size " + dir);
  return sum.total();
}

}  // namespace berth
