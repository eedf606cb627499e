// RegistryConfig: where images come from. Docker keeps this in the daemon's
// daemon.json; berth has no daemon, so the same keys live in berth's own
// config file (default /etc/berth/daemon.json, or --config-file /
// BERTH_CONFIG_FILE) and in global flags (--registry-mirror,
// --insecure-registry).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace berth::registry {

// The default config file.
inline constexpr std::string_view kDefaultConfigFile = "/etc/berth/daemon.json";
// Docker's per-registry TLS material: <certs.d>/<host[:port]>/{*.crt,*.cert,*.key}.
inline constexpr std::string_view kDefaultCertsDir = "/etc/docker/certs.d";

struct RegistryConfig {
  // Mirror base URLs per registry domain ("docker.io" for Docker Hub), tried
  // in order before the registry itself, for pulls only.
  std::map<std::string, std::vector<std::string>> mirrors{};
  // Registries (host[:port]) or CIDR ranges that may be reached over plain
  // HTTP or unverified TLS.
  std::vector<std::string> insecure{};
  std::string certs_dir = std::string(kDefaultCertsDir);
};

// Reads a daemon.json-style file: "registry-mirrors" (URLs, Docker Hub's
// mirrors, as in Docker), "registry-mirrors-by-host" (berth's extension: an
// object from a registry host to its mirror URLs) and "insecure-registries".
// Other keys are ignored. A missing file is an empty config when
// missing_ok; malformed content is InvalidArgument naming the file.
Result<RegistryConfig> LoadRegistryConfig(const std::string& path, bool missing_ok);

// Adds one --registry-mirror value: "URL" mirrors Docker Hub, "HOST=URL"
// mirrors that registry. InvalidArgument for a URL that is not http(s)://
// host[:port][/path].
Status AddMirror(RegistryConfig& config, std::string_view value);

// A mirror URL without its trailing slash, checked.
Result<std::string> NormalizeMirrorUrl(std::string_view url);

}  // namespace berth::registry
