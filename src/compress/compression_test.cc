#include "compress/compression.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <cstring>
#include <random>

#include "base/file.h"

namespace berth {
namespace {

// Hands out at most `chunk` bytes per Read, to exercise refills at every boundary.
class ChunkedReader : public Reader {
 public:
  ChunkedReader(std::string data, size_t chunk) : data_(std::move(data)), chunk_(chunk) {}
  Result<size_t> Read(std::span<std::byte> buf) override {
    size_t n = std::min({buf.size(), chunk_, data_.size() - pos_});
    std::memcpy(buf.data(), data_.data() + pos_, n);
    pos_ += n;
    return n;
  }
  size_t pos() const { return pos_; }

 private:
  std::string data_;
  size_t chunk_;
  size_t pos_ = 0;
};

std::string TestData(size_t n, uint32_t seed = 1) {
  // Compressible but not trivial: words from a small vocabulary plus random bytes.
  std::mt19937 rng(seed);
  static const char* kWords[] = {"layer ", "blob ", "sha256 ", "manifest ", "\n", "root "};
  std::string s;
  while (s.size() < n) {
    if (rng() % 8 == 0) {
      s += static_cast<char>(rng() & 0xff);
    } else {
      s += kWords[rng() % 6];
    }
  }
  s.resize(n);
  return s;
}

std::string Compress(Compression c, std::string_view data, int level = 1, size_t chunk = 65536) {
  StringWriter out;
  auto w = NewCompressor(c, out, level);
  EXPECT_TRUE(w.ok()) << w.error().message;
  for (size_t i = 0; i < data.size(); i += chunk) {
    EXPECT_TRUE((*w)->Write(AsBytes(data.substr(i, chunk))).ok());
  }
  EXPECT_TRUE((*w)->Close().ok());
  EXPECT_FALSE((*w)->Write(AsBytes("x")).ok());
  return out.Take();
}

Result<std::string> Decompress(Compression c, std::string data, size_t in_chunk = 1 << 20,
                               size_t out_chunk = 1 << 16) {
  ChunkedReader src(std::move(data), in_chunk);
  auto r = TRY(NewDecompressor(c, src));
  std::string out;
  std::vector<std::byte> buf(out_chunk);
  for (;;) {
    size_t n = TRY(r->Read(buf));
    if (n == 0) return out;
    out.append(reinterpret_cast<const char*>(buf.data()), n);
  }
}

Result<std::string> AutoDecompress(std::string data, Compression* detected) {
  StringReader src(std::move(data));
  auto r = TRY(NewAutoDecompressor(src, detected));
  return ReadAll(*r);
}

constexpr Compression kAll[] = {Compression::kGzip, Compression::kZstd, Compression::kBzip2,
                                Compression::kXz};

TEST(Compression, Names) {
  EXPECT_EQ(CompressionName(Compression::kNone), "none");
  EXPECT_EQ(CompressionName(Compression::kGzip), "gzip");
  EXPECT_EQ(CompressionName(Compression::kZstd), "zstd");
  EXPECT_EQ(CompressionName(Compression::kBzip2), "bzip2");
  EXPECT_EQ(CompressionName(Compression::kXz), "xz");
}

TEST(Compression, DetectsMagic) {
  std::string data = TestData(1000);
  for (Compression c : kAll) {
    std::string z = Compress(c, data);
    EXPECT_EQ(DetectCompression(AsBytes(z)), c) << CompressionName(c);
  }
  EXPECT_EQ(DetectCompression(AsBytes(data)), Compression::kNone);
  EXPECT_EQ(DetectCompression(AsBytes("")), Compression::kNone);
  EXPECT_EQ(DetectCompression(AsBytes("\x1f")), Compression::kNone);
}

TEST(Compression, RoundTripsEveryFormatAndChunking) {
  const std::string data = TestData(700 * 1000);
  for (Compression c : kAll) {
    for (int level : {1, 3, 6}) {
      if (c == Compression::kXz && level == 6) continue;  // slow, adds nothing
      std::string z = Compress(c, data, level, level == 3 ? 777 : 65536);
      EXPECT_LT(z.size(), data.size()) << CompressionName(c);
      for (auto [in_chunk, out_chunk] : std::initializer_list<std::pair<size_t, size_t>>{
               {1 << 20, 1 << 16}, {4096, 100}, {3, 1 << 20}, {65536, 1}}) {
        if ((in_chunk < 16 || out_chunk < 16) && c != Compression::kGzip && level != 1) continue;
        auto out = Decompress(c, z, in_chunk, out_chunk);
        ASSERT_TRUE(out.ok()) << CompressionName(c) << ": " << out.error().message;
        EXPECT_TRUE(*out == data) << CompressionName(c) << " level " << level << " chunks "
                                  << in_chunk << "/" << out_chunk;
      }
    }
  }
}

TEST(Compression, EmptyPayloadRoundTrips) {
  for (Compression c : kAll) {
    auto out = Decompress(c, Compress(c, ""));
    ASSERT_TRUE(out.ok()) << CompressionName(c) << ": " << out.error().message;
    EXPECT_EQ(*out, "");
  }
}

TEST(Compression, AutoDetectsAndPassesThrough) {
  std::string data = TestData(50000);
  for (Compression c : kAll) {
    Compression got = Compression::kNone;
    auto out = AutoDecompress(Compress(c, data), &got);
    ASSERT_TRUE(out.ok()) << out.error().message;
    EXPECT_EQ(got, c);
    EXPECT_TRUE(*out == data);
  }
  Compression got = Compression::kGzip;
  auto out = AutoDecompress(data, &got);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(got, Compression::kNone);
  EXPECT_TRUE(*out == data);
  auto tiny = AutoDecompress("ab", &got);  // shorter than any magic
  ASSERT_TRUE(tiny.ok());
  EXPECT_EQ(*tiny, "ab");
  auto empty = AutoDecompress("", &got);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, "");
}

TEST(Compression, NoneCompressorPassesThrough) {
  EXPECT_EQ(Compress(Compression::kNone, "plain"), "plain");
}

// import's path for a plain tar: NewDecompressor(kNone) with nothing peeked
// (it once memcpy'd from a null pointer, which UBSan stops on).
TEST(Compression, NoneDecompressorPassesThrough) {
  std::string data = TestData(10000);
  for (size_t chunk : {size_t{1}, size_t{7}, size_t{1} << 20}) {
    auto out = Decompress(Compression::kNone, data, chunk, 333);
    ASSERT_TRUE(out.ok()) << out.error().message;
    EXPECT_TRUE(*out == data) << chunk;
  }
  auto empty = Decompress(Compression::kNone, "");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, "");
}

TEST(Compression, RejectsBadLevels) {
  StringWriter out;
  EXPECT_EQ(NewCompressor(Compression::kGzip, out, 10).error().code, Code::kInvalidArgument);
  EXPECT_EQ(NewCompressor(Compression::kZstd, out, 0).error().code, Code::kInvalidArgument);
  EXPECT_EQ(NewCompressor(Compression::kBzip2, out, 0).error().code, Code::kInvalidArgument);
  EXPECT_EQ(NewCompressor(Compression::kXz, out, 10).error().code, Code::kInvalidArgument);
}

// ---- gzip against zlib and gzip(1) ----

std::string ZlibGzip(std::string_view data, int level) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, level, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, data.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = data.size();
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = out.size();
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string ZlibGunzip(std::string_view z) {
  z_stream s{};
  EXPECT_EQ(inflateInit2(&s, 31), Z_OK);
  std::string out;
  char buf[65536];
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(z.data()));
  s.avail_in = z.size();
  int ret;
  do {
    s.next_out = reinterpret_cast<Bytef*>(buf);
    s.avail_out = sizeof buf;
    ret = inflate(&s, Z_NO_FLUSH);
    out.append(buf, sizeof buf - s.avail_out);
  } while (ret == Z_OK);
  EXPECT_EQ(ret, Z_STREAM_END);
  inflateEnd(&s);
  return out;
}

std::string TempDir() {
  const char* env = getenv("BERTH_TEST_TMP");
  std::string parent = env ? env : "/tmp";
  EXPECT_TRUE(MkdirAll(parent).ok());
  return *MakeTempDir(parent, "compress-");
}

// Runs a shell command, returns its stdout (via a file).
std::string Shell(const std::string& cmd) {
  FILE* f = popen(cmd.c_str(), "r");
  EXPECT_NE(f, nullptr);
  std::string out;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  EXPECT_EQ(pclose(f), 0) << cmd;
  return out;
}

TEST(Gzip, CrossChecksWithZlib) {
  std::string data = TestData(300000, 7);
  for (int level : {1, 6, 9}) {
    auto out = Decompress(Compression::kGzip, ZlibGzip(data, level), 5000, 3000);
    ASSERT_TRUE(out.ok()) << out.error().message;
    EXPECT_TRUE(*out == data);
  }
  for (int level : {0, 1, 2, 3, 4, 9}) {
    EXPECT_TRUE(ZlibGunzip(Compress(Compression::kGzip, data, level)) == data) << level;
  }
}

TEST(Gzip, CrossChecksWithGzipCli) {
  if (access("/usr/bin/gzip", X_OK) != 0 && access("/bin/gzip", X_OK) != 0) {
    GTEST_SKIP() << "gzip(1) not installed";
  }
  std::string dir = TempDir();
  std::string data = TestData(200000, 9);
  ASSERT_TRUE(WriteFileAtomic(dir + "/plain", data).ok());
  std::string z = Shell("gzip -c -9 " + dir + "/plain");
  auto out = Decompress(Compression::kGzip, z);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_TRUE(*out == data);
  for (int level : {1, 5}) {
    ASSERT_TRUE(WriteFileAtomic(dir + "/ours.gz", Compress(Compression::kGzip, data, level)).ok());
    EXPECT_TRUE(Shell("gzip -dc " + dir + "/ours.gz") == data);
  }
  ASSERT_TRUE(RemoveAll(dir).ok());
}

TEST(Gzip, MultiMemberAndZeroPadding) {
  std::string a = TestData(100000, 2), b = TestData(5000, 3), c = "tail";
  std::string z = Compress(Compression::kGzip, a) + ZlibGzip(b, 6) + Compress(Compression::kGzip, c);
  for (size_t chunk : {size_t{1}, size_t{7}, size_t{4096}, size_t{1} << 20}) {
    auto out = Decompress(Compression::kGzip, z, chunk, chunk == 1 ? 3 : 65536);
    ASSERT_TRUE(out.ok()) << out.error().message;
    EXPECT_TRUE(*out == a + b + c) << chunk;
  }
  auto padded = Decompress(Compression::kGzip, z + std::string(1500, '\0'), 100);
  ASSERT_TRUE(padded.ok()) << padded.error().message;
  EXPECT_TRUE(*padded == a + b + c);
  // An empty member between two others is fine as well.
  auto with_empty = Decompress(Compression::kGzip, ZlibGzip("x", 1) + ZlibGzip("", 1) + ZlibGzip("y", 1));
  ASSERT_TRUE(with_empty.ok());
  EXPECT_EQ(*with_empty, "xy");
}

TEST(Gzip, TrailingGarbageIsAnError) {
  std::string z = Compress(Compression::kGzip, "hello") + "garbage";
  auto out = Decompress(Compression::kGzip, z);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, Code::kDataLoss);
  auto zeros_then_junk = Decompress(Compression::kGzip, Compress(Compression::kGzip, "hi") +
                                                            std::string(10, '\0') + "x");
  ASSERT_FALSE(zeros_then_junk.ok());
}

TEST(Gzip, ChecksumAndSizeAreVerified) {
  std::string data = TestData(10000);
  std::string z = Compress(Compression::kGzip, data);
  std::string bad_crc = z;
  bad_crc[z.size() - 6] ^= 0x01;
  auto r1 = Decompress(Compression::kGzip, bad_crc);
  ASSERT_FALSE(r1.ok());
  EXPECT_EQ(r1.error().code, Code::kDataLoss);
  EXPECT_EQ(r1.error().message, "gzip: invalid checksum");
  std::string bad_size = z;
  bad_size[z.size() - 3] ^= 0x01;
  auto r2 = Decompress(Compression::kGzip, bad_size);
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.error().code, Code::kDataLoss);
  std::string bad_method = z;
  bad_method[2] = 0x07;  // CM must be 8 (deflate)
  auto r3 = Decompress(Compression::kGzip, bad_method);
  ASSERT_FALSE(r3.ok());
  EXPECT_EQ(r3.error().code, Code::kDataLoss);
}

TEST(Compression, TruncationIsDataLossEverywhere) {
  std::string data = TestData(20000, 5);
  for (Compression c : kAll) {
    std::string z = Compress(c, data);
    size_t step = std::max<size_t>(1, z.size() / 97);
    for (size_t cut = 0; cut < z.size(); cut += step) {
      auto out = Decompress(c, z.substr(0, cut), 1000);
      ASSERT_FALSE(out.ok()) << CompressionName(c) << " cut at " << cut << " of " << z.size();
      EXPECT_EQ(out.error().code, Code::kDataLoss) << out.error().message;
    }
    auto last = Decompress(c, z.substr(0, z.size() - 1));
    ASSERT_FALSE(last.ok()) << CompressionName(c);
    EXPECT_EQ(last.error().code, Code::kDataLoss);
  }
  auto gz = Decompress(Compression::kGzip, Compress(Compression::kGzip, data).substr(0, 100));
  EXPECT_EQ(gz.error().message, "unexpected end of compressed stream");
}

TEST(Compression, CorruptionNeverYieldsWrongData) {
  std::string data = TestData(30000, 11);
  std::mt19937 rng(42);
  for (Compression c : kAll) {
    std::string z = Compress(c, data);
    int errors = 0;
    for (int i = 0; i < 60; i++) {
      std::string bad = z;
      size_t at = rng() % bad.size();
      bad[at] ^= static_cast<char>(1 + rng() % 255);
      auto out = Decompress(c, bad, 997);
      if (out.ok()) {
        EXPECT_TRUE(*out == data) << CompressionName(c) << " flipped byte " << at;
      } else {
        EXPECT_EQ(out.error().code, Code::kDataLoss) << out.error().message;
        errors++;
      }
    }
    EXPECT_GT(errors, 30) << CompressionName(c);
  }
}

TEST(Compression, GarbageInputIsAnError) {
  for (Compression c : kAll) {
    auto out = Decompress(c, "this is not compressed at all, not even a little");
    ASSERT_FALSE(out.ok()) << CompressionName(c);
    EXPECT_EQ(out.error().code, Code::kDataLoss);
  }
}

}  // namespace
}  // namespace berth
