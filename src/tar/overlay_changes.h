// OverlayChanges: what `docker diff` lists for a container whose root is an
// overlay mount: the changes its upper dir makes to the image's layers.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace berth {

enum class ChangeKind { kModify, kAdd, kDelete };

// "C", "A" or "D", as `docker diff` prints the kind.
std::string_view ChangeKindLetter(ChangeKind kind);

struct Change {
  ChangeKind kind = ChangeKind::kModify;
  std::string path{};  // absolute inside the container: "/etc/passwd"

  bool operator==(const Change&) const = default;
};

// The changes the overlay upper dir `upper` makes to the merged view of
// `lowers` (overlay lowerdirs, topmost first), with the results of docker
// 20.10's `docker diff` (its daemon compares the container's tree with the
// image's, `archive.ChangesDirs`):
// - an upper entry absent from the lowers is A, and so is everything below it;
// - an upper entry present in the lowers is C when its type, mode, owner or
//   device differ, or (not a directory there) its size, mtime (seconds, with
//   Docker's allowance for a zero nanosecond part) or security.capability;
// - a whiteout (0/0 char device) over an entry of the lowers is D, as is
//   every lower entry under an opaque upper dir that the upper dir lacks;
// - a directory is C, listed before its contents, whenever anything below
//   it changed.
// Order: Docker's, made deterministic. Docker walks each directory's
// entries in Go map order (random) and lists a directory's deletions after
// its other entries; here each directory lists its present entries in byte
// order of names (each followed by what is below it), then its deletions in
// byte order. Every name is opened relative to its directory's fd without
// following symlinks, so nothing outside upper and the lowers is looked at.
// Errors: NotFound when upper or a lower is missing; I/O errors naming the
// entry.
Result<std::vector<Change>> OverlayChanges(const std::string& upper,
                                           const std::vector<std::string>& lowers);

}  // namespace berth
