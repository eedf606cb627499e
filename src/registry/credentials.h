// Registry credentials as the docker CLI (20.10-24) keeps them: the client
// config file <config dir>/config.json ("auths", "credsStore", "credHelpers")
// and the docker-credential-<name> helpers it names. berth reads and writes
// the same file, so `docker login` and `berth login` see each other's logins.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "oci/json_fields.h"
#include "registry/auth.h"
#include "registry/credential_helper.h"

namespace berth::registry {

// Docker Hub's key in config.json and towards helpers.
inline constexpr std::string_view kDockerHubCredentialKey = "https://index.docker.io/v1/";

// What berth knows about one registry login.
struct AuthConfig {
  std::string username{};
  std::string password{};
  // An OAuth refresh token from the registry (Docker's "identitytoken"),
  // used instead of the password when set.
  std::string identity_token{};
  // A bearer token sent to the registry as is ("registrytoken").
  std::string registry_token{};
  // The key the credentials were found under ("localhost:5000",
  // "https://index.docker.io/v1/").
  std::string server_address{};
  bool operator==(const AuthConfig&) const = default;
};

// Docker's ConvertToHostname: "https://host:5000/v2/" -> "host:5000",
// "host/path" -> "host", "host" -> "host".
std::string ConvertToHostname(std::string_view url);

// The config.json key of a registry: Docker Hub ("docker.io",
// "index.docker.io", "registry-1.docker.io", also written as a URL) ->
// kDockerHubCredentialKey; any other host as is, a URL reduced to its host
// ("https://localhost:5000/" -> "localhost:5000").
std::string CredentialKey(std::string_view registry_host);

// The "auth" field: base64 of "username:password" ("" when both are empty).
std::string EncodeAuth(std::string_view username, std::string_view password);
// Its inverse, as Docker decodes it: the password is cut at the first ':'
// and stripped of NULs at its ends. InvalidArgument for bad base64 or no
// username ("invalid auth configuration file").
Result<std::pair<std::string, std::string>> DecodeAuth(std::string_view auth);

struct CredentialStoreOptions {
  // Limits for each run of a credential helper.
  HelperOptions helper{};
};

// The credentials in one config dir. Where a registry's credentials live is
// decided as the docker CLI decides it, by its key (CredentialKey):
//   1. credHelpers[key] names a helper: that helper;
//   2. else credsStore names a helper: that helper;
//   3. else the "auths" entry of config.json, in plain base64.
// When config.json has no credentials configured at all (no auths, no
// credsStore, no credHelpers), Docker's Linux default applies: "pass" when
// both `pass` and docker-credential-pass are on $PATH, else "secretservice"
// when docker-credential-secretservice is; the first Store then records it
// as "credsStore". A helper that is configured but not installed is an error
// (NotFound, naming it); it never falls back to the file.
//
// Open reads config.json once; Store and Erase re-read it just before they
// write it, change only their "auths" entry (and "credsStore" as above) and
// keep every other key, value and the key order. Writes are atomic (temp
// file, fsync, rename), mode 0600, through a symlinked config.json to its
// target; the dir is created 0700 when missing.
class CredentialStore {
 public:
  // A missing dir or config.json is an empty config. Errors: a config.json
  // that cannot be read or is malformed, "loading config file <path>: ..."
  // (InvalidArgument for bad content); it is never overwritten.
  static Result<CredentialStore> Open(std::string config_dir, CredentialStoreOptions options = {});

  // "<config dir>/config.json".
  const std::string& path() const { return path_; }

  // The helper name ("pass") that holds host's credentials, "" for the file.
  std::string HelperFor(std::string_view host) const;

  // For messages: "credential helper docker-credential-pass" or
  // "config file /home/u/.docker/config.json".
  std::string Describe(std::string_view host) const;

  // host's credentials, nullopt when there are none (no entry; an entry
  // without username, password or tokens; a helper that answers "credentials
  // not found"). In the file an exact key wins, else the first key that
  // names the same registry (CredentialKey of it equal), so legacy
  // "https://host/v1/" entries are found, and Docker Hub entries that
  // `docker login index.docker.io` recorded under that name (Docker itself
  // misses those). With a helper, username and secret come from it (username
  // "<token>": the secret is the identity token); when it has none, the
  // file's entry is used, as Docker does. Safe to call from several threads.
  // Errors: CredentialHelper::Get's.
  Result<std::optional<AuthConfig>> Get(std::string_view host) const;

  // Get's answer as the HTTP client takes it (ClientOptions::credentials):
  // empty Credentials when there are none. Errors: Get's.
  Result<Credentials> ClientCredentials(std::string_view host) const;

  // Records auth for host (auth.server_address is ignored; the key is
  // CredentialKey(host)). With a helper: `store` through it ("<token>" and
  // the identity token when there is one), then an "auths" entry {} like
  // Docker's (a registry token is dropped: the protocol has no place for it
  // and berth writes no secret beside a helper). Without: the entry's "auth" (base64 user:password),
  // "identitytoken" and "registrytoken"; other members of the entry (an old
  // "email") stay. Nothing is written when the file would not change.
  Status Store(std::string_view host, const AuthConfig& auth);

  // Forgets host's credentials, as `docker logout` does: the key, for a
  // registry other than Docker Hub also "http://host" and "https://host", and
  // any other entry that names the same registry ("https://host/v2/",
  // "index.docker.io"). Each is erased through its helper
  // (a "not found" answer is fine) and its "auths" entry removed when that
  // succeeded. Returns whether the file had an entry for host (Docker's
  // "Not logged in to <host>" when not). The first error is returned after
  // the rest are tried.
  Result<bool> Erase(std::string_view host);

 private:
  CredentialStore() = default;
  // The helper for an exact key ("" for the file).
  std::string HelperForKey(std::string_view key) const;
  CredentialHelper Helper(const std::string& name) const;
  // The keys Erase works on for host (its key first).
  std::vector<std::string> KeysFor(std::string_view host) const;
  // Re-reads config.json, applies edit to it, writes it if it changed, and
  // keeps the result as config_.
  Status Update(const std::function<Status(Json&)>& edit);

  std::string dir_;
  std::string path_;
  Json config_;
  // The helper Docker's default detection chose when config.json has no
  // credentials configured ("" when none).
  std::string detected_store_;
  CredentialStoreOptions options_;
};

}  // namespace berth::registry
