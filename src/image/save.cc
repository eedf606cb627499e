// `save` writes what the store already holds: the compressed layer blobs as
// they are (no recompression, one buffered copy each; zstd layers, which
// docker 20.10 may refuse, are written decompressed), the config blobs, and
// a manifest per image (the stored one, or one built from the image record
// for imported images, which have none). The metadata files come first so a
// streaming reader learns the whole plan before the first layer; blobs
// shared by several images are written once. See docs/design.md, "save/load".
#include "image/save.h"

#include <algorithm>
#include <map>
#include <set>

#include "compress/compression.h"
#include "digest/digest.h"
#include "image/resolve.h"
#include "oci/json_fields.h"
#include "oci/manifest.h"
#include "oci/media_types.h"
#include "tar/tar_writer.h"

namespace berth::image {
namespace {

constexpr size_t kCopyBuffer = 1 << 20;

void AddTarget(std::vector<SaveTarget>& out, const Digest& id, const Reference* tag) {
  auto it = std::find_if(out.begin(), out.end(), [&](const SaveTarget& t) { return t.id == id; });
  if (it == out.end()) it = out.insert(out.end(), SaveTarget{.id = id});
  if (tag && std::find(it->tags.begin(), it->tags.end(), *tag) == it->tags.end()) {
    it->tags.push_back(*tag);
  }
}

// Every tag of the repository ref names, ordered by name.
Result<std::vector<std::pair<Reference, Digest>>> TagsOfRepository(store::Store& store,
                                                                   const Reference& ref) {
  std::vector<std::pair<Reference, Digest>> out;
  for (const auto& t : TRY(store.metadata().ListTags())) {
    auto parsed = ParseCanonical(t.name);
    if (parsed.ok() && parsed->Name() == ref.Name() && parsed->HasTag()) {
      out.emplace_back(*parsed, t.image_id);
    }
  }
  return out;
}

Status ResolveOne(store::Store& store, const std::string& name, std::vector<SaveTarget>& out) {
  auto ref = ParseNormalizedNamed(name);
  if (!ref.ok() || ref->FamiliarName() == "sha256" || ref->HasDigest()) {
    AddTarget(out, TRY(ResolveImage(store, name)), nullptr);  // an id, a prefix or a digest
    return Ok();
  }
  if (!ref->HasTag()) {
    auto tags = TRY(TagsOfRepository(store, *ref));
    for (const auto& [tag, id] : tags) AddTarget(out, id, &tag);
    if (tags.empty()) AddTarget(out, TRY(ResolveImage(store, name)), nullptr);
    return Ok();
  }
  AddTarget(out, TRY(ResolveImage(store, name)), &*ref);
  return Ok();
}

std::string OciLayerType(const std::string& media_type) {
  if (media_type == kDockerLayerGzip) return std::string(kOciLayerGzip);
  if (media_type == kDockerLayer) return std::string(kOciLayer);
  if (media_type == kDockerLayerZstd) return std::string(kOciLayerZstd);
  if (media_type == kDockerForeignLayer) return std::string(kOciLayerNondistributableGzip);
  return media_type;
}

std::string BlobPath(const Digest& d) { return "blobs/sha256/" + d.hex(); }

// The manifest to write for image: the stored one when it is there and
// describes this config, else one built from the record.
Result<std::string> ManifestFor(store::Store& store, const store::ImageRecord& image,
                                int64_t config_size) {
  if (image.manifest_digest && store.content().Has(*image.manifest_digest)) {
    std::string stored = TRY(store.content().ReadSmall(*image.manifest_digest));
    auto m = Manifest::Parse(stored);
    if (m.ok() && m->config.digest == image.id) return stored;
  }
  return BuildManifest(image, config_size);
}

// zstd layers are written decompressed (docker load 20.10 refuses some zstd
// layers; see docs/design.md). The tar header needs the size first, so this
// first pass decompresses the blob to measure it and checks its diff id.
// The layer becomes a plain tar named by its diff id; the zstd blob it is
// read from again at write time is remembered in `inflate`.
Status PlanInflate(store::Store& store, store::LayerRecord& layer, std::map<Digest, Digest>& inflate,
                   std::span<std::byte> buf) {
  if (LayerCompressionOf(layer.media_type) != LayerCompression::kZstd) return Ok();
  FdReader blob(TRY(store.content().Open(layer.blob)));
  auto plain = TRY(NewDecompressor(Compression::kZstd, blob));
  HashingWriter hash;
  while (size_t n = TRY(plain->Read(buf))) TRY(hash.Write(buf.first(n)));
  int64_t size = static_cast<int64_t>(hash.bytes());
  if (Digest got = hash.Finish(); got != layer.diff_id) {
    return MakeError(Code::kDataLoss, "layer " + layer.blob.str() + " decompresses to " + got.str() +
                                          ", expected " + layer.diff_id.str());
  }
  inflate[layer.diff_id] = layer.blob;
  layer = store::LayerRecord{.diff_id = layer.diff_id, .chain_id = layer.chain_id,
                             .blob = layer.diff_id, .media_type = std::string(kOciLayer),
                             .blob_size = size};
  return Ok();
}

struct Plan {
  std::vector<ArchiveImage> images;
  std::vector<std::pair<Digest, std::string>> manifests;
  std::map<Digest, Digest> inflate;  // archive layer digest -> zstd blob it is read from
};

// Leases the image, then reads its record (so the content it names stays)
// and builds its archive entry.
Status Prepare(store::Store& store, store::Lease& lease, const SaveTarget& t, Plan& plan,
               std::span<std::byte> buf) {
  TRY(lease.Add(store::ResourceKind::kImage, t.id.str()));
  auto image = TRY(store.metadata().GetImage(t.id));
  if (!image) return MakeError(Code::kNotFound, "No such image: " + t.id.str());
  int64_t config_size = TRY(store.content().Size(image->id));
  std::vector<store::LayerRecord> layers = image->layers;
  for (auto& l : layers) TRY(PlanInflate(store, l, plan.inflate, buf));
  if (layers != image->layers) {  // the stored manifest names the zstd blobs
    image->layers = layers;
    image->manifest_digest.reset();
  }
  std::string manifest = TRY(ManifestFor(store, *image, config_size));
  plan.images.push_back(ArchiveImage{.config = image->id,
                                     .config_size = config_size,
                                     .manifest = Digest::Of(manifest),
                                     .manifest_media_type = DetectMediaType(manifest),
                                     .manifest_size = static_cast<int64_t>(manifest.size()),
                                     .layers = image->layers,
                                     .tags = t.tags});
  plan.manifests.emplace_back(plan.images.back().manifest, std::move(manifest));
  return Ok();
}

Status CopyBlob(store::Store& store, TarWriter& tar, const Digest& d, std::span<std::byte> buf) {
  int64_t size = TRY(store.content().Size(d));
  FdReader src(TRY(store.content().Open(d)));
  TRY_CTX(tar.AddFile(BlobPath(d), size, src, buf), "save blob " + d.str());
  return Ok();
}

Status CopyLayer(store::Store& store, TarWriter& tar, const Plan& plan, const store::LayerRecord& l,
                 std::span<std::byte> buf) {
  auto it = plan.inflate.find(l.blob);
  if (it == plan.inflate.end()) return CopyBlob(store, tar, l.blob, buf);
  FdReader blob(TRY(store.content().Open(it->second)));
  auto plain = TRY(NewDecompressor(Compression::kZstd, blob));
  TRY_CTX(tar.AddFile(BlobPath(l.blob), l.blob_size, *plain, buf), "save layer " + it->second.str());
  return Ok();
}

}  // namespace

Result<std::vector<SaveTarget>> ResolveSaveTargets(store::Store& store,
                                                   const std::vector<std::string>& names) {
  std::vector<SaveTarget> out;
  for (const auto& name : names) TRY(ResolveOne(store, name, out));
  return out;
}

std::string BuildManifest(const store::ImageRecord& image, int64_t config_size) {
  Manifest m;
  m.media_type = std::string(kOciManifest);
  m.config = Descriptor{.media_type = std::string(kOciConfig), .digest = image.id, .size = config_size};
  for (const auto& l : image.layers) {
    m.layers.push_back(Descriptor{.media_type = OciLayerType(l.media_type), .digest = l.blob,
                                  .size = l.blob_size});
  }
  return m.ToJson();
}

std::string OciLayoutJson() { return R"({"imageLayoutVersion":"1.0.0"})"; }

std::string IndexJson(const std::vector<ArchiveImage>& images) {
  Index index;
  index.media_type = std::string(kOciIndex);
  for (const auto& img : images) {
    Descriptor d{.media_type = img.manifest_media_type, .digest = img.manifest,
                 .size = img.manifest_size};
    if (img.tags.empty()) index.manifests.push_back(d);
    for (const auto& tag : img.tags) {
      d.annotations = {{"io.containerd.image.name", tag.String()},
                       {"org.opencontainers.image.ref.name", tag.tag}};
      index.manifests.push_back(d);
    }
  }
  return index.ToJson();
}

std::string DockerManifestJson(const std::vector<ArchiveImage>& images) {
  Json out = Json::array();
  for (const auto& img : images) {
    Json tags = nullptr;
    for (const auto& tag : img.tags) tags.push_back(tag.FamiliarString());
    Json layers = Json::array();
    for (const auto& l : img.layers) layers.push_back(BlobPath(l.blob));
    out.push_back(Json{{"Config", BlobPath(img.config)}, {"RepoTags", tags}, {"Layers", layers}});
  }
  return out.dump();
}

std::string RepositoriesJson(const std::vector<ArchiveImage>& images) {
  Json repos = Json::object();
  for (const auto& img : images) {
    if (img.layers.empty()) continue;
    for (const auto& tag : img.tags) {
      repos[tag.FamiliarName()][tag.tag] = img.layers.back().chain_id.hex();
    }
  }
  return repos.dump();
}

Result<SaveStats> Save(store::Store& store, const std::vector<SaveTarget>& targets, Writer& out) {
  // 1. Lease every image and plan the archive.
  store::Lease lease = TRY(store.NewLease("save"));
  std::vector<std::byte> buf(kCopyBuffer);
  Plan plan;
  for (const auto& t : targets) TRY(Prepare(store, lease, t, plan, buf));
  const auto& images = plan.images;

  // 2. Metadata files, then manifests and configs, then layers; each blob once.
  TarWriter tar(out);
  TRY(tar.AddFile("oci-layout", OciLayoutJson()));
  TRY(tar.AddFile("index.json", IndexJson(images)));
  TRY(tar.AddFile("manifest.json", DockerManifestJson(images)));
  TRY(tar.AddFile("repositories", RepositoriesJson(images)));
  TRY(tar.AddDir("blobs"));
  TRY(tar.AddDir("blobs/sha256"));
  std::set<Digest> written;
  SaveStats stats{.images = static_cast<int64_t>(images.size())};
  for (const auto& [digest, json] : plan.manifests) {
    if (written.insert(digest).second) TRY(tar.AddFile(BlobPath(digest), json));
  }
  for (const auto& img : images) {
    if (written.insert(img.config).second) TRY(CopyBlob(store, tar, img.config, buf));
  }
  for (const auto& img : images) {
    for (const auto& l : img.layers) {
      if (written.insert(l.blob).second) TRY(CopyLayer(store, tar, plan, l, buf));
    }
  }
  TRY(tar.Finish());
  stats.blobs = static_cast<int64_t>(written.size());
  stats.bytes = tar.written();
  return stats;
}

}  // namespace berth::image
