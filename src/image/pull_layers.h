// The layer half of `pull`: every missing layer of one image fetched and
// unpacked by a pool of workers, each layer streamed once (see pull.h).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "base/result.h"
#include "digest/digest.h"
#include "image/pull.h"
#include "oci/descriptor.h"
#include "registry/client.h"
#include "store/store.h"

namespace berth::image {

struct LayerPlan {
  Descriptor blob{};                 // from the manifest
  Digest diff_id{};                  // from the config
  Digest chain_id{};
  std::optional<Digest> parent{};    // the previous layer's chain id
};

struct PulledLayer {
  store::LayerRecord record;
  int64_t size = 0;  // unpacked (the snapshot's)
};

// Makes sure every layer's blob and snapshot are in the store, leased by
// lease: present ones are leased ("Already exists"), the rest fetched from
// repo by up to options.max_concurrent workers. On the first failure the
// other workers stop; committed blobs and snapshots stay (leased until the
// lease ends), partial downloads stay resumable.
struct LayerPullOptions {
  const PullOptions& pull;
  bool image_present = false;  // the image row exists: no rows when nothing is missing
};

Result<std::vector<PulledLayer>> PullLayers(store::Store& store, store::Lease& lease,
                                            registry::Repository& repo,
                                            const std::vector<LayerPlan>& plans,
                                            const LayerPullOptions& options);

}  // namespace berth::image
