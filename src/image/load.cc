// The order of operations follows import's (design.md): every blob is
// committed under the load's lease while the archive streams by
// (load_archive.cc), and each entry that looks like a layer is unpacked into
// a staging dir at the same time (load_prefetch.cc). Once the archive has
// ended, each image's layers are matched to those stagings (diff ids
// checked, snapshots committed base first) or, for what could not be
// unpacked ahead, verified and unpacked from the stored blob; only then are
// all image rows and tags written in one metadata transaction. A failure at
// any point leaves no image, only leased content that GC reclaims.
//
// Archives name their images in one of two ways: Docker's manifest.json
// (legacy and 25+; preferred when present since it carries RepoTags) or an
// OCI index.json whose manifests are blobs. Layers stored uncompressed get
// the media type application/vnd.oci.image.layer.v1.tar (gzip and zstd ones
// their OCI types); the stored bytes are what the archive held, not
// recompressed.
#include "image/load.h"

#include <cstdlib>
#include <map>
#include <set>

#include "base/clock.h"
#include "base/interrupt.h"
#include "compress/compression.h"
#include "image/load_archive.h"
#include "image/load_prefetch.h"
#include "image/resolve.h"
#include "oci/chain_id.h"
#include "oci/image_config.h"
#include "oci/manifest.h"
#include "oci/media_types.h"
#include "tar/apply.h"

namespace berth::image {

namespace {

// What the archive says one image is, before anything about it is checked.
struct ImagePlan {
  std::string where{};  // for errors: "manifest.json[0]" or "index.json manifests[0]"
  Digest config{};
  std::vector<Digest> layers{};  // blobs, base first
  std::optional<Digest> manifest{};
  std::vector<Reference> tags{};
};

Error Invalid(std::string msg) { return MakeError(Code::kInvalidArgument, std::move(msg)); }

Result<store::BlobInfo> BlobAt(const ArchiveContents& ac, const std::string& where,
                               const std::string& what, const std::string& raw_path) {
  auto path = CleanArchivePath(raw_path);
  if (!path.ok()) return Invalid(where + ": " + what + " " + raw_path + ": path leaves the archive");
  auto it = ac.blobs.find(*path);
  if (it == ac.blobs.end()) {
    return Invalid(where + ": " + what + " " + raw_path + " is missing from the archive");
  }
  return it->second;
}

// A legacy config named "<hex>.json" must hash to its name.
Status CheckConfigName(const std::string& path, const Digest& got) {
  std::string_view base = path;
  if (auto slash = base.rfind('/'); slash != std::string_view::npos) base = base.substr(slash + 1);
  if (base.size() != 64 + 5 || base.substr(64) != ".json") return Ok();
  auto named = Digest::FromHex(base.substr(0, 64));
  if (named.ok() && *named != got) {
    return MakeError(Code::kDataLoss, "config " + path + ": digest mismatch: named sha256:" +
                                          std::string(base.substr(0, 64)) + ", content is " + got.str());
  }
  return Ok();
}

Result<std::vector<ImagePlan>> PlanFromDockerManifest(const ArchiveContents& ac) {
  auto entries = TRY(ParseDockerManifest(ac.files.at("manifest.json")));
  std::vector<ImagePlan> plans;
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& m = entries[i];
    ImagePlan p{.where = "manifest.json[" + std::to_string(i) + "]"};
    p.config = TRY(BlobAt(ac, p.where, "config", m.config)).digest;
    TRY(CheckConfigName(m.config, p.config));
    for (const auto& l : m.layers) p.layers.push_back(TRY(BlobAt(ac, p.where, "layer", l)).digest);
    for (const auto& t : m.repo_tags) {
      auto ref = ParseTagTarget(t);
      if (!ref.ok()) return Invalid(p.where + ": RepoTags: " + ref.error().message);
      p.tags.push_back(*ref);
    }
    plans.push_back(std::move(p));
  }
  return plans;
}

// The tag an index descriptor carries: io.containerd.image.name, else an
// org.opencontainers.image.ref.name that is a full reference (a bare tag
// such as "latest" names no repository and is left out).
std::optional<Reference> TagOf(const Descriptor& d) {
  auto get = [&](const char* key) -> std::string {
    auto it = d.annotations.find(key);
    return it == d.annotations.end() ? "" : it->second;
  };
  std::string name = get("io.containerd.image.name");
  if (name.empty()) {
    name = get("org.opencontainers.image.ref.name");
    if (name.find_first_of(":/") == std::string::npos) return std::nullopt;
  }
  auto ref = ParseTagTarget(name);
  if (!ref.ok()) return std::nullopt;
  return *ref;
}

Result<std::string> ReadBlob(store::Store& store, store::Lease& lease, const Digest& d,
                             const std::string& where) {
  if (!TRY(store.content().HasAndLease(d, &lease))) {
    return Invalid(where + ": blob " + d.str() + " is missing from the archive");
  }
  return TRY_CTX(store.content().ReadSmall(d, kMaxArchiveJson), where);
}

// The manifest a multi-platform index (text) holds for platform: the first
// entry that matches it and whose blob the archive has (Docker saves only
// the platforms it has, while the index lists them all).
Result<Descriptor> PickPlatform(store::Store& store, store::Lease& lease, const std::string& text,
                                const Platform& platform, const std::string& where) {
  Index index = TRY_CTX(Index::Parse(text), where);
  bool listed = false;
  for (const Descriptor& m : index.manifests) {
    if (!m.platform || !Matches(platform, *m.platform) || !IsManifestMediaType(m.media_type)) continue;
    listed = true;
    if (TRY(store.content().HasAndLease(m.digest, &lease))) return m;
  }
  if (listed) {
    return Invalid(where + ": the manifest for " + platform.String() + " is missing from the archive");
  }
  return MakeError(Code::kNotFound, where + ": no matching manifest for " + platform.String() +
                                        " in the manifest list entries");
}

Result<std::vector<ImagePlan>> PlanFromIndex(store::Store& store, store::Lease& lease,
                                             const ArchiveContents& ac, const Platform& platform) {
  Index index = TRY_CTX(Index::Parse(ac.files.at("index.json")), "index.json");
  std::vector<ImagePlan> plans;
  for (size_t i = 0; i < index.manifests.size(); ++i) {
    const Descriptor& d = index.manifests[i];
    ImagePlan p{.where = "index.json manifests[" + std::to_string(i) + "]", .manifest = d.digest};
    std::string text = TRY(ReadBlob(store, lease, d.digest, p.where));
    if (d.media_type == kOciIndex || d.media_type == kDockerManifestList) {
      Descriptor picked = TRY(PickPlatform(store, lease, text, platform, p.where));
      p.manifest = picked.digest;
      text = TRY(ReadBlob(store, lease, picked.digest, p.where));
    }
    Manifest m = TRY_CTX(Manifest::Parse(text), p.where);
    p.config = m.config.digest;
    for (const auto& l : m.layers) p.layers.push_back(l.digest);
    if (auto tag = TagOf(d)) p.tags.push_back(*tag);
    plans.push_back(std::move(p));
  }
  if (plans.empty()) return Invalid("index.json: no images");
  return plans;
}

std::string_view MediaTypeOf(Compression c) {
  switch (c) {
    case Compression::kNone: return kOciLayer;
    case Compression::kGzip: return kOciLayerGzip;
    case Compression::kZstd: return kOciLayerZstd;
    default: return "";
  }
}

struct Unpacked {
  store::LayerRecord record;
  int64_t size = 0;
};

// The snapshot for chain from a layer unpacked while the archive streamed:
// its diff id checked, committed unless the store has it. nullopt when the
// unpack needed the parent layer (so it must be done again with it).
Result<std::optional<Unpacked>> UsePrefetched(store::Store& store, store::Lease& lease,
                                              PrefetchedLayer& pre, const Digest& blob,
                                              const Digest& diff_id, const Digest& chain,
                                              const std::optional<Digest>& parent,
                                              const std::string& where) {
  if (!pre.status.ok()) {
    if (pre.needs_parent) return std::optional<Unpacked>();
    return pre.status.error().Wrap(where);
  }
  std::string_view media_type = MediaTypeOf(pre.compression);
  if (pre.diff_id != diff_id) {
    return MakeError(Code::kDataLoss, where + ": layer " + blob.str() + ": diff id mismatch: config says " +
                                          diff_id.str() + ", content is " + pre.diff_id.str());
  }
  int64_t size = static_cast<int64_t>(pre.size);
  if (auto existing = TRY(store.snapshots().GetAndLease(chain, &lease))) {
    size = existing->size;  // the staging dir is dropped with pre
  } else {
    TRY(store.snapshots().Commit(
        std::move(*pre.staging),
        store::SnapshotRecord{.chain_id = chain, .diff_id = diff_id, .parent = parent, .size = size},
        &lease));
  }
  return std::optional<Unpacked>(Unpacked{
      .record = {.diff_id = diff_id, .chain_id = chain, .blob = blob, .media_type = std::string(media_type),
                 .blob_size = TRY(store.content().Size(blob))},
      .size = size});
}

// Verifies that blob decompresses to diff_id and makes sure the snapshot for
// chain exists: taken from prefetch when the layer was unpacked ahead, else
// unpacked into a new one unless present (then only hashed).
Result<Unpacked> EnsureLayer(store::Store& store, store::Lease& lease, LayerPrefetch& prefetch,
                             const Digest& blob, const Digest& diff_id, const Digest& chain,
                             const std::optional<Digest>& parent, const std::string& where) {
  if (!TRY(store.content().HasAndLease(blob, &lease))) {
    return Invalid(where + ": layer " + blob.str() + " is missing from the archive");
  }
  if (auto pre = prefetch.Take(blob)) {
    if (auto u = TRY(UsePrefetched(store, lease, *pre, blob, diff_id, chain, parent, where))) return *u;
  }
  FdReader raw(TRY(store.content().Open(blob)));
  Compression c = Compression::kNone;
  auto tar = TRY(NewAutoDecompressor(raw, &c));
  std::string_view media_type = MediaTypeOf(c);
  if (media_type.empty()) {
    return Invalid(where + ": layer " + blob.str() + " is " + std::string(CompressionName(c)) +
                   "-compressed: only plain, gzip and zstd layers are supported");
  }
  HashingReader hashed(*tar);
  auto existing = TRY(store.snapshots().GetAndLease(chain, &lease));
  std::optional<store::Staging> staging;
  int64_t size = 0;
  NullWriter rest;
  if (existing) {
    size = existing->size;
  } else {
    staging = TRY(store.snapshots().Prepare());
    ApplyOptions opts{.limits = TRY(ApplyLimitsFromEnv())};
    if (parent) opts.lowers = TRY(store.snapshots().LowerDirs(*parent));
    size = static_cast<int64_t>(TRY_CTX(ApplyLayer(staging->dir(), hashed, opts), where).size);
  }
  TRY_CTX(Copy(hashed, rest), where + ": layer " + blob.str());
  Digest got = hashed.Finish();
  if (got != diff_id) {
    return MakeError(Code::kDataLoss, where + ": layer " + blob.str() + ": diff id mismatch: config says " +
                                          diff_id.str() + ", content is " + got.str());
  }
  if (staging) {
    TRY(store.snapshots().Commit(
        std::move(*staging),
        store::SnapshotRecord{.chain_id = chain, .diff_id = diff_id, .parent = parent, .size = size},
        &lease));
  }
  return Unpacked{.record = {.diff_id = diff_id, .chain_id = chain, .blob = blob,
                             .media_type = std::string(media_type),
                             .blob_size = TRY(store.content().Size(blob))},
                  .size = size};
}

Result<store::ImageRecord> BuildImage(store::Store& store, store::Lease& lease, LayerPrefetch& prefetch,
                                      const ImagePlan& p) {
  std::string text = TRY(ReadBlob(store, lease, p.config, p.where + ": config"));
  ImageConfig config = TRY_CTX(ImageConfig::Parse(text), p.where + ": config " + p.config.str());
  if (config.diff_ids.size() != p.layers.size()) {
    return Invalid(p.where + ": " + std::to_string(p.layers.size()) + " layers but the config lists " +
                   std::to_string(config.diff_ids.size()) + " diff ids");
  }
  store::ImageRecord rec{.id = p.config, .manifest_digest = p.manifest,
                         .created = config.created.value_or(0), .added = NowNanos()};
  std::vector<Digest> chains = ChainIds(config.diff_ids);
  for (size_t i = 0; i < p.layers.size(); ++i) {
    std::optional<Digest> parent;
    if (i > 0) parent = chains[i - 1];
    Unpacked u = TRY(EnsureLayer(store, lease, prefetch, p.layers[i], config.diff_ids[i], chains[i], parent,
                                 p.where + " layer " + std::to_string(i)));
    rec.size += u.size;
    rec.layers.push_back(std::move(u.record));
  }
  return rec;
}

// The chain ids the metadata read so far gives layers, by archive path
// ("path:<p>", from manifest.json) and by blob digest (from index.json).
// Empty while the configs they need have not come by.
std::map<std::string, Digest> KnownChains(store::Store& store, store::Lease& lease, const ArchiveContents& ac) {
  std::map<std::string, Digest> out;
  auto chains_of = [&](const Digest& config) -> std::vector<Digest> {
    auto text = ReadBlob(store, lease, config, "config");
    if (!text.ok()) return {};
    auto parsed = ImageConfig::Parse(*text);
    return parsed.ok() ? ChainIds(parsed->diff_ids) : std::vector<Digest>{};
  };
  if (auto m = ac.files.find("manifest.json"); m != ac.files.end()) {
    auto entries = ParseDockerManifest(m->second);
    if (!entries.ok()) return out;
    for (const auto& e : *entries) {
      auto config = BlobAt(ac, "", "config", e.config);
      if (!config.ok()) continue;
      std::vector<Digest> chains = chains_of(config->digest);
      for (size_t i = 0; i < e.layers.size() && i < chains.size(); ++i) {
        if (auto path = CleanArchivePath(e.layers[i]); path.ok()) out["path:" + *path] = chains[i];
      }
    }
  } else if (auto ix = ac.files.find("index.json"); ix != ac.files.end()) {
    auto index = Index::Parse(ix->second);
    if (!index.ok()) return out;
    for (const Descriptor& d : index->manifests) {
      auto text = ReadBlob(store, lease, d.digest, "manifest");
      if (!text.ok()) continue;
      auto m = Manifest::Parse(*text);
      if (!m.ok()) continue;
      std::vector<Digest> chains = chains_of(m->config.digest);
      for (size_t i = 0; i < m->layers.size() && i < chains.size(); ++i) {
        out[m->layers[i].digest.str()] = chains[i];
      }
    }
  }
  return out;
}

// Whether a layer-like entry is worth unpacking while it streams: not when
// the metadata already read shows it is a layer whose snapshot the store
// has (loading an archive again unpacks nothing). Archives that put their
// metadata last (Docker's legacy ones) get every layer unpacked ahead.
class AheadFilter {
 public:
  AheadFilter(store::Store& store, store::Lease& lease) : store_(store), lease_(lease) {}
  bool operator()(const ArchiveContents& ac, const std::string& path, const std::optional<Digest>& key) {
    // Metadata is small but may be re-read for each layer: a bounded number
    // of tries until it names some layer.
    if (known_.empty() && tries_ < 32) {
      ++tries_;
      known_ = KnownChains(store_, lease_, ac);
    }
    auto it = known_.find(key ? key->str() : "path:" + path);
    if (it == known_.end()) return true;
    auto snap = store_.snapshots().GetAndLease(it->second, &lease_);
    return !(snap.ok() && *snap);
  }

 private:
  store::Store& store_;
  store::Lease& lease_;
  std::map<std::string, Digest> known_;
  int tries_ = 0;
};

// Threads unpacking ahead: BERTH_LOAD_JOBS, else 2 (the archive thread is
// the third; one core decompresses and writes while another unpacks).
int LoadJobs() {
  const char* v = std::getenv("BERTH_LOAD_JOBS");
  if (v && *v) {
    int n = std::atoi(v);
    if (n >= 1 && n <= 64) return n;
  }
  return 2;
}

}  // namespace

Result<std::vector<LoadedImage>> Load(store::Store& store, Reader& src, const LoadOptions& options) {
  std::string head = TRY(ReadHead(src, 8));
  if (head.empty()) {
    return Invalid(options.from_stdin ? "requested load from stdin, but stdin is empty"
                                      : "the archive is empty");
  }
  Compression c = DetectCompression(AsBytes(head));
  PeekedReader input(std::move(head), src);
  auto tar = TRY(NewDecompressor(c, input));

  store::Lease lease = TRY(store.NewLease("load"));
  LayerPrefetch prefetch(store, LoadJobs());
  ArchiveOptions archive{.prefetch = &prefetch, .unpack_ahead = AheadFilter(store, lease)};
  if (options.progress) {
    archive.progress = [&](uint64_t n) {
      options.progress("Reading archive: " + std::to_string(n >> 20) + " MiB");
    };
  }
  ArchiveContents ac = TRY(ReadImageArchive(store, lease, *tar, archive));
  prefetch.Finish();
  std::vector<ImagePlan> plans;
  if (ac.files.count("manifest.json")) {
    plans = TRY(PlanFromDockerManifest(ac));
  } else if (ac.files.count("index.json")) {
    plans = TRY(PlanFromIndex(store, lease, ac, options.platform));
  } else {
    return Invalid("not an image archive: it has neither manifest.json nor index.json");
  }

  std::vector<store::ImageRecord> records;
  for (size_t i = 0; i < plans.size(); ++i) {
    if (options.progress) {
      options.progress("Unpacking image " + std::to_string(i + 1) + "/" + std::to_string(plans.size()));
    }
    records.push_back(TRY(BuildImage(store, lease, prefetch, plans[i])));
  }
  TRY(CheckInterrupted());  // everything is in: a late Ctrl-C still commits nothing
  std::vector<LoadedImage> out;
  for (const auto& p : plans) out.push_back({.id = p.config, .tags = p.tags});
  TRY(store.metadata().Transaction([&]() -> Status {
    for (size_t i = 0; i < plans.size(); ++i) {
      TRY(store.metadata().PutImage(records[i]));
      out[i].replaced.clear();
      for (const auto& t : plans[i].tags) {
        auto old = TRY(store.metadata().GetTag(TagKey(t)));
        out[i].replaced.push_back(old && old->image_id != records[i].id ? std::optional(old->image_id)
                                                                         : std::nullopt);
        TRY(Tag(store, records[i].id, t));
      }
    }
    return Ok();
  }));
  return out;
}

}  // namespace berth::image
