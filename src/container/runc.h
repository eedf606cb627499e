// The OCI runtime (runc) as berth drives it. Its state lives in
// /run/berth/runc (a tmpfs: after a reboot no container is running, which
// is the truth), keyed by the container's 64-hex id.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"

namespace berth::container {

inline constexpr const char* kRuncRoot = "/run/berth/runc";

// The runtime's path for a --runtime name ("runc", "crun" or a path).
// NotFound "Unknown runtime specified X" (docker's words; an install hint
// for runc and crun) when it is missing; Unavailable for crun when it
// cannot run containers on this host (it refuses the hybrid cgroup layout
// these machines have).
Result<std::string> RuntimePath(const std::string& name);

// The runtime's global arguments: {path, "--root", kRuncRoot}.
std::vector<std::string> RuntimeArgv(const std::string& path);

// `runc kill ID SIGNAL`; NotFound when the container is not running.
Status RuncKill(const std::string& id, int signal, const std::string& runtime = "runc");
// `runc delete [--force] ID`; a container runc does not know is success.
Status RuncDelete(const std::string& id, bool force, const std::string& runtime = "runc");
// `runc pause ID` / `runc resume ID`.
Status RuncPause(const std::string& id, bool pause, const std::string& runtime = "runc");

// Docker's exit status for a runtime start failure: 127 when the command
// was not found, 126 when it could not be run, 125 otherwise.
int StartFailureStatus(const std::string& message);

// A runtime error message without runc's wrapping noise: the last
// `msg="..."` of a JSON/logfmt log line, else the text, trimmed.
std::string CleanRuntimeError(const std::string& text);

}  // namespace berth::container
