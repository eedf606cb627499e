// The registry settings a Docker user knows from daemon.json, read from
// berth's own file and flags (see config.h), validated once at the edge so
// the rest of the registry code can trust them.
#include "registry/config.h"

#include <nlohmann/json.hpp>

#include "base/file.h"
#include "base/strings.h"

namespace berth::registry {

namespace {

Error Bad(const std::string& path, const std::string& why) {
  return MakeError(Code::kInvalidArgument, "loading config file " + path + ": " + why);
}

Result<std::vector<std::string>> StringList(const nlohmann::json& j, const std::string& key,
                                            const std::string& path) {
  std::vector<std::string> out;
  if (!j.is_array()) return Bad(path, Quote(key) + " must be a list of strings");
  for (const auto& v : j) {
    if (!v.is_string()) return Bad(path, Quote(key) + " must be a list of strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

}  // namespace

Result<std::string> NormalizeMirrorUrl(std::string_view url) {
  std::string u(url);
  while (u.ends_with("/")) u.pop_back();
  size_t scheme = u.find("://");
  std::string s = scheme == std::string::npos ? "" : u.substr(0, scheme);
  if ((s != "http" && s != "https") || u.size() == scheme + 3) {
    return MakeError(Code::kInvalidArgument,
                     "invalid mirror " + Quote(url) + ": want http://host[:port] or https://host[:port]");
  }
  if (u.find_first_of("?#@ ", scheme + 3) != std::string::npos) {
    return MakeError(Code::kInvalidArgument, "invalid mirror " + Quote(url) +
                                                 ": no credentials, query or fragment allowed");
  }
  return u;
}

Status AddMirror(RegistryConfig& config, std::string_view value) {
  std::string host = "docker.io";
  std::string_view url = value;
  size_t eq = value.find('=');
  if (eq != std::string_view::npos && value.find("://") > eq) {
    host = std::string(value.substr(0, eq));
    url = value.substr(eq + 1);
    if (host.empty()) return MakeError(Code::kInvalidArgument, "invalid mirror " + Quote(value) + ": empty host");
  }
  config.mirrors[host].push_back(TRY(NormalizeMirrorUrl(url)));
  return Ok();
}

Result<RegistryConfig> LoadRegistryConfig(const std::string& path, bool missing_ok) {
  RegistryConfig config;
  auto text = ReadFile(path);
  if (!text.ok()) {
    if (text.error().code == Code::kNotFound && missing_ok) return config;
    return text.error().Wrap("loading config file " + path);
  }
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Bad(path, "not a JSON object");
  if (j.contains("registry-mirrors")) {
    for (const std::string& m : TRY(StringList(j["registry-mirrors"], "registry-mirrors", path))) {
      config.mirrors["docker.io"].push_back(TRY_CTX(NormalizeMirrorUrl(m), "loading config file " + path));
    }
  }
  if (j.contains("registry-mirrors-by-host")) {
    const auto& by = j["registry-mirrors-by-host"];
    if (!by.is_object()) return Bad(path, "\"registry-mirrors-by-host\" must be an object");
    for (const auto& [host, list] : by.items()) {
      for (const std::string& m : TRY(StringList(list, "registry-mirrors-by-host", path))) {
        config.mirrors[host].push_back(TRY_CTX(NormalizeMirrorUrl(m), "loading config file " + path));
      }
    }
  }
  if (j.contains("insecure-registries")) {
    config.insecure = TRY(StringList(j["insecure-registries"], "insecure-registries", path));
  }
  return config;
}

}  // namespace berth::registry
