// A container as berth records it: what `run`/`create` decided (the image,
// the merged config, the host settings) — the row's JSON in the store's
// `containers` table. What changes while it runs (status, pid, exit code)
// is its State (state.h), kept in a file its monitor writes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "digest/digest.h"
#include "oci/container_config.h"
#include "oci/json_fields.h"
#include "store/metadata.h"

namespace berth::container {

// Docker's HostConfig, the part berth supports.
struct HostConfig {
  std::vector<std::string> binds{};    // -v SRC:DST[:MODE], as given
  std::string network_mode = "none";   // "none" | "host" | "bridge"
  std::vector<std::string> ports{};    // -p, as PortMappingString gives them (bridge only)
  bool auto_remove = false;            // --rm
  bool read_only = false;              // --read-only
  std::string runtime = "runc";        // --runtime
  std::string restart = "no";          // --restart (only "no")

  bool operator==(const HostConfig&) const = default;
};

struct Container {
  std::string id{};     // 64 hex
  std::string name{};   // without the leading '/'
  Digest image_id{};
  std::string image{};  // the name the user gave ("busybox", "sha256:...")
  std::optional<Digest> chain_id{};  // top snapshot of the image; nullopt for scratch
  int64_t created = 0;               // ns
  // The image's config merged with the flags: Env merged, Cmd/Entrypoint as
  // they will run, WorkingDir, User, Tty, OpenStdin, Labels... (Docker's
  // container Config).
  ContainerConfig config{};
  HostConfig host{};

  bool operator==(const Container&) const = default;

  // process.args[0] and the rest, as docker inspect's Path and Args.
  std::string Path() const;
  std::vector<std::string> Args() const;
  // "sh -c 'echo hi'" as docker ps's COMMAND before truncation and quoting:
  // Path and Args joined by spaces, an argument with a space in single quotes.
  std::string Command() const;

  store::ContainerRecord ToRecord() const;
  // InvalidArgument when the row's JSON is not a container berth wrote.
  static Result<Container> FromRecord(const store::ContainerRecord& r);
};

// A new random 64-hex id.
std::string NewContainerId();

// Docker's generated name: "<adjective>_<surname>" from moby's namesgenerator
// lists (a digit is appended on retry, as moby does).
std::string GenerateName(int retry);

// Docker's rule for --name: [a-zA-Z0-9][a-zA-Z0-9_.-]+ (a leading '/' is
// dropped). InvalidArgument "Invalid container name (X), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed".
Result<std::string> ValidateName(std::string_view name);

}  // namespace berth::container
