// ApplyLayer: unpacks one uncompressed layer tar into its own directory the way an
// overlay lowerdir holds it (whiteouts as 0/0 char devices, opaque dirs by xattr).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/io.h"
#include "base/result.h"

namespace berth {

// The default caps of ApplyLimits. Generous for real images (their largest
// layers hold some hundreds of thousands of files and tens of GiB) while
// bounding what a hostile layer costs: 4,000,000 entries are ~2 GB of tar
// headers, most of an ordinary disk's inodes, and under 100 bytes of memory
// each (ApplyLayer keeps one record per directory entry); 256 GiB is more file
// content than a layer has any business holding but stops a tar (or a sparse
// file, or hardlinks copied from lowers) from filling a disk; 1 MiB of
// padding after the end-of-archive marker is far more than any tar writer
// pads (GNU tar: under 10 KiB) yet stops `import /dev/zero` at once.
inline constexpr uint64_t kDefaultMaxLayerEntries = 4'000'000;
inline constexpr uint64_t kDefaultMaxLayerBytes = uint64_t{256} << 30;
inline constexpr uint64_t kDefaultMaxTrailingBytes = uint64_t{1} << 20;

// Caps on what one layer may make ApplyLayer do. Going past one fails the
// apply at once, before anything more is written, with kInvalidArgument and a
// message naming the cap's environment variable.
struct ApplyLimits {
  // Tar entries (headers), whiteouts and skipped ones included.
  // BERTH_MAX_LAYER_ENTRIES.
  uint64_t max_entries = kDefaultMaxLayerEntries;
  // Bytes of regular-file content: each file's size as its header declares it
  // (for a sparse file its full size, holes included), counted before the data
  // is read, plus the size of every file copied from a lower for a hardlink.
  // BERTH_MAX_LAYER_BYTES.
  uint64_t max_bytes = kDefaultMaxLayerBytes;
  // Bytes after the tar's end-of-archive marker (padding, read so that the
  // caller's hash covers them).
  uint64_t max_trailing_bytes = kDefaultMaxTrailingBytes;
};

// The default limits with BERTH_MAX_LAYER_ENTRIES and BERTH_MAX_LAYER_BYTES
// from the environment applied: plain decimal integers (entries, bytes), 0
// included; unset or empty keeps the default. Errors: kInvalidArgument naming
// the variable for any other value.
Result<ApplyLimits> ApplyLimitsFromEnv();

struct ApplyOptions {
  // Lower snapshot dirs, topmost first: a hardlink whose target is not in this
  // layer is satisfied by copying the target from the first lower that has it.
  std::vector<std::string> lowers{};
  // When lowers is empty: called the first time a lower is needed, to get
  // them late (a parallel pull unpacks a layer before its parent is done;
  // this waits for the parent). Unset: no lowers.
  std::function<Result<std::vector<std::string>>()> lowers_fn{};
  // chown entries to the tar's uid/gid (berth runs as root).
  bool same_owner = true;
  ApplyLimits limits{};
  // Write the data of regular files of at least 1 MiB (not sparse) with
  // O_DIRECT, through an aligned buffer, the unaligned tail through the page
  // cache: for a layer nobody reads soon (commit), it skips making page cache
  // pages, which is most of the cost of writing (fresh pages are slow to get
  // on VMs). Falls back to ordinary writes where O_DIRECT is refused.
  bool direct_io = false;
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
// end-of-archive blocks included, up to opts.limits.max_trailing_bytes) so a
// caller's hash of the stream covers every byte.
// Sparse files (GNU and pax sparse entries) are written with holes where their
// sparse map has them, and count at their full size against max_bytes.
// A regular file is never made larger than the data its entry delivered except
// by a sparse map's trailing hole. On error root holds a partial layer that
// the caller removes (RemoveTreeAt copes with any depth).
// Memory beyond libarchive's buffers: a record (under 100 bytes) per directory entry
// (its times, set at the end) and one per regular file with several links
// (LayerSize's inode set), both bounded by max_entries.
// Errors: kDataLoss for a malformed tar (or the Reader's own error, as it came),
// kInvalidArgument for entries that cannot be applied (a hardlink to a directory or
// to a missing file, a bad whiteout name, a file where a directory is needed, a
// name longer than PATH_MAX), each with a message naming the entry, and for a
// layer past one of opts.limits; kNotFound when root does not exist.
Result<ApplyStats> ApplyLayer(const std::string& root, Reader& tar, const ApplyOptions& opts = {});

}  // namespace berth
