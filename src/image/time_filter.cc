// `until=` and `since=`-style time filters take whatever Docker's
// GetTimestamp takes (moby api/types/time): a Go duration ("10m", "1h30m",
// "-1h", "1.5h", "300ms") counted back from now; an RFC 3339 date or time,
// whole or cut short ("2020-01-01", "2020-01-01T10", "2020-01-01T10:00",
// with or without fraction, with "Z" or an offset, or without a zone, then
// in the local zone); or a Unix timestamp with an optional fraction
// ("1700000000.5"). Scripts pass all of these to docker, so the rules are
// Docker's to the letter, including which layout a value is read with.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <charconv>
#include <cmath>
#include <ctime>

#include "image/list.h"

namespace berth::image {

namespace {

constexpr int64_t kSecond = 1'000'000'000;

// Go's time.ParseDuration: [-+]?([0-9]*(\.[0-9]*)?unit)+, units ns us µs ms s m h.
std::optional<int64_t> ParseGoDuration(std::string_view s) {
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return std::nullopt;
  double total = 0;
  while (!s.empty()) {
    size_t i = 0;
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) i++;
    std::string_view num = s.substr(0, i);
    if (num.empty() || num == "." || num.find('.') != num.rfind('.')) return std::nullopt;
    size_t j = i;
    while (j < s.size() && !std::isdigit(static_cast<unsigned char>(s[j])) && s[j] != '.') j++;
    std::string_view unit = s.substr(i, j - i);
    double mult;
    if (unit == "ns") mult = 1;
    else if (unit == "us" || unit == "\xc2\xb5s" || unit == "\xce\xbcs") mult = 1e3;
    else if (unit == "ms") mult = 1e6;
    else if (unit == "s") mult = 1e9;
    else if (unit == "m") mult = 60e9;
    else if (unit == "h") mult = 3600e9;
    else return std::nullopt;  // a missing unit too ("5")
    total += std::stod(std::string(num)) * mult;
    if (total > 9.2e18) return std::nullopt;  // Go: "invalid duration"
    s.remove_prefix(j);
  }
  return static_cast<int64_t>(neg ? -total : total);
}

// Go's time.Parse for the layouts Docker's GetTimestamp uses, with Go's
// error messages (`parsing time "2020-13-01": month out of range`,
// `parsing time "-5" as "2006-01-02": cannot parse "-5" as "2006"`). The
// elements are the ones those layouts hold: 2006 01 02 15 04 05
// .999999999 Z07:00 and literal separators.
class GoLayoutParser {
 public:
  GoLayoutParser(std::string_view value, std::string_view layout) : value_(value), layout_(layout) {}

  // Nanoseconds since the epoch; offset_s applies when the layout has no zone.
  Result<int64_t> Parse(int64_t offset_s) {
    std::string_view v = value_, l = layout_;
    int year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0;
    int64_t nanos = 0;
    while (!l.empty()) {
      auto [prefix, elem] = NextChunk(l);
      if (v.substr(0, prefix.size()) != prefix) return CannotParse(v, prefix);
      v.remove_prefix(prefix.size());
      l.remove_prefix(prefix.size() + elem.size());
      if (elem.empty()) break;
      std::string_view hold = v;
      bool ok = true;
      const char* range = nullptr;
      if (elem == "2006") {
        ok = v.size() >= 4 && std::all_of(v.begin(), v.begin() + 4, IsDigit);
        if (ok) year = std::stoi(std::string(v.substr(0, 4))), v.remove_prefix(4);
      } else if (elem == "01" || elem == "02" || elem == "15" || elem == "04" || elem == "05") {
        auto n = GetNum(v, elem != "15");
        ok = n.has_value();
        if (elem == "01") month = n.value_or(0), range = ok && (month < 1 || month > 12) ? "month" : nullptr;
        if (elem == "02") day = n.value_or(0);
        if (elem == "15") hour = n.value_or(0), range = ok && hour > 23 ? "hour" : nullptr;
        if (elem == "04") minute = n.value_or(0), range = ok && minute > 59 ? "minute" : nullptr;
        if (elem == "05") {
          second = n.value_or(0), range = ok && second > 59 ? "second" : nullptr;
          // A fraction the layout does not ask for is read anyway (Go does).
          if (ok && !range && !l.starts_with(".9") && v.size() >= 2 && (v[0] == '.' || v[0] == ',') &&
              IsDigit(v[1])) {
            nanos = Fraction(v);
          }
        }
      } else if (elem == ".999999999") {
        // At most the layout's nine digits (docker 20.10's Go stops there).
        if (v.size() >= 2 && (v[0] == '.' || v[0] == ',') && IsDigit(v[1])) nanos = Fraction(v, 9);
      } else if (elem == "Z07:00") {
        if (!v.empty() && v[0] == 'Z') {
          v.remove_prefix(1);
          offset_s = 0;
        } else {
          ok = v.size() >= 6 && (v[0] == '+' || v[0] == '-') && v[3] == ':' && IsDigit(v[1]) &&
               IsDigit(v[2]) && IsDigit(v[4]) && IsDigit(v[5]);
          if (ok) {
            int64_t off = ((v[1] - '0') * 10 + (v[2] - '0')) * 3600 + ((v[4] - '0') * 10 + (v[5] - '0')) * 60;
            offset_s = v[0] == '-' ? -off : off;
            v.remove_prefix(6);
          }
        }
      }
      if (range) return Failure(std::string(": ") + range + " out of range");
      if (!ok) return CannotParse(hold, elem);
    }
    if (!v.empty()) return Failure(": extra text: " + Quote(v));
    if (day < 1 || day > DaysIn(month, year)) return Failure(": day out of range");
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    return (static_cast<int64_t>(timegm(&tm)) - offset_s) * kSecond + nanos;
  }

 private:
  static bool IsDigit(char c) { return c >= '0' && c <= '9'; }
  static std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }
  static int DaysIn(int month, int year) {
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    return month == 2 && leap ? 29 : kDays[month - 1];
  }
  // The literal text before the next layout element, and the element.
  static std::pair<std::string_view, std::string_view> NextChunk(std::string_view l) {
    static constexpr std::string_view kElems[] = {"2006", "01", "02", "15", "04", "05", ".999999999", "Z07:00"};
    for (size_t i = 0; i < l.size(); i++) {
      for (auto e : kElems) {
        if (l.substr(i, e.size()) == e) return {l.substr(0, i), e};
      }
    }
    return {l, {}};
  }
  // Go's getnum: one or two digits, exactly two when fixed.
  static std::optional<int> GetNum(std::string_view& v, bool fixed) {
    if (v.empty() || !IsDigit(v[0])) return std::nullopt;
    if (v.size() < 2 || !IsDigit(v[1])) {
      if (fixed) return std::nullopt;
      int n = v[0] - '0';
      v.remove_prefix(1);
      return n;
    }
    int n = (v[0] - '0') * 10 + (v[1] - '0');
    v.remove_prefix(2);
    return n;
  }
  // ".123" -> 123000000; digits past the ninth (up to max) are read and dropped.
  static int64_t Fraction(std::string_view& v, size_t max = SIZE_MAX) {
    size_t n = 1;
    int64_t nanos = 0;
    for (; n < v.size() && IsDigit(v[n]) && n <= max; n++) {
      if (n <= 9) nanos = nanos * 10 + (v[n] - '0');
    }
    for (size_t k = std::min<size_t>(n, 10); k < 10; k++) nanos *= 10;
    v.remove_prefix(n);
    return nanos;
  }
  Error CannotParse(std::string_view rest, std::string_view elem) const {
    return MakeError(Code::kInvalidArgument, "parsing time " + Quote(value_) + " as " + Quote(layout_) +
                                                 ": cannot parse " + Quote(rest) + " as " + Quote(elem));
  }
  Error Failure(const std::string& message) const {
    return MakeError(Code::kInvalidArgument, "parsing time " + Quote(value_) + message);
  }

  std::string_view value_, layout_;
};

// The layout GetTimestamp reads a value with.
std::string_view DockerLayout(std::string_view v, bool zoned) {
  if (v.find('.') != std::string_view::npos) {
    return zoned ? "2006-01-02T15:04:05.999999999Z07:00" : "2006-01-02T15:04:05.999999999";
  }
  if (v.find('T') != std::string_view::npos) {
    size_t colons = static_cast<size_t>(std::count(v.begin(), v.end(), ':'));
    if (zoned && v.find_first_of("zZ") == std::string_view::npos && colons > 0) colons--;
    if (colons == 0) return zoned ? "2006-01-02T15Z07:00" : "2006-01-02T15";
    if (colons == 1) return zoned ? "2006-01-02T15:04Z07:00" : "2006-01-02T15:04";
    return zoned ? "2006-01-02T15:04:05Z07:00" : "2006-01-02T15:04:05";
  }
  return zoned ? "2006-01-02Z07:00" : "2006-01-02";
}

// Docker's parseTimestamp: "seconds" or "seconds.fraction".
std::optional<int64_t> ParseUnixTimestamp(std::string_view v) {
  size_t dot = v.find('.');
  std::string_view whole = v.substr(0, dot);
  int64_t s = 0;
  auto [end, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), s);
  if (ec != std::errc() || end != whole.data() + whole.size() || whole.empty()) return std::nullopt;
  int64_t n = 0;
  if (dot != std::string_view::npos) {
    std::string_view frac = v.substr(dot + 1);
    auto [e2, ec2] = std::from_chars(frac.data(), frac.data() + frac.size(), n);
    if (ec2 != std::errc() || e2 != frac.data() + frac.size() || frac.empty()) return std::nullopt;
    n = static_cast<int64_t>(static_cast<double>(n) * std::pow(10.0, 9.0 - static_cast<double>(frac.size())));
  }
  return s * kSecond + n;
}

int64_t LocalOffsetSeconds(int64_t now_ns) {
  std::time_t t = static_cast<std::time_t>(now_ns / kSecond);
  std::tm tm{};
  localtime_r(&t, &tm);
  return tm.tm_gmtoff;
}

}  // namespace

Result<int64_t> ParseTimeFilter(std::string_view value, int64_t now_ns) {
  if (value != "0") {
    if (auto d = ParseGoDuration(value)) return now_ns - *d;
  }
  size_t dashes = 0;
  for (char c : value) dashes += c == '-';
  bool zoned = value.find_first_of("zZ+") != std::string_view::npos || dashes == 3;
  auto t = GoLayoutParser(value, DockerLayout(value, zoned)).Parse(LocalOffsetSeconds(now_ns));
  if (t.ok()) return *t;
  // With a dash it was meant as a date: Go's error is the answer.
  if (value.find('-') != std::string_view::npos) return t.error();
  if (auto t = ParseUnixTimestamp(value)) return *t;
  return MakeError(Code::kInvalidArgument,
                   "failed to parse value as time or duration: \"" + std::string(value) + "\"");
}

}  // namespace berth::image
