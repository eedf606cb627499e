// The STATUS column `ps` and `system df -v` share (defined in cmd_ps.cc).
#pragma once

#include <cstdint>
#include <string>

#include "container/state.h"

namespace berth::cli {

// Docker's State.String(): "Up 4 seconds", "Up 2 minutes (Paused)",
// "Exited (0) 1 second ago", "Created".
std::string ContainerStatus(const container::State& s, int64_t now);

}  // namespace berth::cli
