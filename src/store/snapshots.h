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
// removes it unless it was committed. Its ingest dir's lock keeps GC away.
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
};

class Snapshots {
 public:
  // root is the store root; metadata records the snapshots. A read-only
  // instance refuses Prepare and Commit.
  Snapshots(std::string root, Metadata* metadata, bool read_only = false);

  // A fresh empty staging dir under ingest/, locked by this process.
  Result<Staging> Prepare();

  // Makes the staging contents durable (syncfs), then in one metadata
  // transaction renames them into snapshots/<n>/fs (n from a sequence, never
  // reused), fsyncs, records the snapshot and adds it to lease. If the chain
  // id already exists (a concurrent import won), discards the staging and
  // returns the existing snapshot (leased too). InvalidArgument for an
  // invalid staging or record.
  Result<SnapshotInfo> Commit(Staging&& staging, const SnapshotRecord& record,
                              Lease* lease = nullptr);

  // The snapshot with this chain id, or nullopt.
  Result<std::optional<SnapshotInfo>> Get(const Digest& chain_id) const;
  // As Get, and when it exists adds it to lease, atomically with respect to
  // GC: a snapshot returned here stays until the lease ends.
  Result<std::optional<SnapshotInfo>> GetAndLease(const Digest& chain_id, Lease* lease);
  // Every snapshot, ordered by id.
  Result<std::vector<SnapshotInfo>> List() const;
  // Overlay lowerdirs for a top chain id: the top layer's dir first, the base
  // layer's last. NotFound when the snapshot or one of its parents is missing.
  Result<std::vector<std::string>> LowerDirs(const Digest& top_chain_id) const;
  // <root>/snapshots
  const std::string& snapshots_dir() const { return snapshots_dir_; }
  // <root>/snapshots/<id>/fs
  std::string FsDir(int64_t id) const;
  // <root>/snapshots/<id>
  std::string SnapshotDir(int64_t id) const;

 private:
  SnapshotInfo Info(const SnapshotRow& row) const;

  std::string snapshots_dir_;
  std::string ingest_dir_;
  Metadata* metadata_;
  bool read_only_;
};

}  // namespace berth::store
