// Sizes and durations for tables. docker prints these through go-units, so
// the thresholds and rounding here copy go-units; the one deliberate
// difference is that a value rounding up to 1000 of a unit is carried into
// the next unit instead of printing "1e+03kB".
#include "format/units.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace berth {
namespace {

constexpr const char* kDecimalUnits[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
constexpr const char* kBinaryUnits[] = {"B",   "KiB", "MiB", "GiB", "TiB",
                                        "PiB", "EiB", "ZiB", "YiB"};
constexpr int kUnitCount = 9;

// go-units getSizeAndUnit + "%.<precision>g<unit>", with the carry fix.
// C's %g and Go's %g agree for a fixed precision.
std::string CustomSize(double size, double base, const char* const* units, int precision) {
  int i = 0;
  while (size >= base && i < kUnitCount - 1) {
    size /= base;
    i++;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", precision, size);
  if (std::strtod(buf, nullptr) >= base && i < kUnitCount - 1) {
    size /= base;
    i++;
    std::snprintf(buf, sizeof buf, "%.*g", precision, size);
  }
  return std::string(buf) + units[i];
}

}  // namespace

std::string HumanSize(double bytes) { return CustomSize(bytes, 1000.0, kDecimalUnits, 3); }

std::string HumanSizeWithPrecision(double bytes, int precision) {
  return CustomSize(bytes, 1000.0, kDecimalUnits, precision);
}

std::string BytesSize(double bytes) { return CustomSize(bytes, 1024.0, kBinaryUnits, 4); }

std::string HumanDuration(int64_t nanos) {
  // time.Duration.Seconds()/Minutes()/Hours() split whole units from the
  // remainder before dividing; int() truncates toward zero.
  auto in_units = [nanos](int64_t unit) {
    return static_cast<double>(nanos / unit) +
           static_cast<double>(nanos % unit) / static_cast<double>(unit);
  };
  constexpr int64_t kSecond = 1000000000, kMinute = 60 * kSecond, kHour = 60 * kMinute;
  int64_t seconds = static_cast<int64_t>(in_units(kSecond));
  if (seconds < 1) return "Less than a second";
  if (seconds == 1) return "1 second";
  if (seconds < 60) return std::to_string(seconds) + " seconds";
  int64_t minutes = static_cast<int64_t>(in_units(kMinute));
  if (minutes == 1) return "About a minute";
  if (minutes < 60) return std::to_string(minutes) + " minutes";
  int64_t hours = static_cast<int64_t>(in_units(kHour) + 0.5);
  if (hours == 1) return "About an hour";
  if (hours < 48) return std::to_string(hours) + " hours";
  if (hours < 24 * 7 * 2) return std::to_string(hours / 24) + " days";
  if (hours < 24 * 30 * 2) return std::to_string(hours / 24 / 7) + " weeks";
  if (hours < 24 * 365 * 2) return std::to_string(hours / 24 / 30) + " months";
  return std::to_string(static_cast<int64_t>(in_units(kHour)) / 24 / 365) + " years";
}

std::string TimeAgo(int64_t then_ns, int64_t now_ns) {
  return HumanDuration(now_ns - then_ns) + " ago";
}

}  // namespace berth
