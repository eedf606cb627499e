// The OCI runtime spec (a bundle's config.json) for a container, built the
// way Docker 20.10 builds it for `docker run`: from the image's config and the
// run flags, with Docker's default capabilities, mounts, masked and read-only
// paths, device cgroup rules, sysctls and seccomp profile.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "oci/container_config.h"
#include "oci/json_fields.h"
#include "runtime/user.h"

namespace berth::runtime {

// One `-v SRC:DST[:ro|rw]` bind mount.
struct BindMount {
  std::string source{};       // absolute host path
  std::string destination{};  // absolute path in the container
  bool read_only = false;
  std::string propagation = "rprivate";  // or private, rshared, shared, rslave, slave

  bool operator==(const BindMount&) const = default;
};

// Parses `SRC:DST[:MODE]`, MODE a comma list of at most one of ro/rw, at most
// one propagation mode, and z/Z (SELinux relabelling, ignored). Errors as
// Docker 20.10 words them: InvalidArgument "invalid volume specification: 'X'"
// for a wrong number of fields, "invalid mode: M" for a bad MODE, and
// "invalid volume specification: 'X': invalid mount config for type \"bind\":
// invalid mount path: 'D' mount path must be absolute". Named and anonymous
// volumes (`NAME:/dst`, `/dst`) are kUnimplemented.
Result<BindMount> ParseBindMount(std::string_view spec);

enum class NetworkMode {
  kNone,  // a new, empty network namespace (bridge networking joins one later)
  kHost,  // the host's network namespace: no network namespace at all
};

// What `docker run` flags say about the container's process and root.
struct RunOptions {
  std::vector<std::string> args{};          // words after the image; empty: the image's Cmd
  std::optional<std::string> entrypoint{};  // --entrypoint; "" resets the image's
  std::vector<std::string> env{};           // -e, already KEY=VALUE
  std::string working_dir{};                // -w; empty: the image's WorkingDir
  std::optional<std::string> user{};        // -u; nullopt: the image's User
  // --hostname, else the id's first 12 digits (with --network host, Docker
  // uses the host's hostname instead).
  std::string hostname{};
  bool tty = false;                         // -t
  std::vector<BindMount> binds{};           // -v
  NetworkMode network = NetworkMode::kNone;
  bool read_only = false;             // --read-only
  std::string rootfs = "rootfs";      // root.path, relative to the bundle or absolute
  // A directory holding resolv.conf, hostname and hosts (etc_files.h) to bind
  // over the image's, as Docker does; empty: none.
  std::string etc_dir{};
};

// Docker's default PATH for a container whose environment has none.
inline constexpr std::string_view kDefaultPath =
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// process.args as Docker computes them: entrypoint then cmd, where a given
// --entrypoint drops the image's Cmd, `--entrypoint ""` drops the image's
// Entrypoint, and args replace the Cmd. InvalidArgument "No command specified"
// when nothing is left.
Result<std::vector<std::string>> ProcessArgs(const ContainerConfig& image, const RunOptions& opts);

// process.env: PATH (default), HOSTNAME and, with a tty, TERM=xterm, each
// replaced in place by the image's Env merged with -e (a later KEY= replaces
// an earlier one in place, new keys are appended).
std::vector<std::string> ProcessEnv(const ContainerConfig& image, const RunOptions& opts);

// process.cwd: -w, else the image's WorkingDir, else "/", cleaned. InvalidArgument
// "the working directory 'X' is invalid, it needs to be an absolute path".
Result<std::string> ProcessCwd(const ContainerConfig& image, const RunOptions& opts);

// The user spec in force: -u, else the image's User.
std::string UserSpec(const ContainerConfig& image, const RunOptions& opts);

// The whole config.json object. user is UserSpec resolved in the rootfs
// (ResolveUserInRoot). Fails as ProcessArgs/ProcessCwd/DefaultSeccompProfile
// (seccomp.h) do.
Result<Json> BuildSpec(const ContainerConfig& image, const RunOptions& opts, const ExecUser& user);

}  // namespace berth::runtime
