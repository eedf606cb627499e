// Content is shared (a layer blob or snapshot belongs to every image that
// lists it) and writes are content-first, so removing an image or surviving
// a crash leaves content nobody references. Rather than reference counting,
// which a crash would tear, GC recomputes what is live from the database
// each time: anything the image rows do not reach is garbage. Deletions go
// rows-first so the database never points at removed content.
#include "store/gc.h"

#include <dirent.h>
#include <sys/stat.h>

#include <map>
#include <set>
#include <unordered_set>

#include "base/file.h"
#include "base/strings.h"

namespace berth::store {
namespace {

// Entry names of a directory (without "." and "..").
Result<std::vector<std::string>> ListDir(const std::string& path) {
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) {
    if (errno == ENOENT) return std::vector<std::string>();
    return ErrnoError("list " + path);
  }
  std::vector<std::string> names;
  errno = 0;
  while (struct dirent* e = ::readdir(dir)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(std::move(name));
  }
  int err = errno;
  ::closedir(dir);
  if (err != 0) return ErrnoError("list " + path, err);
  return names;
}

int64_t UsageOf(const std::string& path) {
  auto du = DiskUsage(path);
  return du.ok() ? static_cast<int64_t>(*du) : 0;
}

}  // namespace

Result<GcStats> SweepUnreferenced(ContentStore& content, Snapshots& snapshots,
                                  Metadata& metadata) {
  GcStats stats;
  // 1. Mark from the image rows.
  std::unordered_set<Digest> live_blobs;
  std::unordered_set<Digest> live_chains;
  for (const ImageRecord& img : TRY(metadata.ListImages())) {
    live_blobs.insert(img.id);
    if (img.manifest_digest) live_blobs.insert(*img.manifest_digest);
    for (const LayerRecord& l : img.layers) {
      live_blobs.insert(l.blob);
      live_chains.insert(l.chain_id);
    }
  }
  std::vector<SnapshotRow> rows = TRY(metadata.ListSnapshots());
  std::map<Digest, std::optional<Digest>> parent_of;
  for (const SnapshotRow& r : rows) parent_of[r.record.chain_id] = r.record.parent;
  std::vector<Digest> pending(live_chains.begin(), live_chains.end());
  while (!pending.empty()) {  // parents of live snapshots are live
    Digest c = pending.back();
    pending.pop_back();
    auto it = parent_of.find(c);
    if (it != parent_of.end() && it->second && live_chains.insert(*it->second).second) {
      pending.push_back(*it->second);
    }
  }

  // 2. Sweep blobs.
  for (const Digest& d : TRY(content.List())) {
    if (live_blobs.count(d) != 0) continue;
    auto size = content.Size(d);
    TRY_CTX(content.Delete(d), "garbage collection");
    stats.blobs_removed.push_back(d);
    if (size.ok()) stats.bytes_reclaimed += *size;
  }

  // 3. Sweep snapshot rows (row first, then dir), then dirs without a row.
  std::set<std::string> live_ids;
  for (const SnapshotRow& r : rows) {
    if (live_chains.count(r.record.chain_id) != 0) {
      live_ids.insert(std::to_string(r.id));
      continue;
    }
    int64_t bytes = r.record.size;  // recorded at commit; no second walk of the tree
    TRY_CTX(snapshots.Delete(r.record.chain_id), "garbage collection");
    stats.snapshots_removed.push_back(r.record.chain_id);
    stats.bytes_reclaimed += bytes;
  }
  for (const std::string& name : TRY(ListDir(snapshots.snapshots_dir()))) {
    if (live_ids.count(name) != 0 || !ParseInt(name)) continue;
    std::string dir = JoinPath(snapshots.snapshots_dir(), name);
    int64_t bytes = UsageOf(dir);
    TRY_CTX(RemoveTree(dir), "garbage collection");
    stats.dirs_removed.push_back(dir);
    stats.bytes_reclaimed += bytes;
  }

  // 4. Sweep ingest dirs nobody holds the lock of.
  for (const std::string& name : TRY(ListDir(content.ingest_dir()))) {
    std::string dir = JoinPath(content.ingest_dir(), name);
    struct stat st;
    if (::lstat(dir.c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      auto claim = TRY_CTX(IngestDir::TryClaim(dir), "garbage collection");
      if (!claim) continue;  // a live writer holds it
      int64_t bytes = UsageOf(dir);
      TRY_CTX(RemoveTree(dir), "garbage collection");  // still holding the lock
      stats.bytes_reclaimed += bytes;
    } else {
      stats.bytes_reclaimed += S_ISREG(st.st_mode) ? st.st_size : 0;
      TRY_CTX(RemoveAll(dir), "garbage collection");
    }
    stats.dirs_removed.push_back(dir);
  }
  return stats;
}

}  // namespace berth::store
