// Endpoint selection follows Docker (registry/config.go, registry/endpoint*):
// Docker Hub's domain maps to registry-1.docker.io, mirrors come first, and
// insecure means "try https, fall back to http". One deliberate difference:
// a loopback registry with a CA in certs.d is verified against it (Docker
// would skip verification), so a user who set up TLS gets TLS.
#include "registry/endpoint.h"

#include <arpa/inet.h>
#include <dirent.h>

#include <algorithm>

#include "base/file.h"
#include "base/strings.h"

namespace berth::registry {

namespace {

constexpr const char* kSystemCaBundle = "/etc/ssl/certs/ca-certificates.crt";

// "host:port" -> "host"; "[::1]:5000" -> "::1".
std::string HostOnly(std::string_view host) {
  if (host.starts_with("[")) {
    size_t end = host.find(']');
    return std::string(host.substr(1, end == std::string_view::npos ? host.size() : end - 1));
  }
  if (std::count(host.begin(), host.end(), ':') == 1) host = host.substr(0, host.find(':'));
  return std::string(host);
}

std::optional<uint32_t> Ipv4(const std::string& s) {
  in_addr a{};
  if (inet_pton(AF_INET, s.c_str(), &a) != 1) return std::nullopt;
  return ntohl(a.s_addr);
}

bool InCidr(const std::string& host, std::string_view cidr) {
  auto slash = cidr.find('/');
  if (slash == std::string_view::npos) return false;
  auto net = Ipv4(std::string(cidr.substr(0, slash)));
  auto bits = ParseInt(cidr.substr(slash + 1));
  auto ip = Ipv4(host);
  if (!net || !bits || !ip || *bits < 0 || *bits > 32) return false;
  uint32_t mask = *bits == 0 ? 0 : ~uint32_t{0} << (32 - *bits);
  return (*ip & mask) == (*net & mask);
}

std::string HostOfUrl(std::string_view url) {
  size_t s = url.find("://");
  std::string_view rest = s == std::string_view::npos ? url : url.substr(s + 3);
  return std::string(rest.substr(0, rest.find('/')));
}

Result<std::vector<std::string>> ListDir(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = opendir(dir.c_str());
  if (!d) {
    if (errno == ENOENT || errno == ENOTDIR) return names;
    return ErrnoError("reading " + dir);
  }
  while (dirent* e = readdir(d)) names.emplace_back(e->d_name);
  closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

bool IsLoopbackHost(std::string_view host) {
  std::string h = HostOnly(host);
  if (h == "localhost" || h == "::1") return true;
  auto ip = Ipv4(h);
  return ip && (*ip >> 24) == 127;
}

bool IsInsecure(const RegistryConfig& config, std::string_view host) {
  if (IsLoopbackHost(host)) return true;
  std::string h = HostOnly(host);
  for (const std::string& entry : config.insecure) {
    std::string e = entry;
    if (auto s = e.find("://"); s != std::string::npos) e = e.substr(s + 3);
    while (e.ends_with("/")) e.pop_back();
    if (e == host || InCidr(h, e)) return true;
  }
  return false;
}

Result<net::TlsOptions> TlsFor(const RegistryConfig& config, std::string_view host, bool insecure) {
  net::TlsOptions tls;
  std::string dir = config.certs_dir + "/" + std::string(host);
  std::string cas;
  for (const std::string& name : TRY(ListDir(dir))) {
    std::string path = dir + "/" + name;
    if (name.ends_with(".crt")) {
      cas += TRY(ReadFile(path)) + "\n";
    } else if (name.ends_with(".cert")) {
      std::string key = path.substr(0, path.size() - 5) + ".key";
      if (!PathExists(key)) {
        return MakeError(Code::kInvalidArgument, "missing key " + key + " for client certificate " + path);
      }
      tls.client_cert = path;
      tls.client_key = key;
    } else if (name.ends_with(".key")) {
      std::string cert = path.substr(0, path.size() - 4) + ".cert";
      if (!PathExists(cert)) {
        return MakeError(Code::kInvalidArgument, "missing client certificate " + cert + " for key " + path);
      }
    }
  }
  if (!cas.empty()) {
    auto system = ReadFile(kSystemCaBundle);
    tls.ca_pem = (system.ok() ? *system + "\n" : std::string()) + cas;
  }
  // Insecure registries skip verification, unless the user gave a CA for them.
  tls.verify = !insecure || !cas.empty();
  return tls;
}

Result<Endpoint> RegistryEndpoint(const RegistryConfig& config, std::string_view domain) {
  std::string url = domain == "docker.io" ? std::string(kDockerHubRegistry) : "https://" + std::string(domain);
  Endpoint e{.url = url, .domain = std::string(domain), .host = HostOfUrl(url)};
  e.insecure = IsInsecure(config, e.host);
  e.tls = TRY(TlsFor(config, e.host, e.insecure));
  return e;
}

Result<std::vector<Endpoint>> PullEndpoints(const RegistryConfig& config, std::string_view domain) {
  std::vector<Endpoint> out;
  if (auto it = config.mirrors.find(std::string(domain)); it != config.mirrors.end()) {
    for (const std::string& url : it->second) {
      Endpoint e{.url = url, .domain = std::string(domain), .host = HostOfUrl(url), .mirror = true};
      e.insecure = IsInsecure(config, e.host);
      e.tls = TRY(TlsFor(config, e.host, e.insecure));
      out.push_back(std::move(e));
    }
  }
  out.push_back(TRY(RegistryEndpoint(config, domain)));
  return out;
}

}  // namespace berth::registry
