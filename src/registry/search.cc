// Search through Docker Hub's v1 API, or a catalog scan where there is none.
// Both answers are capped (1 MiB of JSON, one catalog page of 1000 names is
// plenty to filter a term from) so a registry cannot feed us without end.
#include "registry/search.h"

#include <nlohmann/json.hpp>

#include <cstdlib>

#include "base/strings.h"
#include "registry/errors.h"

namespace berth::registry {

namespace {

constexpr int64_t kMaxSearchBody = 1 << 20;

// Parses /v1/search's answer; nullopt when it is not that API's JSON.
std::optional<std::vector<SearchResult>> ParseV1(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("results") || !j["results"].is_array()) return std::nullopt;
  std::vector<SearchResult> out;
  for (const auto& r : j["results"]) {
    if (!r.is_object() || !r.contains("name") || !r["name"].is_string()) continue;
    SearchResult s{.name = r["name"].get<std::string>()};
    if (r.contains("description") && r["description"].is_string()) s.description = r["description"].get<std::string>();
    if (r.contains("star_count") && r["star_count"].is_number_integer()) s.star_count = r["star_count"].get<int64_t>();
    if (r.contains("is_official") && r["is_official"].is_boolean()) s.is_official = r["is_official"].get<bool>();
    if (r.contains("is_automated") && r["is_automated"].is_boolean()) s.is_automated = r["is_automated"].get<bool>();
    out.push_back(std::move(s));
  }
  return out;
}

Result<std::vector<SearchResult>> Catalog(Registry& reg, const SearchQuery& q, int limit) {
  auto resp = TRY(reg.Do({.url = "/v2/_catalog?n=1000", .max_response = kMaxSearchBody}, "registry:catalog:*"));
  if (!resp.ok()) return ErrorFromResponse(resp, "searching " + q.index);
  auto j = nlohmann::json::parse(resp.body, nullptr, false);
  if (!j.is_object() || !j.contains("repositories") || !j["repositories"].is_array()) {
    return MakeError(Code::kInvalidArgument, "searching " + q.index + ": the catalog is not JSON");
  }
  std::vector<SearchResult> out;
  for (const auto& r : j["repositories"]) {
    if (!r.is_string()) continue;
    std::string name = r.get<std::string>();
    if (name.find(q.term) == std::string::npos) continue;
    out.push_back({.name = q.index + "/" + name});
    if (static_cast<int>(out.size()) >= limit) break;
  }
  return out;
}

}  // namespace

SearchQuery ParseSearchTerm(std::string_view term) {
  size_t slash = term.find('/');
  if (slash != std::string_view::npos) {
    std::string_view first = term.substr(0, slash);
    if (first.find_first_of(".:") != std::string_view::npos || first == "localhost") {
      return {.index = std::string(first), .term = std::string(term.substr(slash + 1))};
    }
  }
  return {.index = "docker.io", .term = std::string(term)};
}

Result<std::vector<SearchResult>> Search(const RegistryConfig& config, const ClientOptions& options,
                                         const SearchQuery& q, int limit) {
  std::string path = "/v1/search?q=" + net::PercentEncode(q.term) + "&n=" + std::to_string(limit);
  if (q.index == "docker.io" || q.index == "index.docker.io") {
    Endpoint ep{.url = std::string(kDockerHubIndex), .domain = "docker.io", .host = "index.docker.io"};
    if (const char* u = std::getenv("BERTH_HUB_INDEX_URL"); u && *u) ep.url = u;  // tests: Hub is unreachable here
    ep.tls = TRY(TlsFor(config, ep.host, false));
    net::Request req{.url = ep.url + path, .max_response = kMaxSearchBody, .tls = ep.tls};
    auto resp = TRY(net::Exchange(req));
    if (!resp.ok()) return ErrorFromResponse(resp, "searching Docker Hub");
    auto results = ParseV1(resp.body);
    if (!results) return MakeError(Code::kInvalidArgument, "searching Docker Hub: unexpected answer");
    return *results;
  }
  auto reg = TRY(Registry::Open(TRY(RegistryEndpoint(config, q.index)), options));
  auto resp = TRY(reg->Do({.url = path, .max_response = kMaxSearchBody}, ""));
  if (resp.ok()) {
    if (auto results = ParseV1(resp.body)) return *results;
  } else if (resp.status != 404 && resp.status != 405) {
    return ErrorFromResponse(resp, "searching " + q.index);
  }
  return Catalog(*reg, q, limit);
}

}  // namespace berth::registry
