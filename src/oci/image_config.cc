// Image config JSON mapping. Pulled configs are stored byte for byte (their
// digest is the image ID), so this parser only has to read them faithfully;
// ToJson is for configs berth writes itself (import, commit, build), which
// follow the layout Docker writes so other tools read them without surprise.
#include "oci/image_config.h"

#include "base/clock.h"

namespace berth {
namespace {

Result<ImageConfig> ImageConfigFromJson(const Json& j) {
  JsonFields f(j, "");
  ImageConfig c;
  TRY(f.Time("created", c.created));
  TRY(f.String("author", c.author));
  TRY(f.String("architecture", c.architecture));
  TRY(f.String("os", c.os));
  TRY(f.String("variant", c.variant));
  TRY(f.String("os.version", c.os_version));
  if (const Json* cfg = TRY(f.Object("config"))) {
    c.config = TRY(ContainerConfig::FromJson(*cfg, "config"));
  }
  if (const Json* cc = TRY(f.Object("container_config"))) {
    c.container_config = TRY(ContainerConfig::FromJson(*cc, "container_config"));
  }
  TRY(f.String("container", c.container));
  TRY(f.String("docker_version", c.docker_version));
  TRY(f.String("comment", c.comment));
  TRY(f.String("parent", c.parent));
  if (const Json* rootfs = TRY(f.Object("rootfs"))) {
    JsonFields r(*rootfs, "rootfs");
    std::string type;
    TRY(r.String("type", type));
    if (r.Has("type") && type != "layers") {
      return r.FieldError("type", "unsupported \"" + type + "\"");
    }
    if (const Json* ids = TRY(r.Array("diff_ids"))) {
      for (size_t i = 0; i < ids->size(); i++) {
        const Json& e = (*ids)[i];
        std::string where = "diff_ids[" + std::to_string(i) + "]";
        if (!e.is_string()) return r.FieldError(where, "not a string");
        Result<Digest> d = Digest::Parse(e.get_ref<const std::string&>());
        if (!d.ok()) return r.FieldError(where, d.error().message);
        c.diff_ids.push_back(*d);
      }
    }
  }
  if (const Json* hist = TRY(f.Array("history"))) {
    for (size_t i = 0; i < hist->size(); i++) {
      c.history.push_back(
          TRY(HistoryEntry::FromJson((*hist)[i], "history[" + std::to_string(i) + "]")));
    }
  }
  return c;
}

}  // namespace

Result<HistoryEntry> HistoryEntry::FromJson(const Json& j, std::string path) {
  if (!j.is_object()) return MakeError(Code::kInvalidArgument, path + ": not an object");
  JsonFields f(j, std::move(path));
  HistoryEntry h;
  TRY(f.Time("created", h.created));
  TRY(f.String("author", h.author));
  TRY(f.String("created_by", h.created_by));
  TRY(f.String("comment", h.comment));
  TRY(f.Bool("empty_layer", h.empty_layer));
  return h;
}

Json HistoryEntry::ToJsonValue() const {
  Json j = Json::object();
  if (created) j["created"] = FormatRfc3339Nano(*created);
  if (!author.empty()) j["author"] = author;
  if (!created_by.empty()) j["created_by"] = created_by;
  if (!comment.empty()) j["comment"] = comment;
  if (empty_layer) j["empty_layer"] = true;
  return j;
}

Result<ImageConfig> ImageConfig::Parse(std::string_view json) {
  Json j = TRY(ParseJsonObject(json, "invalid image config"));
  return TRY_CTX(ImageConfigFromJson(j), "invalid image config");
}

std::string ImageConfig::ToJson() const {
  Json j = Json::object();
  if (!architecture.empty()) j["architecture"] = architecture;
  if (!author.empty()) j["author"] = author;
  if (!comment.empty()) j["comment"] = comment;
  j["config"] = config.ToDockerJson();
  if (!container.empty()) j["container"] = container;
  if (container_config) j["container_config"] = container_config->ToDockerJson();
  if (created) j["created"] = FormatRfc3339Nano(*created);
  if (!docker_version.empty()) j["docker_version"] = docker_version;
  if (!history.empty()) {
    Json h = Json::array();
    for (const HistoryEntry& e : history) h.push_back(e.ToJsonValue());
    j["history"] = std::move(h);
  }
  if (!os.empty()) j["os"] = os;
  if (!os_version.empty()) j["os.version"] = os_version;
  if (!parent.empty()) j["parent"] = parent;
  Json ids = Json::array();
  for (const Digest& d : diff_ids) ids.push_back(d.str());
  j["rootfs"] = Json{{"type", "layers"}, {"diff_ids", std::move(ids)}};
  if (!variant.empty()) j["variant"] = variant;
  return DumpJson(j);
}

Platform ImageConfig::platform() const {
  Platform p;
  p.os = os;
  p.architecture = architecture;
  p.variant = variant;
  p.os_version = os_version;
  return p;
}

}  // namespace berth
