// Child processes for the container runtime: the runtime binary (runc),
// the monitor (berth itself, detached) and network plugins. Each child gets
// exactly the file descriptors it is given and no others, default signal
// handling, and an unblocked signal mask.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "base/result.h"

namespace berth::container {

struct SpawnOptions {
  std::vector<std::string> argv{};  // argv[0] is the program's path
  // fds[i] becomes descriptor i in the child (-1: /dev/null); everything else is closed.
  std::vector<int> fds{-1, -1, -1};
  std::string cwd{};       // empty: inherit
  bool new_session = false;  // setsid(): no controlling terminal, own process group
  std::vector<std::string> env{};  // empty: inherit berth's environment
};

// Starts a child; returns its pid.
Result<pid_t> Spawn(const SpawnOptions& options);

// Waits for pid; returns its exit status (128+signal when killed). Retries EINTR.
Result<int> WaitExit(pid_t pid);

struct Output {
  int status = 0;        // exit status (128+signal when killed)
  std::string out{};     // stdout
  std::string err{};     // stderr
};

// Runs argv to completion, capturing stdout and stderr; stdin is input (or
// /dev/null when empty); env as SpawnOptions::env (empty: berth's).
Result<Output> RunCapture(const std::vector<std::string>& argv, const std::string& input = "",
                          const std::vector<std::string>& env = {});

// The absolute path of name on $PATH (or name itself when it contains a '/'
// and is executable); empty when not found.
std::string FindProgram(const std::string& name);

// This executable (/proc/self/exe resolved), to start the monitor with.
std::string SelfExe();

}  // namespace berth::container
