// Per-format constructors behind NewDecompressor/NewCompressor (internal to compress/).
#pragma once

#include <memory>
#include <span>

#include "base/io.h"
#include "base/result.h"
#include "compress/compression.h"

namespace berth::compress_internal {

// Size of the compressed-input and output buffers each codec keeps (bounded memory).
inline constexpr size_t kChunk = 128 * 1024;

std::unique_ptr<Reader> NewGzipReader(Reader& src);
std::unique_ptr<Reader> NewZstdReader(Reader& src);
std::unique_ptr<Reader> NewBzip2Reader(Reader& src);
Result<std::unique_ptr<Reader>> NewXzReader(Reader& src);

Result<std::unique_ptr<CompressWriter>> NewGzipWriter(Writer& dst, int level);
Result<std::unique_ptr<CompressWriter>> NewZstdWriter(Writer& dst, int level);
Result<std::unique_ptr<CompressWriter>> NewBzip2Writer(Writer& dst, int level);
Result<std::unique_ptr<CompressWriter>> NewXzWriter(Writer& dst, int level);

// A buffer of compressed input pulled from a Reader on demand. Keeps a little
// headroom in front so a codec can hand back a few bytes it read too far.
class InputBuffer {
 public:
  static constexpr size_t kHeadroom = 16;
  explicit InputBuffer(Reader& src)
      : src_(src), buf_(new std::byte[kHeadroom + kChunk]), pos_(kHeadroom), end_(kHeadroom) {}
  // Unconsumed bytes.
  std::byte* data() { return buf_.get() + pos_; }
  size_t size() const { return end_ - pos_; }
  void Consume(size_t n) { pos_ += n; }
  // Puts bytes (at most kHeadroom) back in front of the unconsumed data.
  void Unread(std::span<const std::byte> bytes);
  // Refills when empty; returns false at the end of the source with nothing buffered.
  Result<bool> Fill();
  // Reads until at least n bytes (n <= kChunk) are buffered or the source ends;
  // returns the number buffered.
  Result<size_t> Ensure(size_t n);

 private:
  Reader& src_;
  std::unique_ptr<std::byte[]> buf_;
  size_t pos_, end_;
  bool eof_ = false;
};

Error Truncated();

}  // namespace berth::compress_internal
