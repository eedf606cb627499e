// LayerPrefetch: `load` unpacks layers while its archive is still streaming
// in, instead of reading every blob back after the archive ends.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/fd.h"
#include "base/io.h"
#include "base/result.h"
#include "compress/compression.h"
#include "digest/digest.h"
#include "store/store.h"

namespace berth::image {

// What the archive reader knows about one blob while it writes it: the bytes
// in the ingest file so far, and how the write ended. Shared between the
// writer (the archive thread) and one unpacker thread.
class BlobFeed {
 public:
  // The writer appended n bytes to the file.
  void Wrote(int64_t n);
  // The write ended: the committed blob, or the failure (the unpacker stops).
  void Done(Result<store::BlobInfo> blob);
  // Stops the unpacker's reads (load is failing).
  void Cancel();

  // Blocks until bytes past offset are written or the write ends. Returns
  // the bytes available past offset (0 at the end of a finished blob);
  // kCancelled when the write failed or was cancelled.
  Result<int64_t> WaitPast(int64_t offset);
  // The committed blob; nullopt while writing or after a failure.
  std::optional<store::BlobInfo> Committed() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int64_t written_ = 0;
  bool done_ = false;
  bool failed_ = false;
  store::BlobInfo blob_{};
};

// The outcome of unpacking one blob ahead of knowing its place in an image.
struct PrefetchedLayer {
  Status status = Ok();
  bool needs_parent = false;       // the unpack stopped at a hardlink into a lower layer
  Compression compression = Compression::kNone;
  Digest diff_id{};                // of the decompressed stream
  uint64_t size = 0;               // Docker's layer size
  std::optional<store::Staging> staging{};  // the unpacked tree, not yet a snapshot
};

// A small pool of threads, each unpacking one blob into a staging dir as the
// archive thread writes it. A layer is unpacked without its parents (they
// may come later in the archive, or not be known until manifest.json at the
// end): if it needs one (a hardlink to a file in a lower layer) the unpack
// stops (needs_parent) and `load` unpacks it again afterwards.
class LayerPrefetch {
 public:
  // jobs: unpacking threads; max_queued: blobs waiting for a thread beyond
  // which Start declines (each holds a file descriptor).
  LayerPrefetch(store::Store& store, int jobs, size_t max_queued = 16);
  ~LayerPrefetch();  // cancels what is running and joins
  LayerPrefetch(const LayerPrefetch&) = delete;
  LayerPrefetch& operator=(const LayerPrefetch&) = delete;

  // Queues the blob whose ingest file is fd (opened for reading) for
  // unpacking; the caller reports its writes to the returned feed. nullptr
  // when the queue is full (the blob is then unpacked after the archive).
  std::shared_ptr<BlobFeed> Start(UniqueFd fd);

  // Waits for every queued blob (call it after every feed is Done);
  // afterwards Take hands out the results.
  void Finish();
  // The unpacked layer for blob digest d (moved out; nullopt when none).
  std::optional<PrefetchedLayer> Take(const Digest& d);

 private:
  struct Job {
    UniqueFd fd;
    std::shared_ptr<BlobFeed> feed;
  };
  void Work();
  PrefetchedLayer Unpack(Job& job);

  store::Store& store_;
  size_t max_queued_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  std::vector<std::shared_ptr<BlobFeed>> feeds_;  // every started one, to cancel
  size_t running_ = 0;
  bool closing_ = false;
  std::vector<std::pair<std::shared_ptr<BlobFeed>, PrefetchedLayer>> unpacked_;
  std::multimap<Digest, PrefetchedLayer> done_;  // filled by Finish
  std::vector<std::thread> threads_;
};

// True when the first bytes of an archive entry look like a layer worth
// unpacking ahead: a tar header, or a gzip or zstd stream.
bool LooksLikeLayer(std::string_view head);

}  // namespace berth::image
