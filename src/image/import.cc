// Import is the first flow that writes a whole image, so it shows the
// store's order of operations every later writer follows:
//   1. stream the input once: keep the blob, hash the tar, unpack it;
//   2. commit the blob and the snapshot (content, durable);
//   3. write the config blob (its digest is the image id);
//   4. record image and tag in one metadata transaction.
#include "image/import.h"

#include <cstdlib>
#include <cstring>

#include "base/clock.h"
#include "base/file.h"
#include "base/interrupt.h"
#include "base/strings.h"
#include "compress/compression.h"
#include "digest/digest.h"
#include "image/changes.h"
#include "image/resolve.h"
#include "oci/image_config.h"
#include "oci/media_types.h"
#include "tar/apply.h"

namespace berth::image {

namespace {

std::string_view LayerMediaType(Compression stored) {
  switch (stored) {
    case Compression::kZstd: return kOciLayerZstd;
    case Compression::kNone: return kOciLayer;
    default: return kOciLayerGzip;
  }
}

// A `save` archive unpacked as if it were a rootfs has these at its top.
bool LooksLikeImageArchive(const std::string& dir) {
  return PathExists(JoinPath(dir, "manifest.json")) &&
         (PathExists(JoinPath(dir, "repositories")) || PathExists(JoinPath(dir, "oci-layout")));
}

// The cap on the stored blob: BERTH_MAX_BLOB_BYTES, else the store's default.
Result<int64_t> MaxBlobBytes() {
  const char* env = std::getenv("BERTH_MAX_BLOB_BYTES");
  if (env == nullptr || *env == '\0') return store::kDefaultMaxBlobBytes;
  auto v = ParseInt(env);
  if (!v || *v <= 0) {
    return MakeError(Code::kInvalidArgument,
                     "BERTH_MAX_BLOB_BYTES=" + std::string(env) + " is not a positive number of bytes");
  }
  return *v;
}

struct Layer {
  store::LayerRecord record;
  int64_t size = 0;
};

// Step 1 and 2: one pass over the input, then the blob and snapshot commits,
// both protected by the import's lease until the image row refers to them.
Result<Layer> StoreLayer(store::Store& store, store::Lease& lease, Reader& src,
                         Compression* detected) {
  ApplyOptions apply{.limits = TRY(ApplyLimitsFromEnv())};
  std::string head = TRY(ReadHead(src, 8));
  Compression c = DetectCompression(AsBytes(head));
  *detected = c;
  PeekedReader input(std::move(head), src);
  auto blob = TRY(store.content().NewWriter({.lease = &lease, .max_size = TRY(MaxBlobBytes())}));
  bool recompress = c == Compression::kBzip2 || c == Compression::kXz;
  Compression stored = recompress ? Compression::kGzip : c;

  NullWriter discard;
  TeeReader raw(input, recompress ? static_cast<Writer&>(discard) : *blob);
  auto tar = TRY(NewDecompressor(c, raw));
  std::unique_ptr<CompressWriter> gz;
  if (recompress) gz = TRY(NewCompressor(Compression::kGzip, *blob, 1));
  TeeReader tar_tee(*tar, gz ? static_cast<Writer&>(*gz) : discard);
  HashingReader hashed(tar_tee);

  auto staging = TRY(store.snapshots().Prepare());
  ApplyStats stats = TRY(ApplyLayer(staging.dir(), hashed, apply));
  if (LooksLikeImageArchive(staging.dir())) {
    return MakeError(Code::kInvalidArgument,
                     "this is an image archive made by `save` (it holds manifest.json), not a root "
                     "filesystem tarball: use `berth load -i FILE` to restore its images");
  }
  TRY(CheckInterrupted());  // the input is all in: a late Ctrl-C still commits nothing
  if (gz) TRY(gz->Close());
  Digest diff_id = hashed.Finish();
  store::BlobInfo info = TRY(blob->Commit());
  TRY(store.snapshots().Commit(std::move(staging),
                               store::SnapshotRecord{.chain_id = diff_id,
                                                     .diff_id = diff_id,
                                                     .size = static_cast<int64_t>(stats.size)},
                               &lease));
  return Layer{.record = {.diff_id = diff_id,
                          .chain_id = diff_id,
                          .blob = info.digest,
                          .media_type = std::string(LayerMediaType(stored)),
                          .blob_size = info.size},
               .size = static_cast<int64_t>(stats.size)};
}

}  // namespace

Result<ImportResult> Import(store::Store& store, Reader& src, const ImportOptions& options) {
  store::Lease lease = TRY(store.NewLease("import " + options.source));
  ImageConfig config;
  TRY(ApplyChanges(options.changes, config.config));
  Platform platform = options.platform ? *options.platform : HostPlatform();

  Compression detected = Compression::kNone;
  Layer layer = TRY(StoreLayer(store, lease, src, &detected));

  // 3. The config: Docker's import shape (comment in both places).
  int64_t now = NowNanos();
  std::string msg = options.message.empty() ? "Imported from " + options.source : options.message;
  config.created = now;
  config.architecture = platform.architecture;
  config.os = platform.os;
  config.variant = platform.variant;
  config.comment = msg;
  config.diff_ids = {layer.record.diff_id};
  config.history = {HistoryEntry{.created = now, .comment = msg}};
  store::BlobInfo cfg = TRY(store.content().Put(config.ToJson(), &lease));

  // 4. Metadata, atomically.
  store::ImageRecord rec{.id = cfg.digest, .created = now, .added = now, .size = layer.size,
                         .layers = {layer.record}};
  TRY(store.metadata().Transaction([&]() -> Status {
    TRY(store.metadata().PutImage(rec));
    if (options.tag) TRY(Tag(store, cfg.digest, *options.tag));
    return Ok();
  }));
  return ImportResult{.id = cfg.digest,
                      .compression = std::string(CompressionName(detected)),
                      .size = layer.size};
}

}  // namespace berth::image
