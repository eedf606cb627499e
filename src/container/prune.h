// Renaming containers and pruning stopped ones, with docker's rules and
// messages.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "store/store.h"

namespace berth::container {

// Docker's rename: ref found as FindContainer finds it; new_name with or
// without its leading '/'. Errors as dockerd words them: InvalidArgument
// "Neither old nor new names may be empty", "Renaming a container with the
// same name as its current name", "Error when allocating new name: Invalid
// container name (/x y), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed";
// NotFound "No such container: X"; Conflict "Error when allocating new name:
// Conflict. The container name \"/x\" is already in use by container
// \"<id>\". You have to remove (or rename) that container to be able to
// reuse that name."
Status RenameContainer(store::Store& store, std::string_view ref, std::string_view new_name);

struct PruneReport {
  std::vector<std::string> deleted{};  // full ids, in removal order (oldest first)
  int64_t reclaimed = 0;               // bytes of their writable layers
};

// Docker's container prune: removes every container that is not running
// (created, exited, dead) and matches the filters: "until=<time>" (created
// before it; image::ParseTimeFilter's forms), "label=k", "label=k=v",
// "label!=k", "label!=k=v". InvalidArgument "Invalid filter 'x'" for other
// keys, "more than one until filter specified", or a bad time. now_ns is
// what relative times count back from.
Result<PruneReport> PruneContainers(store::Store& store, const std::vector<std::string>& filters,
                                    int64_t now_ns);

}  // namespace berth::container
