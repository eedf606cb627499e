#include "format/units.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace berth {
namespace {

TEST(HumanSizeTest, MatchesDockerThreeSignificantDigits) {
  struct Case {
    double in;
    const char* want;
  } cases[] = {
      {0, "0B"},
      {1, "1B"},
      {10, "10B"},
      {100, "100B"},
      {999, "999B"},
      {1000, "1kB"},
      {1001, "1kB"},
      {1024, "1.02kB"},
      {1500, "1.5kB"},
      {12345, "12.3kB"},
      {99999, "100kB"},
      {999499, "999kB"},
      {999999, "1MB"},  // Docker prints "1e+03kB" here.
      {1000000, "1MB"},
      {1982312, "1.98MB"},
      {5600000, "5.6MB"},
      {72900000, "72.9MB"},
      {545000000, "545MB"},
      {999999999, "1GB"},
      {1000000000, "1GB"},
      {1234567890, "1.23GB"},
      {1e12, "1TB"},
      {1e15, "1PB"},
      {1e18, "1EB"},
      {1e21, "1ZB"},
      {1e24, "1YB"},
      {3.2e25, "32YB"},
      {1e27, "1e+03YB"},  // no unit beyond YB to carry into
      {0.5, "0.5B"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(HumanSize(c.in), c.want) << "input " << c.in;
  }
}

TEST(BytesSizeTest, BinaryUnitsFourDigits) {
  struct Case {
    double in;
    const char* want;
  } cases[] = {
      {0, "0B"},
      {1023, "1023B"},
      {1024, "1KiB"},
      {1536, "1.5KiB"},
      {1048575, "1MiB"},  // 1023.999KiB rounds to 1024 and carries
      {1048576, "1MiB"},
      {1572864, "1.5MiB"},
      {1073741824, "1GiB"},
      {1099511627776.0, "1TiB"},
      {123456789, "117.7MiB"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(BytesSize(c.in), c.want) << "input " << c.in;
  }
}

TEST(HumanDurationTest, MatchesGoUnits) {
  constexpr int64_t ms = 1000000, s = 1000 * ms, min = 60 * s, h = 60 * min, day = 24 * h,
                    week = 7 * day, month = 30 * day, year = 365 * day;
  struct Case {
    int64_t in;
    const char* want;
  } cases[] = {
      {-5 * s, "Less than a second"},
      {0, "Less than a second"},
      {450 * ms, "Less than a second"},
      {999 * ms, "Less than a second"},
      {1 * s, "1 second"},
      {1999 * ms, "1 second"},
      {2 * s, "2 seconds"},
      {45 * s, "45 seconds"},
      {46 * s, "46 seconds"},
      {59 * s, "59 seconds"},
      {59 * s + 999 * ms, "59 seconds"},
      {60 * s, "About a minute"},
      {119 * s, "About a minute"},
      {2 * min, "2 minutes"},
      {3 * min, "3 minutes"},
      {35 * min, "35 minutes"},
      {35 * min + 40 * s, "35 minutes"},
      {45 * min, "45 minutes"},
      {45 * min + 40 * s, "45 minutes"},
      {46 * min, "46 minutes"},
      {59 * min, "59 minutes"},
      {1 * h, "About an hour"},
      {1 * h + 29 * min, "About an hour"},
      {1 * h + 31 * min, "2 hours"},
      {1 * h + 59 * min, "2 hours"},
      {3 * h, "3 hours"},
      {3 * h + 29 * min, "3 hours"},
      {3 * h + 31 * min, "4 hours"},
      {3 * h + 59 * min, "4 hours"},
      {3 * h + 60 * min, "4 hours"},
      {24 * h, "24 hours"},
      {1 * day + 12 * h, "36 hours"},
      {47 * h, "47 hours"},
      {47 * h + 31 * min, "2 days"},  // rounds to 48 hours
      {2 * day, "2 days"},
      {7 * day, "7 days"},
      {13 * day + 5 * h, "13 days"},
      {2 * week, "2 weeks"},
      {2 * week + 4 * day, "2 weeks"},
      {3 * week, "3 weeks"},
      {4 * week, "4 weeks"},
      {4 * week + 3 * day, "4 weeks"},
      {1 * month, "4 weeks"},
      {1 * month + 2 * week, "6 weeks"},
      {2 * month, "2 months"},
      {2 * month + 2 * week, "2 months"},
      {3 * month, "3 months"},
      {3 * month + 1 * week, "3 months"},
      {5 * month + 2 * week, "5 months"},
      {13 * month, "13 months"},
      {23 * month, "23 months"},
      {24 * month, "24 months"},
      {2 * year - h, "24 months"},
      {2 * year, "2 years"},
      {24 * month + 2 * week, "2 years"},
      {3 * year + 2 * month, "3 years"},
      {10 * year, "10 years"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(HumanDuration(c.in), c.want) << "input " << c.in;
  }
}

TEST(TimeAgoTest, AppendsAgo) {
  constexpr int64_t s = 1000000000;
  EXPECT_EQ(TimeAgo(100 * s, 100 * s), "Less than a second ago");
  EXPECT_EQ(TimeAgo(1700000000 * s, 1700000000 * s + 3 * 3600 * s), "3 hours ago");
  EXPECT_EQ(TimeAgo(0, 9 * 24 * 3600 * s), "9 days ago");
}

}  // namespace
}  // namespace berth

namespace berth {
namespace {

TEST(HumanSizeWithPrecision, FourDigitsLikeDockerHumanSize) {
  EXPECT_EQ(HumanSizeWithPrecision(1982312, 4), "1.982MB");
  EXPECT_EQ(HumanSizeWithPrecision(0, 4), "0B");
  EXPECT_EQ(HumanSizeWithPrecision(1982312, 3), HumanSize(1982312));
}

}  // namespace
}  // namespace berth
