// gzip for layer blobs. Inflate goes through ISA-L's igzip (several times faster
// than zlib on the pull hot path) and handles what real blobs contain: several
// gzip members back to back (pigz, concatenated layers) and zero padding after the
// last member. Deflate uses ISA-L for the fast levels 0-3 and zlib above that.
#include <isa-l/igzip_lib.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "compress/codecs.h"

namespace berth::compress_internal {
namespace {

Error GzipError(int ret) {
  switch (ret) {
    case ISAL_INCORRECT_CHECKSUM:
      return MakeError(Code::kDataLoss, "gzip: invalid checksum");
    case ISAL_INVALID_WRAPPER:
      return MakeError(Code::kDataLoss, "gzip: invalid header");
    case ISAL_UNSUPPORTED_METHOD:
      return MakeError(Code::kDataLoss, "gzip: unsupported compression method");
    default:
      return MakeError(Code::kDataLoss, "gzip: corrupt deflate data");
  }
}

class GzipReader : public Reader {
 public:
  explicit GzipReader(Reader& src) : in_(src), state_(std::make_unique<inflate_state>()) {
    StartMember();
  }

  Result<size_t> Read(std::span<std::byte> out) override {
    if (out.empty()) return size_t{0};
    for (;;) {
      if (done_) return size_t{0};
      if (member_done_) {
        TRY(NextMember());
        continue;
      }
      if (in_.size() == 0 && !TRY(in_.Fill())) return Truncated();
      size_t avail = std::min<size_t>(in_.size(), UINT32_MAX);
      state_->next_in = reinterpret_cast<uint8_t*>(in_.data());
      state_->avail_in = static_cast<uint32_t>(avail);
      size_t out_n = std::min<size_t>(out.size(), UINT32_MAX);
      state_->next_out = reinterpret_cast<uint8_t*>(out.data());
      state_->avail_out = static_cast<uint32_t>(out_n);
      int ret = isal_inflate(state_.get());
      size_t consumed = avail - state_->avail_in;
      size_t produced = out_n - state_->avail_out;
      in_.Consume(consumed);
      if (ret < 0) return GzipError(ret);
      if (state_->block_state == ISAL_BLOCK_FINISH) {
        // igzip may have pulled bytes past the trailer into its bit buffer; hand
        // them back so the next member (or padding) starts at the right byte.
        int extra = state_->read_in_length / 8;
        std::byte back[8];
        for (int i = 0; i < extra; i++) {
          back[i] = static_cast<std::byte>((state_->read_in >> (8 * i)) & 0xff);
        }
        in_.Unread(std::span<const std::byte>(back, static_cast<size_t>(extra)));
        state_->read_in_length = 0;
        member_done_ = true;
      } else if (consumed == 0 && produced == 0) {
        // igzip wants more input than is buffered to make progress.
        size_t have = in_.size();
        if (TRY(in_.Ensure(have + 1)) <= have) return Truncated();
      }
      if (produced > 0) return produced;
    }
  }

 private:
  void StartMember() {
    isal_inflate_init(state_.get());
    state_->crc_flag = ISAL_GZIP;
    member_done_ = false;
  }

  // After a member: another member, zero padding up to the end, or garbage.
  Status NextMember() {
    size_t n = TRY(in_.Ensure(2));
    if (n == 0) {
      done_ = true;
      return Ok();
    }
    const auto* p = reinterpret_cast<const uint8_t*>(in_.data());
    if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b) {
      StartMember();
      return Ok();
    }
    // gzip(1) accepts trailing zero bytes; anything else is not a gzip stream.
    for (;;) {
      const auto* q = reinterpret_cast<const uint8_t*>(in_.data());
      size_t len = in_.size();
      if (std::any_of(q, q + len, [](uint8_t b) { return b != 0; })) {
        return MakeError(Code::kDataLoss, "gzip: invalid header (trailing garbage)");
      }
      in_.Consume(len);
      if (!TRY(in_.Fill())) break;
    }
    done_ = true;
    return Ok();
  }

  InputBuffer in_;
  std::unique_ptr<inflate_state> state_;
  bool member_done_ = false;
  bool done_ = false;
};

// Shared output handling for both deflate backends.
class GzipWriterBase : public CompressWriter {
 protected:
  explicit GzipWriterBase(Writer& dst) : dst_(dst), out_(kChunk) {}
  Writer& dst_;
  std::vector<std::byte> out_;
  bool closed_ = false;
};

class IsalGzipWriter : public GzipWriterBase {
 public:
  IsalGzipWriter(Writer& dst, int level) : GzipWriterBase(dst) {
    static constexpr uint32_t kLevelBuf[] = {ISAL_DEF_LVL0_DEFAULT, ISAL_DEF_LVL1_DEFAULT,
                                             ISAL_DEF_LVL2_DEFAULT, ISAL_DEF_LVL3_DEFAULT};
    stream_ = std::make_unique<isal_zstream>();
    isal_deflate_init(stream_.get());
    stream_->gzip_flag = IGZIP_GZIP;
    stream_->level = static_cast<uint32_t>(level);
    level_buf_.resize(kLevelBuf[level]);
    stream_->level_buf = level_buf_.empty() ? nullptr : level_buf_.data();
    stream_->level_buf_size = static_cast<uint32_t>(level_buf_.size());
    stream_->end_of_stream = 0;
    stream_->flush = NO_FLUSH;
  }

  Status Write(std::span<const std::byte> data) override {
    if (closed_) return MakeError(Code::kInternal, "gzip: write after close");
    while (!data.empty()) {
      size_t n = std::min<size_t>(data.size(), 1u << 30);
      stream_->next_in = const_cast<uint8_t*>(reinterpret_cast<const uint8_t*>(data.data()));
      stream_->avail_in = static_cast<uint32_t>(n);
      do {
        TRY(Step());
      } while (stream_->avail_in > 0 || stream_->avail_out == 0);
      data = data.subspan(n);
    }
    return Ok();
  }

  Status Close() override {
    if (closed_) return Ok();
    closed_ = true;
    stream_->end_of_stream = 1;
    stream_->next_in = nullptr;
    stream_->avail_in = 0;
    while (stream_->internal_state.state != ZSTATE_END) TRY(Step());
    return Ok();
  }

 private:
  Status Step() {
    stream_->next_out = reinterpret_cast<uint8_t*>(out_.data());
    stream_->avail_out = static_cast<uint32_t>(out_.size());
    int ret = isal_deflate(stream_.get());
    if (ret != COMP_OK) {
      return MakeError(Code::kInternal, "gzip: isal_deflate failed (" + std::to_string(ret) + ")");
    }
    size_t produced = out_.size() - stream_->avail_out;
    if (produced > 0) TRY(dst_.Write(std::span<const std::byte>(out_.data(), produced)));
    return Ok();
  }

  std::unique_ptr<isal_zstream> stream_;
  std::vector<uint8_t> level_buf_;
};

class ZlibGzipWriter : public GzipWriterBase {
 public:
  explicit ZlibGzipWriter(Writer& dst) : GzipWriterBase(dst) {}
  ~ZlibGzipWriter() override {
    if (initialized_) deflateEnd(&z_);
  }

  Status Init(int level) {
    if (deflateInit2(&z_, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
      return MakeError(Code::kInternal, "gzip: deflateInit2 failed");
    }
    initialized_ = true;
    return Ok();
  }

  Status Write(std::span<const std::byte> data) override {
    if (closed_) return MakeError(Code::kInternal, "gzip: write after close");
    while (!data.empty()) {
      size_t n = std::min<size_t>(data.size(), 1u << 30);
      z_.next_in = const_cast<Bytef*>(reinterpret_cast<const Bytef*>(data.data()));
      z_.avail_in = static_cast<uInt>(n);
      do {
        TRY(Step(Z_NO_FLUSH));
      } while (z_.avail_in > 0 || z_.avail_out == 0);
      data = data.subspan(n);
    }
    return Ok();
  }

  Status Close() override {
    if (closed_) return Ok();
    closed_ = true;
    z_.next_in = nullptr;
    z_.avail_in = 0;
    while (TRY(Step(Z_FINISH)) != Z_STREAM_END) {
    }
    return Ok();
  }

 private:
  Result<int> Step(int flush) {
    z_.next_out = reinterpret_cast<Bytef*>(out_.data());
    z_.avail_out = static_cast<uInt>(out_.size());
    int ret = deflate(&z_, flush);
    if (ret != Z_OK && ret != Z_STREAM_END && ret != Z_BUF_ERROR) {
      return MakeError(Code::kInternal, "gzip: deflate failed (" + std::to_string(ret) + ")");
    }
    size_t produced = out_.size() - z_.avail_out;
    if (produced > 0) TRY(dst_.Write(std::span<const std::byte>(out_.data(), produced)));
    return ret;
  }

  z_stream z_{};
  bool initialized_ = false;
};

}  // namespace

std::unique_ptr<Reader> NewGzipReader(Reader& src) { return std::make_unique<GzipReader>(src); }

Result<std::unique_ptr<CompressWriter>> NewGzipWriter(Writer& dst, int level) {
  if (level < 0 || level > 9) {
    return MakeError(Code::kInvalidArgument, "gzip: invalid level " + std::to_string(level));
  }
  if (level <= ISAL_DEF_MAX_LEVEL) return std::make_unique<IsalGzipWriter>(dst, level);
  auto w = std::make_unique<ZlibGzipWriter>(dst);
  TRY(w->Init(level));
  return std::unique_ptr<CompressWriter>(std::move(w));
}

}  // namespace berth::compress_internal
