// `rmi` and `image prune`: untagging and deleting images with Docker's rules
// for when a name, an id, or -f decides what goes.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/result.h"
#include "store/store.h"

namespace berth::image {

// One line of Docker's output: exactly one of the two is set.
struct DeleteItem {
  std::string untagged{};  // familiar reference: "ubuntu:latest", "ubuntu@sha256:..."
  std::string deleted{};   // "sha256:..." image id or layer chain id
};

struct RemoveOptions {
  bool force = false;  // -f: remove an id referenced by several repositories
  bool prune = true;   // false with --no-prune: keep untagged parents
  // Whether the container with this id is running (its image cannot be
  // deleted even with force); unset: every container counts as stopped.
  std::function<bool(const std::string& container_id)> is_running = nullptr;
};

// Removes what `name` refers to, as Docker's ImageDelete does: a tag or digest
// reference is untagged, and the image is deleted when nothing else names it;
// an id deletes the image with all its names when they are one repository's
// (else Conflict "unable to delete <id> (must be forced) - image is referenced
// in multiple repositories" unless force). Children block deletion (Conflict,
// cannot be forced). An image a container uses is never deleted: without
// force its last name cannot be removed ("conflict: unable to remove
// repository reference ... (must force) - container X is using its
// referenced image Y") nor its id ("... (cannot be forced) - image is being
// used by running container X", "(must be forced) - ... stopped container
// X"); with force its names go and the image stays while a container needs
// it (Docker deletes it under a stopped container; berth keeps it, so that
// the container can still be committed, saved or pushed with its layers).
// The metadata changes of one call are one transaction;
// layers no other image uses are reported and their space freed by GC.
Result<std::vector<DeleteItem>> RemoveImage(store::Store& store, std::string_view name,
                                            const RemoveOptions& options);

struct PruneOptions {
  bool all = false;                  // -a: every image without a container
  std::vector<std::string> filters{};  // until=, label=, label!=
};

struct PruneReport {
  std::vector<DeleteItem> items{};
  int64_t reclaimed = 0;  // bytes of the layers deleted
};

// Docker's ImagesPrune: dangling images (no tags), or with all every unused
// image. InvalidArgument "Invalid filter 'x'" for unknown filters.
Result<PruneReport> PruneImages(store::Store& store, const PruneOptions& options);

// Frees the content nothing references any more (deleted images, what an
// interrupted or failed command left). The metadata work is done before it
// returns; the bytes are freed by a detached child, so the caller can finish
// at once. always: run even when the store shows no sign of garbage (after a
// deletion or a failed write); otherwise only when MayHaveGarbage says so.
// Best effort: what cannot be freed now is retried by a later run; the
// problems met are in the result's errors, one line each.
store::GcStats CollectGarbage(store::Store& store, bool always);

}  // namespace berth::image
