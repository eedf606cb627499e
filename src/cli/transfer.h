// The progress callbacks pull and push report through, drawn by one of
// Docker's progress displays (cli/progress.h).
#pragma once

#include "cli/progress.h"
#include "image/pull.h"

namespace berth::cli {

// Callbacks that draw lines and layer rows on display (which must outlive
// them) and print warnings on stderr as "Warning: ...".
image::PullProgress TransferCallbacks(Progress& display);

}  // namespace berth::cli
