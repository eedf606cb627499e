// `push`: a stored image to a registry, its blobs sent as they are stored
// (so digests are stable), with HEAD checks and cross-repository mounts.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"
#include "digest/digest.h"
#include "image/pull.h"
#include "reference/reference.h"
#include "registry/client.h"
#include "registry/config.h"
#include "store/store.h"

namespace berth::image {

// Docker's default for --max-concurrent-uploads.
inline constexpr int kDefaultConcurrentUploads = 5;

// The gzip level (ISA-L) for layers stored uncompressed (imported images)
// that must be compressed to be pushed; see push.cc for why.
inline constexpr int kPushGzipLevel = 1;

struct PushOptions {
  int max_concurrent = kDefaultConcurrentUploads;
  registry::RegistryConfig config{};
  registry::ClientOptions client{};
  PullProgress progress{};  // rows: Preparing, Pushing, Pushed, Layer already exists, Mounted from R
};

struct PushResult {
  Digest digest{};   // the manifest's, as the registry stored it
  int64_t size = 0;  // the manifest's length
};

// Pushes the image tagged ref (ref must have a tag). A stored manifest is
// pushed byte for byte; an image without one (imported) gets a Docker
// schema2 manifest, its uncompressed layers compressed once (gzip) and
// stored, so the next push sends the same digests. Records the repo digest.
// Errors: NotFound "An image does not exist locally with the tag: R",
// Unauthenticated/PermissionDenied as the registry answers.
Result<PushResult> Push(store::Store& store, const Reference& ref, const PushOptions& options);

}  // namespace berth::image
