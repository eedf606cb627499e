// `load`: the images of an image archive (Docker legacy, Docker 25+, OCI
// layout) enter the store.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/io.h"
#include "base/result.h"
#include "digest/digest.h"
#include "reference/reference.h"
#include "store/store.h"

namespace berth::image {

struct LoadOptions {
  bool from_stdin = false;  // an empty input then gets Docker's stdin message
  // Called with a one-line status ("Reading archive: 12 MiB", "Unpacking
  // image 1/2") as the load advances; unset: silent.
  std::function<void(const std::string&)> progress{};
};

struct LoadedImage {
  Digest id{};
  std::vector<Reference> tags{};  // in archive order; empty: untagged
};

// Loads every image of an archive read from src (plain, gzip, zstd, bzip2 or
// xz) in one pass over it. Blobs are verified (by name, diff ids against the
// config by unpacking); layers whose snapshot exists are verified but not
// unpacked again. Image rows and tags are written in one metadata transaction
// at the end, so a failure commits no image (its blobs are garbage for GC).
// InvalidArgument for malformed or hostile archives, DataLoss for corrupt or
// truncated ones and mismatched content.
Result<std::vector<LoadedImage>> Load(store::Store& store, Reader& src, const LoadOptions& options);

}  // namespace berth::image
