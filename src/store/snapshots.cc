// Unpacking a layer is slow and its result is shared, so it happens once per
// chain id and lands atomically: the layer is extracted into a staging dir
// under ingest/, flushed to disk, renamed into a freshly claimed
// snapshots/<n>/ and only then recorded in the database. A crash before the
// record leaves an unreferenced dir that GC removes; the database never names
// a snapshot whose files are not there.
#include "store/snapshots.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "base/clock.h"
#include "base/file.h"

namespace berth::store {

Snapshots::Snapshots(std::string root, Metadata* metadata, Leases* leases, bool read_only)
    : snapshots_dir_(JoinPath(root, "snapshots")),
      ingest_dir_(JoinPath(root, "ingest")),
      metadata_(metadata),
      leases_(leases),
      read_only_(read_only) {}

std::string Snapshots::FsDir(int64_t id) const {
  return JoinPath(JoinPath(snapshots_dir_, std::to_string(id)), "fs");
}

SnapshotInfo Snapshots::Info(const SnapshotRow& row) const {
  return SnapshotInfo{row.id,          row.record.chain_id, row.record.diff_id,
                      row.record.parent, row.record.size,   row.created,
                      FsDir(row.id)};
}

Result<Staging> Snapshots::Prepare() {
  if (read_only_) return ReadOnlyError();
  Staging s;
  s.lease_ = leases_ != nullptr ? leases_->Acquire() : Leases::Lease();
  s.ingest_ = TRY(IngestDir::Create(ingest_dir_));
  s.fs_ = s.ingest_.Join("fs");
  if (::mkdir(s.fs_.c_str(), 0755) != 0) return ErrnoError("mkdir " + s.fs_);
  return s;
}

Result<SnapshotInfo> Snapshots::Commit(Staging&& staging_in, const SnapshotRecord& record) {
  // Own the staging here: however we leave, its ingest dir is removed.
  Staging staging = std::move(staging_in);
  if (read_only_) return ReadOnlyError();
  if (!staging.valid()) return MakeError(Code::kInvalidArgument, "commit of an empty staging");
  if (!record.chain_id.valid() || !record.diff_id.valid()) {
    return MakeError(Code::kInvalidArgument, "snapshot record without chain id or diff id");
  }
  const std::string what = "commit snapshot " + record.chain_id.str();
  if (auto existing = TRY_CTX(Get(record.chain_id), what)) return *existing;

  // 1. Flush the unpacked files: the record must never outlive them.
  {
    UniqueFd fd = TRY_CTX(OpenFile(staging.fs_, O_RDONLY | O_DIRECTORY), what);
    if (::syncfs(fd.get()) != 0) return ErrnoError(what + ": syncfs");
  }
  // 2. Claim a directory number; mkdir is the arbiter between processes.
  int64_t id = TRY_CTX(metadata_->MaxSnapshotId(), what) + 1;
  std::string dir;
  for (;; id++) {
    dir = JoinPath(snapshots_dir_, std::to_string(id));
    if (::mkdir(dir.c_str(), 0755) == 0) break;
    if (errno != EEXIST) return ErrnoError(what + ": mkdir " + dir);
  }
  // 3. Move the files in and make the rename durable.
  auto undo = [&](Error e) -> Error {
    (void)RemoveTree(dir);
    return e;
  };
  if (::rename(staging.fs_.c_str(), FsDir(id).c_str()) != 0) {
    return undo(ErrnoError(what + ": rename into " + FsDir(id)));
  }
  Status synced = SyncDir(dir);
  if (synced.ok()) synced = SyncDir(snapshots_dir_);
  if (!synced.ok()) return undo(std::move(synced).error().Wrap(what));
  // 4. Record it. A concurrent import of the same layer may have won.
  SnapshotRow row{id, record, NowNanos()};
  auto inserted = metadata_->InsertSnapshot(row);
  if (!inserted.ok()) return undo(std::move(inserted).error().Wrap(what));
  if (!*inserted) {
    (void)RemoveTree(dir);
    auto winner = TRY_CTX(Get(record.chain_id), what);
    if (!winner) return MakeError(Code::kInternal, what + ": snapshot vanished after a race");
    return *winner;
  }
  return Info(row);
}

Result<std::optional<SnapshotInfo>> Snapshots::Get(const Digest& chain_id) const {
  auto row = TRY(metadata_->GetSnapshot(chain_id));
  if (!row) return std::optional<SnapshotInfo>();
  return std::optional<SnapshotInfo>(Info(*row));
}

Result<std::vector<SnapshotInfo>> Snapshots::List() const {
  std::vector<SnapshotInfo> out;
  for (const SnapshotRow& row : TRY(metadata_->ListSnapshots())) out.push_back(Info(row));
  return out;
}

Result<std::vector<std::string>> Snapshots::LowerDirs(const Digest& top_chain_id) const {
  std::vector<std::string> dirs;
  std::optional<Digest> next = top_chain_id;
  while (next) {
    auto info = TRY(Get(*next));
    if (!info) return MakeError(Code::kNotFound, "snapshot " + next->str() + " not found");
    dirs.push_back(info->dir);
    next = info->parent;
    if (dirs.size() > 1000) {
      return MakeError(Code::kDataLoss, "snapshot chain of " + top_chain_id.str() +
                                            " is cyclic or too deep");
    }
  }
  return dirs;
}

Status Snapshots::Delete(const Digest& chain_id) {
  if (read_only_) return ReadOnlyError();
  auto row = TRY(metadata_->GetSnapshot(chain_id));
  if (!row) return Ok();
  TRY(metadata_->DeleteSnapshot(chain_id));
  return RemoveTree(JoinPath(snapshots_dir_, std::to_string(row->id)));
}

}  // namespace berth::store
