// `images`: the image summaries Docker's /images/json returns, with its filters.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/result.h"
#include "digest/digest.h"
#include "store/store.h"

namespace berth::image {

struct ImageSummary {
  Digest id{};
  std::vector<std::string> repo_tags{};     // familiar: "ubuntu:18.04"
  std::vector<std::string> repo_digests{};  // familiar: "ubuntu@sha256:..."
  int64_t created = 0;                    // ns
  int64_t size = 0;
  std::string parent{};
  bool dangling = false;  // no tags and no repo digests
  int containers = -1;    // -1: not computed (Docker's default)
};

struct ListOptions {
  bool all = false;                  // -a: include intermediate images
  std::vector<std::string> filters{};  // "key=value" as given to -f
};

// Lists images newest first. Filters as Docker: dangling=true|false,
// reference=PATTERN (path.Match on "name" and "name:tag"; also narrows the
// tags shown), before=IMAGE, since=IMAGE, label=KEY[=VALUE], until=TIMESTAMP.
// InvalidArgument "Invalid filter 'x'" for unknown keys or values.
Result<std::vector<ImageSummary>> ListImages(store::Store& store, const ListOptions& options);

// Go's path.Match: '*', '?', '[...]' classes, '\\' escapes; '*' stops at '/'.
// A malformed pattern (ValidPathPattern false) matches nothing.
bool PathMatch(std::string_view pattern, std::string_view name);

// False for what Go's path.Match calls ErrBadPattern ("syntax error in
// pattern"): an unclosed or empty class, a range without an end, a trailing
// backslash.
bool ValidPathPattern(std::string_view pattern);

// Parses Docker's `until` time filters as its GetTimestamp does
// (time_filter.cc): a Go duration before now_ns ("10m", "-1h"), an RFC 3339
// date or time, whole or cut short, zoned or local, or a Unix timestamp
// ("1700000000.5"). Nanoseconds since the epoch. InvalidArgument with
// Docker's message ("failed to parse value as time or duration: \"x\"").
Result<int64_t> ParseTimeFilter(std::string_view value, int64_t now_ns);

}  // namespace berth::image
