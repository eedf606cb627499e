// CredentialHelper: one external `docker-credential-<name>` program, spoken to
// with Docker's credential-helper protocol (get / store / erase, the request
// on stdin, the answer on stdout). Secrets travel only through the pipes,
// never on argv or in the environment.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace berth::registry {

// Programs are named "docker-credential-" + the name in config.json.
inline constexpr std::string_view kHelperPrefix = "docker-credential-";

// What a helper stores and answers. A username of "<token>" (kTokenUsername)
// means the secret is an identity token, not a password.
struct HelperCredentials {
  std::string username{};
  std::string secret{};
  bool operator==(const HelperCredentials&) const = default;
};
inline constexpr std::string_view kTokenUsername = "<token>";

struct HelperOptions {
  // How long one run of the helper may take before it is killed.
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
  // The most bytes of stdout read from the helper; more is an error.
  size_t max_output = 1 << 20;
};

// The absolute path of an executable regular file called name in one of
// $PATH's directories (the first one), as Go's exec.LookPath finds it;
// relative and empty $PATH entries are skipped (Go refuses them too).
// nullopt when there is none.
std::optional<std::string> FindInPath(std::string_view name);

class CredentialHelper {
 public:
  // name is the config.json value ("pass" runs docker-credential-pass).
  explicit CredentialHelper(std::string name, HelperOptions options = {});

  // "docker-credential-<name>".
  const std::string& program() const { return program_; }

  // `get`: the credentials stored for server_url, nullopt when the helper
  // answers "credentials not found in native keychain".
  // Errors (all naming the program):
  //   NotFound     the program is not on $PATH;
  //   Unavailable  it failed (exit status, killed, timed out), with its output;
  //   InvalidArgument  its answer is not the JSON object of the protocol;
  //   DataLoss     it wrote more than max_output bytes;
  //   Cancelled    berth was interrupted (the helper is killed).
  Result<std::optional<HelperCredentials>> Get(std::string_view server_url) const;

  // `store`: {"ServerURL","Username","Secret"} on stdin. Errors as Get's.
  Status Store(std::string_view server_url, const HelperCredentials& creds) const;

  // `erase`. A "credentials not found" answer counts as success (there was
  // nothing to erase). Errors as Get's.
  Status Erase(std::string_view server_url) const;

 private:
  std::string program_;
  HelperOptions options_;
};

}  // namespace berth::registry
