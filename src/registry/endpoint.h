// Endpoint: one base URL berth may talk to for a registry domain — its
// mirrors first (pulls only), then the registry itself — with the transport
// rules that apply to it: TLS material from certs.d, and whether plain HTTP
// or unverified TLS is allowed (loopback and insecure registries only).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "net/http.h"
#include "registry/config.h"

namespace berth::registry {

// Docker Hub's registry API, where "docker.io" names go.
inline constexpr std::string_view kDockerHubRegistry = "https://registry-1.docker.io";

struct Endpoint {
  std::string url;        // base URL without trailing slash: "https://registry-1.docker.io"
  std::string domain;     // the registry domain this serves: "docker.io", "127.0.0.1:5000"
  std::string host;       // host[:port] of url: the certs.d and credentials key
  bool mirror = false;
  // https:// may fall back to http:// (and TLS is not verified unless
  // certs.d has a CA for the host): loopback or marked insecure.
  bool insecure = false;
  net::TlsOptions tls{};
};

// "127.0.0.1:5000" -> true: 127.0.0.0/8, ::1 and "localhost", with any port.
bool IsLoopbackHost(std::string_view host);

// Whether config marks host (host[:port]) insecure: listed as is, or an IPv4
// literal inside a listed CIDR range; loopback hosts always are.
bool IsInsecure(const RegistryConfig& config, std::string_view host);

// The registry serving domain itself (push, login, search, tag lists).
Result<Endpoint> RegistryEndpoint(const RegistryConfig& config, std::string_view domain);

// The endpoints to pull from domain: its mirrors in order, then the registry.
Result<std::vector<Endpoint>> PullEndpoints(const RegistryConfig& config, std::string_view domain);

// The TLS options for host: verified with the system CAs plus certs.d/<host>/*.crt,
// a client certificate from certs.d/<host>/*.cert with the matching *.key.
// InvalidArgument for a *.cert without its *.key (or the reverse).
Result<net::TlsOptions> TlsFor(const RegistryConfig& config, std::string_view host, bool insecure);

}  // namespace berth::registry
