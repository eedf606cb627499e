// `exec`: another process in a running container, through `runc exec`
// with the container's own process settings (capabilities, seccomp,
// AppArmor, no_new_privileges) and the exec's args, env, cwd, user and tty.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "container/container.h"
#include "store/store.h"

namespace berth::container {

struct ExecOptions {
  std::vector<std::string> args{};
  std::vector<std::string> env{};       // -e KEY=VALUE, added to the container's
  std::string working_dir{};            // -w; empty: the container's
  std::optional<std::string> user{};    // -u; nullopt: the container's
  bool interactive = false;             // -i: our stdin goes to the process
  bool tty = false;                     // -t
  bool detach = false;                  // -d
};

// Runs the process with this command's stdio and returns its exit status
// (runc's own failures: 126 or 127 as docker's, message on stderr).
// Conflict "Container <id> is not running" when it is not.
Result<int> Exec(const store::Store& store, const Container& c, const ExecOptions& options);

}  // namespace berth::container
