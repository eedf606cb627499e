// Where `berth build` gets its context and Dockerfile from, with docker's
// rules: a directory, a tar archive (plain, gzip, bzip2, xz) or a
// Dockerfile on stdin (`-`), or the same from an http(s) URL. Archives are
// unpacked, confined, into a staging dir in the store's ingest area that
// lives as long as the BuildInput.
#pragma once

#include <optional>
#include <string>

#include "base/result.h"
#include "store/ingest.h"
#include "store/store.h"

namespace berth::cli {

struct BuildInput {
  std::string dir{};         // the context directory (absolute)
  std::string dockerfile{};  // the Dockerfile's text
  std::optional<store::IngestDir> staging{};  // removed with the input
};

// docker's urlutil.IsGitURL: git://, git@, github.com/..., or an http(s)
// URL whose path ends in .git (before any #fragment).
bool IsGitUrl(const std::string& s);

// Whether a stream's first bytes (decompressed, 512 of them or all there
// is) hold a tar header: a valid header checksum.
bool LooksLikeTar(std::string_view head);

struct InputOptions {
  std::string path{};  // the PATH | URL | - argument
  std::string file{};  // -f ("" for the default, "-" for stdin)
  int stdin_fd = 0;
};

// Reads the build input. For an archive (stdin or URL), -f names the
// Dockerfile inside it (read confined to it); for a text body, that text is
// the Dockerfile and the context is empty. Errors carry docker's wording
// where it has one ("unable to prepare context: ...").
Result<BuildInput> ReadBuildInput(store::Store& store, const InputOptions& options);

}  // namespace berth::cli
