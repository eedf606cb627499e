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
bool PathMatch(std::string_view pattern, std::string_view name);

// Parses Docker's `until`/`since` time filters: RFC 3339 or a duration such
// as "10m", "24h" (relative to now_ns). nullopt when it is neither.
std::optional<int64_t> ParseTimeFilter(std::string_view value, int64_t now_ns);

}  // namespace berth::image
