// Image deletion, ported rule by rule from Docker's daemon (image_delete.go,
// prune.go) so that scripts written against docker behave the same here.
// Metadata changes happen in one transaction per request; content is freed
// afterwards by garbage collection, which never races a writer.
#include "image/remove.h"

#include <set>

#include "base/clock.h"
#include "base/strings.h"
#include "image/list.h"
#include "image/resolve.h"
#include "oci/image_config.h"
#include "reference/reference.h"

namespace berth::image {

namespace {

struct Names {
  std::vector<store::TagRecord> tags;
  std::vector<store::RepoDigestRecord> digests;
  size_t size() const { return tags.size() + digests.size(); }
};

Result<Names> NamesOf(store::Store& store, const Digest& id) {
  return Names{TRY(store.metadata().TagsOf(id)), TRY(store.metadata().RepoDigestsOf(id))};
}

std::string Familiar(const std::string& canonical) {
  auto ref = ParseCanonical(canonical);
  return ref.ok() ? ref->FamiliarString() : canonical;
}

std::string RepoOf(const std::string& canonical) {
  auto ref = ParseCanonical(canonical);
  return ref.ok() ? ref->Name() : canonical;
}

// Docker's isSingleReference: all names in one repository, at most one tag.
bool IsSingleReference(const Names& n) {
  if (n.size() <= 1) return n.size() == 1;
  if (n.tags.size() > 1) return false;
  std::set<std::string> repos;
  for (const auto& d : n.digests) repos.insert(RepoOf(d.name));
  std::string single = n.tags.empty() ? RepoOf(n.digests[0].name) : RepoOf(n.tags[0].name);
  return repos.size() == 1 && repos.count(single);
}

bool IsIdPrefix(const Digest& id, std::string_view name) {
  if (name.starts_with("sha256:")) name.remove_prefix(7);
  return !name.empty() && id.hex().starts_with(name);
}

Status Untag(store::Store& store, const std::string& canonical, bool is_digest,
             std::vector<DeleteItem>& out) {
  if (is_digest) {
    TRY(store.metadata().RemoveRepoDigest(canonical));
  } else {
    TRY(store.metadata().RemoveTag(canonical));
  }
  out.push_back({.untagged = Familiar(canonical)});
  return Ok();
}

Result<bool> HasChildren(store::Store& store, const Digest& id) {
  for (const auto& img : TRY(store.metadata().ListImages())) {
    if (img.parent == id.str()) return true;
  }
  return false;
}

// The ids of the containers made from image id, oldest row first.
Result<std::vector<std::string>> ContainersUsing(store::Store& store, const Digest& id) {
  std::vector<std::string> out;
  for (const auto& c : TRY(store.metadata().ListContainers())) {
    if (c.image_id == id) out.push_back(c.id);
  }
  return out;
}

// Deletes the image row and reports the layers nobody else uses.
// Then, like Docker, prunes an untagged parent quietly.
Status DeleteImage(store::Store& store, const Digest& id, const RemoveOptions& o, bool prune,
                   bool quiet, std::vector<DeleteItem>& out) {
  auto& md = store.metadata();
  bool force = o.force;
  if (TRY(HasChildren(store, id))) {
    if (quiet) return Ok();
    return MakeError(Code::kConflict, "conflict: unable to delete " + id.Short() +
                                          " (cannot be forced) - image has dependent child images");
  }
  auto users = TRY(ContainersUsing(store, id));
  for (const std::string& c : users) {
    if (!o.is_running || !o.is_running(c)) continue;
    if (quiet) return Ok();
    return MakeError(Code::kConflict, "conflict: unable to delete " + id.Short() +
                                          " (cannot be forced) - image is being used by running container " +
                                          c.substr(0, 12));
  }
  Names names = TRY(NamesOf(store, id));
  if (names.size() > 0 && !force) {
    if (quiet) return Ok();
    return MakeError(Code::kConflict,
                     "conflict: unable to delete " + id.Short() +
                         " (must be forced) - image is referenced in multiple repositories");
  }
  if (!users.empty()) {
    if (!force && !quiet) {
      return MakeError(Code::kConflict, "conflict: unable to delete " + id.Short() +
                                            " (must be forced) - image is being used by stopped container " +
                                            users.front().substr(0, 12));
    }
    for (const auto& t : names.tags) TRY(Untag(store, t.name, false, out));
    for (const auto& d : names.digests) TRY(Untag(store, d.name, true, out));
    return Ok();  // kept while a container needs it
  }
  auto rec = TRY(md.GetImage(id));
  if (!rec) return MakeError(Code::kNotFound, "No such image: " + id.str());
  for (const auto& t : names.tags) TRY(Untag(store, t.name, false, out));
  for (const auto& d : names.digests) TRY(Untag(store, d.name, true, out));
  TRY(md.DeleteImage(id));
  out.push_back({.deleted = id.str()});
  std::set<Digest> still_used;
  for (const auto& img : TRY(md.ListImages())) {
    for (const auto& l : img.layers) still_used.insert(l.chain_id);
  }
  for (auto it = rec->layers.rbegin(); it != rec->layers.rend(); ++it) {
    if (!still_used.count(it->chain_id)) out.push_back({.deleted = it->chain_id.str()});
  }
  if (!prune || rec->parent.empty()) return Ok();
  auto parent = Digest::Parse(rec->parent);
  if (!parent.ok() || !TRY(md.GetImage(*parent))) return Ok();
  RemoveOptions quiet_opts = o;
  quiet_opts.force = false;
  return DeleteImage(store, *parent, quiet_opts, true, true, out);
}

Result<std::vector<DeleteItem>> RemoveInTransaction(store::Store& store, std::string_view name,
                                                    const RemoveOptions& o) {
  std::vector<DeleteItem> out;
  Digest id = TRY(ResolveImage(store, name));
  Names names = TRY(NamesOf(store, id));
  if (!IsIdPrefix(id, name)) {
    // A name was given: untag it; delete the image only when no names remain.
    Reference ref = WithDefaultTag(TRY(ParseNormalizedNamed(name)));
    if (!o.force && IsSingleReference(names)) {
      auto users = TRY(ContainersUsing(store, id));
      if (!users.empty()) {
        return MakeError(Code::kConflict, "conflict: unable to remove repository reference \"" +
                                              std::string(name) + "\" (must force) - container " +
                                              users.front().substr(0, 12) +
                                              " is using its referenced image " + id.Short());
      }
    }
    bool by_digest = ref.HasDigest();
    std::string key = by_digest ? ref.Name() + "@" + ref.digest.str() : TagKey(ref);
    TRY(Untag(store, key, by_digest, out));
    if (!by_digest) {
      bool other_tag_same_repo = false;
      for (const auto& t : names.tags) {
        if (t.name != key && RepoOf(t.name) == ref.Name()) other_tag_same_repo = true;
      }
      if (!other_tag_same_repo) {
        for (const auto& d : names.digests) {
          if (RepoOf(d.name) == ref.Name()) TRY(Untag(store, d.name, true, out));
        }
      }
    }
    if (TRY(NamesOf(store, id)).size() > 0) return out;
    TRY(DeleteImage(store, id, o, o.prune, true, out));
    return out;
  }
  // An id was given. Docker checks the conflicts before untagging.
  if (IsSingleReference(names)) {
    for (const std::string& c : TRY(ContainersUsing(store, id))) {
      bool running = o.is_running && o.is_running(c);
      if (!running && o.force) continue;
      return MakeError(Code::kConflict,
                       "conflict: unable to delete " + id.Short() +
                           (running ? " (cannot be forced) - image is being used by running container "
                                    : " (must be forced) - image is being used by stopped container ") +
                           c.substr(0, 12));
    }
    for (const auto& t : names.tags) TRY(Untag(store, t.name, false, out));
    for (const auto& d : names.digests) TRY(Untag(store, d.name, true, out));
  }
  TRY(DeleteImage(store, id, o, o.prune, false, out));
  return out;
}

}  // namespace

store::GcStats CollectGarbage(store::Store& store, bool always) {
  store::GcStats failed;
  if (store.read_only()) return failed;
  if (!always) {
    auto maybe = store.MayHaveGarbage();
    if (!maybe.ok()) failed.errors.push_back(maybe.error().message);
    if (!maybe.ok() || !*maybe) return failed;
  }
  auto stats = store.CollectGarbage({.free_in_background = true});
  if (!stats.ok()) failed.errors.push_back(stats.error().message);
  return stats.ok() ? *stats : failed;
}

Result<std::vector<DeleteItem>> RemoveImage(store::Store& store, std::string_view name,
                                            const RemoveOptions& options) {
  std::vector<DeleteItem> out;
  TRY(store.metadata().Transaction([&]() -> Status {
    out = TRY(RemoveInTransaction(store, name, options));
    return Ok();
  }));
  return out;
}

Result<PruneReport> PruneImages(store::Store& store, const PruneOptions& options) {
  int64_t now = NowNanos();
  std::optional<int64_t> until;
  std::vector<std::pair<std::string, std::optional<std::string>>> want, reject;
  for (const auto& f : options.filters) {
    auto kv = Cut(f, '=');
    if (!kv) return MakeError(Code::kInvalidArgument, "bad format of filter (expected name=value)");
    auto label_of = [](const std::string& v) {
      auto lv = Cut(v, '=');
      return lv ? std::make_pair(lv->first, std::optional<std::string>(lv->second))
                : std::make_pair(v, std::optional<std::string>());
    };
    if (kv->first == "until") {
      until = TRY(ParseTimeFilter(kv->second, now));
    } else if (kv->first == "label") {
      want.push_back(label_of(kv->second));
    } else if (kv->first == "label!") {
      reject.push_back(label_of(kv->second));
    } else {
      return MakeError(Code::kInvalidArgument, "Invalid filter '" + kv->first + "'");
    }
  }
  PruneReport report;
  std::map<Digest, int64_t> layer_sizes;
  for (const auto& s : TRY(store.snapshots().List())) layer_sizes[s.chain_id] = s.size;
  std::set<std::string> parents;
  auto images = TRY(store.metadata().ListImages());
  for (const auto& img : images) parents.insert(img.parent);
  for (const auto& img : images) {
    if (!options.all && parents.count(img.id.str())) continue;  // not a head
    if (until && img.created >= *until) continue;
    if (!want.empty() || !reject.empty()) {
      auto cfg = TRY(ImageConfig::Parse(TRY(store.content().ReadSmall(img.id))));
      auto has = [&](const auto& l) {
        auto it = cfg.config.labels.find(l.first);
        return it != cfg.config.labels.end() && (!l.second || it->second == *l.second);
      };
      bool ok = true;
      for (const auto& l : want) ok = ok && has(l);
      for (const auto& l : reject) ok = ok && !has(l);
      if (!ok) continue;
    }
    if (!TRY(store.metadata().GetImage(img.id))) continue;  // removed as a parent already
    Names names = TRY(NamesOf(store, img.id));
    std::vector<std::string> targets;
    if (names.size() > 0) {
      if (!options.all && !names.tags.empty()) continue;
      for (const auto& t : names.tags) targets.push_back(t.name);
      for (const auto& d : names.digests) targets.push_back(d.name);
    } else {
      targets.push_back(img.id.hex());
    }
    for (const auto& t : targets) {
      auto items = RemoveImage(store, t, {.force = false, .prune = true});
      if (!items.ok()) continue;  // conflicts skip the image, as Docker does
      report.items.insert(report.items.end(), items->begin(), items->end());
    }
  }
  for (const auto& item : report.items) {
    if (item.deleted.empty()) continue;
    auto d = Digest::Parse(item.deleted);
    if (d.ok() && layer_sizes.count(*d)) report.reclaimed += layer_sizes[*d];
  }
  return report;
}

}  // namespace berth::image
