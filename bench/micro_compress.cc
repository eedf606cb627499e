// Inflate and deflate throughput of berth's compress module against the raw
// libraries (zlib, ISA-L igzip, zstd). Pull and load inflate every layer; push and
// build compress them; these numbers say which library berth should sit on and how
// much its streaming wrappers cost.
#include <benchmark/benchmark.h>
#include <isa-l/igzip_lib.h>
#include <zlib.h>
#include <zstd.h>

#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <string_view>

#include "compress/compression.h"

namespace {

constexpr size_t kInput = 16 << 20;
constexpr size_t kBuf = 128 << 10;

// A layer-like mix: words (compressible), random runs (not), zero padding.
const std::string& LayerData() {
  static const std::string data = [] {
    std::mt19937_64 rng(7);
    const char* words[] = {"the ", "layer ", "image ", "berth ", "config ", "json ", "tar ",
                           "lib", "usr/", "share/", "doc ", "\n", "static ", "const ", "int "};
    std::string s;
    s.reserve(kInput);
    while (s.size() < kInput) {
      uint64_t kind = rng() % 10;
      if (kind < 6) {
        for (int i = 0; i < 512; ++i) s += words[rng() % std::size(words)];
      } else if (kind < 8) {
        for (int i = 0; i < 512; ++i) {
          uint64_t v = rng();
          s.append(reinterpret_cast<const char*>(&v), 8);
        }
      } else {
        s.append(4096, '\0');
      }
    }
    s.resize(kInput);
    return s;
  }();
  return data;
}

std::string Gzip(const std::string& in) {
  z_stream z{};
  deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, in.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = in.size();
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = out.size();
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string Zstd(const std::string& in) {
  std::string out(ZSTD_compressBound(in.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 3));
  return out;
}

// Reads a string in place (berth::StringReader would copy it every iteration).
class ViewReader : public berth::Reader {
 public:
  explicit ViewReader(std::string_view s) : s_(s) {}
  berth::Result<size_t> Read(std::span<std::byte> buf) override {
    size_t n = std::min(buf.size(), s_.size() - pos_);
    std::memcpy(buf.data(), s_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

void Decompress(benchmark::State& state, berth::Compression c, const std::string& blob) {
  std::unique_ptr<std::byte[]> buf(new std::byte[kBuf]);
  for (auto _ : state) {
    ViewReader src(blob);
    auto r = berth::NewDecompressor(c, src);
    if (!r.ok()) {
      state.SkipWithError("NewDecompressor failed");
      return;
    }
    size_t total = 0;
    for (;;) {
      auto n = (*r)->Read({buf.get(), kBuf});
      if (!n.ok()) {
        state.SkipWithError("read failed");
        return;
      }
      if (*n == 0) break;
      total += *n;
    }
    if (total != kInput) state.SkipWithError("short output");
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * kInput);
}

void BM_GunzipBerth(benchmark::State& state) {
  static const std::string gz = Gzip(LayerData());
  Decompress(state, berth::Compression::kGzip, gz);
}
BENCHMARK(BM_GunzipBerth)->Unit(benchmark::kMillisecond);

void BM_GunzipZlibRaw(benchmark::State& state) {
  static const std::string gz = Gzip(LayerData());
  std::unique_ptr<Bytef[]> buf(new Bytef[kBuf]);
  for (auto _ : state) {
    z_stream z{};
    inflateInit2(&z, 31);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
    z.avail_in = gz.size();
    int rc = Z_OK;
    while (rc == Z_OK) {
      z.next_out = buf.get();
      z.avail_out = kBuf;
      rc = inflate(&z, Z_NO_FLUSH);
    }
    if (rc != Z_STREAM_END || z.total_out != kInput) state.SkipWithError("zlib inflate failed");
    inflateEnd(&z);
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * kInput);
}
BENCHMARK(BM_GunzipZlibRaw)->Unit(benchmark::kMillisecond);

void BM_GunzipIsalRaw(benchmark::State& state) {
  static const std::string gz = Gzip(LayerData());
  std::unique_ptr<uint8_t[]> buf(new uint8_t[kBuf]);
  auto st = std::make_unique<inflate_state>();
  for (auto _ : state) {
    isal_inflate_init(st.get());
    st->crc_flag = ISAL_GZIP;
    st->next_in = reinterpret_cast<uint8_t*>(const_cast<char*>(gz.data()));
    st->avail_in = gz.size();
    size_t total = 0;
    while (st->block_state != ISAL_BLOCK_FINISH) {
      st->next_out = buf.get();
      st->avail_out = kBuf;
      if (isal_inflate(st.get()) != ISAL_DECOMP_OK) {
        state.SkipWithError("isal_inflate failed");
        return;
      }
      total += kBuf - st->avail_out;
    }
    if (total != kInput) state.SkipWithError("short output");
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * kInput);
}
BENCHMARK(BM_GunzipIsalRaw)->Unit(benchmark::kMillisecond);

void BM_UnzstdBerth(benchmark::State& state) {
  static const std::string zs = Zstd(LayerData());
  Decompress(state, berth::Compression::kZstd, zs);
}
BENCHMARK(BM_UnzstdBerth)->Unit(benchmark::kMillisecond);

void BM_UnzstdRaw(benchmark::State& state) {
  static const std::string zs = Zstd(LayerData());
  std::unique_ptr<char[]> buf(new char[kBuf]);
  ZSTD_DCtx* dctx = ZSTD_createDCtx();
  for (auto _ : state) {
    ZSTD_DCtx_reset(dctx, ZSTD_reset_session_only);
    ZSTD_inBuffer in{zs.data(), zs.size(), 0};
    size_t total = 0;
    while (in.pos < in.size) {
      ZSTD_outBuffer out{buf.get(), kBuf, 0};
      size_t rc = ZSTD_decompressStream(dctx, &out, &in);
      if (ZSTD_isError(rc)) {
        state.SkipWithError("zstd failed");
        break;
      }
      total += out.pos;
    }
    if (total != kInput) state.SkipWithError("short output");
  }
  ZSTD_freeDCtx(dctx);
  state.SetBytesProcessed(int64_t(state.iterations()) * kInput);
}
BENCHMARK(BM_UnzstdRaw)->Unit(benchmark::kMillisecond);

// Compression through berth: gzip level 1 is ISA-L, 6 is zlib; zstd level 3.
void Compress(benchmark::State& state, berth::Compression c, int level) {
  const std::string& data = LayerData();
  for (auto _ : state) {
    berth::NullWriter sink;
    auto w = berth::NewCompressor(c, sink, level);
    if (!w.ok() || !(*w)->Write(berth::AsBytes(data)).ok() || !(*w)->Close().ok()) {
      state.SkipWithError("compress failed");
      return;
    }
    state.counters["ratio"] = double(sink.count()) / kInput;
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * kInput);
}
void BM_GzipBerthLevel1(benchmark::State& s) { Compress(s, berth::Compression::kGzip, 1); }
void BM_GzipBerthLevel6(benchmark::State& s) { Compress(s, berth::Compression::kGzip, 6); }
void BM_ZstdBerthLevel3(benchmark::State& s) { Compress(s, berth::Compression::kZstd, 3); }
BENCHMARK(BM_GzipBerthLevel1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_GzipBerthLevel6)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ZstdBerthLevel3)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
