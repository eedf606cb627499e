// `pull`, the metadata half: find an endpoint that has the manifest (mirrors
// first, falling back with a warning), pick the platform from an index,
// fetch and verify the config, hand the layers to PullLayers, and write the
// image row, the tag and the repo digest in one transaction at the end.
#include "image/pull.h"

#include "base/clock.h"
#include "base/interrupt.h"
#include "base/strings.h"
#include "image/pull_layers.h"
#include "image/resolve.h"
#include "oci/chain_id.h"
#include "oci/image_config.h"
#include "oci/manifest.h"
#include "oci/media_types.h"
#include "registry/errors.h"

namespace berth::image {

namespace {

struct Remote {
  std::unique_ptr<registry::Registry> registry;
  std::unique_ptr<registry::Repository> repo;
  registry::FetchedManifest top;
};

std::string RefText(const Reference& ref) {
  return ref.HasDigest() ? ref.digest.str() : ref.tag;
}

// Docker's wording for a manifest that could not be fetched.
Error ManifestError(const Reference& ref, const Error& e) {
  std::string name = ref.FamiliarString();
  switch (e.code) {
    case Code::kNotFound:
      return MakeError(e.code, "manifest for " + name + " not found: " + e.message);
    case Code::kUnauthenticated:
    case Code::kPermissionDenied:
      return MakeError(e.code, "pull access denied for " + ref.FamiliarName() +
                                   ", repository does not exist or may require 'docker login': " +
                                   e.message);
    default:
      return e;
  }
}

Result<Remote> Resolve(const Reference& ref, const PullOptions& o) {
  auto endpoints = TRY(registry::PullEndpoints(o.config, ref.domain));
  std::string failures;
  for (const registry::Endpoint& ep : endpoints) {
    Remote r;
    auto attempt = [&]() -> Status {
      r.registry = TRY(registry::Registry::Open(ep, o.client));
      r.repo = std::make_unique<registry::Repository>(*r.registry, ref.path, "pull");
      r.top = TRY(r.repo->GetManifest(RefText(ref)));
      return Ok();
    };
    Status st = attempt();
    if (st.ok()) return r;
    if (st.error().code == Code::kCancelled) return st.error();
    Error e = ManifestError(ref, st.error());
    if (!ep.mirror) {
      if (failures.empty()) return e;
      return MakeError(e.code, failures + "; then " + ref.domain + ": " + e.message);
    }
    if (o.progress.warn) {
      o.progress.warn("mirror " + ep.url + " failed (" + e.message + "); trying the next source");
    }
    failures += (failures.empty() ? "" : "; ") + ("mirror " + ep.url + ": " + e.message);
  }
  return MakeError(Code::kUnavailable, failures);
}

// The platform's manifest of an index. NotFound in Docker's words.
Result<registry::FetchedManifest> SelectPlatform(registry::Repository& repo,
                                                 const registry::FetchedManifest& index_doc,
                                                 const Platform& want) {
  Index index = TRY(Index::Parse(index_doc.bytes));
  for (const Descriptor& d : index.manifests) {
    if (!d.platform || !Matches(want, *d.platform)) continue;
    if (!IsManifestMediaType(d.media_type)) continue;
    return repo.GetManifest(d.digest.str());
  }
  return MakeError(Code::kNotFound, "no matching manifest for " + want.String() +
                                        " in the manifest list entries");
}

Result<std::vector<LayerPlan>> PlanLayers(const Manifest& m, const ImageConfig& config) {
  if (config.diff_ids.size() != m.layers.size()) {
    return MakeError(Code::kInvalidArgument, "the manifest lists " + std::to_string(m.layers.size()) +
                                                 " layers but the config " +
                                                 std::to_string(config.diff_ids.size()) + " diff ids");
  }
  std::vector<Digest> chains = ChainIds(config.diff_ids);
  std::vector<LayerPlan> plans;
  for (size_t i = 0; i < m.layers.size(); i++) {
    const Descriptor& d = m.layers[i];
    if (!IsLayerMediaType(d.media_type)) {
      return MakeError(Code::kInvalidArgument, "layer " + d.digest.str() + " has media type " +
                                                   Quote(d.media_type) + ", not a layer's");
    }
    if (d.size < 0) return MakeError(Code::kInvalidArgument, "layer " + d.digest.str() + " has a negative size");
    LayerPlan p{.blob = d, .diff_id = config.diff_ids[i], .chain_id = chains[i]};
    if (i > 0) p.parent = chains[i - 1];
    plans.push_back(std::move(p));
  }
  return plans;
}

// The config: from the store when present, else fetched (verified) and stored.
Result<std::string> FetchConfig(store::Store& store, store::Lease& lease, registry::Repository& repo,
                                const Descriptor& d) {
  if (!IsConfigMediaType(d.media_type)) {
    return MakeError(Code::kInvalidArgument, "the manifest's config has media type " + Quote(d.media_type));
  }
  if (d.size > registry::kMaxManifestBytes) {
    return MakeError(Code::kInvalidArgument, "the image config exceeds the limit of 4 MiB");
  }
  if (TRY(store.content().HasAndLease(d.digest, &lease))) return store.content().ReadSmall(d.digest);
  std::string text = TRY_CTX(repo.ReadBlob(d.digest), "fetching config " + d.digest.str());
  TRY(store.content().Put(text, &lease));
  return text;
}

}  // namespace

Result<PullResult> Pull(store::Store& store, const Reference& ref, const PullOptions& o) {
  Remote remote = TRY(Resolve(ref, o));
  registry::FetchedManifest doc = remote.top;
  if (IsIndexMediaType(doc.media_type)) {
    doc = TRY(SelectPlatform(*remote.repo, remote.top, o.platform));
  }
  if (!IsManifestMediaType(doc.media_type)) {
    return MakeError(Code::kInvalidArgument, "unsupported manifest media type " + Quote(doc.media_type));
  }
  Manifest manifest = TRY_CTX(Manifest::Parse(doc.bytes), "manifest " + doc.digest.str());
  if (o.progress.message) {
    o.progress.message(RefText(ref) + ": Pulling from " + ref.path);  // Docker prints the path alone
  }

  store::Lease lease = TRY(store.NewLease("pull " + ref.String()));
  std::string config_text = TRY(FetchConfig(store, lease, *remote.repo, manifest.config));
  ImageConfig config = TRY_CTX(ImageConfig::Parse(config_text), "config " + manifest.config.digest.str());
  std::vector<LayerPlan> plans = TRY(PlanLayers(manifest, config));
  bool present = TRY(store.metadata().GetImage(manifest.config.digest)).has_value();
  std::vector<PulledLayer> layers =
      TRY(PullLayers(store, lease, *remote.repo, plans, {.pull = o, .image_present = present}));
  TRY(store.content().Put(doc.bytes, &lease));

  store::ImageRecord rec{.id = manifest.config.digest, .manifest_digest = doc.digest,
                         .created = config.created.value_or(0), .added = NowNanos()};
  for (PulledLayer& l : layers) {
    rec.size += l.size;
    rec.layers.push_back(std::move(l.record));
  }
  PullResult result{.id = rec.id, .digest = remote.top.digest};
  Reference digested{.domain = ref.domain, .path = ref.path, .digest = remote.top.digest};
  TRY(CheckInterrupted());
  TRY(store.metadata().Transaction([&]() -> Status {
    auto existing = TRY(store.metadata().GetImage(rec.id));
    if (existing) {
      rec.added = existing->added;  // the same image pulled again keeps its history
      rec.parent = existing->parent;
    }
    TRY(store.metadata().PutImage(rec));
    if (ref.HasTag()) {
      auto old = TRY(store.metadata().GetTag(TagKey(ref)));
      result.updated = !old || old->image_id != rec.id;
      if (result.updated) TRY(Tag(store, rec.id, ref));
    } else {
      result.updated = !existing;
    }
    return store.metadata().AddRepoDigest({.name = digested.String(), .image_id = rec.id});
  }));
  return result;
}

}  // namespace berth::image
