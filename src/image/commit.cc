// Commit turns a container's upper dir into an image, following the store's
// order of operations (content under a lease, then the config blob, then the
// image row and tag in one transaction). Its cost is the layer's data, so it
// touches that data as little as it can: one walk of the upper dir makes the
// tar, which goes through memory, in 1 MiB chunks, to the blob (hashed once:
// the layer is stored uncompressed, so the blob's digest is the diff id) and
// then to the unpacker that makes the snapshot; each stage has its own
// thread. Both copies are written with O_DIRECT: a committed layer is read
// back rarely, and making page cache pages for 2x its size cost more than
// the writes themselves (fresh pages are slow to get on VMs), while the
// durable commit waits for the disk anyway.
#include "image/commit.h"

#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <new>
#include <thread>

#include "base/clock.h"
#include "base/interrupt.h"
#include "base/strings.h"
#include "image/changes.h"
#include "image/resolve.h"
#include "oci/chain_id.h"
#include "oci/image_config.h"
#include "oci/media_types.h"
#include "oci/platform.h"
#include "tar/apply.h"
#include "tar/layer_size.h"
#include "tar/write_layer.h"

namespace berth::image {

namespace {

constexpr size_t kChunk = 1 << 20;
// WriteLayer of an empty dir is the end-of-archive marker alone (Docker's
// empty layer, sha256:5f70bf18...); any entry makes a tar longer.
constexpr int64_t kEmptyTarSize = 1024;

// A kChunk buffer aligned for O_DIRECT, so the blob writer can write it
// without the page cache.
class Chunk {
 public:
  Chunk() : data_(static_cast<std::byte*>(std::aligned_alloc(4096, kChunk)), &std::free) {
    if (!data_) throw std::bad_alloc();
  }
  std::span<const std::byte> bytes() const { return {data_.get(), size_}; }
  size_t size() const { return size_; }
  size_t room() const { return kChunk - size_; }
  void Append(std::span<const std::byte> d) {
    std::memcpy(data_.get() + size_, d.data(), d.size());
    size_ += d.size();
  }
  void Clear() { size_ = 0; }

 private:
  std::unique_ptr<std::byte, decltype(&std::free)> data_;
  size_t size_ = 0;
};

// Chunks done with, for reuse: their memory is warm, a new one's is not.
class ChunkPool {
 public:
  Chunk Get() {
    std::unique_lock lock(mu_);
    if (free_.empty()) {
      lock.unlock();
      return Chunk();
    }
    Chunk c = std::move(free_.back());
    free_.pop_back();
    c.Clear();
    return c;
  }
  void Put(Chunk c) {
    std::lock_guard lock(mu_);
    free_.push_back(std::move(c));
  }

 private:
  std::mutex mu_;
  std::vector<Chunk> free_;
};

// A bounded queue of chunks from one thread to the next. Either side may end
// it: the sender with Close (its status is what the receiver gets after the
// chunks), the receiver with Abandon (the sender's next Push fails).
class ChunkQueue {
 public:
  static constexpr size_t kDepth = 4;

  Status Push(Chunk chunk) {
    std::unique_lock lock(mu_);
    changed_.wait(lock, [&] { return queue_.size() < kDepth || abandoned_; });
    if (abandoned_) {
      refused_ = true;
      return MakeError(Code::kCancelled, "layer writing stopped");
    }
    queue_.push_back(std::move(chunk));
    changed_.notify_all();
    return Ok();
  }
  // The next chunk; nullopt at the end, with *end the sender's status.
  std::optional<Chunk> Pop(Status* end) {
    std::unique_lock lock(mu_);
    changed_.wait(lock, [&] { return !queue_.empty() || closed_; });
    if (queue_.empty()) {
      *end = status_;
      return std::nullopt;
    }
    Chunk c = std::move(queue_.front());
    queue_.pop_front();
    changed_.notify_all();
    return c;
  }
  void Close(Status status) {
    std::lock_guard lock(mu_);
    closed_ = true;
    status_ = std::move(status);
    changed_.notify_all();
  }
  void Abandon() {
    std::lock_guard lock(mu_);
    abandoned_ = true;
    changed_.notify_all();
  }
  // True when a Push failed because the receiver had given up.
  bool refused() {
    std::lock_guard lock(mu_);
    return refused_;
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<Chunk> queue_;
  bool closed_ = false;
  bool abandoned_ = false;
  bool refused_ = false;
  Status status_ = Ok();
};

// Reads the chunks of a queue as one stream (for ApplyLayer).
class QueueReader : public Reader {
 public:
  QueueReader(ChunkQueue& queue, ChunkPool& pool) : queue_(queue), pool_(pool) {}

  Result<size_t> Read(std::span<std::byte> buf) override {
    if (!head_ || pos_ == head_->size()) {
      if (head_) pool_.Put(std::move(*head_));
      Status end = Ok();
      head_ = queue_.Pop(&end);
      pos_ = 0;
      if (!head_) {
        if (!end.ok()) return end.error();
        return size_t{0};
      }
    }
    size_t n = std::min(buf.size(), head_->size() - pos_);
    std::memcpy(buf.data(), head_->bytes().data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  ChunkQueue& queue_;
  ChunkPool& pool_;
  std::optional<Chunk> head_;
  size_t pos_ = 0;
};

// Cuts the layer tar into chunks for a queue.
class ChunkSink : public Writer {
 public:
  ChunkSink(ChunkQueue& queue, ChunkPool& pool) : queue_(queue), pool_(pool), buf_(pool.Get()) {}

  Status Write(std::span<const std::byte> data) override {
    while (!data.empty()) {
      size_t n = std::min(data.size(), buf_.room());
      buf_.Append(data.first(n));
      data = data.subspan(n);
      if (buf_.room() == 0) TRY(Flush());
    }
    return Ok();
  }
  Status Flush() {
    if (buf_.size() == 0) return Ok();
    TRY(CheckInterrupted());
    return queue_.Push(std::exchange(buf_, pool_.Get()));
  }

 private:
  ChunkQueue& queue_;
  ChunkPool& pool_;
  Chunk buf_;
};

// dockerd's merge() of the changed config with the container's: fills what
// the changes left empty (only Cmd/Entrypoint and Healthcheck fields can be).
void MergeWithContainer(ContainerConfig& c, const ContainerConfig& container) {
  if (c.user.empty()) c.user = container.user;
  if (c.exposed_ports.empty()) c.exposed_ports = container.exposed_ports;
  if (c.env.empty()) c.env = container.env;
  for (const auto& [k, v] : container.labels) c.labels.try_emplace(k, v);
  if (!c.entrypoint || c.entrypoint->empty()) {
    if (!c.cmd || c.cmd->empty()) c.cmd = container.cmd;
    if (!c.entrypoint) c.entrypoint = container.entrypoint;
  }
  if (container.healthcheck.is_object()) {
    if (!c.healthcheck.is_object()) {
      c.healthcheck = container.healthcheck;
    } else {
      for (const char* key : {"Test", "Interval", "Timeout", "StartPeriod", "Retries"}) {
        const Json& v = c.healthcheck.contains(key) ? c.healthcheck[key] : Json();
        bool unset = v.is_null() || (v.is_array() && v.empty()) || (v.is_number() && v == 0);
        if (unset && container.healthcheck.contains(key)) c.healthcheck[key] = container.healthcheck[key];
      }
    }
  }
  if (c.working_dir.empty()) c.working_dir = container.working_dir;
  c.volumes.insert(container.volumes.begin(), container.volumes.end());
  if (c.stop_signal.empty()) c.stop_signal = container.stop_signal;
}

struct Parent {
  std::optional<store::ImageRecord> record;
  ImageConfig config;
};

Result<Parent> LoadParent(store::Store& store, store::Lease& lease, const std::optional<Digest>& id) {
  Parent p;
  if (!id) return p;  // scratch
  TRY(lease.Add(store::ResourceKind::kImage, id->str()));  // before reading: rmi keeps off
  p.record = TRY(store.metadata().GetImage(*id));
  if (!p.record) return MakeError(Code::kNotFound, "No such image: " + id->str());
  p.config = TRY(ImageConfig::Parse(TRY(store.content().ReadSmall(*id))));
  return p;
}

struct Layer {
  std::optional<store::LayerRecord> record;  // nullopt: the empty layer
  int64_t size = 0;
};

// The layer in three stages, each on its own thread so that hashing and the
// disk writes overlap: the upper dir's tar is cut into chunks; each chunk is
// written to the blob (which hashes it); then unpacked into the staging dir.
// Returns both uncommitted. The first failure is reported: a stage that
// failed only because a later one gave up is not the cause.
// For an adopted upper dir: the tar only goes to the blob; the dir itself
// becomes the snapshot.
Result<ApplyStats> Drain(Reader& tar, const std::string& upper) {
  std::vector<std::byte> buf(kChunk);
  while (TRY(tar.Read(buf)) > 0) {
  }
  return ApplyStats{.size = TRY(LayerSize(upper))};
}

Result<ApplyStats> Stream(const std::string& upper, std::optional<int64_t> max_mtime,
                          store::BlobWriter& blob, const std::string& staging,
                          const ApplyOptions& apply, bool adopt) {
  ChunkPool pool;
  ChunkQueue tar_q, blob_q;
  Status tar_st = Ok(), blob_st = Ok();
  std::thread tar([&] {
    ChunkSink sink(tar_q, pool);
    Status st = WriteLayer(upper, sink, max_mtime);
    if (st.ok()) st = sink.Flush();
    tar_st = st;
    tar_q.Close(std::move(st));
  });
  std::thread blobs([&] {
    Status end = Ok();
    while (auto c = tar_q.Pop(&end)) {
      Status st = blob.Write(c->bytes());
      if (st.ok()) st = blob_q.Push(std::move(*c));
      if (!st.ok()) {
        blob_st = st;
        tar_q.Abandon();
        blob_q.Close(std::move(st));
        return;
      }
    }
    blob_q.Close(std::move(end));
  });
  QueueReader reader(blob_q, pool);
  Result<ApplyStats> stats = adopt ? Drain(reader, upper) : ApplyLayer(staging, reader, apply);
  blob_q.Abandon();
  blobs.join();
  tar.join();
  if (!tar_st.ok() && !tar_q.refused()) return tar_st.error();
  if (!blob_st.ok() && !blob_q.refused()) return blob_st.error();
  if (!stats.ok()) return stats.error();
  return stats;
}

Result<Layer> StoreLayer(store::Store& store, store::Lease& lease, const CommitOptions& options,
                         const std::optional<Digest>& parent_chain) {
  ApplyOptions apply{.limits = TRY(ApplyLimitsFromEnv()), .direct_io = true};
  if (parent_chain) {
    apply.lowers_fn = [&store, &parent_chain] { return store.snapshots().LowerDirs(*parent_chain); };
  }
  auto blob = TRY(store.content().NewWriter({.lease = &lease, .direct = true}));
  auto staging = TRY(store.snapshots().Prepare());
  // A SOURCE_DATE_EPOCH layer is unpacked from its (clamped) tar, so the
  // snapshot holds the times the layer says.
  bool adopt = options.adopt_upper && !options.source_date_epoch;
  ApplyStats stats = TRY(Stream(options.upper_dir, options.source_date_epoch, *blob, staging.dir(), apply, adopt));
  TRY(CheckInterrupted());
  if (adopt && blob->size() != kEmptyTarSize) {
    if (::rmdir(staging.dir().c_str()) != 0 || ::rename(options.upper_dir.c_str(), staging.dir().c_str()) != 0) {
      return ErrnoError("move " + options.upper_dir + " into the snapshot");
    }
  }

  if (blob->size() == kEmptyTarSize) {  // no entries: Docker adds no layer
    blob->Discard();
    return Layer{};
  }
  store::BlobInfo info = TRY(blob->Commit());
  Digest diff_id = info.digest;
  // ChainId's recursion: sha256(parent's chain id + " " + diff id).
  Digest chain_id = parent_chain ? ChainId({*parent_chain, diff_id}, 2) : diff_id;
  TRY(store.snapshots().Commit(std::move(staging),
                               store::SnapshotRecord{.chain_id = chain_id,
                                                     .diff_id = diff_id,
                                                     .parent = parent_chain,
                                                     .size = static_cast<int64_t>(stats.size)},
                               &lease));
  return Layer{.record = store::LayerRecord{.diff_id = diff_id,
                                            .chain_id = chain_id,
                                            .blob = diff_id,
                                            .media_type = std::string(kOciLayer),
                                            .blob_size = info.size},
               .size = static_cast<int64_t>(stats.size)};
}

}  // namespace

Result<CommitResult> Commit(store::Store& store, const CommitOptions& options) {
  ContainerConfig config = options.container_config;
  if (options.image_config) {
    config = *options.image_config;
  } else {
    TRY(ApplyChanges(options.changes, config));  // invalid changes fail before any write
    MergeWithContainer(config, options.container_config);
  }

  store::Lease lease = TRY(store.NewLease("commit " + options.container_id));
  Parent parent = TRY(LoadParent(store, lease, options.parent_image));
  std::optional<Digest> parent_chain;
  if (parent.record && !parent.record->layers.empty()) parent_chain = parent.record->layers.back().chain_id;
  Layer layer = TRY(StoreLayer(store, lease, options, parent_chain));

  // The config: the parent's, as Docker's NewChildImage derives it.
  int64_t now = NowNanos();
  int64_t created = options.source_date_epoch ? *options.source_date_epoch * 1'000'000'000 : now;
  ImageConfig c = std::move(parent.config);
  Platform host = HostPlatform();
  if (c.architecture.empty()) c.architecture = host.architecture;
  if (c.os.empty()) c.os = host.os;
  std::vector<std::string> cmd = options.container_config.cmd.value_or(std::vector<std::string>{});
  c.created = created;
  c.author = options.author;
  c.comment.clear();
  c.config = std::move(config);
  c.container_config = options.container_config;
  c.container = options.source_date_epoch ? "" : options.container_id;
  c.docker_version.clear();
  c.parent.clear();
  if (layer.record) c.diff_ids.push_back(layer.record->diff_id);
  c.history.push_back(HistoryEntry{.created = created,
                                   .created_by = Join(cmd, " "),
                                   .author = options.author,
                                   .comment = options.message,
                                   .empty_layer = !layer.record});
  store::BlobInfo cfg = TRY(store.content().Put(c.ToJson(), &lease));

  store::ImageRecord rec{.id = cfg.digest, .created = now, .added = now,
                         .parent = options.parent_image ? options.parent_image->str() : ""};
  if (parent.record) {
    rec.layers = parent.record->layers;
    rec.size = parent.record->size;
  }
  if (layer.record) rec.layers.push_back(*layer.record);
  rec.size += layer.size;
  TRY(store.metadata().Transaction([&]() -> Status {
    TRY(store.metadata().PutImage(rec));
    if (options.tag) TRY(Tag(store, cfg.digest, *options.tag));
    return Ok();
  }));
  return CommitResult{.id = cfg.digest, .empty_layer = !layer.record, .layer_size = layer.size,
                      .size = rec.size};
}

}  // namespace berth::image
