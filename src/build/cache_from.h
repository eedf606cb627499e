// --cache-from: images whose history can answer the builder's cache
// lookups although they were not built here (see cache_from.cc).
#pragma once

#include <optional>
#include <vector>

#include "base/result.h"
#include "digest/digest.h"
#include "oci/container_config.h"
#include "store/store.h"

namespace berth::build {

class CacheSources {
 public:
  explicit CacheSources(std::vector<Digest> sources = {}) : sources_(std::move(sources)) {}

  // The image a step with container config cc on parent_id (nullopt:
  // scratch) makes, when a source's history has that step: the source
  // itself for its last step, else a new intermediate image (parent's
  // history and layers plus the source's entry and layer, config
  // image_config) stored now. nullopt when no source has the step.
  Result<std::optional<Digest>> Find(store::Store& store, const std::optional<Digest>& parent_id,
                                     const ContainerConfig& cc, const ContainerConfig& image_config);

  bool empty() const { return sources_.empty(); }

 private:
  std::vector<Digest> sources_;
};

}  // namespace berth::build
