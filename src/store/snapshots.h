// Snapshots: unpacked layers, one directory <root>/snapshots/<n>/fs per chain
// id, shared by every image that has the layer. A layer is unpacked into a
// staging dir under ingest/ and becomes visible only when Commit records it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "digest/digest.h"
#include "store/content_store.h"
#include "store/ingest.h"
#include "store/lease.h"
#include "store/metadata.h"

namespace berth::store {

struct SnapshotInfo {
  int64_t id = 0;                // directory number under snapshots/
  Digest chain_id;
  Digest diff_id;
  std::optional<Digest> parent;  // parent chain id
  int64_t size = 0;
  int64_t created = 0;           // ns
  std::string dir;               // <root>/snapshots/<id>/fs, the overlay lowerdir
};

// A fresh empty directory to unpack one layer into. Movable; its destructor
// removes it unless it was committed. Holds a GC lease while alive.
class Staging {
 public:
  Staging() = default;
  Staging(Staging&&) noexcept = default;
  Staging& operator=(Staging&&) noexcept = default;

  // The directory to fill: <root>/ingest/<random>/fs.
  const std::string& dir() const { return fs_; }
  bool valid() const { return ingest_.valid(); }

 private:
  friend class Snapshots;
  IngestDir ingest_;
  std::string fs_;
  Leases::Lease lease_;
};

class Snapshots {
 public:
  // root is the store root; metadata records the snapshots; leases may be
  // null. A read-only instance refuses Prepare, Commit and Delete.
  Snapshots(std::string root, Metadata* metadata, Leases* leases, bool read_only = false);

  // A fresh empty staging dir under ingest/, locked by this process.
  Result<Staging> Prepare();

  // Makes the staging contents durable (syncfs), renames them into
  // snapshots/<n>/fs and records the snapshot. If the chain id already
  // exists (a concurrent import won), discards the staging and returns the
  // existing snapshot. InvalidArgument for an invalid staging or record.
  Result<SnapshotInfo> Commit(Staging&& staging, const SnapshotRecord& record);

  // The snapshot with this chain id, or nullopt.
  Result<std::optional<SnapshotInfo>> Get(const Digest& chain_id) const;
  // Every snapshot, ordered by id.
  Result<std::vector<SnapshotInfo>> List() const;
  // Overlay lowerdirs for a top chain id: the top layer's dir first, the base
  // layer's last. NotFound when the snapshot or one of its parents is missing.
  Result<std::vector<std::string>> LowerDirs(const Digest& top_chain_id) const;
  // Removes a snapshot: the row first, then the directory, so no row ever
  // points to a missing dir. For GC only. Absent is success.
  Status Delete(const Digest& chain_id);

  // <root>/snapshots
  const std::string& snapshots_dir() const { return snapshots_dir_; }
  // <root>/snapshots/<id>/fs
  std::string FsDir(int64_t id) const;

 private:
  SnapshotInfo Info(const SnapshotRow& row) const;

  std::string snapshots_dir_;
  std::string ingest_dir_;
  Metadata* metadata_;
  Leases* leases_;
  bool read_only_;
};

}  // namespace berth::store
