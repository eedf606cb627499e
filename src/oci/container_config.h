// ContainerConfig: the "config" object of an image config, i.e. Docker's
// container.Config — how a container from the image runs by default.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "oci/json_fields.h"

namespace berth {

struct ContainerConfig {
  std::string hostname{};
  std::string domainname{};
  std::string user{};
  bool attach_stdin = false;
  bool attach_stdout = false;
  bool attach_stderr = false;
  std::set<std::string> exposed_ports{};  // "80/tcp"
  bool tty = false;
  bool open_stdin = false;
  bool stdin_once = false;
  std::vector<std::string> env{};                 // "KEY=value"
  std::optional<std::vector<std::string>> cmd{};  // nullopt = null, distinct from []
  Json healthcheck{};  // kept as given (Test, Interval, ...); null when absent
  bool args_escaped = false;
  std::string image{};
  std::set<std::string> volumes{};
  std::string working_dir{};
  std::optional<std::vector<std::string>> entrypoint{};  // nullopt = null, distinct from []
  std::vector<std::string> on_build{};
  std::map<std::string, std::string> labels{};
  std::string stop_signal{};
  std::optional<int> stop_timeout{};  // seconds
  std::vector<std::string> shell{};

  // Parses a container config object. Unknown fields are ignored; Cmd,
  // Entrypoint and Shell also accept a single string (as Docker's StrSlice
  // does). InvalidArgument "invalid container config: <field>: ...".
  static Result<ContainerConfig> Parse(std::string_view json);
  // The same on a parsed value; path prefixes field names in errors
  // ("config" -> "config.Env: not an array of strings"). Not prefixed further.
  static Result<ContainerConfig> FromJson(const Json& j, std::string path);

  // Docker's Config object (docker inspect, and the "config" in configs
  // Docker writes), every key in Docker 20.10 order: Hostname, Domainname,
  // User, AttachStdin, AttachStdout, AttachStderr, [ExposedPorts], Tty,
  // OpenStdin, StdinOnce, Env, Cmd, [Healthcheck], [ArgsEscaped], Image,
  // Volumes, WorkingDir, Entrypoint, OnBuild, Labels, [StopSignal],
  // [StopTimeout], [Shell]. Bracketed keys appear only when set; empty lists
  // and maps among the others are null, as Docker prints them.
  Json ToDockerJson() const;
  // DumpJson(ToDockerJson()).
  std::string ToJson() const;

  bool operator==(const ContainerConfig&) const = default;
};

}  // namespace berth
