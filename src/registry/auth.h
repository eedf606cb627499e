// Registry authentication: the WWW-Authenticate challenge, Basic
// credentials, and the Bearer token flow of Docker's token specification
// (GET <realm>?service=..&scope=.. with the user's Basic credentials or
// anonymously; `token` or `access_token`, `expires_in`). Tokens are cached
// per endpoint and scope for the life of one command.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "net/http.h"

namespace berth::registry {

// Credentials for one registry (Docker's AuthConfig, the parts a client sends).
struct Credentials {
  std::string username{};
  std::string password{};
  std::string identity_token{};  // an OAuth refresh token (docker login to some registries)
  bool empty() const { return username.empty() && password.empty() && identity_token.empty(); }
};

struct Challenge {
  std::string scheme;  // lower case: "bearer", "basic"
  std::map<std::string, std::string> params;  // realm, service, scope, error ...
};

// Parses a WWW-Authenticate value ('Bearer realm="https://a/token",service="reg"').
// Several challenges in one header are not supported: the first is taken.
std::optional<Challenge> ParseChallenge(std::string_view header);

// "repository:library/busybox:pull" (actions joined with ',').
std::string RepositoryScope(std::string_view repository, std::string_view actions);

// "Basic <base64(user:pass)>".
std::string BasicAuthorization(const Credentials& c);

std::string Base64Encode(std::string_view data);
Result<std::string> Base64Decode(std::string_view data);

// Per-endpoint authentication state: what the registry asked for (learned
// from its first 401) and the tokens fetched so far. Thread-safe.
class Authenticator {
 public:
  Authenticator(Credentials credentials, net::TlsOptions tls)
      : credentials_(std::move(credentials)), tls_(std::move(tls)) {}

  // The Authorization header to send for scope, fetching a token when the
  // registry uses Bearer and none is cached; nullopt while the registry has
  // not asked for anything (or asked for nothing we have).
  Result<std::optional<std::string>> HeaderFor(const std::string& scope);

  // Records a 401's challenge and drops the cached token for scope, so the
  // next HeaderFor fetches a fresh one. False when retrying cannot help (no
  // challenge, or a Basic challenge and no credentials, or the same
  // challenge already failed with a fresh token).
  bool OnUnauthorized(const std::string& scope, std::string_view www_authenticate);

  bool has_credentials() const { return !credentials_.empty(); }

 private:
  Result<std::string> FetchToken(const std::string& scope);

  Credentials credentials_;
  net::TlsOptions tls_;
  std::mutex mu_;
  std::optional<Challenge> challenge_;
  struct Token {
    std::string value;
    int64_t expires_ns = 0;
    bool fresh = true;  // not yet refused by the registry
  };
  std::map<std::string, Token> tokens_;
};

}  // namespace berth::registry
