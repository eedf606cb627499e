// LayerSize: Docker's size of an unpacked layer.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <set>
#include <string>
#include <utility>

#include "base/file.h"
#include "base/result.h"

namespace berth {

// Walks dir without following symlinks and sums the sizes of regular files (each
// inode once, so hardlinks count once) plus the lengths of symlink targets;
// directories, devices and whiteouts count zero. Holds O(1) file descriptors
// (WalkTreeAt). NotFound when dir is absent.
Result<uint64_t> LayerSize(const std::string& dir);

// LayerSize's sum as a TreeVisitor, for a caller that walks the layer for its
// own reasons too (ApplyLayer) and wants one walk. Memory: one set node per
// regular file with more than one link.
class LayerSizeVisitor : public TreeVisitor {
 public:
  Status Entry(int dirfd, const char* name, unsigned char type) override;
  uint64_t total() const { return total_; }

 private:
  std::set<std::pair<dev_t, ino_t>> seen_;
  uint64_t total_ = 0;
};

}  // namespace berth
