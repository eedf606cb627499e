// LayerSize: Docker's size of an unpacked layer.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"

namespace berth {

// Walks dir without following symlinks and sums the sizes of regular files (each
// inode once, so hardlinks count once) plus the lengths of symlink targets;
// directories, devices and whiteouts count zero. NotFound when dir is absent.
Result<uint64_t> LayerSize(const std::string& dir);

}  // namespace berth
