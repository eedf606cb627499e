// `build`: a Dockerfile and a context directory to an image, step by step
// as docker 20.10's classic builder does it (its output and its cache), with
// berth's parts: each RUN is a container (container/), each step's result
// an image committed from the container's upper dir (image/commit.h),
// metadata instructions only a new config with Docker's `#(nop)` history.
#pragma once

#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "digest/digest.h"
#include "reference/reference.h"
#include "store/store.h"

namespace berth::build {

struct BuildOptions {
  std::string context_dir{};                 // absolute
  std::string dockerfile{};                  // its text
  std::vector<std::string> build_args{};     // --build-arg KEY=VALUE or KEY (from the environment)
  bool no_cache = false;
  bool quiet = false;                        // -q: no step output, RUN output discarded
  std::string network = "none";              // RUN containers' network
  bool remove = true;                        // --rm: remove a RUN's container after it succeeds
  bool force_rm = false;                     // remove a failed RUN's container too
  std::map<std::string, std::string> labels{};  // --label, on the final image
  // Pulls a FROM image that is not in the store (the CLI's pull with its
  // progress); returns 0 or an exit status.
  std::function<int(const Reference&)> pull = nullptr;
  bool always_pull = false;                  // --pull: pull every FROM image, even one in the store
  std::string target{};                      // --target: the stage to build ("" the last)
  std::vector<std::string> cache_from{};     // --cache-from: images whose history may serve as cache
  // Checks a FROM --platform value (the CLI's --platform rule); unset: any.
  std::function<Status(const std::string&)> check_platform = nullptr;
  // SOURCE_DATE_EPOCH (seconds): every step's image records it as its
  // creation time and its layer's mtimes are clamped to it
  // (image::CommitOptions::source_date_epoch), so the same Dockerfile and
  // context build the same image id.
  std::optional<int64_t> source_date_epoch{};
  FILE* out = stdout;                        // the classic step lines
};

struct BuildResult {
  Digest id{};
};

// Builds the Dockerfile. Errors carry docker's wording: "dockerfile parse
// error line N: ...", "The command '/bin/sh -c false' returned a non-zero
// code: 1" (the status in *exit_status), "COPY failed: file not found in
// build context or excluded by .dockerignore: stat x: file does not exist";
// instructions berth does not build yet are refused with their name.
Result<BuildResult> Build(store::Store& store, const BuildOptions& options, int* exit_status);

}  // namespace berth::build
