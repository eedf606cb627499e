// Read-only views of one image: `inspect` JSON and `history` rows.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "digest/digest.h"
#include "oci/json_fields.h"
#include "store/store.h"

namespace berth::image {

// Docker's image inspect object (Id, RepoTags, RepoDigests, Parent, Comment,
// Created, Container, ContainerConfig, DockerVersion, Author, Config,
// Architecture, [Variant], Os, [OsVersion], Size, VirtualSize, GraphDriver,
// RootFS, Metadata) in Docker's key order.
Result<Json> InspectImage(store::Store& store, const Digest& id);

struct HistoryRow {
  std::string id{};  // "sha256:..." or "<missing>"
  int64_t created = 0;  // ns; 0 when unknown
  std::string created_by{};
  int64_t size = 0;
  std::string comment{};
  std::vector<std::string> tags{};  // familiar tags of id, for the top row
};

// One row per history entry, newest first; the top row carries the image id,
// the rows below the ids of local parent images, else "<missing>".
// DataLoss when the config has more non-empty history entries than layers.
Result<std::vector<HistoryRow>> ImageHistory(store::Store& store, const Digest& id);

}  // namespace berth::image
