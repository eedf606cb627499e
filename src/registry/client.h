// Registry and Repository: the distribution HTTP API on one endpoint, with
// authentication, retries of transient failures, and the limits and checks
// that keep a hostile registry from hurting the client (capped bodies,
// digests verified, digests validated before they become URLs).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/io.h"
#include "base/result.h"
#include "digest/digest.h"
#include "net/http.h"
#include "reference/reference.h"
#include "registry/auth.h"
#include "registry/endpoint.h"

namespace berth::registry {

// Manifests and configs are at most this big (Docker's limit is 4 MiB too).
inline constexpr int64_t kMaxManifestBytes = 4 << 20;

struct ClientOptions {
  // The credentials for a registry host ("docker.io", "127.0.0.1:5000");
  // unset or empty credentials: anonymous.
  std::function<Result<Credentials>(std::string_view host)> credentials{};
  // Tries per request for transient failures (connection, 5xx, 429), with
  // exponential backoff from retry_delay_ms.
  int attempts = 5;
  int64_t retry_delay_ms = 200;
};

// The options with BERTH_REGISTRY_RETRY_DELAY_MS and BERTH_REGISTRY_ATTEMPTS
// applied (tests shorten the backoff).
ClientOptions ClientOptionsFromEnv();

// One endpoint of a registry: decides http or https, knows its auth.
class Registry {
 public:
  // Pings <url>/v2/: an insecure endpoint whose https fails falls back to
  // http; a 401 teaches the auth scheme. Errors: Unavailable when the
  // endpoint cannot be reached ("Get \"https://.../v2/\": ..."),
  // InvalidArgument when it does not answer as a registry.
  static Result<std::unique_ptr<Registry>> Open(const Endpoint& endpoint, const ClientOptions& options);

  // Performs request (its url relative to the base: "/v2/..."), adding the
  // Authorization for scope, re-authenticating on 401 and retrying transient
  // failures. Any final status is returned as a response.
  Result<net::Response> Do(net::Request request, const std::string& scope);

  // A GET of a blob-sized body as a Reader, authenticated for scope and
  // resumed with Range requests when the transfer breaks (up to attempts).
  // expected_size (or -1) bounds the body. Errors as ErrorFromResponse.
  Result<std::unique_ptr<Reader>> OpenStream(const std::string& path, const std::string& scope,
                                             int64_t offset, int64_t expected_size);

  const Endpoint& endpoint() const { return endpoint_; }
  // The base URL in use: endpoint().url, or its http:// form after a fallback.
  const std::string& base() const { return base_; }
  bool has_credentials() const { return auth_.has_credentials(); }
  const ClientOptions& options() const { return options_; }
  Authenticator& auth() { return auth_; }
  // Sleeps before retry number attempt (0-based): retry_delay_ms << attempt,
  // at most 64 times the base. Cancelled when interrupted meanwhile.
  Status Backoff(int attempt) const;

 private:
  Registry(Endpoint endpoint, ClientOptions options, Credentials credentials);
  // GET /v2/ on base_, retrying connections that broke (kOther) with backoff.
  Result<net::Response> Ping(net::Failure* failure);
  Result<net::Response> Once(const net::Request& request, const std::string& scope, net::Failure* failure);

  Endpoint endpoint_;
  ClientOptions options_;
  std::string base_;
  Authenticator auth_;
};

// Every tag of ref's repository, from the registry itself (Repository::Tags).
Result<std::vector<std::string>> ListTags(const RegistryConfig& config, const ClientOptions& options,
                                          const Reference& ref);

// Checks credentials against the registry at endpoint, as `login` does: the
// /v2/ ping with Basic credentials, or a token fetched with them. Errors:
// Unauthenticated "unauthorized: ..." when the registry refuses them,
// Unavailable when it cannot be reached.
Status CheckLogin(const Endpoint& endpoint, const Credentials& credentials, const ClientOptions& options);

struct FetchedManifest {
  std::string media_type;
  std::string bytes;
  Digest digest;
};

// A repository ("library/busybox") on an opened Registry.
class Repository {
 public:
  // actions: "pull" or "pull,push".
  Repository(Registry& registry, std::string name, std::string_view actions);

  // GET /v2/<name>/manifests/<reference> (a tag or a digest), accepting
  // Docker schema2 and OCI manifests and indexes. The bytes are verified
  // against the digest asked for, or the Docker-Content-Digest sent. Errors:
  // NotFound "manifest unknown: ..." (the caller names the reference),
  // InvalidArgument over kMaxManifestBytes, DataLoss on a digest mismatch,
  // Unimplemented for schema1.
  Result<FetchedManifest> GetManifest(std::string_view reference);
  // A blob's bytes from offset on, bounded by size.
  Result<std::unique_ptr<Reader>> OpenBlob(const Digest& digest, int64_t offset, int64_t size);
  // A small blob (a config), verified, at most kMaxManifestBytes.
  Result<std::string> ReadBlob(const Digest& digest);
  // The blob's size when the repository has it.
  Result<std::optional<int64_t>> StatBlob(const Digest& digest);
  // Cross-repository mount from `from` (a repository on the same registry):
  // true when mounted.
  Result<bool> MountBlob(const Digest& digest, std::string_view from);
  // Uploads a blob (monolithic: POST then one streamed PUT). on_progress
  // gets the bytes sent so far.
  Status PushBlob(const Digest& digest, int64_t size, Reader& data,
                  const std::function<void(int64_t)>& on_progress = {});
  // PUT /v2/<name>/manifests/<reference>; returns the digest the registry reports.
  Result<Digest> PutManifest(std::string_view reference, std::string_view media_type,
                             std::string_view bytes);
  // Every tag, following the Link pagination.
  Result<std::vector<std::string>> Tags();

  const std::string& name() const { return name_; }
  Registry& registry() { return registry_; }

 private:
  Registry& registry_;
  std::string name_;
  std::string scope_;
};

}  // namespace berth::registry
