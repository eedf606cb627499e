// The monitor: one detached berth process per running container (berth's
// stand-in for Docker's daemon and shim). It mounts the root filesystem in
// a private mount namespace, starts the container through the runtime,
// holds its stdio (writing the json-file log and serving the attached
// command), reaps it, records the exit code and time, and removes the
// container at exit for --rm. While it lives it holds the container's
// monitor.lock, which is how everyone else knows it is alive.
#pragma once

#include <string>

namespace berth::container {

// The monitor's main: store_root and id name the container; fd 3 is the
// socket of the command that started it (attach.h frames; it may close it
// once it has seen kStarted). Returns the process exit status (0 unless the
// monitor itself failed).
int MonitorMain(const std::string& store_root, const std::string& id);

// The hidden command name berth's main dispatches to MonitorMain.
inline constexpr const char* kMonitorCommand = "container-monitor";

}  // namespace berth::container
