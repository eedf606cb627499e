// An image's filesystem, read-only, for the builder's COPY --from and for
// resolving --chown names in the stage being built: a scratch image is an
// empty directory, a one-layer image its snapshot directory itself, a
// deeper one an overlay of its snapshots mounted in this process's private
// mount namespace (nothing is mounted on the host; the mount ends with the
// object or, at the latest, with the process).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "base/result.h"
#include "digest/digest.h"
#include "store/ingest.h"
#include "store/store.h"

namespace berth::build {

class ImageRoot {
 public:
  ImageRoot(const ImageRoot&) = delete;
  ImageRoot& operator=(const ImageRoot&) = delete;
  ~ImageRoot();

  // image nullopt: scratch. The calling process must be single-threaded the
  // first time a mount is needed (it unshares its mount namespace then).
  static Result<std::unique_ptr<ImageRoot>> Open(const store::Store& store, const std::optional<Digest>& image);

  // The root directory (valid while this object lives).
  const std::string& path() const { return path_; }

 private:
  ImageRoot() = default;

  store::IngestDir scratch_{};
  std::string path_{};
  bool mounted_ = false;
};

}  // namespace berth::build
