// File operations COPY and ADD need on their staging layer: laying out the
// destination as the image has it, fixing owners and modes of what was
// copied, merging an unpacked archive in.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/fd.h"
#include "base/result.h"
#include "tar/root_fs.h"

namespace berth::build {

// The names in the open directory fd, without "." and "..", sorted (none
// when it cannot be read).
std::vector<std::string> SortedNames(int fd);

// Whether a 512-byte block is a tar header (its checksum adds up).
bool TarHeaderChecksumOk(const std::byte* block);

// Where a COPY/ADD puts things in its layer: the open directory, and the
// name the single source gets there ("" when the destination is a
// directory and every source keeps its own name).
struct LayerTarget {
  UniqueFd dir{};
  std::string name{};
  bool existed = false;  // the destination directory was in the image already
};

// Resolves dest inside the image (links followed within its root, as
// docker's FollowSymlinkInScope), decides whether it names a directory
// (as_dir, or it is one in the image) and creates the directories on the
// way in layer, with the image's modes and owners where the image has
// them (0755 where it does not, owned by owner when given — docker's
// MkdirAllAndChownNew for --chown — else by root).
Result<LayerTarget> PrepareTarget(const RootFs& image, const std::string& layer, const std::string& dest,
                                  bool as_dir, const std::optional<std::pair<uint32_t, uint32_t>>& owner);

// Applies owner and mode (either may be unset) to dir/name and everything
// below it; for name "." to what is below dir, and to dir too when
// include_top. Links get the owner, never the mode.
Status FixOwnership(int dir, const std::string& name, const std::optional<std::pair<uint32_t, uint32_t>>& owner,
                    const std::optional<mode_t>& mode, bool include_top);

// Moves everything in the directory from into the directory fd into: a
// directory met in both is merged, anything else replaces what was there.
Status MergeTree(const std::string& from, int into);

}  // namespace berth::build
