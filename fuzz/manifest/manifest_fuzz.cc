// libFuzzer target for the OCI / Docker documents a registry or an archive
// hands berth (src/oci/, issue 12): every input is tried as an image
// manifest, an index (manifest list), an image config, a descriptor and a
// platform specifier, and its media type detected. Besides the sanitizers'
// findings it fails on what the parsers promise: errors are
// InvalidArgument, a parsed manifest or index has schemaVersion 2, and
// whatever parses writes back (ToJson) to JSON that parses to the same
// value, whose own JSON is the same text (a fixed point).
#include <cstdint>
#include <string>

#include "fuzz_util.h"
#include "oci/descriptor.h"
#include "oci/image_config.h"
#include "oci/manifest.h"
#include "oci/media_types.h"
#include "oci/platform.h"

namespace {

void Fail(const std::string& what, std::string_view input) {
  berth::fuzz::Die("manifest_fuzz", what + " (input: " + std::string(input) + ")");
}

template <typename T>
void CheckError(const berth::Result<T>& r, std::string_view kind, std::string_view input) {
  if (r.error().code != berth::Code::kInvalidArgument) {
    Fail(std::string(kind) + ": error not InvalidArgument: " + r.error().message, input);
  }
}

// T::Parse(input); when it parses, T::Parse(ToJson()) is equal (or, for
// types whose JSON is not a complete picture, at least writes the same).
template <typename T>
bool RoundTrip(std::string_view kind, std::string_view input, bool exact) {
  auto v = T::Parse(input);
  if (!v.ok()) {
    CheckError(v, kind, input);
    return false;
  }
  std::string json = v->ToJson();
  auto again = T::Parse(json);
  if (!again.ok()) Fail(std::string(kind) + ": ToJson does not parse: " + again.error().message + ": " + json, input);
  if (exact && !(*again == *v)) Fail(std::string(kind) + ": ToJson parses to another value: " + json, input);
  if (again->ToJson() != json) Fail(std::string(kind) + ": ToJson not a fixed point: " + json, input);
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string detected = berth::DetectMediaType(input);
  if (RoundTrip<berth::Manifest>("manifest", input, true)) {
    auto m = berth::Manifest::Parse(input);
    if (m->schema_version != 2) Fail("manifest with schemaVersion " + std::to_string(m->schema_version), input);
    if (detected == berth::kOciIndex || detected == berth::kDockerManifestList) {
      Fail("a manifest parsed from what is detected as an index", input);
    }
  }
  if (RoundTrip<berth::Index>("index", input, true)) {
    auto i = berth::Index::Parse(input);
    if (i->schema_version != 2) Fail("index with schemaVersion " + std::to_string(i->schema_version), input);
  }
  RoundTrip<berth::ImageConfig>("image config", input, true);
  RoundTrip<berth::Descriptor>("descriptor", input, true);
  if (size < 256) {
    auto p = berth::ParsePlatform(input);
    if (p.ok()) {
      auto again = berth::ParsePlatform(p->String());
      if (!again.ok()) Fail("platform String() " + p->String() + " does not parse", input);
      if (!berth::Matches(*p, *again)) Fail("platform String() " + p->String() + " does not match", input);
    } else {
      CheckError(p, "platform", input);
    }
  }
  return 0;
}
