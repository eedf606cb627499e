// Human-readable sizes and durations exactly as the Docker CLI prints them
// (github.com/docker/go-units), minus Docker's "1e+03kB" rounding bug.
#pragma once

#include <cstdint>
#include <string>

namespace berth {

// Decimal size with three significant digits, as docker prints the SIZE
// column (units.HumanSizeWithPrecision(size, 3)): 0 -> "0B", 999 -> "999B",
// 1000 -> "1kB", 1982312 -> "1.98MB", 545000000 -> "545MB". Values that round
// up to 1000 of a unit carry to the next one (999999 -> "1MB", where Docker
// prints "1e+03kB"). Units: B kB MB GB TB PB EB ZB YB.
std::string HumanSize(double bytes);

// The same with another number of significant digits; Docker's
// units.HumanSize (prune's "Total reclaimed space") uses 4.
std::string HumanSizeWithPrecision(double bytes, int precision);

// Binary size with four significant digits (units.BytesSize): 1024 ->
// "1KiB", 1536 -> "1.5KiB". Units: B KiB MiB GiB TiB PiB EiB ZiB YiB. Values
// that round up to 1024 of a unit carry to the next one.
std::string BytesSize(double bytes);

// units.HumanDuration: "Less than a second", "1 second", "N seconds",
// "About a minute", "N minutes", "About an hour", "N hours", "N days",
// "N weeks", "N months", "N years", with go-units' thresholds.
std::string HumanDuration(int64_t nanos);

// HumanDuration(now_ns - then_ns) + " ago", as docker's CREATED column.
std::string TimeAgo(int64_t then_ns, int64_t now_ns);

}  // namespace berth
