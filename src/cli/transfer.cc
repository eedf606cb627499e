// One wiring of pull's and push's progress to the display, so the two
// commands draw the same way.
#include "cli/transfer.h"

#include <cstdio>

namespace berth::cli {

image::PullProgress TransferCallbacks(Progress& display) {
  return {
      .message = [&display](const std::string& line) { display.Message(line); },
      .update = [&display](const std::string& id, const std::string& status, int64_t cur,
                           int64_t total) { display.Update(id, status, cur, total); },
      .warn = [](const std::string& w) { std::fprintf(stderr, "Warning: %s\n", w.c_str()); },
  };
}

}  // namespace berth::cli
