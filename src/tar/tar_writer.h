// TarWriter: a minimal, deterministic tar writer for archives berth makes
// itself (image archives for `save`), where every name is short and every
// entry is a directory or a regular file. It writes ustar headers itself
// (no libarchive: nothing to configure, nothing buffered beyond one header)
// with fixed owner, modes and mtime, so the same input gives the same bytes.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "base/io.h"
#include "base/result.h"

namespace berth {

// Fixed metadata of every entry (mtime 0 = 1970-01-01, as Docker's save).
inline constexpr int64_t kTarWriterMtime = 0;

class TarWriter {
 public:
  explicit TarWriter(Writer& out) : out_(out) {}

  // A directory entry; name ends with '/' (added when missing). Mode 0755.
  Status AddDir(std::string_view name);
  // A regular file held in memory. Mode 0644.
  Status AddFile(std::string_view name, std::string_view data);
  // A regular file of exactly size bytes read from src (in chunks of buf's
  // size). DataLoss when src ends early or has more. Mode 0644.
  Status AddFile(std::string_view name, int64_t size, Reader& src, std::span<std::byte> buf);
  // The end-of-archive marker (two zero blocks). Nothing may be added after.
  Status Finish();

  // Bytes written so far.
  int64_t written() const { return written_; }

 private:
  Status Header(std::string_view name, char type, int mode, int64_t size);
  Status Pad(int64_t size);
  Status Emit(std::span<const std::byte> data);

  Writer& out_;
  int64_t written_ = 0;
  bool finished_ = false;
};

}  // namespace berth
