// DirectWriter: writes a tar entry's data to a file with O_DIRECT, for
// ApplyOptions::direct_io (commit's layers: data nobody reads back soon,
// where making page cache pages costs more than the write itself).
#pragma once

#include <archive.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "base/result.h"

namespace berth {

class DirectWriter {
 public:
  // Files smaller than this go through the page cache (also the buffer's size).
  static constexpr int64_t kMinSize = 1 << 20;

  // Writes the data blocks of the current entry of a (contiguous: no sparse
  // map) to fd, a new empty file of `size` bytes: gathered into an aligned
  // buffer written with O_DIRECT whenever it fills; the tail, and everything
  // when the filesystem refuses O_DIRECT, with ordinary writes. Returns
  // where the data ended. DataLoss when a block lies outside `size` or is not
  // where the previous one ended.
  Result<int64_t> Write(archive* a, int fd, int64_t size);

 private:
  std::unique_ptr<std::byte, decltype(&std::free)> buf_{nullptr, &std::free};
};

}  // namespace berth
