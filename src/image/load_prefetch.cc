// Why load unpacks ahead: an archive is one stream, and its metadata may
// come last (Docker's legacy `docker save` writes manifest.json after the
// layers), so load cannot know which entry is which layer until the end.
// Reading every blob back afterwards and unpacking the layers one after
// another left one core idle while the other worked. Instead, every entry
// that looks like a layer is unpacked as it is written: a thread follows the
// growing ingest file (so the archive thread never waits for it; the bytes
// come back from the page cache) into a staging dir, hashing the
// decompressed stream for its diff id. When the archive has ended, load
// matches these results to the layers its images name; what it cannot use
// (a duplicate, a layer whose snapshot exists, something that was not a
// layer at all) is discarded with its staging dir.
#include "image/load_prefetch.h"

#include <unistd.h>

#include <algorithm>

#include "base/interrupt.h"
#include "tar/apply.h"

namespace berth::image {

void BlobFeed::Wrote(int64_t n) {
  std::lock_guard lock(mu_);
  written_ += n;
  cv_.notify_all();
}

void BlobFeed::Done(Result<store::BlobInfo> blob) {
  std::lock_guard lock(mu_);
  done_ = true;
  if (blob.ok()) {
    blob_ = *blob;
  } else {
    failed_ = true;
  }
  cv_.notify_all();
}

void BlobFeed::Cancel() {
  std::lock_guard lock(mu_);
  if (!done_) {
    done_ = true;
    failed_ = true;
  }
  cv_.notify_all();
}

Result<int64_t> BlobFeed::WaitPast(int64_t offset) {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return written_ > offset || done_; });
  if (failed_) return MakeError(Code::kCancelled, "the archive entry was not read to its end");
  return written_ - offset;
}

std::optional<store::BlobInfo> BlobFeed::Committed() const {
  std::lock_guard lock(mu_);
  if (!done_ || failed_) return std::nullopt;
  return blob_;
}

namespace {

// Reads a blob's ingest file as the archive thread writes it.
class FollowReader : public Reader {
 public:
  FollowReader(int fd, BlobFeed& feed) : fd_(fd), feed_(feed) {}
  Result<size_t> Read(std::span<std::byte> buf) override {
    TRY(CheckInterrupted());
    int64_t avail = TRY(feed_.WaitPast(offset_));
    if (avail == 0 || buf.empty()) return size_t{0};
    size_t want = static_cast<size_t>(std::min<int64_t>(avail, static_cast<int64_t>(buf.size())));
    ssize_t n = ::pread(fd_, buf.data(), want, offset_);
    if (n < 0) return ErrnoError("read the blob being loaded");
    if (n == 0) return MakeError(Code::kInternal, "the blob being loaded is shorter than written");
    offset_ += n;
    return static_cast<size_t>(n);
  }

 private:
  int fd_;
  BlobFeed& feed_;
  int64_t offset_ = 0;
};

}  // namespace

bool LooksLikeLayer(std::string_view head) {
  Compression c = DetectCompression(AsBytes(head));
  if (c == Compression::kGzip || c == Compression::kZstd) return true;
  return c == Compression::kNone && head.size() >= 263 && head.substr(257, 5) == "ustar";
}

LayerPrefetch::LayerPrefetch(store::Store& store, int jobs, size_t max_queued)
    : store_(store), max_queued_(max_queued) {
  for (int i = 0; i < std::max(1, jobs); i++) threads_.emplace_back([this] { Work(); });
}

LayerPrefetch::~LayerPrefetch() {
  {
    std::lock_guard lock(mu_);
    closing_ = true;
    queue_.clear();
    for (auto& f : feeds_) f->Cancel();
    cv_.notify_all();
  }
  for (auto& t : threads_) t.join();
}

std::shared_ptr<BlobFeed> LayerPrefetch::Start(UniqueFd fd) {
  std::lock_guard lock(mu_);
  if (closing_ || queue_.size() >= max_queued_) return nullptr;
  auto feed = std::make_shared<BlobFeed>();
  feeds_.push_back(feed);
  queue_.push_back(Job{.fd = std::move(fd), .feed = feed});
  cv_.notify_all();
  return feed;
}

void LayerPrefetch::Finish() {
  std::unique_lock lock(mu_);
  closing_ = true;
  cv_.notify_all();
  lock.unlock();
  for (auto& t : threads_) t.join();
  threads_.clear();
  // Every blob has been written by now: file the results by digest.
  for (auto& [feed, layer] : unpacked_) {
    auto blob = feed->Committed();
    if (!blob) continue;  // its entry failed: nothing to find it by
    Digest d = blob->digest;
    if (layer.status.ok() && layer.compression == Compression::kNone) layer.diff_id = d;
    done_.emplace(d, std::move(layer));
  }
  unpacked_.clear();
}

std::optional<PrefetchedLayer> LayerPrefetch::Take(const Digest& d) {
  std::lock_guard lock(mu_);
  auto it = done_.find(d);
  if (it == done_.end()) return std::nullopt;
  PrefetchedLayer out = std::move(it->second);
  done_.erase(it);
  return out;
}

void LayerPrefetch::Work() {
  BlockInterruptSignalsInThisThread();
  for (;;) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return closing_ || !queue_.empty(); });
    if (queue_.empty()) return;  // closing, nothing left
    Job job = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    PrefetchedLayer out = Unpack(job);
    lock.lock();
    unpacked_.emplace_back(job.feed, std::move(out));
  }
}

PrefetchedLayer LayerPrefetch::Unpack(Job& job) {
  PrefetchedLayer out;
  auto run = [&]() -> Status {
    FollowReader src(job.fd.get(), *job.feed);
    auto tar = TRY(NewAutoDecompressor(src, &out.compression));
    // A plain tar's diff id is its blob digest, which the writer computes.
    std::optional<HashingReader> hashed;
    Reader* in = tar.get();
    if (out.compression != Compression::kNone) in = &hashed.emplace(*tar);
    out.staging = TRY(store_.snapshots().Prepare());
    ApplyOptions opts{.limits = TRY(ApplyLimitsFromEnv())};
    opts.lowers_fn = [&out]() -> Result<std::vector<std::string>> {
      out.needs_parent = true;
      return MakeError(Code::kUnavailable, "the layer needs its parent, not known yet");
    };
    out.size = TRY(ApplyLayer(out.staging->dir(), *in, opts)).size;
    NullWriter rest;
    TRY(Copy(*in, rest));
    if (hashed) out.diff_id = hashed->Finish();
    return Ok();
  };
  out.status = run();
  if (!out.status.ok()) out.staging.reset();  // removes what was unpacked
  return out;
}

}  // namespace berth::image
