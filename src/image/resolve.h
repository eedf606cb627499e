// Finding the image a user names, the way Docker's daemon does.
#pragma once

#include <string_view>

#include "base/result.h"
#include "digest/digest.h"
#include "reference/reference.h"
#include "store/store.h"

namespace berth::image {

// Resolves what a user typed to an image id. Order (as Docker's GetImage):
// a full id ("sha256:<64>" or "<64 hex>"), a tag or digest reference (a bare
// name means ":latest"), then a unique id prefix ("3f4", "sha256:3f4").
// Errors: NotFound "No such image: <name>" (a reference as Docker normalizes
// it: "x" -> "x:latest"); InvalidArgument for a malformed
// reference (Docker's wording) or an ambiguous id prefix.
Result<Digest> ResolveImage(store::Store& store, std::string_view name);

// The canonical key the store keeps a tag under: "docker.io/library/x:latest".
std::string TagKey(const Reference& tagged);

// Parses a tag target such as "sgfoot/top:v1" (default tag latest); digests
// are refused as Docker refuses them ("refusing to create a tag with a digest
// reference"), and so is the name sha256 ("refusing to create an ambiguous
// tag using digest algorithm as name"). InvalidArgument otherwise with
// Docker's wording.
Result<Reference> ParseTagTarget(std::string_view s);
inline constexpr std::string_view kAmbiguousTagError =
    "refusing to create an ambiguous tag using digest algorithm as name";

// Points the tag at image id (moving it if it pointed elsewhere).
Status Tag(store::Store& store, const Digest& id, const Reference& tagged);

}  // namespace berth::image
