// `commit`: a container's overlay upper dir becomes a new image, one layer
// on top of the container's image.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "digest/digest.h"
#include "oci/container_config.h"
#include "reference/reference.h"
#include "store/store.h"

namespace berth::image {

struct CommitOptions {
  std::optional<Digest> parent_image{};  // the container's image id; nullopt: scratch
  std::string upper_dir{};               // the container's overlay upper dir
  ContainerConfig container_config{};    // the container's Config, as Docker keeps it
  std::string container_id{};            // 64 hex
  std::string author{};                  // -a
  std::string message{};                 // -m
  std::vector<std::string> changes{};    // -c (see changes.h)
  std::optional<Reference> tag{};        // REPOSITORY[:TAG], already defaulted to :latest
  // The builder's case: the new image's config exactly (changes are then not
  // applied), while container_config records the step (its Cmd is the
  // history's created_by).
  std::optional<ContainerConfig> image_config{};
  // The upper dir is a plain layer tree (no overlay whiteouts) that the
  // caller gives up: it becomes the snapshot itself (moved, same file
  // system) instead of a second copy unpacked from the tar. The builder's
  // COPY/ADD staging dirs.
  bool adopt_upper = false;
  // SOURCE_DATE_EPOCH (seconds): the config's and the new history entry's
  // `created` are set to it, every layer entry's mtime is clamped to it
  // (min(mtime, epoch), BuildKit's rewrite-timestamp) and the config names
  // no `container` (a random id), so that the same input commits to the
  // same image id. An adopted upper dir is then unpacked from the tar
  // instead (its times are the layer's).
  std::optional<int64_t> source_date_epoch{};
};

struct CommitResult {
  Digest id{};
  bool empty_layer = false;  // the upper dir held no change: no layer was added
  int64_t layer_size = 0;    // Docker's size of the new layer (0 when empty)
  int64_t size = 0;          // Docker's size of the image
};

// Commits the container as Docker 20.10's `docker commit` does:
// - the upper dir is written as one layer tar (overlay whiteouts and opaque
//   dirs as `.wh.` entries; tar/write_layer.h), streamed once: into the store
//   as an uncompressed layer blob (its digest is the diff id) and, on another
//   thread, unpacked into a new snapshot whose parent is the parent image's
//   top snapshot. A layer with no entries (the empty tar) adds no layer and
//   its history entry is marked empty_layer, as Docker does.
// - the config: the container's config with the changes applied (then merged
//   with the container's config as dockerd merges them), `container` (the
//   id), `container_config`, `author`, `created`; architecture, os, variant,
//   os.version and the history from the parent (the host's platform for
//   scratch) plus one entry {created, author, created_by = the container's
//   Cmd joined by spaces, comment = message}; rootfs = the parent's diff ids
//   plus the new one. No docker_version: berth is not that daemon.
// - the image row (parent = the parent image id) and the tag (moved like
//   `tag`) in one metadata transaction, after the content, all under one
//   lease.
// Errors: InvalidArgument for an invalid change (before anything is
// written); NotFound when the parent image or the upper dir is missing;
// whatever reading the upper dir or writing the store fails with (nothing
// is committed then, and what was written is garbage for GC).
Result<CommitResult> Commit(store::Store& store, const CommitOptions& options);

}  // namespace berth::image
