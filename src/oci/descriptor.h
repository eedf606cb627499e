// Descriptor: a typed, sized, content-addressed pointer to a blob, as found in
// manifests ("config", "layers") and indexes ("manifests").
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "digest/digest.h"
#include "oci/json_fields.h"
#include "oci/platform.h"

namespace berth {

struct Descriptor {
  std::string media_type{};
  Digest digest{};
  int64_t size = 0;
  std::vector<std::string> urls{};
  std::map<std::string, std::string> annotations{};
  std::optional<Platform> platform{};

  // Parses a descriptor document. mediaType, digest and size are required;
  // unknown fields are ignored. InvalidArgument "invalid descriptor: <field>: ...".
  static Result<Descriptor> Parse(std::string_view json);
  // Compact JSON: mediaType, digest, size, urls?, annotations?, platform?.
  std::string ToJson() const;

  // The same mapping on an already parsed value; path names j in errors
  // ("layers[3]"), and the error is not prefixed.
  static Result<Descriptor> FromJson(const Json& j, std::string path);
  Json ToJsonValue() const;

  bool operator==(const Descriptor&) const = default;
};

}  // namespace berth
