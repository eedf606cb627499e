// Each missing layer is one pass over its bytes:
//
//   registry --HTTP--> [count] --tee--> blob writer (keyed ingest, resumable)
//                         |
//                    decompress (ISA-L gzip / zstd) --> sha256 (diff id) --> ApplyLayer (staging)
//
// so the compressed digest, the blob file, the diff id and the unpacked
// snapshot all come from one read of the network, and nothing is committed
// until both digests match. Layers run in parallel; a layer only waits for
// its parent at the end (snapshots are committed base first, so the store
// never holds a child without its parent) or when a hardlink needs a file
// from a lower layer (ApplyOptions::lowers_fn). A resumed download first
// replays the bytes an earlier pull left in the ingest, then asks the
// registry for the rest with a Range request.
#include "image/pull_layers.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "base/interrupt.h"
#include "base/io.h"
#include "compress/compression.h"
#include "net/http_reader.h"
#include "oci/media_types.h"
#include "tar/apply.h"

namespace berth::image {

namespace {

// Shared state of one image's layer workers.
class Workers {
 public:
  Workers(store::Store& store, store::Lease& lease, registry::Repository& repo,
          const std::vector<LayerPlan>& plans, const LayerPullOptions& options)
      : store_(store), lease_(lease), repo_(repo), plans_(plans), o_(options.pull),
        image_present_(options.image_present),
        done_(plans.size(), false), out_(plans.size()) {}

  Result<std::vector<PulledLayer>> Run();

 private:
  // Leases what is present; returns true when the layer needs no work.
  Result<bool> Present(size_t i);
  void Work();
  Status PullOne(size_t i);
  Result<std::unique_ptr<Reader>> OpenLayer(const Descriptor& blob, int64_t offset);
  // present: the layer's snapshot, when the store has it (then only verified).
  Status Stream(size_t i, Reader& src, const std::optional<store::SnapshotInfo>& present);
  Status WaitFor(size_t i);  // until layer i's snapshot is committed
  void MarkDone(size_t i);
  void Fail(Error e);
  void Update(size_t i, const std::string& status, int64_t cur = -1, int64_t total = -1) {
    if (!o_.progress.update) return;
    for (size_t k = 0; k < i; k++) {  // one row per blob, as Docker shows them
      if (plans_[k].blob.digest == plans_[i].blob.digest) return;
    }
    std::lock_guard lock(progress_mu_);
    o_.progress.update(plans_[i].blob.digest.Short(), status, cur, total);
  }

  store::Store& store_;
  store::Lease& lease_;
  registry::Repository& repo_;
  const std::vector<LayerPlan>& plans_;
  const PullOptions& o_;
  bool image_present_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<bool> done_;
  std::vector<PulledLayer> out_;
  std::vector<size_t> todo_;
  size_t next_ = 0;
  std::optional<Error> error_;
  std::atomic<bool> stop_{false};
  std::mutex progress_mu_;

  friend class StopReader;
};

// Passes reads through until the pull stops (another layer failed), and
// reports the bytes to the progress display.
class StopReader : public Reader {
 public:
  StopReader(Reader& src, const std::atomic<bool>& stop, std::function<void(int64_t)> on_bytes)
      : src_(src), stop_(stop), on_bytes_(std::move(on_bytes)) {}
  Result<size_t> Read(std::span<std::byte> buf) override {
    if (stop_.load()) return MakeError(Code::kCancelled, "stopped: another layer failed");
    size_t n = TRY(src_.Read(buf));
    total_ += static_cast<int64_t>(n);
    if (on_bytes_ && (total_ - reported_ >= (256 << 10) || n == 0)) {
      reported_ = total_;
      on_bytes_(total_);
    }
    return n;
  }

 private:
  Reader& src_;
  const std::atomic<bool>& stop_;
  std::function<void(int64_t)> on_bytes_;
  int64_t total_ = 0, reported_ = 0;
};

// The first `limit` bytes of src, then the rest of next.
class ConcatReader : public Reader {
 public:
  ConcatReader(Reader& first, int64_t limit, Reader& next) : first_(first), left_(limit), next_(next) {}
  Result<size_t> Read(std::span<std::byte> buf) override {
    if (left_ > 0) {
      size_t want = static_cast<size_t>(std::min<int64_t>(left_, static_cast<int64_t>(buf.size())));
      size_t n = TRY(first_.Read(buf.first(want)));
      if (n == 0) return MakeError(Code::kDataLoss, "the resumed part of the download is shorter than recorded");
      left_ -= static_cast<int64_t>(n);
      return n;
    }
    return next_.Read(buf);
  }

 private:
  Reader& first_;
  int64_t left_;
  Reader& next_;
};

// A foreign layer's bytes from one of its URLs (never with the registry's
// credentials: these are other hosts), else, like any layer, from the
// registry.
Result<std::unique_ptr<Reader>> Workers::OpenLayer(const Descriptor& blob, int64_t offset) {
  for (const std::string& url : blob.urls) {
    if (!net::IsUrl(url)) continue;
    auto r = net::OpenHttp(url, {.offset = offset, .max_body_size = blob.size < 0 ? -1 : blob.size - offset});
    if (!r.ok()) continue;
    if ((*r)->Start().ok()) return std::unique_ptr<Reader>(std::move(*r));
  }
  return repo_.OpenBlob(blob.digest, offset, blob.size);
}

Result<bool> Workers::Present(size_t i) {
  const LayerPlan& p = plans_[i];
  if (!TRY(store_.content().HasAndLease(p.blob.digest, &lease_))) return false;
  auto snap = TRY(store_.snapshots().GetAndLease(p.chain_id, &lease_));
  if (!snap) return false;
  out_[i] = PulledLayer{.record = {.diff_id = p.diff_id, .chain_id = p.chain_id, .blob = p.blob.digest,
                                   .media_type = p.blob.media_type,
                                   .blob_size = TRY(store_.content().Size(p.blob.digest))},
                        .size = snap->size};
  return true;
}

Result<std::vector<PulledLayer>> Workers::Run() {
  for (size_t i = 0; i < plans_.size(); i++) {
    if (TRY(Present(i))) {
      done_[i] = true;
    } else {
      todo_.push_back(i);
    }
  }
  // An image already complete in the store shows no rows (Docker's output).
  if (!(todo_.empty() && image_present_)) {
    for (size_t i = 0; i < plans_.size(); i++) Update(i, done_[i] ? "Already exists" : "Pulling fs layer");
  }
  size_t n = std::min<size_t>(todo_.size(), static_cast<size_t>(std::max(1, o_.max_concurrent)));
  for (size_t k = n; k < todo_.size(); k++) Update(todo_[k], "Waiting");
  std::vector<std::thread> threads;
  for (size_t k = 1; k < n; k++) threads.emplace_back([this] { Work(); });
  if (n > 0) Work();
  for (auto& t : threads) t.join();
  if (error_) return *error_;
  TRY(CheckInterrupted());
  return out_;
}

void Workers::Work() {
  for (;;) {
    size_t i;
    {
      std::lock_guard lock(mu_);
      if (error_ || next_ >= todo_.size()) return;
      i = todo_[next_++];
    }
    Status st = PullOne(i);
    if (!st.ok()) {
      Fail(st.error());
      return;
    }
    MarkDone(i);
  }
}

void Workers::Fail(Error e) {
  std::lock_guard lock(mu_);
  // The first failure is the story; the others are mostly "stopped".
  if (!error_ || (error_->code == Code::kCancelled && e.code != Code::kCancelled)) error_ = std::move(e);
  stop_ = true;
  cv_.notify_all();
}

void Workers::MarkDone(size_t i) {
  std::lock_guard lock(mu_);
  done_[i] = true;
  cv_.notify_all();
}

Status Workers::WaitFor(size_t i) {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return done_[i] || stop_.load(); });
  if (!done_[i]) return MakeError(Code::kCancelled, "stopped: another layer failed");
  return Ok();
}

Status Workers::PullOne(size_t i) {
  const LayerPlan& p = plans_[i];
  const Digest& d = p.blob.digest;
  for (size_t k = 0; k < i; k++) {  // the same blob twice (empty layers): the first fetches it
    if (plans_[k].blob.digest == d) {
      TRY(WaitFor(k));
      break;
    }
  }
  auto present = TRY(store_.snapshots().GetAndLease(p.chain_id, &lease_));
  auto writer = store_.content().NewWriter(
      {.lease = &lease_, .digest = d, .size = p.blob.size});
  if (!writer.ok() && writer.error().code != Code::kAlreadyExists) return writer.error();
  if (!writer.ok()) {  // the blob is here (another pull, or an earlier partial store): unpack it
    Update(i, present ? "Verifying Checksum" : "Extracting");
    FdReader local(TRY(store_.content().Open(d)));
    StopReader src(local, stop_, {});
    TRY(Stream(i, src, present));
    Update(i, "Pull complete");
    return Ok();
  }
  store::BlobWriter& w = **writer;
  int64_t resumed = w.resumed();
  // An earlier pull may have left the whole blob (stopped before its commit,
  // e.g. while waiting for the parent layer): nothing to ask the registry
  // for, and a Range from its end would only get a 416.
  std::unique_ptr<Reader> remote = std::make_unique<StringReader>("");
  if (p.blob.size < 0 || resumed < p.blob.size) {
    remote = TRY_CTX(OpenLayer(p.blob, resumed), "fetching layer " + d.str());
  }
  TeeReader tee(*remote, w);
  UniqueFd partial_fd;
  std::optional<FdReader> partial;
  if (resumed > 0) {
    partial_fd = TRY(w.OpenWritten());
    partial.emplace(partial_fd.get());
  }
  StringReader none("");
  ConcatReader joined(partial ? static_cast<Reader&>(*partial) : none, resumed, tee);
  int64_t total = p.blob.size;
  StopReader src(joined, stop_, [this, i, total](int64_t n) {
    if (n < total) Update(i, "Downloading", n, total);
    else Update(i, "Download complete");
  });
  if (resumed > 0) {
    Update(i, "Resuming download");  // a state line of its own, also in logs
  } else {
    Update(i, "Downloading", 0, total);
  }
  Status st = Stream(i, src, present);
  if (!st.ok()) {
    Code c = st.error().code;
    if (c == Code::kDataLoss || c == Code::kInvalidArgument) {
      // Bad content: if the bytes themselves do not match their digest, that
      // is the real story (a corrupt blob fails to decompress first).
      NullWriter rest;
      if (Copy(src, rest).ok()) {
        auto committed = w.Commit();
        if (!committed.ok() && committed.error().code == Code::kDataLoss) {
          return committed.error().Wrap("layer " + d.str());
        }
      }
    }
    return st;
  }
  TRY_CTX(w.Commit(), "layer " + d.str());
  Update(i, "Pull complete");
  return Ok();
}

// Decompresses src, checks the diff id and (unless present) applies the layer
// into a staging snapshot committed after the parent's. Reads src to its end.
Status Workers::Stream(size_t i, Reader& src, const std::optional<store::SnapshotInfo>& present) {
  bool unpack = !present;
  const LayerPlan& p = plans_[i];
  std::string where = "layer " + p.blob.digest.str();
  Compression c = Compression::kNone;
  auto tar = TRY_CTX(NewAutoDecompressor(src, &c), where);
  if (c != Compression::kNone && c != Compression::kGzip && c != Compression::kZstd) {
    return MakeError(Code::kInvalidArgument, where + " is " + std::string(CompressionName(c)) +
                                                 "-compressed: only plain, gzip and zstd layers are supported");
  }
  HashingReader hashed(*tar);
  std::optional<store::Staging> staging;
  int64_t size = 0;
  if (unpack) {
    staging = TRY(store_.snapshots().Prepare());
    ApplyOptions opts{.limits = TRY(ApplyLimitsFromEnv())};
    if (p.parent) {
      opts.lowers_fn = [this, i, parent = *p.parent]() -> Result<std::vector<std::string>> {
        TRY(WaitFor(i - 1));
        return store_.snapshots().LowerDirs(parent);
      };
    }
    size = static_cast<int64_t>(TRY_CTX(ApplyLayer(staging->dir(), hashed, opts), where).size);
  }
  NullWriter rest;
  TRY_CTX(Copy(hashed, rest), where);
  TRY_CTX(Copy(src, rest), where);  // a compressed stream's trailer, so the blob is whole
  Digest got = hashed.Finish();
  if (got != p.diff_id) {
    return MakeError(Code::kDataLoss, where + ": diff id mismatch: the config says " + p.diff_id.str() +
                                          ", the content is " + got.str());
  }
  if (!unpack) {
    size = present->size;
  } else {
    if (i > 0) TRY(WaitFor(i - 1));
    TRY(store_.snapshots().Commit(
        std::move(*staging),
        store::SnapshotRecord{.chain_id = p.chain_id, .diff_id = p.diff_id, .parent = p.parent, .size = size},
        &lease_));
  }
  out_[i] = PulledLayer{.record = {.diff_id = p.diff_id, .chain_id = p.chain_id, .blob = p.blob.digest,
                                   .media_type = p.blob.media_type, .blob_size = p.blob.size},
                        .size = size};
  return Ok();
}

}  // namespace

Result<std::vector<PulledLayer>> PullLayers(store::Store& store, store::Lease& lease,
                                            registry::Repository& repo,
                                            const std::vector<LayerPlan>& plans,
                                            const LayerPullOptions& options) {
  Workers w(store, lease, repo, plans, options);
  return w.Run();
}

}  // namespace berth::image
