// Streaming compression and decompression of layer blobs: gzip (ISA-L, zlib for
// high levels), zstd, bzip2 and xz, detected by magic bytes.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string_view>

#include "base/io.h"
#include "base/result.h"

namespace berth {

enum class Compression { kNone, kGzip, kZstd, kBzip2, kXz };

// "none", "gzip", "zstd", "bzip2", "xz".
std::string_view CompressionName(Compression c);

// Looks at the first bytes of a stream (6 are enough) and names the format from its
// magic number; kNone when no known magic matches (including a too-short head).
Compression DetectCompression(std::span<const std::byte> head);

// Wraps src: peeks at its first bytes, detects the compression and returns a Reader
// of the decompressed stream (a pass-through when uncompressed). *detected (may be
// null) is set to the detected format. src must outlive the returned Reader.
// Errors from reading src are returned as they are.
Result<std::unique_ptr<Reader>> NewAutoDecompressor(Reader& src, Compression* detected);

// A Reader of the decompressed contents of src, which must be in format c.
// Reads fail with kDataLoss on corrupt data ("gzip: invalid checksum", ...) and on
// truncation ("unexpected end of compressed stream"). src must outlive the Reader.
Result<std::unique_ptr<Reader>> NewDecompressor(Compression c, Reader& src);

// A compressing Writer: Write() feeds uncompressed data, Close() finishes the
// stream (trailer, checksums) into dst. Writes after Close fail with kInternal.
class CompressWriter : public Writer {
 public:
  virtual Status Close() = 0;
};

// A compressor writing format c into dst (which must outlive it); kNone passes bytes
// through unchanged. level: 1 is the
// fastest; gzip levels 0-3 use ISA-L, 4-9 zlib; zstd 1-22; bzip2 1-9; xz 0-9.
// kInvalidArgument for an out-of-range level.
Result<std::unique_ptr<CompressWriter>> NewCompressor(Compression c, Writer& dst, int level = 1);

}  // namespace berth
