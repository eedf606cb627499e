// `load`: the images of an image archive (Docker legacy, Docker 25+, OCI
// layout) enter the store.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/io.h"
#include "base/result.h"
#include "digest/digest.h"
#include "oci/platform.h"
#include "reference/reference.h"
#include "store/store.h"

namespace berth::image {

struct LoadOptions {
  bool from_stdin = false;  // an empty input then gets Docker's stdin message
  // Called with a one-line status ("Reading archive: 12 MiB", "Unpacking
  // image 1/2") as the load advances; unset: silent.
  std::function<void(const std::string&)> progress{};
  // The platform picked from a multi-platform index inside the archive.
  Platform platform = HostPlatform();
};

struct LoadedImage {
  Digest id{};
  std::vector<Reference> tags{};  // in archive order; empty: untagged
  // For each tag: the image it named before, when that was another one
  // (Docker then prints "The image T already exists, renaming the old one
  // with ID X to empty string").
  std::vector<std::optional<Digest>> replaced{};
};

// Loads every image of an archive read from src (plain, gzip, zstd, bzip2 or
// xz) in one pass over it. Blobs are verified (by name, diff ids against the
// config by unpacking); layers whose snapshot exists are verified but not
// unpacked again. Image rows and tags are written in one metadata transaction
// at the end, so a failure commits no image (its blobs are garbage for GC).
// InvalidArgument for malformed or hostile archives, DataLoss for corrupt or
// truncated ones and mismatched content. An index.json entry that is itself
// a multi-platform index loads its manifest for options.platform.
Result<std::vector<LoadedImage>> Load(store::Store& store, Reader& src, const LoadOptions& options);

}  // namespace berth::image
