// ApplyLayer: unpacks one uncompressed layer tar into its own directory the way an
// overlay lowerdir holds it (whiteouts as 0/0 char devices, opaque dirs by xattr).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/io.h"
#include "base/result.h"

namespace berth {

struct ApplyOptions {
  // Lower snapshot dirs, topmost first: a hardlink whose target is not in this
  // layer is satisfied by copying the target from the first lower that has it.
  std::vector<std::string> lowers;
  // chown entries to the tar's uid/gid (berth runs as root).
  bool same_owner = true;
};

struct ApplyStats {
  // Docker's layer size: regular files counted once per inode plus the lengths of
  // symlink targets (what LayerSize(root) returns after the apply).
  uint64_t size = 0;
  // Tar entries read, including whiteouts and skipped ones.
  uint64_t entries = 0;
};

// Applies an UNCOMPRESSED tar stream to the fresh, empty directory root. Every
// name, hardlink target and symlink met on the way is resolved inside root; nothing
// outside it is created or changed. Reads `tar` to its very end (padding after the
// end-of-archive blocks included) so a caller's hash of the stream covers every
// byte.
// Errors: kDataLoss for a malformed tar (or the Reader's own error, as it came),
// kInvalidArgument for entries that cannot be applied (a hardlink to a directory or
// to a missing file, a bad whiteout name, a file where a directory is needed), each
// with a message naming the entry; kNotFound when root does not exist.
Result<ApplyStats> ApplyLayer(const std::string& root, Reader& tar, const ApplyOptions& opts = {});

}  // namespace berth
