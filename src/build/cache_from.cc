// --cache-from, as docker 20.10's classic builder does it (image/cache):
// an image named there can answer a step although it was never built
// here (it was pulled or loaded, so it has no parent chain). It answers
// when the current image's history and layers are a prefix of its own and
// its next history entry was made by the same command; the builder then
// makes the intermediate image the step would have made (the parent's
// history and layers plus that entry and its layer) and goes on from it.
// The last matching step is the source image itself.
#include "build/cache_from.h"

#include "base/clock.h"
#include "base/strings.h"
#include "oci/image_config.h"

namespace berth::build {
namespace {

struct Loaded {
  store::ImageRecord record;
  ImageConfig config;
};

Result<Loaded> Load(const store::Store& store, const Digest& id) {
  auto rec = TRY(store.metadata().GetImage(id));
  if (!rec) return MakeError(Code::kNotFound, "No such image: " + id.str());
  return Loaded{*rec, TRY(ImageConfig::Parse(TRY(store.content().ReadSmall(id))))};
}

// docker's isValidParent: parent's history and layers begin target's.
bool ValidParent(const ImageConfig& target, const ImageConfig* parent) {
  if (target.history.empty()) return false;
  if (parent == nullptr || (parent->history.empty() && parent->diff_ids.empty())) return true;
  if (parent->history.size() >= target.history.size()) return false;
  if (parent->diff_ids.size() > target.diff_ids.size()) return false;
  for (size_t i = 0; i < parent->history.size(); ++i) {
    if (!(parent->history[i] == target.history[i])) return false;
  }
  for (size_t i = 0; i < parent->diff_ids.size(); ++i) {
    if (parent->diff_ids[i] != target.diff_ids[i]) return false;
  }
  return true;
}

// The index in target's layers of the layer history entry i made (nullopt
// for an empty_layer entry).
std::optional<size_t> LayerOfHistory(const ImageConfig& target, size_t i) {
  if (target.history[i].empty_layer) return std::nullopt;
  size_t layer = 0;
  for (size_t k = 0; k < i; ++k) {
    if (!target.history[k].empty_layer) ++layer;
  }
  if (layer >= target.diff_ids.size()) return std::nullopt;
  return layer;
}

// docker's restoreCachedImage.
Result<Digest> Restore(store::Store& store, const std::optional<Loaded>& parent, const Loaded& target,
                       const ContainerConfig& cc, const ContainerConfig& image_config) {
  ImageConfig c;
  store::ImageRecord rec;
  if (parent) {
    c = parent->config;
    rec.layers = parent->record.layers;
    rec.size = parent->record.size;
    rec.parent = parent->record.id.str();
  }
  size_t at = c.history.size();
  c.history.push_back(target.config.history[at]);
  if (auto layer = LayerOfHistory(target.config, at)) {
    c.diff_ids.push_back(target.config.diff_ids[*layer]);
    const store::LayerRecord& lr = target.record.layers[*layer];
    rec.layers.push_back(lr);
    if (auto snap = TRY(store.snapshots().Get(lr.chain_id))) rec.size += snap->size;
  }
  c.architecture = target.config.architecture;
  c.os = target.config.os;
  c.author = target.config.author;
  c.created = c.history.back().created;
  c.config = image_config;
  c.container_config = cc;
  c.container.clear();
  store::Lease lease = TRY(store.NewLease("build --cache-from"));
  store::BlobInfo blob = TRY(store.content().Put(c.ToJson(), &lease));
  rec.id = blob.digest;
  rec.created = c.created.value_or(0);
  rec.added = NowNanos();
  TRY(store.metadata().Transaction([&]() -> Status { return store.metadata().PutImage(rec); }));
  return blob.digest;
}

}  // namespace

Result<std::optional<Digest>> CacheSources::Find(store::Store& store, const std::optional<Digest>& parent_id,
                                                  const ContainerConfig& cc, const ContainerConfig& image_config) {
  std::optional<Loaded> parent;
  if (parent_id) parent = TRY(Load(store, *parent_id));
  size_t len = parent ? parent->config.history.size() : 0;
  std::string created_by = Join(cc.cmd.value_or(std::vector<std::string>{}), " ");
  for (const Digest& id : sources_) {
    Loaded target = TRY(Load(store, id));
    if (!ValidParent(target.config, parent ? &parent->config : nullptr)) continue;
    if (len >= target.config.history.size() || target.config.history[len].created_by != created_by) continue;
    if (target.config.history.size() - 1 == len) return std::optional<Digest>(id);
    Digest restored = TRY(Restore(store, parent, target, cc, image_config));
    sources_ = {id};  // docker: stay on this source from now on
    return std::optional<Digest>(restored);
  }
  return std::optional<Digest>();
}

}  // namespace berth::build
