// Go's time.Time and time.Duration as text (internal to format/): parsing
// the RFC 3339 timestamps of docker's JSON and printing them as Go's
// String() methods do.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace berth::tmpl {

// An RFC 3339 timestamp split the way time.Time.String() needs it. The
// default is Go's zero time.
struct GoTime {
  std::string date = "0001-01-01", clock = "00:00:00", frac;  // frac: without trailing zeros
  int offset_minutes = 0;
  bool utc = true;
  int64_t unix_seconds = -62135596800;
  int64_t nanos = 0;
};

// Parses "2026-11-29T02:46:25.111273763Z" or "...+02:00" into t; "" is the
// zero time. False (t unchanged) when s is not RFC 3339.
bool ParseGoTime(std::string_view s, GoTime& t);

// time.Time.String(): "2026-11-29 02:46:25.111273763 +0000 UTC"; a time
// with an offset prints it as Go prints an unnamed zone ("+0200 +0200").
std::string GoTimeString(const GoTime& t);

// The same from RFC 3339 text (the zero time for ""; the text itself when
// it is not RFC 3339).
std::string GoTimeString(std::string_view rfc3339);

// Go's time.Duration.String(): "0s", "1.5s", "1m30s", "2h0m0s", "500ms".
std::string GoDurationString(int64_t nanos);

}  // namespace berth::tmpl
