// `search`: Docker Hub's /v1/search API, which registries other than Hub
// rarely have; for those, the repositories of /v2/_catalog whose name
// contains the term.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "registry/client.h"
#include "registry/config.h"

namespace berth::registry {

// Where Docker Hub's search API lives.
inline constexpr std::string_view kDockerHubIndex = "https://index.docker.io";

struct SearchResult {
  std::string name{};
  std::string description{};
  int64_t star_count = 0;
  bool is_official = false;
  bool is_automated = false;
};

struct SearchQuery {
  std::string index{};  // "docker.io" or a registry host
  std::string term{};   // what to look for
};

// Splits "127.0.0.1:5000/busy" into that registry and "busy"; a term
// without a registry part searches Docker Hub.
SearchQuery ParseSearchTerm(std::string_view term);

// Searches the index for up to limit results: /v1/search first; when the
// registry has no such API (404, or not its JSON), the _catalog fallback
// (names prefixed with the registry host).
Result<std::vector<SearchResult>> Search(const RegistryConfig& config, const ClientOptions& options,
                                         const SearchQuery& query, int limit);

}  // namespace berth::registry
