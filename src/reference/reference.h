// Reference: an image name as the Docker CLI accepts it ("ubuntu",
// "quay.io/coreos/etcd:v3.3.9", "localhost:5000/a/b@sha256:...") in the
// normalized form berth stores and sends to registries.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "digest/digest.h"

namespace berth {

inline constexpr std::string_view kDefaultDomain = "docker.io";
inline constexpr std::string_view kLegacyDefaultDomain = "index.docker.io";
inline constexpr std::string_view kOfficialRepoPrefix = "library/";
inline constexpr std::string_view kDefaultTag = "latest";
inline constexpr size_t kNameTotalLengthMax = 255;

struct Reference {
  std::string domain{};  // "docker.io", "quay.io", "127.0.0.1:5000", "[::1]:5000"
  std::string path{};    // "library/ubuntu", "coreos/etcd"
  std::string tag{};     // "" when none
  Digest digest{};       // !valid() when none

  bool HasTag() const { return !tag.empty(); }
  bool HasDigest() const { return digest.valid(); }

  // "docker.io/library/ubuntu".
  std::string Name() const;
  // Name(), then ":" tag and "@" digest when present.
  std::string String() const;
  // The short form Docker shows: "ubuntu", "sgfoot/top", "quay.io/coreos/etcd".
  // Only docker.io is dropped, and "library/" only for one-level official names.
  std::string FamiliarName() const;
  // FamiliarName() with ":" tag and "@" digest when present.
  std::string FamiliarString() const;

  bool operator==(const Reference&) const = default;
};

// Parses what a user types, the way `docker` does (distribution/reference's
// ParseNormalizedNamed): "ubuntu" -> docker.io/library/ubuntu (no tag added),
// "index.docker.io/x" -> docker.io/library/x, "localhost/x", "quay.io/a/b:t",
// "127.0.0.1:5000/a/b@sha256:...", "a/b:t@sha256:...".
// The first component is a registry host iff it contains '.' or ':' or is
// "localhost". Errors are InvalidArgument with Docker's wording:
//   "invalid reference format"
//   "invalid reference format: repository name must be lowercase"
//   "repository name must not be more than 255 characters"
//   "invalid repository name (<s>), cannot specify 64-byte hexadecimal strings"
//   Digest::Parse's messages for a malformed digest.
Result<Reference> ParseNormalizedNamed(std::string_view s);

// Returns r with tag "latest" when it has neither a tag nor a digest
// (Docker's TagNameOnly).
Reference WithDefaultTag(Reference r);

// Parses a fully qualified name as the store keeps it
// ("docker.io/library/ubuntu:latest"). InvalidArgument when s does not parse
// or is not already in normalized form ("repository name must be canonical").
Result<Reference> ParseCanonical(std::string_view s);

// True for a valid tag: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}.
bool IsValidTag(std::string_view tag);

// True for a valid repository path: lowercase alphanumeric components
// separated by '.', '_', "__" or runs of '-', joined by '/'.
bool IsValidRepositoryPath(std::string_view path);

// True for a valid registry host with optional port ("quay.io",
// "localhost:5000", "[::1]:5000").
bool IsValidDomain(std::string_view domain);

}  // namespace berth
