// Descriptor JSON mapping, shared by manifests and indexes. Registries and
// archives hand us descriptors we then trust to fetch and verify blobs, so the
// required fields are checked here rather than at every use.
#include "oci/descriptor.h"

namespace berth {

Result<Descriptor> Descriptor::FromJson(const Json& j, std::string path) {
  if (!j.is_object()) return MakeError(Code::kInvalidArgument, path + ": not an object");
  JsonFields f(j, std::move(path));
  Descriptor d;
  for (std::string_view required : {"mediaType", "digest", "size"}) {
    if (!f.Has(required)) return f.FieldError(required, "missing");
  }
  TRY(f.String("mediaType", d.media_type));
  TRY(f.DigestValue("digest", d.digest));
  TRY(f.Int("size", d.size));
  if (d.size < 0) return f.FieldError("size", "negative");
  TRY(f.StringList("urls", d.urls));
  TRY(f.StringMap("annotations", d.annotations));
  if (const Json* p = TRY(f.Object("platform"))) {
    d.platform = TRY(Platform::FromJson(*p, f.PathOf("platform")));
  }
  return d;
}

Json Descriptor::ToJsonValue() const {
  Json j = Json::object();
  j["mediaType"] = media_type;
  j["digest"] = digest.str();
  j["size"] = size;
  if (!urls.empty()) j["urls"] = urls;
  if (!annotations.empty()) j["annotations"] = StringMapOrNull(annotations);
  if (platform) j["platform"] = platform->ToJsonValue();
  return j;
}

Result<Descriptor> Descriptor::Parse(std::string_view json) {
  Json j = TRY(ParseJsonObject(json, "invalid descriptor"));
  return TRY_CTX(FromJson(j, ""), "invalid descriptor");
}

std::string Descriptor::ToJson() const { return DumpJson(ToJsonValue()); }

}  // namespace berth
