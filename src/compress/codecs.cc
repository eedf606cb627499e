// zstd, bzip2 and xz streams on top of their reference libraries, plus the input
// buffering every decompressor shares. Each reader handles concatenated streams
// (zstd frames, pbzip2 streams, xz streams) and reports truncation as kDataLoss.
#include "compress/codecs.h"

#include <bzlib.h>
#include <lzma.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace berth::compress_internal {

Error Truncated() { return MakeError(Code::kDataLoss, "unexpected end of compressed stream"); }

void InputBuffer::Unread(std::span<const std::byte> bytes) {
  if (bytes.empty()) return;
  if (pos_ < bytes.size()) {  // only after a compaction; make room again
    size_t n = size();
    std::memmove(buf_.get() + kHeadroom, data(), n);
    pos_ = kHeadroom;
    end_ = kHeadroom + n;
  }
  pos_ -= bytes.size();
  std::memcpy(buf_.get() + pos_, bytes.data(), bytes.size());
}

Result<bool> InputBuffer::Fill() {
  if (size() > 0) return true;
  if (eof_) return false;
  pos_ = end_ = kHeadroom;
  size_t n = TRY(src_.Read(std::span<std::byte>(buf_.get() + kHeadroom, kChunk)));
  if (n == 0) {
    eof_ = true;
    return false;
  }
  end_ = kHeadroom + n;
  return true;
}

Result<size_t> InputBuffer::Ensure(size_t n) {
  n = std::min(n, kChunk);
  while (size() < n && !eof_) {
    size_t have = size();
    std::memmove(buf_.get() + kHeadroom, data(), have);
    pos_ = kHeadroom;
    end_ = kHeadroom + have;
    size_t got = TRY(src_.Read(std::span<std::byte>(buf_.get() + end_, kChunk - have)));
    if (got == 0) eof_ = true;
    end_ += got;
  }
  return size();
}

namespace {

// ---- zstd ----

class ZstdReader : public Reader {
 public:
  explicit ZstdReader(Reader& src) : in_(src), ctx_(ZSTD_createDStream()) {
    ZSTD_initDStream(ctx_);
  }
  ~ZstdReader() override { ZSTD_freeDStream(ctx_); }

  Result<size_t> Read(std::span<std::byte> out) override {
    if (out.empty()) return size_t{0};
    for (;;) {
      if (in_.size() == 0 && !TRY(in_.Fill())) {
        if (frame_done_) return size_t{0};
        if (!started_) return Truncated();
        // Input ended: drain what the decoder still holds, then demand a frame end.
        ZSTD_inBuffer ib{nullptr, 0, 0};
        ZSTD_outBuffer ob{out.data(), out.size(), 0};
        size_t ret = ZSTD_decompressStream(ctx_, &ob, &ib);
        if (ZSTD_isError(ret)) return Err(ret);
        frame_done_ = ret == 0;
        if (ob.pos > 0) return ob.pos;
        return Truncated();
      }
      ZSTD_inBuffer ib{in_.data(), in_.size(), 0};
      ZSTD_outBuffer ob{out.data(), out.size(), 0};
      size_t ret = ZSTD_decompressStream(ctx_, &ob, &ib);
      in_.Consume(ib.pos);
      if (ZSTD_isError(ret)) return Err(ret);
      started_ = true;
      frame_done_ = ret == 0;
      if (ob.pos > 0) return ob.pos;
    }
  }

 private:
  static Error Err(size_t ret) {
    return MakeError(Code::kDataLoss, std::string("zstd: ") + ZSTD_getErrorName(ret));
  }
  InputBuffer in_;
  ZSTD_DStream* ctx_;
  bool started_ = false;
  bool frame_done_ = false;
};

class ZstdWriter : public CompressWriter {
 public:
  ZstdWriter(Writer& dst, int level) : dst_(dst), ctx_(ZSTD_createCStream()), out_(kChunk) {
    ZSTD_CCtx_setParameter(ctx_, ZSTD_c_compressionLevel, level);
    ZSTD_CCtx_setParameter(ctx_, ZSTD_c_checksumFlag, 1);
  }
  ~ZstdWriter() override { ZSTD_freeCStream(ctx_); }

  Status Write(std::span<const std::byte> data) override {
    if (closed_) return MakeError(Code::kInternal, "zstd: write after close");
    ZSTD_inBuffer ib{data.data(), data.size(), 0};
    while (ib.pos < ib.size) TRY(Step(&ib, ZSTD_e_continue));
    return Ok();
  }

  Status Close() override {
    if (closed_) return Ok();
    closed_ = true;
    ZSTD_inBuffer ib{nullptr, 0, 0};
    while (TRY(Step(&ib, ZSTD_e_end)) != 0) {
    }
    return Ok();
  }

 private:
  Result<size_t> Step(ZSTD_inBuffer* ib, ZSTD_EndDirective mode) {
    ZSTD_outBuffer ob{out_.data(), out_.size(), 0};
    size_t ret = ZSTD_compressStream2(ctx_, &ob, ib, mode);
    if (ZSTD_isError(ret)) {
      return MakeError(Code::kInternal, std::string("zstd: ") + ZSTD_getErrorName(ret));
    }
    if (ob.pos > 0) TRY(dst_.Write(std::span<const std::byte>(out_.data(), ob.pos)));
    return ret;
  }

  Writer& dst_;
  ZSTD_CStream* ctx_;
  std::vector<std::byte> out_;
  bool closed_ = false;
};

// ---- bzip2 ----

class Bzip2Reader : public Reader {
 public:
  explicit Bzip2Reader(Reader& src) : in_(src) {}
  ~Bzip2Reader() override {
    if (active_) BZ2_bzDecompressEnd(&bz_);
  }

  Result<size_t> Read(std::span<std::byte> out) override {
    if (out.empty()) return size_t{0};
    for (;;) {
      if (in_.size() == 0 && !TRY(in_.Fill())) {
        if (active_ || !seen_stream_) return Truncated();
        return size_t{0};
      }
      if (!active_) {
        bz_ = bz_stream{};
        if (BZ2_bzDecompressInit(&bz_, 0, 0) != BZ_OK) {
          return MakeError(Code::kInternal, "bzip2: init failed");
        }
        active_ = true;
      }
      size_t avail = std::min<size_t>(in_.size(), UINT32_MAX);
      bz_.next_in = reinterpret_cast<char*>(in_.data());
      bz_.avail_in = static_cast<unsigned>(avail);
      bz_.next_out = reinterpret_cast<char*>(out.data());
      bz_.avail_out = static_cast<unsigned>(std::min<size_t>(out.size(), UINT32_MAX));
      size_t out_n = bz_.avail_out;
      int ret = BZ2_bzDecompress(&bz_);
      in_.Consume(avail - bz_.avail_in);
      size_t produced = out_n - bz_.avail_out;
      if (ret == BZ_STREAM_END) {  // another stream may follow (pbzip2)
        BZ2_bzDecompressEnd(&bz_);
        active_ = false;
        seen_stream_ = true;
      } else if (ret != BZ_OK) {
        return MakeError(Code::kDataLoss, ret == BZ_DATA_ERROR_MAGIC ? "bzip2: invalid header"
                                                                     : "bzip2: corrupt data");
      }
      if (produced > 0) return produced;
    }
  }

 private:
  InputBuffer in_;
  bz_stream bz_{};
  bool active_ = false;
  bool seen_stream_ = false;
};

class Bzip2Writer : public CompressWriter {
 public:
  Bzip2Writer(Writer& dst, int level) : dst_(dst), out_(kChunk) {
    ok_ = BZ2_bzCompressInit(&bz_, level, 0, 0) == BZ_OK;
  }
  ~Bzip2Writer() override {
    if (ok_) BZ2_bzCompressEnd(&bz_);
  }
  bool ok() const { return ok_; }

  Status Write(std::span<const std::byte> data) override {
    if (closed_) return MakeError(Code::kInternal, "bzip2: write after close");
    while (!data.empty()) {
      size_t n = std::min<size_t>(data.size(), 1u << 30);
      bz_.next_in = const_cast<char*>(reinterpret_cast<const char*>(data.data()));
      bz_.avail_in = static_cast<unsigned>(n);
      while (bz_.avail_in > 0) TRY(Step(BZ_RUN));
      data = data.subspan(n);
    }
    return Ok();
  }

  Status Close() override {
    if (closed_) return Ok();
    closed_ = true;
    while (TRY(Step(BZ_FINISH)) != BZ_STREAM_END) {
    }
    return Ok();
  }

 private:
  Result<int> Step(int action) {
    bz_.next_out = reinterpret_cast<char*>(out_.data());
    bz_.avail_out = static_cast<unsigned>(out_.size());
    int ret = BZ2_bzCompress(&bz_, action);
    if (ret != BZ_RUN_OK && ret != BZ_FINISH_OK && ret != BZ_STREAM_END) {
      return MakeError(Code::kInternal, "bzip2: compress failed (" + std::to_string(ret) + ")");
    }
    size_t produced = out_.size() - bz_.avail_out;
    if (produced > 0) TRY(dst_.Write(std::span<const std::byte>(out_.data(), produced)));
    return ret;
  }

  Writer& dst_;
  bz_stream bz_{};
  std::vector<std::byte> out_;
  bool ok_ = false;
  bool closed_ = false;
};

// ---- xz ----

Error XzError(lzma_ret ret) {
  switch (ret) {
    case LZMA_FORMAT_ERROR:
      return MakeError(Code::kDataLoss, "xz: invalid header");
    case LZMA_DATA_ERROR:
      return MakeError(Code::kDataLoss, "xz: corrupt data");
    case LZMA_BUF_ERROR:
      return Truncated();
    case LZMA_MEM_ERROR:
    case LZMA_MEMLIMIT_ERROR:
      return MakeError(Code::kDataLoss, "xz: memory limit exceeded");
    default:
      return MakeError(Code::kDataLoss, "xz: decoding failed (" + std::to_string(ret) + ")");
  }
}

class XzReader : public Reader {
 public:
  explicit XzReader(Reader& src) : in_(src) {}
  ~XzReader() override { lzma_end(&xz_); }

  Status Init() {
    // 1 GiB memory limit: enough for any sane preset, bounded for hostile input.
    lzma_ret ret = lzma_stream_decoder(&xz_, 1ull << 30, LZMA_CONCATENATED);
    if (ret != LZMA_OK) return MakeError(Code::kInternal, "xz: decoder init failed");
    return Ok();
  }

  Result<size_t> Read(std::span<std::byte> out) override {
    if (out.empty() || done_) return size_t{0};
    for (;;) {
      lzma_action action = LZMA_RUN;
      if (in_.size() == 0 && !TRY(in_.Fill())) action = LZMA_FINISH;
      xz_.next_in = reinterpret_cast<const uint8_t*>(in_.data());
      xz_.avail_in = in_.size();
      xz_.next_out = reinterpret_cast<uint8_t*>(out.data());
      xz_.avail_out = out.size();
      lzma_ret ret = lzma_code(&xz_, action);
      in_.Consume(in_.size() - xz_.avail_in);
      size_t produced = out.size() - xz_.avail_out;
      if (ret == LZMA_STREAM_END) {
        done_ = true;
        return produced;
      }
      if (ret != LZMA_OK) return XzError(ret);
      if (produced > 0) return produced;
      if (action == LZMA_FINISH) return Truncated();
    }
  }

 private:
  InputBuffer in_;
  lzma_stream xz_ = LZMA_STREAM_INIT;
  bool done_ = false;
};

class XzWriter : public CompressWriter {
 public:
  explicit XzWriter(Writer& dst) : dst_(dst), out_(kChunk) {}
  ~XzWriter() override { lzma_end(&xz_); }

  Status Init(int level) {
    if (lzma_easy_encoder(&xz_, static_cast<uint32_t>(level), LZMA_CHECK_CRC64) != LZMA_OK) {
      return MakeError(Code::kInternal, "xz: encoder init failed");
    }
    return Ok();
  }

  Status Write(std::span<const std::byte> data) override {
    if (closed_) return MakeError(Code::kInternal, "xz: write after close");
    xz_.next_in = reinterpret_cast<const uint8_t*>(data.data());
    xz_.avail_in = data.size();
    while (xz_.avail_in > 0) TRY(Step(LZMA_RUN));
    return Ok();
  }

  Status Close() override {
    if (closed_) return Ok();
    closed_ = true;
    while (TRY(Step(LZMA_FINISH)) != LZMA_STREAM_END) {
    }
    return Ok();
  }

 private:
  Result<lzma_ret> Step(lzma_action action) {
    xz_.next_out = reinterpret_cast<uint8_t*>(out_.data());
    xz_.avail_out = out_.size();
    lzma_ret ret = lzma_code(&xz_, action);
    if (ret != LZMA_OK && ret != LZMA_STREAM_END) {
      return MakeError(Code::kInternal, "xz: encoding failed (" + std::to_string(ret) + ")");
    }
    size_t produced = out_.size() - xz_.avail_out;
    if (produced > 0) TRY(dst_.Write(std::span<const std::byte>(out_.data(), produced)));
    return ret;
  }

  Writer& dst_;
  lzma_stream xz_ = LZMA_STREAM_INIT;
  std::vector<std::byte> out_;
  bool closed_ = false;
};

}  // namespace

std::unique_ptr<Reader> NewZstdReader(Reader& src) { return std::make_unique<ZstdReader>(src); }
std::unique_ptr<Reader> NewBzip2Reader(Reader& src) { return std::make_unique<Bzip2Reader>(src); }
Result<std::unique_ptr<Reader>> NewXzReader(Reader& src) {
  auto r = std::make_unique<XzReader>(src);
  TRY(r->Init());
  return std::unique_ptr<Reader>(std::move(r));
}

Result<std::unique_ptr<CompressWriter>> NewZstdWriter(Writer& dst, int level) {
  if (level < 1 || level > ZSTD_maxCLevel()) {
    return MakeError(Code::kInvalidArgument, "zstd: invalid level " + std::to_string(level));
  }
  return std::unique_ptr<CompressWriter>(std::make_unique<ZstdWriter>(dst, level));
}

Result<std::unique_ptr<CompressWriter>> NewBzip2Writer(Writer& dst, int level) {
  if (level < 1 || level > 9) {
    return MakeError(Code::kInvalidArgument, "bzip2: invalid level " + std::to_string(level));
  }
  auto w = std::make_unique<Bzip2Writer>(dst, level);
  if (!w->ok()) return MakeError(Code::kInternal, "bzip2: init failed");
  return std::unique_ptr<CompressWriter>(std::move(w));
}

Result<std::unique_ptr<CompressWriter>> NewXzWriter(Writer& dst, int level) {
  if (level < 0 || level > 9) {
    return MakeError(Code::kInvalidArgument, "xz: invalid level " + std::to_string(level));
  }
  auto w = std::make_unique<XzWriter>(dst);
  TRY(w->Init(level));
  return std::unique_ptr<CompressWriter>(std::move(w));
}

}  // namespace berth::compress_internal
