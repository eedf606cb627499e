// Go's spellings of time.Time and time.Duration. docker prints times from
// its API structs through Time.String() and health check intervals through
// Duration.String(), so templates over berth's documents must do the same.
#include "format/go_time.h"

#include <algorithm>
#include <cstdio>

namespace berth::tmpl {
namespace {

bool Digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int64_t Num(std::string_view s) {
  int64_t n = 0;
  for (char c : s) n = n * 10 + (c - '0');
  return n;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

}  // namespace

bool ParseGoTime(std::string_view s, GoTime& t) {
  if (s.empty()) return true;  // the zero time
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
      s[13] != ':' || s[16] != ':') {
    return false;
  }
  std::string_view y = s.substr(0, 4), mo = s.substr(5, 2), d = s.substr(8, 2);
  std::string_view h = s.substr(11, 2), mi = s.substr(14, 2), sec = s.substr(17, 2);
  if (!Digits(y) || !Digits(mo) || !Digits(d) || !Digits(h) || !Digits(mi) || !Digits(sec)) return false;
  size_t i = 19;
  std::string frac;
  if (i < s.size() && s[i] == '.') {
    size_t b = ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') i++;
    frac = std::string(s.substr(b, i - b));
    if (frac.empty() || frac.size() > 9) return false;
  }
  std::string_view zone = s.substr(i);
  int offset = 0;
  bool utc = false;
  if (zone == "Z" || zone == "z") {
    utc = true;
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':' &&
             Digits(zone.substr(1, 2)) && Digits(zone.substr(4, 2))) {
    offset = static_cast<int>(Num(zone.substr(1, 2)) * 60 + Num(zone.substr(4, 2)));
    if (zone[0] == '-') offset = -offset;
    utc = offset == 0;
  } else {
    return false;
  }
  t.date = std::string(s.substr(0, 10));
  t.clock = std::string(s.substr(11, 8));
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  t.frac = frac;
  t.offset_minutes = offset;
  t.utc = utc;
  int64_t days = DaysFromCivil(Num(y), Num(mo), Num(d));
  t.unix_seconds = days * 86400 + Num(h) * 3600 + Num(mi) * 60 + Num(sec) - offset * 60;
  std::string nine = frac + std::string(9 - frac.size(), '0');
  t.nanos = Num(nine);
  return true;
}

std::string GoTimeString(const GoTime& t) {
  std::string out = t.date + " " + t.clock;
  if (!t.frac.empty()) out += "." + t.frac;
  if (t.utc) return out + " +0000 UTC";
  char zone[16];
  int a = t.offset_minutes < 0 ? -t.offset_minutes : t.offset_minutes;
  std::snprintf(zone, sizeof zone, "%c%02d%02d", t.offset_minutes < 0 ? '-' : '+', a / 60, a % 60);
  return out + " " + zone + " " + zone;
}

std::string GoTimeString(std::string_view rfc3339) {
  GoTime t;
  if (!ParseGoTime(rfc3339, t)) return std::string(rfc3339);
  return GoTimeString(t);
}

std::string GoDurationString(int64_t nanos) {
  if (nanos == 0) return "0s";
  bool neg = nanos < 0;
  uint64_t u = neg ? 0 - static_cast<uint64_t>(nanos) : static_cast<uint64_t>(nanos);
  // fmtFrac: the fraction of u / 10^prec without trailing zeros (and
  // without the point when it is zero); u becomes the integer part.
  auto frac = [&u](int prec) {
    std::string digits;
    bool print = false;
    for (int i = 0; i < prec; i++) {
      int digit = static_cast<int>(u % 10);
      print = print || digit != 0;
      if (print) digits.insert(digits.begin(), static_cast<char>('0' + digit));
      u /= 10;
    }
    return print ? "." + digits : std::string();
  };
  std::string out;
  if (u < 1000000000ULL) {
    std::string unit;
    int prec = 0;
    if (u < 1000ULL) {
      unit = "ns";
    } else if (u < 1000000ULL) {
      unit = "\xc2\xb5s";  // µs
      prec = 3;
    } else {
      unit = "ms";
      prec = 6;
    }
    std::string f = frac(prec);
    out = std::to_string(u) + f + unit;
  } else {
    std::string f = frac(9);
    out = std::to_string(u % 60) + f + "s";
    u /= 60;
    if (u > 0) {
      out = std::to_string(u % 60) + "m" + out;
      u /= 60;
      if (u > 0) out = std::to_string(u) + "h" + out;
    }
  }
  return neg ? "-" + out : out;
}

}  // namespace berth::tmpl
