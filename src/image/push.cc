// `push`. Blobs go out as stored: a pulled or loaded image is pushed byte
// for byte, so its manifest digest is the one it was pulled with. Each layer
// is a small state machine run by a pool of workers: HEAD (present: "Layer
// already exists"), a cross-repository mount from a repository of the same
// registry the image came from ("Mounted from R"), else a streamed upload
// ("Pushing", "Pushed"). Then the config, then the manifest under the tag.
//
// Imported images store their layers uncompressed and have no manifest.
// Those layers are compressed with ISA-L's gzip at level 1 (kPushGzipLevel):
// it runs at several hundred MB/s per core, where zlib's default level 6
// manages ~30, and the loss in ratio (a few per cent on typical root file
// systems) costs less on a fast link than the CPU time would. The result
// is stored and recorded in the image, with the manifest built for it, so
// every later push (and save) sends the same digests.
#include "image/push.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "base/clock.h"
#include "base/interrupt.h"
#include "base/io.h"
#include "base/strings.h"
#include "compress/compression.h"
#include "image/resolve.h"
#include "oci/manifest.h"
#include "oci/media_types.h"
#include "registry/errors.h"

namespace berth::image {

namespace {

bool IsUncompressed(std::string_view media_type) {
  return media_type == kOciLayer || media_type == kDockerLayer;
}

// What is pushed: the manifest and its blobs.
struct PushPlan {
  store::ImageRecord image;
  std::string manifest;  // bytes, when stored
  std::string manifest_type;
  std::vector<Descriptor> layers;  // filled for a built manifest
  Descriptor config;
  bool built = false;    // the manifest is made here (no stored one)
};

// Compresses an uncompressed layer blob into a new stored gzip blob.
Result<store::BlobInfo> CompressLayer(store::Store& store, store::Lease& lease, const Digest& blob) {
  FdReader in(TRY(store.content().Open(blob)));
  auto writer = TRY(store.content().NewWriter({.lease = &lease}));
  auto gz = TRY(NewCompressor(Compression::kGzip, *writer, kPushGzipLevel));
  TRY(Copy(in, *gz));
  TRY(gz->Close());
  return writer->Commit();
}

class Pusher {
 public:
  Pusher(store::Store& store, store::Lease& lease, registry::Repository& repo, PushPlan& plan,
         const PushOptions& o, std::vector<std::string> mount_from)
      : store_(store), lease_(lease), repo_(repo), plan_(plan), o_(o), mount_from_(std::move(mount_from)) {}

  Status Run() {
    size_t n = plan_.image.layers.size();
    for (size_t k = n; k-- > 0;) Update(k, "Preparing");
    size_t workers = std::min<size_t>(n, static_cast<size_t>(std::max(1, o_.max_concurrent)));
    for (size_t k = n; k-- > 0;) {
      if (n - k > workers) Update(k, "Waiting");
    }
    std::vector<std::thread> threads;
    for (size_t w = 1; w < workers; w++) threads.emplace_back([this] { Work(); });
    if (workers > 0) Work();
    for (auto& t : threads) t.join();
    if (error_) return *error_;
    return CheckInterrupted();
  }

 private:
  void Update(size_t i, const std::string& status, int64_t cur = -1, int64_t total = -1) {
    if (!o_.progress.update) return;
    std::lock_guard lock(progress_mu_);
    o_.progress.update(plan_.image.layers[i].diff_id.Short(), status, cur, total);  // Docker's push rows are diff ids
  }

  void Work() {
    for (;;) {
      size_t i;
      {
        std::lock_guard lock(mu_);
        if (error_ || next_ >= plan_.image.layers.size()) return;
        i = plan_.image.layers.size() - 1 - next_++;  // top layer first, as Docker shows them
      }
      Status st = PushLayer(i);
      if (!st.ok()) {
        std::lock_guard lock(mu_);
        if (!error_) error_ = st.error();
        return;
      }
    }
  }

  Status PushLayer(size_t i) {
    store::LayerRecord& l = plan_.image.layers[i];
    if (plan_.built && IsUncompressed(l.media_type)) {
      store::BlobInfo gz = TRY_CTX(CompressLayer(store_, lease_, l.blob), "compressing layer " + l.diff_id.str());
      l.blob = gz.digest;
      l.blob_size = gz.size;
      l.media_type = std::string(kDockerLayerGzip);
    }
    if (TRY(repo_.StatBlob(l.blob))) {
      Update(i, "Layer already exists");
      return Ok();
    }
    for (const std::string& from : mount_from_) {
      if (TRY(repo_.MountBlob(l.blob, from))) {
        Update(i, "Mounted from " + from);
        return Ok();
      }
    }
    FdReader in(TRY(store_.content().Open(l.blob)));
    int64_t total = l.blob_size;
    Update(i, "Pushing", 0, total);
    TRY_CTX(repo_.PushBlob(l.blob, total, in, [this, i, total](int64_t n) { Update(i, "Pushing", n, total); }),
            "pushing layer " + l.blob.str());
    Update(i, "Pushed");
    return Ok();
  }

  store::Store& store_;
  store::Lease& lease_;
  registry::Repository& repo_;
  PushPlan& plan_;
  const PushOptions& o_;
  std::vector<std::string> mount_from_;
  std::mutex mu_, progress_mu_;
  size_t next_ = 0;
  std::optional<Error> error_;
};

// The tagged image, leased, with its stored manifest when it has one.
Result<PushPlan> Plan(store::Store& store, store::Lease& lease, const Reference& ref) {
  PushPlan plan;
  TRY(store.metadata().Transaction([&]() -> Status {
    auto tag = TRY(store.metadata().GetTag(TagKey(ref)));
    auto img = tag ? TRY(store.metadata().GetImage(tag->image_id)) : std::nullopt;
    if (!img) {
      return MakeError(Code::kNotFound, "An image does not exist locally with the tag: " + ref.FamiliarName());
    }
    plan.image = *img;
    return lease.Add(store::ResourceKind::kImage, img->id.str());
  }));
  plan.config = Descriptor{.media_type = std::string(kDockerConfig), .digest = plan.image.id,
                           .size = TRY(store.content().Size(plan.image.id))};
  if (plan.image.manifest_digest && TRY(store.content().HasAndLease(*plan.image.manifest_digest, &lease))) {
    plan.manifest = TRY(store.content().ReadSmall(*plan.image.manifest_digest));
    plan.manifest_type = DetectMediaType(plan.manifest);
    auto m = Manifest::Parse(plan.manifest);
    if (m.ok() && m->config.digest == plan.image.id) return plan;
  }
  plan.built = true;
  plan.manifest.clear();
  return plan;
}

std::string BuildManifest(PushPlan& plan) {
  bool zstd = std::any_of(plan.image.layers.begin(), plan.image.layers.end(),
                          [](const auto& l) { return LayerCompressionOf(l.media_type) == LayerCompression::kZstd; });
  Manifest m;
  m.media_type = std::string(zstd ? kOciManifest : kDockerManifest);
  m.config = plan.config;
  if (zstd) m.config.media_type = std::string(kOciConfig);
  for (const auto& l : plan.image.layers) {
    std::string type = l.media_type;
    if (!zstd && type == kOciLayerGzip) type = std::string(kDockerLayerGzip);
    m.layers.push_back(Descriptor{.media_type = type, .digest = l.blob, .size = l.blob_size});
  }
  plan.manifest_type = m.media_type;
  return m.ToJson();
}

// Repositories of the same registry this image was pulled from or pushed to:
// candidates for cross-repository mounts.
Result<std::vector<std::string>> MountSources(store::Store& store, const Digest& id, const Reference& ref) {
  std::vector<std::string> out;
  for (const auto& rd : TRY(store.metadata().RepoDigestsOf(id))) {
    auto r = ParseNormalizedNamed(rd.name);
    if (r.ok() && r->domain == ref.domain && r->path != ref.path &&
        std::find(out.begin(), out.end(), r->path) == out.end()) {
      out.push_back(r->path);
    }
  }
  if (out.size() > 3) out.resize(3);
  return out;
}

}  // namespace

Result<PushResult> Push(store::Store& store, const Reference& ref, const PushOptions& o) {
  store::Lease lease = TRY(store.NewLease("push " + ref.String()));
  PushPlan plan = TRY(Plan(store, lease, ref));
  if (o.progress.message) o.progress.message("The push refers to repository [" + ref.Name() + "]");
  auto reg = TRY(registry::Registry::Open(TRY(registry::RegistryEndpoint(o.config, ref.domain)), o.client));
  registry::Repository repo(*reg, ref.path, "pull,push");
  std::vector<std::string> mounts = TRY(MountSources(store, plan.image.id, ref));
  Pusher pusher(store, lease, repo, plan, o, mounts);
  TRY(pusher.Run());
  if (!TRY(repo.StatBlob(plan.image.id))) {
    FdReader in(TRY(store.content().Open(plan.image.id)));
    TRY_CTX(repo.PushBlob(plan.image.id, plan.config.size, in), "pushing the config");
  }
  if (plan.built) plan.manifest = BuildManifest(plan);
  Digest digest = TRY(repo.PutManifest(ref.tag, plan.manifest_type, plan.manifest));
  PushResult result{.digest = digest, .size = static_cast<int64_t>(plan.manifest.size())};

  Reference digested{.domain = ref.domain, .path = ref.path, .digest = digest};
  TRY(store.metadata().Transaction([&]() -> Status {
    if (plan.built) {  // keep the compressed layers and the manifest for the next push and save
      TRY(store.content().Put(plan.manifest, &lease));
      auto now = TRY(store.metadata().GetImage(plan.image.id));
      if (!now) return Ok();  // removed meanwhile: nothing to record
      store::ImageRecord rec = *now;
      rec.layers = plan.image.layers;
      rec.manifest_digest = digest;
      TRY(store.metadata().PutImage(rec));
    } else if (!TRY(store.metadata().GetImage(plan.image.id))) {
      return Ok();
    }
    return store.metadata().AddRepoDigest({.name = digested.String(), .image_id = plan.image.id});
  }));
  return result;
}

}  // namespace berth::image
