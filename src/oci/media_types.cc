// Classification of media types, so callers ask "is this an index?" instead
// of comparing against a list of strings at every site.
#include "oci/media_types.h"

namespace berth {

bool IsIndexMediaType(std::string_view t) { return t == kOciIndex || t == kDockerManifestList; }

bool IsManifestMediaType(std::string_view t) { return t == kOciManifest || t == kDockerManifest; }

bool IsConfigMediaType(std::string_view t) { return t == kOciConfig || t == kDockerConfig; }

bool IsForeignLayerMediaType(std::string_view t) {
  return t == kDockerForeignLayer || t == kOciLayerNondistributable ||
         t == kOciLayerNondistributableGzip || t == kOciLayerNondistributableZstd;
}

bool IsLayerMediaType(std::string_view t) {
  return LayerCompressionOf(t) != LayerCompression::kUnknown;
}

LayerCompression LayerCompressionOf(std::string_view t) {
  if (t == kOciLayer || t == kDockerLayer || t == kOciLayerNondistributable) {
    return LayerCompression::kNone;
  }
  if (t == kOciLayerGzip || t == kDockerLayerGzip || t == kDockerForeignLayer ||
      t == kOciLayerNondistributableGzip) {
    return LayerCompression::kGzip;
  }
  if (t == kOciLayerZstd || t == kDockerLayerZstd || t == kOciLayerNondistributableZstd) {
    return LayerCompression::kZstd;
  }
  return LayerCompression::kUnknown;
}

}  // namespace berth
