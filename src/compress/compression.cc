// Format detection and the factories that pick a codec. Layers arrive as gzip
// (Docker), zstd (newer OCI images), or plain tar; `docker load`/`import` also
// accept bzip2 and xz, so all five are recognised by their magic bytes.
#include "compress/compression.h"

#include <algorithm>
#include <cstring>

#include "compress/codecs.h"

namespace berth {

using namespace compress_internal;

std::string_view CompressionName(Compression c) {
  switch (c) {
    case Compression::kNone: return "none";
    case Compression::kGzip: return "gzip";
    case Compression::kZstd: return "zstd";
    case Compression::kBzip2: return "bzip2";
    case Compression::kXz: return "xz";
  }
  return "none";
}

Compression DetectCompression(std::span<const std::byte> head) {
  auto starts = [&](std::initializer_list<uint8_t> magic) {
    if (head.size() < magic.size()) return false;
    size_t i = 0;
    for (uint8_t b : magic) {
      if (static_cast<uint8_t>(head[i++]) != b) return false;
    }
    return true;
  };
  if (starts({0x1f, 0x8b, 0x08})) return Compression::kGzip;
  if (starts({0x28, 0xb5, 0x2f, 0xfd})) return Compression::kZstd;
  if (starts({'B', 'Z', 'h'})) return Compression::kBzip2;
  if (starts({0xfd, '7', 'z', 'X', 'Z', 0x00})) return Compression::kXz;
  return Compression::kNone;
}

namespace {

constexpr size_t kPeek = 6;

// A decompressor together with the reader it reads from (which it owns).
class StackedReader : public Reader {
 public:
  StackedReader(std::unique_ptr<Reader> base, std::unique_ptr<Reader> top)
      : base_(std::move(base)), top_(std::move(top)) {}
  Result<size_t> Read(std::span<std::byte> buf) override { return top_->Read(buf); }

 private:
  std::unique_ptr<Reader> base_;  // declared first: destroyed after top_
  std::unique_ptr<Reader> top_;
};

// Compression::kNone: bytes go to dst unchanged.
class PassThroughWriter : public CompressWriter {
 public:
  explicit PassThroughWriter(Writer& dst) : dst_(dst) {}
  Status Write(std::span<const std::byte> data) override {
    if (closed_) return MakeError(Code::kInternal, "write after close");
    return dst_.Write(data);
  }
  Status Close() override {
    closed_ = true;
    return Ok();
  }

 private:
  Writer& dst_;
  bool closed_ = false;
};

}  // namespace

Result<std::unique_ptr<Reader>> NewDecompressor(Compression c, Reader& src) {
  switch (c) {
    case Compression::kNone: {
      auto r = std::make_unique<PeekedReader>(std::string(), src);  // a pass-through
      return std::unique_ptr<Reader>(std::move(r));
    }
    case Compression::kGzip: return NewGzipReader(src);
    case Compression::kZstd: return NewZstdReader(src);
    case Compression::kBzip2: return NewBzip2Reader(src);
    case Compression::kXz: return NewXzReader(src);
  }
  return MakeError(Code::kInvalidArgument, "unknown compression");
}

Result<std::unique_ptr<Reader>> NewAutoDecompressor(Reader& src, Compression* detected) {
  std::string head = TRY(ReadHead(src, kPeek));
  Compression c = DetectCompression(AsBytes(head));
  if (detected) *detected = c;
  auto prefix = std::make_unique<PeekedReader>(std::move(head), src);
  if (c == Compression::kNone) return std::unique_ptr<Reader>(std::move(prefix));
  auto top = TRY(NewDecompressor(c, *prefix));
  return std::unique_ptr<Reader>(std::make_unique<StackedReader>(std::move(prefix), std::move(top)));
}

Result<std::unique_ptr<CompressWriter>> NewCompressor(Compression c, Writer& dst, int level) {
  switch (c) {
    case Compression::kNone:
      return std::unique_ptr<CompressWriter>(std::make_unique<PassThroughWriter>(dst));
    case Compression::kGzip: return NewGzipWriter(dst, level);
    case Compression::kZstd: return NewZstdWriter(dst, level);
    case Compression::kBzip2: return NewBzip2Writer(dst, level);
    case Compression::kXz: return NewXzWriter(dst, level);
  }
  return MakeError(Code::kInvalidArgument, "unknown compression");
}

}  // namespace berth
