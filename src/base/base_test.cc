#include <gtest/gtest.h>
#include <sys/stat.h>

#include "base/clock.h"
#include "base/file.h"
#include "base/io.h"
#include "base/result.h"
#include "base/strings.h"

namespace berth {
namespace {

Result<int> Half(int x) {
  if (x % 2) return MakeError(Code::kInvalidArgument, "odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  int h = TRY(Half(x));
  return TRY_CTX(Half(h), "second half");
}

TEST(Result, TryPropagates) {
  EXPECT_EQ(*Quarter(8), 2);
  auto r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kInvalidArgument);
  EXPECT_EQ(r.error().message, "second half: odd");
}

TEST(Strings, SplitCutTrim) {
  EXPECT_EQ(Split("a:b::c", ':'), (std::vector<std::string>{"a", "b", "", "c"}));
  auto c = Cut("k=v=w", '=');
  ASSERT_TRUE(c);
  EXPECT_EQ(c->first, "k");
  EXPECT_EQ(c->second, "v=w");
  EXPECT_FALSE(Cut("kv", '='));
  EXPECT_EQ(Trim("  x y \n"), "x y");
  EXPECT_EQ(ParseInt("-42"), -42);
  EXPECT_FALSE(ParseInt("4x"));
}

TEST(Clock, Rfc3339RoundTrip) {
  EXPECT_EQ(FormatRfc3339Nano(1700000000123456789), "2023-11-14T22:13:20.123456789Z");
  EXPECT_EQ(FormatRfc3339Nano(1700000000000000000), "2023-11-14T22:13:20Z");
  EXPECT_EQ(FormatRfc3339Nano(1700000000100000000), "2023-11-14T22:13:20.1Z");
  EXPECT_EQ(ParseRfc3339("2023-11-14T22:13:20.123456789Z"), 1700000000123456789);
  EXPECT_EQ(ParseRfc3339("2023-11-15T00:13:20+02:00"), 1700000000000000000);
  EXPECT_FALSE(ParseRfc3339("2023-11-14"));
  EXPECT_FALSE(ParseRfc3339("0001-13-01T00:00:00Z"));
  EXPECT_FALSE(ParseRfc3339("2023-11-14T24:00:00Z"));
}

TEST(File, AtomicWriteAndRead) {
  auto dir = MakeTempDir("/tmp", "berth-base-test-");
  ASSERT_TRUE(dir.ok());
  std::string p = JoinPath(*dir, "f");
  ASSERT_TRUE(WriteFileAtomic(p, "hello").ok());
  EXPECT_EQ(*ReadFile(p), "hello");
  ASSERT_TRUE(WriteFileAtomic(p, "bye").ok());
  EXPECT_EQ(*ReadFile(p), "bye");
  EXPECT_EQ(ReadFile(p + "x").error().code, Code::kNotFound);
  EXPECT_EQ(*DiskUsage(*dir), 3u);
  ASSERT_TRUE(RemoveAll(*dir).ok());
  EXPECT_FALSE(PathExists(*dir));
}

TEST(Io, CopyThroughStrings) {
  StringReader r(std::string(300000, 'x'));
  StringWriter w;
  EXPECT_EQ(*Copy(r, w, 4096), 300000u);
  EXPECT_EQ(w.data().size(), 300000u);
}

}  // namespace
}  // namespace berth

namespace berth {
namespace {

TEST(Clock, FormatUtc) {
  EXPECT_EQ(FormatUtc(1700000000123456789, "%Y-%m-%d %H:%M:%S +0000 UTC"), "2023-11-14 22:13:20 +0000 UTC");
}

}  // namespace
}  // namespace berth

namespace berth {
namespace {

TEST(FileTest, ProcessUmaskIsTheUmask) {
  mode_t now = ::umask(0);  // the test is single-threaded here: read by setting, then restore
  ::umask(now);
  EXPECT_EQ(ProcessUmask(), now);
}

}  // namespace
}  // namespace berth
