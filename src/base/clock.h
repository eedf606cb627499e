// Wall-clock time as Docker shows it: RFC 3339 with nanoseconds in UTC.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace berth {

// Nanoseconds since the Unix epoch.
int64_t NowNanos();

// 1700000000123456789 -> "2023-11-14T22:13:20.123456789Z" (trailing zeros of
// the fraction dropped as Go's time.RFC3339Nano does; no fraction when zero).
std::string FormatRfc3339Nano(int64_t nanos);

// Formats the whole seconds of nanos in UTC with strftime's format
// ("%Y-%m-%dT%H:%M:%SZ", Go's time.String() shape, ...).
std::string FormatUtc(int64_t nanos, const char* strftime_format);

// Parses RFC 3339 timestamps with optional fraction and Z or +hh:mm offset.
std::optional<int64_t> ParseRfc3339(std::string_view s);

}  // namespace berth
