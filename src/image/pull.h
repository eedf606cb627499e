// `pull`: an image from a registry (or its mirrors) into the store, each
// layer streamed once from the network through its digest, the blob file,
// decompression, the diff id and secure unpacking into its snapshot.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "base/result.h"
#include "digest/digest.h"
#include "oci/platform.h"
#include "reference/reference.h"
#include "registry/client.h"
#include "registry/config.h"
#include "store/store.h"

namespace berth::image {

// --max-concurrent-downloads' default. Docker's is 3 too, but for another
// reason: a berth layer is CPU-bound end to end (inflate, two sha256s and
// unpacking run in the worker that downloads it), so the right number is a
// little above the cores, so that a worker blocked in the file system (file
// creation, fsync, syncfs) leaves the others something to run. Measured on
// the bench's 4-layer image on 2 cores (bench/README.md, "the floor"): 1
// worker 1.6-2.0 s, 2 workers 1.4-1.6 s, 3 workers best for berth in every
// paired run against 2, 4 no better than 3.
inline constexpr int kDefaultConcurrentDownloads = 3;

// What a pull reports as it goes; every member may be unset. Called from
// worker threads, one call at a time.
struct PullProgress {
  // A line of its own: "latest: Pulling from library/busybox", "Digest: ...".
  std::function<void(const std::string&)> message{};
  // A layer's row: id (12 hex), status ("Waiting", "Downloading", "Pull
  // complete", "Already exists", ...), bytes so far and total (-1: none).
  std::function<void(const std::string& id, const std::string& status, int64_t current,
                     int64_t total)> update{};
  // A warning worth a line on stderr (a mirror that failed).
  std::function<void(const std::string&)> warn{};
};

struct PullOptions {
  Platform platform = HostPlatform();
  int max_concurrent = kDefaultConcurrentDownloads;
  registry::RegistryConfig config{};
  registry::ClientOptions client{};
  PullProgress progress{};
};

struct PullResult {
  Digest id{};               // the image (config digest)
  Digest digest{};           // what the reference resolved to (an index's digest for multi-platform images)
  bool updated = false;      // the tag (or digest reference) now points at an image it did not before
};

// Pulls ref (tagged or by digest; the caller adds the default tag). The
// image row, its tag and repo digest are written in one transaction at the
// end: a failure or interrupt commits no image (finished blobs and
// snapshots stay until GC, partial blobs stay resumable). Errors: NotFound
// "manifest for R:T not found: ...", Unauthenticated/PermissionDenied as the
// registry answers, DataLoss for content that does not match its digest,
// Unavailable when no endpoint can be reached (naming what failed at each).
Result<PullResult> Pull(store::Store& store, const Reference& ref, const PullOptions& options);

}  // namespace berth::image
