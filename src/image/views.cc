// The JSON and rows behind `inspect` and `history`. Both read the config
// blob as stored (verified on read) and the sizes the store recorded.
#include "image/views.h"

#include <algorithm>

#include "base/clock.h"
#include "oci/chain_id.h"
#include "oci/image_config.h"
#include "reference/reference.h"

namespace berth::image {

namespace {

Result<std::pair<store::ImageRecord, ImageConfig>> Load(store::Store& store, const Digest& id) {
  auto rec = TRY(store.metadata().GetImage(id));
  if (!rec) return MakeError(Code::kNotFound, "No such image: " + id.str());
  std::string raw = TRY(store.content().ReadSmall(id));
  ImageConfig cfg = TRY(ImageConfig::Parse(raw));
  return std::make_pair(std::move(*rec), std::move(cfg));
}

std::vector<std::string> FamiliarNames(const std::vector<std::string>& names) {
  std::vector<std::string> out;
  for (const auto& n : names) {
    auto ref = ParseCanonical(n);
    if (ref.ok()) out.push_back(ref->FamiliarString());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Docker's overlay2 view of the image's top layer, so scripts written for
// overlay2 keep working: Name "overlay2"; UpperDir the top layer's files,
// LowerDir the layers below it, nearest first, ':'-separated (only when
// there are any); MergedDir and WorkDir beside UpperDir, as overlay2 names
// them (nothing is mounted there for an image, as with docker).
Result<Json> GraphDriver(store::Store& store, const store::ImageRecord& rec) {
  Json data = Json::object();
  if (!rec.layers.empty()) {
    auto dirs = TRY(store.snapshots().LowerDirs(rec.layers.back().chain_id));
    if (dirs.size() > 1) {
      std::string lower;
      for (size_t i = 1; i < dirs.size(); i++) lower += (i > 1 ? ":" : "") + dirs[i];
      data["LowerDir"] = lower;
    }
    const std::string& upper = dirs.front();  // <root>/snapshots/<n>/fs
    std::string snapshot = upper.substr(0, upper.rfind('/'));
    data["MergedDir"] = snapshot + "/merged";
    data["UpperDir"] = upper;
    data["WorkDir"] = snapshot + "/work";
  }
  return Json{{"Data", data}, {"Name", "overlay2"}};
}

}  // namespace

Result<Json> InspectImage(store::Store& store, const Digest& id) {
  auto [rec, cfg] = TRY(Load(store, id));
  auto tags = TRY(store.metadata().TagsOf(id));
  auto digests = TRY(store.metadata().RepoDigestsOf(id));
  std::vector<std::string> tag_names, digest_names;
  int64_t last_tag = 0;
  for (const auto& t : tags) {
    tag_names.push_back(t.name);
    last_tag = std::max(last_tag, t.tagged_at);
  }
  for (const auto& d : digests) digest_names.push_back(d.name);

  Json j = Json::object();
  j["Id"] = id.str();
  j["RepoTags"] = FamiliarNames(tag_names);
  j["RepoDigests"] = FamiliarNames(digest_names);
  j["Parent"] = rec.parent;
  // dockerd: the config's comment, else the last history entry's (commit's -m).
  j["Comment"] = cfg.comment.empty() && !cfg.history.empty() ? cfg.history.back().comment : cfg.comment;
  j["Created"] = cfg.created ? FormatRfc3339Nano(*cfg.created) : "0001-01-01T00:00:00Z";
  j["Container"] = cfg.container;
  j["ContainerConfig"] = (cfg.container_config ? *cfg.container_config : ContainerConfig{}).ToDockerJson();
  j["DockerVersion"] = cfg.docker_version;
  j["Author"] = cfg.author;
  j["Config"] = cfg.config.ToDockerJson();
  j["Architecture"] = cfg.architecture;
  if (!cfg.variant.empty()) j["Variant"] = cfg.variant;
  j["Os"] = cfg.os;
  if (!cfg.os_version.empty()) j["OsVersion"] = cfg.os_version;
  j["Size"] = rec.size;
  j["VirtualSize"] = rec.size;
  j["GraphDriver"] = TRY(GraphDriver(store, rec));
  Json layers = Json::array();
  for (const auto& d : cfg.diff_ids) layers.push_back(d.str());
  j["RootFS"] = Json{{"Type", "layers"}, {"Layers", layers}};
  j["Metadata"] = Json{{"LastTagTime", last_tag ? FormatRfc3339Nano(last_tag) : "0001-01-01T00:00:00Z"}};
  return j;
}

Result<std::vector<HistoryRow>> ImageHistory(store::Store& store, const Digest& id) {
  auto [rec, cfg] = TRY(Load(store, id));
  std::vector<HistoryRow> rows;
  size_t layer = 0;
  for (const auto& h : cfg.history) {
    int64_t size = 0;
    if (!h.empty_layer) {
      if (layer >= cfg.diff_ids.size()) {
        return MakeError(Code::kDataLoss, "too many non-empty layers in History section");
      }
      auto snap = TRY(store.snapshots().Get(ChainId(cfg.diff_ids, layer + 1)));
      if (snap) size = snap->size;
      layer++;
    }
    rows.push_back(HistoryRow{.id = "<missing>", .created = h.created.value_or(0),
                              .created_by = h.created_by, .size = size, .comment = h.comment});
  }
  std::reverse(rows.begin(), rows.end());
  // Walk the local parent chain to name the rows that have an image.
  Digest cur = id;
  for (auto& row : rows) {
    row.id = cur.str();
    for (const auto& t : TRY(store.metadata().TagsOf(cur))) {
      auto ref = ParseCanonical(t.name);
      if (ref.ok()) row.tags.push_back(ref->FamiliarString());
    }
    auto img = TRY(store.metadata().GetImage(cur));
    if (!img || img->parent.empty()) break;
    auto parent = Digest::Parse(img->parent);
    if (!parent.ok() || !TRY(store.metadata().GetImage(*parent))) break;
    cur = *parent;
  }
  return rows;
}

}  // namespace berth::image
