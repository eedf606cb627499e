#include <gtest/gtest.h>

#include "image/list.h"

namespace berth::image {
namespace {

TEST(PathMatch, GoSemantics) {
  EXPECT_TRUE(PathMatch("busy*", "busybox"));
  EXPECT_TRUE(PathMatch("busybox:*", "busybox:latest"));
  EXPECT_FALSE(PathMatch("*", "sgfoot/top"));  // '*' does not cross '/'
  EXPECT_TRUE(PathMatch("*/top", "sgfoot/top"));
  EXPECT_TRUE(PathMatch("b?sybox", "busybox"));
  EXPECT_TRUE(PathMatch("[a-c]usybox", "busybox"));
  EXPECT_FALSE(PathMatch("[^b]usybox", "busybox"));
  EXPECT_FALSE(PathMatch("busy", "busybox"));
}

TEST(PathMatch, BadPatterns) {  // Go's path.ErrBadPattern
  for (const char* bad : {"[", "[]", "[]a]", "a[", "[a-]", "[-a]", "[^]", "x\\", "[a\\", "[a-\\"}) {
    EXPECT_FALSE(ValidPathPattern(bad)) << bad;
  }
  for (const char* good : {"", "a", "*", "?", "[a]", "[^a]", "[a-z]", "[\\]]", "\\[", "[a-cx-z]", "a*b?[!]"}) {
    EXPECT_TRUE(ValidPathPattern(good)) << good;
  }
}

TEST(TimeFilter, TimestampsAndDurations) {
  ::setenv("TZ", "UTC", 1);
  ::tzset();
  const int64_t s = 1000000000;
  int64_t now = 1700000000LL * s;
  struct Case {
    const char* in;
    int64_t want;
  } ok[] = {
      {"2023-11-14T22:13:20Z", now},
      {"1700000000", now},
      {"1700000000.5", now + s / 2},
      {"1700000000.000000001", now + 1},
      {"0", 0},
      {"1h30m", now - 5400 * s},
      {"10m", now - 600 * s},
      {"1.5h", now - 5400 * s},
      {"300ms", now - 300000000},
      {"-1h", now + 3600 * s},
      {"+2s", now - 2 * s},
      {"2020-01-01", 1577836800LL * s},
      {"2020-01-01T10", (1577836800LL + 36000) * s},
      {"2020-01-01T1", (1577836800LL + 3600) * s},
      {"2020-01-01T10:30", (1577836800LL + 37800) * s},
      {"2020-01-01T10:30:05", (1577836800LL + 37805) * s},
      {"2020-01-01T10:30:05.25", (1577836800LL + 37805) * s + s / 4},
      {"2020-01-01T10:30:05.123456789Z", (1577836800LL + 37805) * s + 123456789},
      {"2020-01-01T10:00:00+01:00", (1577836800LL + 32400) * s},
      {"2020-01-01T10:00:00-01:30", (1577836800LL + 36000 + 5400) * s},
      {"2020-01-01T10Z", (1577836800LL + 36000) * s},
      {"2020-01-01T10:00+02:00", (1577836800LL + 28800) * s},
      {"2020-01-01Z", 1577836800LL * s},
      {"2020-01-01+01:00", (1577836800LL - 3600) * s},
  };
  for (const auto& c : ok) {
    auto got = ParseTimeFilter(c.in, now);
    ASSERT_TRUE(got.ok()) << c.in << ": " << got.error().message;
    EXPECT_EQ(*got, c.want) << c.in;
  }
  struct Bad {
    const char* in;
    const char* message;
  } bad[] = {  // messages recorded from docker 20.10 (image prune --filter until=...)
      {"yesterday", "failed to parse value as time or duration: \"yesterday\""},
      {"bad", "failed to parse value as time or duration: \"bad\""},
      {"5", ""},  // no unit: not a duration, but a Unix timestamp
      {"2020-13-01", "parsing time \"2020-13-01\": month out of range"},
      {"2021-02-30", "parsing time \"2021-02-30\": day out of range"},
      {"2020-01-01T25", "parsing time \"2020-01-01T25\": hour out of range"},
      {"2020-01-01T", "parsing time \"2020-01-01T\" as \"2006-01-02T15\": cannot parse \"\" as \"15\""},
      {"2020-01-01T10:00:00z",
       "parsing time \"2020-01-01T10:00:00z\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"z\" as \"Z07:00\""},
      {"2020-01-01T10:00:00.1234567891Z", "cannot parse \"1Z\" as \"Z07:00\""},
      {"2020-01-01x", "parsing time \"2020-01-01x\": extra text: \"x\""},
      {"-5", "parsing time \"-5\" as \"2006-01-02\": cannot parse \"-5\" as \"2006\""},
      {"1.2.3", "failed to parse value as time or duration: \"1.2.3\""},
      {"", "failed to parse value as time or duration: \"\""},
  };
  for (const auto& c : bad) {
    auto got = ParseTimeFilter(c.in, now);
    if (std::string(c.message).empty()) {
      EXPECT_TRUE(got.ok()) << c.in;
      continue;
    }
    ASSERT_FALSE(got.ok()) << c.in;
    EXPECT_NE(got.error().message.find(c.message), std::string::npos) << c.in << ": " << got.error().message;
  }
}

}  // namespace
}  // namespace berth::image
