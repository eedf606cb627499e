// Content is shared (a layer blob or snapshot belongs to every image that
// lists it) and writes are content-first, so removing an image or surviving
// a crash leaves content nobody references. Rather than reference counting,
// which a crash would tear, GC recomputes what is live from the database
// each time. See gc.h for the steps and why no step needs a global lock.
#include "store/gc.h"

#include <sys/stat.h>

#include <map>
#include <set>
#include <unordered_set>

#include "base/clock.h"
#include "base/file.h"
#include "base/strings.h"

namespace berth::store {
namespace {

constexpr const char* kPendingBlob = "blob";
constexpr const char* kPendingSnapshot = "snapshot";

// Keyed ingest dirs are named by the hex of the blob they will hold.
bool IsKeyedIngest(const std::string& name) { return name.size() == 64 && IsHex(name); }

int64_t UsageOf(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return 0;
  if (!S_ISDIR(st.st_mode)) return S_ISREG(st.st_mode) ? st.st_size : 0;
  auto du = DiskUsage(path);
  return du.ok() ? static_cast<int64_t>(*du) : 0;
}

struct LiveSet {
  std::unordered_set<Digest> blobs;
  std::unordered_set<Digest> chains;
  std::set<std::string> ingests;
};

class Collector {
 public:
  Collector(const StoreParts& s, const GcOptions& o) : s_(s), o_(o) {}

  Result<GcStats> Run() {
    if (o_.dry_run) {
      TRY(Mark());
    } else {
      TRY(s_.metadata.Transaction([&] { return Mark(); }));
      TRY(s_.metadata.Transaction([&] { return Move(); }));
    }
    TRY(SweepIngest());
    if (o_.dry_run) {
      stats_.trash_bytes = TRY(s_.trash.Bytes());
    } else {
      Status freed = o_.free_in_background ? s_.trash.EmptyInBackground() : s_.trash.Empty();
      if (!freed.ok()) stats_.errors.push_back(freed.error().message);
    }
    return stats_;
  }

 private:
  // Step 1. Inside the write transaction unless dry_run.
  Status Mark() {
    TRY(MarkLeases());
    for (const ImageRecord& img : TRY(s_.metadata.ListImages())) AddImage(img);
    std::set<std::string> container_ids;
    for (const ContainerRecord& c : TRY(s_.metadata.ListContainers())) {
      live_.blobs.insert(c.image_id);
      if (c.chain_id) live_.chains.insert(*c.chain_id);
      container_ids.insert(c.id);
    }
    // A container dir gets its row in the transaction that renames it in,
    // and loses it before it is moved out: one without a row (here, under
    // the write lock) belongs to a command that died in between.
    std::string containers = JoinPath(DirName(s_.trash.dir()), "containers");
    for (const std::string& name : ListDir(containers).value_or(std::vector<std::string>{})) {
      if (container_ids.count(name) == 0) stray_containers_.push_back(JoinPath(containers, name));
    }
    TRY(DecideSnapshots());
    TRY(DecideBlobs());
    return Ok();
  }

  Status MarkLeases() {
    int64_t now = NowNanos();
    for (const LeaseRecord& lease : TRY(s_.metadata.ListLeases())) {
      if (!lease.Alive(now)) {
        stats_.leases_reaped++;
        if (!o_.dry_run) TRY(s_.metadata.DeleteLease(lease.id));
        continue;
      }
      for (const LeaseResource& r : lease.resources) TRY(AddResource(r));
    }
    return Ok();
  }

  Status AddResource(const LeaseResource& r) {
    if (r.kind == ResourceKind::kIngest) {
      live_.ingests.insert(r.key);
      return Ok();
    }
    auto d = Digest::Parse(r.key);
    if (!d.ok()) return Ok();  // not ours to judge; protects nothing
    if (r.kind == ResourceKind::kBlob) live_.blobs.insert(*d);
    if (r.kind == ResourceKind::kSnapshot) live_.chains.insert(*d);
    if (r.kind == ResourceKind::kImage) {
      live_.blobs.insert(*d);
      if (auto img = TRY(s_.metadata.GetImage(*d))) AddImage(*img);
    }
    return Ok();
  }

  void AddImage(const ImageRecord& img) {
    live_.blobs.insert(img.id);
    if (img.manifest_digest) live_.blobs.insert(*img.manifest_digest);
    for (const LayerRecord& l : img.layers) {
      live_.blobs.insert(l.blob);
      live_.chains.insert(l.chain_id);
    }
  }

  Status DecideSnapshots() {
    std::vector<SnapshotRow> rows = TRY(s_.metadata.ListSnapshots());
    std::map<Digest, std::optional<Digest>> parent_of;
    for (const SnapshotRow& r : rows) parent_of[r.record.chain_id] = r.record.parent;
    std::vector<Digest> pending(live_.chains.begin(), live_.chains.end());
    while (!pending.empty()) {  // parents of live snapshots are live
      auto it = parent_of.find(pending.back());
      pending.pop_back();
      if (it != parent_of.end() && it->second && live_.chains.insert(*it->second).second) {
        pending.push_back(*it->second);
      }
    }
    std::set<std::string> ids;
    for (const SnapshotRow& r : rows) {
      ids.insert(std::to_string(r.id));
      if (live_.chains.count(r.record.chain_id) != 0) continue;
      stats_.snapshots_removed.push_back(r.record.chain_id);
      stats_.bytes_reclaimed += r.record.size;  // recorded at commit: no walk
      if (o_.dry_run) continue;
      TRY(s_.metadata.DeleteSnapshot(r.record.chain_id));
      TRY(s_.metadata.AddPending({kPendingSnapshot, std::to_string(r.id)}));
    }
    // Dirs without a row: a commit that crashed before its transaction ended.
    // (Commits rename under the write lock we hold, so none is in flight.)
    for (const std::string& name : TRY(ListDir(s_.snapshots.snapshots_dir()))) {
      auto id = ParseInt(name);
      if (!id || ids.count(name) != 0) continue;
      std::string dir = s_.snapshots.SnapshotDir(*id);
      stats_.dirs_removed.push_back(dir);
      AddStray(UsageOf(dir));
      if (!o_.dry_run) TRY(s_.metadata.AddPending({kPendingSnapshot, name}));
    }
    return Ok();
  }

  Status DecideBlobs() {
    std::unordered_set<Digest> rows;
    for (const BlobRecord& b : TRY(s_.metadata.ListBlobs())) {
      rows.insert(b.digest);
      if (live_.blobs.count(b.digest) != 0) continue;
      stats_.blobs_removed.push_back(b.digest);
      stats_.bytes_reclaimed += b.size;
      if (o_.dry_run) continue;
      TRY(s_.metadata.DeleteBlob(b.digest));
      TRY(s_.metadata.AddPending({kPendingBlob, b.digest.str()}));
    }
    // Files without a row: renamed by a writer whose transaction never
    // committed. (Writers rename under the write lock we hold.)
    for (const Digest& d : TRY(s_.content.ListFiles())) {
      if (rows.count(d) != 0) continue;
      stats_.blobs_removed.push_back(d);
      AddStray(UsageOf(s_.content.Path(d)));
      if (!o_.dry_run) TRY(s_.metadata.AddPending({kPendingBlob, d.str()}));
    }
    return Ok();
  }

  // Step 2, inside a write transaction.
  Status Move() {
    for (const std::string& dir : stray_containers_) {
      stats_.dirs_removed.push_back(dir);
      Status st = s_.trash.MoveIn(dir, "container");
      if (!st.ok()) stats_.errors.push_back(st.error().message);
    }
    std::set<std::string> recorded;  // snapshot numbers with a row (never moved)
    for (const SnapshotRow& r : TRY(s_.metadata.ListSnapshots())) recorded.insert(std::to_string(r.id));
    for (const PendingRemoval& p : TRY(s_.metadata.ListPending())) {
      Status st = Ok();
      if (p.kind == kPendingBlob) {
        auto d = Digest::Parse(p.key);
        if (d.ok() && !TRY(s_.metadata.GetBlob(*d))) {
          st = s_.trash.MoveIn(s_.content.Path(*d), "blob");
        }
      } else if (p.kind == kPendingSnapshot && recorded.count(p.key) == 0) {
        if (auto id = ParseInt(p.key)) st = s_.trash.MoveIn(s_.snapshots.SnapshotDir(*id), "snapshot");
      }
      if (!st.ok()) {
        stats_.errors.push_back(st.error().message);  // stays pending for the next run
        continue;
      }
      TRY(s_.metadata.RemovePending(p));
    }
    return Ok();
  }

  // Step 3.
  Status SweepIngest() {
    const std::string& root = s_.content.ingest_dir();
    auto grace = std::chrono::duration_cast<std::chrono::nanoseconds>(o_.resumable_grace).count();
    int64_t now = NowNanos();
    for (const std::string& name : TRY(ListDir(root))) {
      std::string dir = JoinPath(root, name);
      auto claim = IngestDir::TryClaim(dir);
      if (!claim.ok()) {
        stats_.errors.push_back(claim.error().message);
        continue;
      }
      if (!*claim) continue;  // a live writer holds it
      if (IsKeyedIngest(name) && (live_.ingests.count(name) != 0 || Mtime(dir) + grace > now)) continue;
      stats_.dirs_removed.push_back(dir);
      AddStray(UsageOf(dir));
      if (o_.dry_run) continue;
      Status st = s_.trash.MoveIn(dir, "ingest");  // still holding its lock
      if (!st.ok()) stats_.errors.push_back(st.error().message);
    }
    return Ok();
  }

  void AddStray(int64_t bytes) {
    stats_.bytes_reclaimed += bytes;
    stats_.stray_bytes += bytes;
  }

  // Latest modification of an ingest dir's data (or the dir itself), in ns.
  static int64_t Mtime(const std::string& dir) {
    struct stat st;
    if (::stat(JoinPath(dir, "data").c_str(), &st) != 0 && ::stat(dir.c_str(), &st) != 0) return 0;
    return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  }

  const StoreParts& s_;
  const GcOptions& o_;
  LiveSet live_;
  std::vector<std::string> stray_containers_;  // container dirs without a row
  GcStats stats_;
};

}  // namespace

Result<GcStats> CollectGarbage(const StoreParts& store, const GcOptions& options) {
  return Collector(store, options).Run();
}

Result<bool> MayHaveGarbage(const StoreParts& store) {
  if (!TRY(store.metadata.ListPending()).empty()) return true;
  int64_t now = NowNanos();
  for (const LeaseRecord& lease : TRY(store.metadata.ListLeases())) {
    if (!lease.Alive(now)) return true;
  }
  if (TRY(store.trash.Count()) > 0) return true;
  const std::string& root = store.content.ingest_dir();
  for (const std::string& name : TRY(ListDir(root))) {
    if (IsKeyedIngest(name)) continue;  // resumable: judged by a full run
    auto claim = IngestDir::TryClaim(JoinPath(root, name));
    if (claim.ok() && *claim) return true;
  }
  return false;
}

}  // namespace berth::store
