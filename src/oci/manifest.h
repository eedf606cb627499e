// Image manifests and indexes (OCI image spec v1 and Docker schema2, which
// share one JSON shape): what a registry returns for a reference.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "oci/descriptor.h"

namespace berth {

// An image manifest: one config plus the ordered layers.
struct Manifest {
  int schema_version = 2;
  std::string media_type{};  // may be "" in OCI manifests
  Descriptor config{};
  std::vector<Descriptor> layers{};
  std::map<std::string, std::string> annotations{};

  // Parses an OCI or Docker schema2 manifest. schemaVersion must be 2 and
  // config present; a mediaType naming an index or a schema 1 manifest is
  // refused, and so is a "manifests" array (an index's field). InvalidArgument "invalid manifest: <field>: ...".
  static Result<Manifest> Parse(std::string_view json);
  // Compact JSON: schemaVersion, mediaType?, config, layers, annotations?.
  std::string ToJson() const;

  bool operator==(const Manifest&) const = default;
};

// An OCI image index or a Docker manifest list.
struct Index {
  int schema_version = 2;
  std::string media_type{};  // may be "" in OCI indexes
  std::vector<Descriptor> manifests{};
  std::map<std::string, std::string> annotations{};

  // Parses an OCI index or Docker manifest list; schemaVersion must be 2, a
  // mediaType, when present, must name an index, and "config" or "layers"
  // (a manifest's fields) are refused.
  // InvalidArgument "invalid index: <field>: ...".
  static Result<Index> Parse(std::string_view json);
  // Compact JSON: schemaVersion, mediaType?, manifests, annotations?.
  std::string ToJson() const;

  bool operator==(const Index&) const = default;
};

// Checks the mediaType a manifest document declares against the Content-Type
// it was served with (both without parameters): a document must be read as
// what it says it is. Ok when the body declares none (or is not JSON: its
// parser reports that); else InvalidArgument, in Docker's words, "mediaType in
// manifest should be '<content type>' not '<declared>'".
Status CheckDeclaredMediaType(std::string_view content_type, std::string_view json);

// The media type of a manifest document: its "mediaType" when present,
// otherwise by shape: "manifests" -> OCI index, "layers"/"config" -> OCI
// manifest, schemaVersion 1 -> Docker schema 1 (signed when it carries
// "signatures"). "" when the text is not a JSON object or has no known shape.
std::string DetectMediaType(std::string_view json);

}  // namespace berth
