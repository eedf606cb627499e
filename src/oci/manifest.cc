// Manifest and index JSON mapping. These are the first documents a pull
// reads from a registry, before anything is verified beyond the manifest
// digest, so parsing checks every field it relies on.
#include "oci/manifest.h"

#include "oci/media_types.h"

namespace berth {
namespace {

Status ReadSchemaVersion(const JsonFields& f, int& out) {
  if (!f.Has("schemaVersion")) return f.FieldError("schemaVersion", "missing");
  int64_t v = 0;
  TRY(f.Int("schemaVersion", v));
  if (v != 2) return f.FieldError("schemaVersion", "unsupported version " + std::to_string(v));
  out = static_cast<int>(v);
  return Ok();
}

Result<std::vector<Descriptor>> ReadDescriptors(const JsonFields& f, std::string_view key) {
  std::vector<Descriptor> out;
  const Json* arr = TRY(f.Array(key));
  if (!arr) return out;
  out.reserve(arr->size());
  for (size_t i = 0; i < arr->size(); i++) {
    out.push_back(
        TRY(Descriptor::FromJson((*arr)[i], f.PathOf(key) + "[" + std::to_string(i) + "]")));
  }
  return out;
}

Json DescriptorArray(const std::vector<Descriptor>& ds) {
  Json arr = Json::array();
  for (const Descriptor& d : ds) arr.push_back(d.ToJsonValue());
  return arr;
}

Result<Manifest> ManifestFromJson(const Json& j) {
  JsonFields f(j, "");
  Manifest m;
  TRY(ReadSchemaVersion(f, m.schema_version));
  TRY(f.String("mediaType", m.media_type));
  if (!m.media_type.empty() && !IsManifestMediaType(m.media_type)) {
    return f.FieldError("mediaType", "unexpected \"" + m.media_type + "\"");
  }
  // One document must not read as both (CVE-2021-41190): a registry could
  // then serve a different image to clients that pick the other reading.
  if (f.Has("manifests")) return f.FieldError("manifests", "expected manifest but found index");
  const Json* config = TRY(f.Object("config"));
  if (!config) return f.FieldError("config", "missing");
  m.config = TRY(Descriptor::FromJson(*config, "config"));
  m.layers = TRY(ReadDescriptors(f, "layers"));
  TRY(f.StringMap("annotations", m.annotations));
  return m;
}

Result<Index> IndexFromJson(const Json& j) {
  JsonFields f(j, "");
  Index x;
  TRY(ReadSchemaVersion(f, x.schema_version));
  TRY(f.String("mediaType", x.media_type));
  if (!x.media_type.empty() && !IsIndexMediaType(x.media_type)) {
    return f.FieldError("mediaType", "unexpected \"" + x.media_type + "\"");
  }
  for (std::string_view key : {"config", "layers"}) {
    if (f.Has(key)) return f.FieldError(key, "expected index but found manifest");
  }
  x.manifests = TRY(ReadDescriptors(f, "manifests"));
  TRY(f.StringMap("annotations", x.annotations));
  return x;
}

}  // namespace

Result<Manifest> Manifest::Parse(std::string_view json) {
  Json j = TRY(ParseJsonObject(json, "invalid manifest"));
  return TRY_CTX(ManifestFromJson(j), "invalid manifest");
}

std::string Manifest::ToJson() const {
  Json j = Json::object();
  j["schemaVersion"] = schema_version;
  if (!media_type.empty()) j["mediaType"] = media_type;
  j["config"] = config.ToJsonValue();
  j["layers"] = DescriptorArray(layers);
  if (!annotations.empty()) j["annotations"] = StringMapOrNull(annotations);
  return DumpJson(j);
}

Result<Index> Index::Parse(std::string_view json) {
  Json j = TRY(ParseJsonObject(json, "invalid index"));
  return TRY_CTX(IndexFromJson(j), "invalid index");
}

std::string Index::ToJson() const {
  Json j = Json::object();
  j["schemaVersion"] = schema_version;
  if (!media_type.empty()) j["mediaType"] = media_type;
  j["manifests"] = DescriptorArray(manifests);
  if (!annotations.empty()) j["annotations"] = StringMapOrNull(annotations);
  return DumpJson(j);
}

Status CheckDeclaredMediaType(std::string_view content_type, std::string_view json) {
  Result<Json> parsed = ParseJsonObject(json, "manifest");
  if (!parsed.ok()) return Ok();  // the parser that reads it reports the damage
  auto mt = parsed->find("mediaType");
  if (mt == parsed->end() || !mt->is_string()) return Ok();
  const std::string& declared = mt->get_ref<const std::string&>();
  if (declared.empty() || declared == content_type) return Ok();
  return MakeError(Code::kInvalidArgument, "mediaType in manifest should be '" +
                                               std::string(content_type) + "' not '" + declared + "'");
}

std::string DetectMediaType(std::string_view json) {
  Result<Json> parsed = ParseJsonObject(json, "manifest");
  if (!parsed.ok()) return "";
  const Json& j = *parsed;
  auto mt = j.find("mediaType");
  if (mt != j.end() && mt->is_string() && !mt->get_ref<const std::string&>().empty()) {
    return mt->get<std::string>();
  }
  auto sv = j.find("schemaVersion");
  if (sv != j.end() && sv->is_number_integer() && sv->get<int64_t>() == 1) {
    return std::string(j.contains("signatures") ? kDockerManifestSchema1Signed
                                                : kDockerManifestSchema1);
  }
  // Present with a value (null counts as absent, as for the parsers).
  auto has = [&j](const char* k) { return j.contains(k) && !j[k].is_null(); };
  if (has("manifests")) return std::string(kOciIndex);
  if (has("layers") || has("config")) return std::string(kOciManifest);
  return "";
}

}  // namespace berth
