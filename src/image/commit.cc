// Commit turns a container's upper dir into an image, following the store's
// order of operations (content under a lease, then the config blob, then the
// image row and tag in one transaction). Its cost is the layer's data, so it
// touches that data as little as it can: one walk of the upper dir writes the
// tar, which is hashed and written to the blob file once (the blob's digest
// is the diff id: the layer is stored uncompressed), and handed through
// memory to a second thread that unpacks it into the snapshot. Both files are
// then flushed to disk concurrently. The data is read once and written twice
// (the blob and the snapshot, both of which the store needs), and the two
// cores share the work.
#include "image/commit.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
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
#include "tar/write_layer.h"

namespace berth::image {

namespace {

constexpr size_t kChunk = 1 << 20;
// WriteLayer of an empty dir is the end-of-archive marker alone (Docker's
// empty layer, sha256:5f70bf18...); any entry makes a tar longer.
constexpr int64_t kEmptyTarSize = 1024;

// A bounded in-memory pipe between one writing and one reading thread: 1 MiB
// chunks, at most kDepth of them in flight. Either side may end it: the
// writer with Close (its status is what the reader gets after the data), the
// reader with Abandon (the writer's next Write fails).
class ChunkPipe : public Reader {
 public:
  static constexpr size_t kDepth = 4;

  // Takes a full chunk (the writer's buffer, moved in).
  Status Push(std::string chunk) {
    std::unique_lock lock(mu_);
    changed_.wait(lock, [&] { return queue_.size() < kDepth || abandoned_; });
    if (abandoned_) {
      refused_ = true;
      return MakeError(Code::kCancelled, "layer unpacking stopped");
    }
    queue_.push_back(std::move(chunk));
    changed_.notify_all();
    return Ok();
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
  // True when a Push failed because the reader had given up.
  bool refused() {
    std::lock_guard lock(mu_);
    return refused_;
  }

  Result<size_t> Read(std::span<std::byte> buf) override {
    if (pos_ == head_.size()) {
      std::unique_lock lock(mu_);
      changed_.wait(lock, [&] { return !queue_.empty() || closed_; });
      if (queue_.empty()) {
        if (!status_.ok()) return status_.error();
        return size_t{0};
      }
      head_ = std::move(queue_.front());
      queue_.pop_front();
      pos_ = 0;
      changed_.notify_all();
    }
    size_t n = std::min(buf.size(), head_.size() - pos_);
    std::memcpy(buf.data(), head_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<std::string> queue_;
  bool closed_ = false;
  bool abandoned_ = false;
  bool refused_ = false;
  Status status_ = Ok();
  std::string head_;  // the chunk being read (reader thread only)
  size_t pos_ = 0;
};

// Gathers the layer tar into chunks; each full chunk goes to the blob (which
// hashes it) and then into the pipe.
class LayerSink : public Writer {
 public:
  LayerSink(Writer& blob, ChunkPipe& pipe) : blob_(blob), pipe_(pipe) { buf_.reserve(kChunk); }

  Status Write(std::span<const std::byte> data) override {
    while (!data.empty()) {
      size_t n = std::min(data.size(), kChunk - buf_.size());
      buf_.append(reinterpret_cast<const char*>(data.data()), n);
      data = data.subspan(n);
      if (buf_.size() == kChunk) TRY(Flush());
    }
    return Ok();
  }
  Status Flush() {
    if (buf_.empty()) return Ok();
    TRY(CheckInterrupted());
    TRY(blob_.Write(AsBytes(buf_)));
    TRY(pipe_.Push(std::exchange(buf_, std::string())));
    buf_.reserve(kChunk);
    return Ok();
  }

 private:
  Writer& blob_;
  ChunkPipe& pipe_;
  std::string buf_;
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

// Writes the upper dir's tar into the blob on a second thread while this one
// unpacks it; returns both uncommitted.
Result<ApplyStats> Stream(const std::string& upper, store::BlobWriter& blob,
                          const std::string& staging, const ApplyOptions& apply) {
  ChunkPipe pipe;
  Status written = Ok();
  std::thread writer([&] {
    LayerSink sink(blob, pipe);
    Status st = WriteLayer(upper, sink);
    if (st.ok()) st = sink.Flush();
    written = st;
    pipe.Close(std::move(st));
  });
  Result<ApplyStats> stats = ApplyLayer(staging, pipe, apply);
  pipe.Abandon();
  writer.join();
  // The first failure is the cause: the writer's (the unpacker then saw it
  // second-hand), unless the writer failed because the unpacker gave up.
  if (!written.ok() && !pipe.refused()) return written.error();
  if (!stats.ok()) return stats.error();
  if (!written.ok()) return written.error();
  return stats;
}

// Flushes the staging's filesystem while the caller fsyncs the blob, so the
// disk writes both at once; Snapshots::Commit's own syncfs then finds little.
std::thread StartSync(const std::string& dir) {
  return std::thread([dir] {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    ::syncfs(fd);  // advisory: Snapshots::Commit syncs again and checks
    ::close(fd);
  });
}

Result<Layer> StoreLayer(store::Store& store, store::Lease& lease, const CommitOptions& options,
                         const std::optional<Digest>& parent_chain) {
  ApplyOptions apply{.limits = TRY(ApplyLimitsFromEnv())};
  if (parent_chain) {
    apply.lowers_fn = [&store, &parent_chain] { return store.snapshots().LowerDirs(*parent_chain); };
  }
  auto blob = TRY(store.content().NewWriter({.lease = &lease}));
  auto staging = TRY(store.snapshots().Prepare());
  ApplyStats stats = TRY(Stream(options.upper_dir, *blob, staging.dir(), apply));
  TRY(CheckInterrupted());

  if (blob->size() == kEmptyTarSize) {  // no entries: Docker adds no layer
    blob->Discard();
    return Layer{};
  }
  std::thread sync = StartSync(staging.dir());
  Result<store::BlobInfo> info = blob->Commit();
  sync.join();
  if (!info.ok()) return info.error();
  Digest diff_id = info->digest;
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
                                            .blob_size = info->size},
               .size = static_cast<int64_t>(stats.size)};
}

}  // namespace

Result<CommitResult> Commit(store::Store& store, const CommitOptions& options) {
  ContainerConfig config = options.container_config;
  TRY(ApplyChanges(options.changes, config));  // invalid changes fail before any write
  MergeWithContainer(config, options.container_config);

  store::Lease lease = TRY(store.NewLease("commit " + options.container_id));
  Parent parent = TRY(LoadParent(store, lease, options.parent_image));
  std::optional<Digest> parent_chain;
  if (parent.record && !parent.record->layers.empty()) parent_chain = parent.record->layers.back().chain_id;
  Layer layer = TRY(StoreLayer(store, lease, options, parent_chain));

  // The config: the parent's, as Docker's NewChildImage derives it.
  int64_t now = NowNanos();
  ImageConfig c = std::move(parent.config);
  Platform host = HostPlatform();
  if (c.architecture.empty()) c.architecture = host.architecture;
  if (c.os.empty()) c.os = host.os;
  std::vector<std::string> cmd = options.container_config.cmd.value_or(std::vector<std::string>{});
  c.created = now;
  c.author = options.author;
  c.comment.clear();
  c.config = std::move(config);
  c.container_config = options.container_config;
  c.container = options.container_id;
  c.docker_version.clear();
  c.parent.clear();
  if (layer.record) c.diff_ids.push_back(layer.record->diff_id);
  c.history.push_back(HistoryEntry{.created = now,
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
