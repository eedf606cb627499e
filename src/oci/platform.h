// Platform: the os/architecture/variant an image is built for, as in
// `--platform linux/arm64/v8` and in the "platform" of index entries.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "oci/json_fields.h"

namespace berth {

struct Platform {
  std::string os{};                        // "linux"
  std::string architecture{};              // "amd64", "arm64", "arm", "386", ...
  std::string variant{};                   // "v7", "v8", "" when none
  std::string os_version{};                // "os.version" (Windows builds)
  std::vector<std::string> os_features{};  // "os.features"

  // "linux/arm64/v8", "linux/amd64" (variant only when set).
  std::string String() const;

  // OCI JSON object: architecture, os, os.version?, os.features?, variant?.
  Json ToJsonValue() const;
  // Reads the JSON object at path (for error messages, e.g. "manifests[0].platform").
  static Result<Platform> FromJson(const Json& j, std::string path);

  bool operator==(const Platform&) const = default;
};

// Parses a platform specifier the way `docker --platform` does (containerd's
// platforms.Parse): "os", "arch", "os/arch" or "os/arch/variant", with
// architecture aliases normalized (x86_64 -> amd64, aarch64 -> arm64,
// armhf -> arm/v7, armel -> arm/v6, i386 -> 386; "arm" alone -> arm/v7;
// arm64 variant "8" -> "v8"). A lone architecture gets os "linux"; a lone os
// gets the host's architecture. InvalidArgument "invalid platform: <s>: ..."
// for an unknown os or architecture or a malformed specifier.
Result<Platform> ParsePlatform(std::string_view s);

// The platform of this machine (linux, architecture from uname(2), normalized).
Platform HostPlatform();

// Normalizes the architecture and variant in place (see ParsePlatform) and
// lowercases the os.
Platform NormalizePlatform(Platform p);

// True when an image for `have` satisfies a request for `want`: same os and
// architecture (after normalization); when want names a variant, have's
// variant must be equal (arm64 treats "" and "v8" as the same); when want
// names no variant, any variant of the architecture matches; when want names
// an os.version, have's must be equal.
bool Matches(const Platform& want, const Platform& have);

}  // namespace berth
