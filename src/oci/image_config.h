// ImageConfig: the image configuration blob (OCI "application/vnd.oci.image
// .config.v1+json" / Docker "application/vnd.docker.container.image.v1+json").
// Its digest is the image ID.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "digest/digest.h"
#include "oci/container_config.h"
#include "oci/json_fields.h"
#include "oci/platform.h"

namespace berth {

// One step of an image's history (`docker history` rows).
struct HistoryEntry {
  std::optional<int64_t> created{};  // nanoseconds since the epoch
  std::string created_by{};
  std::string author{};
  std::string comment{};
  bool empty_layer = false;  // true when the step added no layer

  // Reads one history object; path names it in errors ("history[3]").
  static Result<HistoryEntry> FromJson(const Json& j, std::string path);
  // created?, author?, created_by?, comment?, empty_layer? (Docker's order).
  Json ToJsonValue() const;

  bool operator==(const HistoryEntry&) const = default;
};

struct ImageConfig {
  std::optional<int64_t> created{};  // nanoseconds since the epoch
  std::string author{};
  std::string architecture{};
  std::string os{};
  std::string variant{};
  std::string os_version{};
  ContainerConfig config{};
  std::optional<ContainerConfig> container_config{};
  std::string container{};
  std::string docker_version{};
  std::string comment{};
  std::string parent{};
  std::vector<Digest> diff_ids{};  // rootfs.diff_ids, rootfs.type "layers"
  std::vector<HistoryEntry> history{};

  // Parses an image config blob. Unknown fields are ignored; rootfs.type, when
  // present, must be "layers". InvalidArgument
  // "invalid image config: <field>: <problem>" (e.g. "created: not a string").
  static Result<ImageConfig> Parse(std::string_view json);
  // Compact JSON with top-level keys sorted as Docker writes them
  // (architecture, author?, comment?, config, container?, container_config?,
  // created?, docker_version?, history?, os, os.version?, parent?, rootfs,
  // variant?); empty strings and absent optionals are omitted, created is
  // RFC 3339 with nanoseconds.
  std::string ToJson() const;

  // os/architecture/variant/os.version as a Platform.
  Platform platform() const;

  bool operator==(const ImageConfig&) const = default;
};

}  // namespace berth
