// Unpacking a layer is slow and its result is shared, so it happens once per
// chain id and lands atomically: the layer is extracted into a staging dir
// under ingest/, flushed to disk, and then, inside one metadata transaction,
// renamed into snapshots/<n>/ (n never reused) and recorded. A crash before
// the commit leaves a dir without a row that GC removes; the database never
// names a snapshot whose files are not there.
#include "store/snapshots.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "base/clock.h"
#include "base/file.h"

namespace berth::store {

Snapshots::Snapshots(std::string root, Metadata* metadata, bool read_only)
    : snapshots_dir_(JoinPath(root, "snapshots")),
      ingest_dir_(JoinPath(root, "ingest")),
      metadata_(metadata),
      read_only_(read_only) {}

std::string Snapshots::SnapshotDir(int64_t id) const {
  return JoinPath(snapshots_dir_, std::to_string(id));
}

std::string Snapshots::FsDir(int64_t id) const { return JoinPath(SnapshotDir(id), "fs"); }

SnapshotInfo Snapshots::Info(const SnapshotRow& row) const {
  return SnapshotInfo{row.id,          row.record.chain_id, row.record.diff_id,
                      row.record.parent, row.record.size,   row.created,
                      FsDir(row.id)};
}

Result<Staging> Snapshots::Prepare() {
  if (read_only_) return ReadOnlyError();
  Staging s;
  s.ingest_ = TRY(IngestDir::Create(ingest_dir_));
  s.fs_ = s.ingest_.Join("fs");
  if (::mkdir(s.fs_.c_str(), 0755) != 0) return ErrnoError("mkdir " + s.fs_);
  return s;
}

Result<SnapshotInfo> Snapshots::Commit(Staging&& staging_in, const SnapshotRecord& record,
                                       Lease* lease) {
  // Own the staging here: however we leave, its ingest dir is removed.
  Staging staging = std::move(staging_in);
  if (read_only_) return ReadOnlyError();
  if (!staging.valid()) return MakeError(Code::kInvalidArgument, "commit of an empty staging");
  if (!record.chain_id.valid() || !record.diff_id.valid()) {
    return MakeError(Code::kInvalidArgument, "snapshot record without chain id or diff id");
  }
  const std::string what = "commit snapshot " + record.chain_id.str();
  if (auto existing = TRY_CTX(GetAndLease(record.chain_id, lease), what)) return *existing;

  // 1. Flush the unpacked files (outside any lock: this is the slow part).
  {
    UniqueFd fd = TRY_CTX(OpenFile(staging.fs_, O_RDONLY | O_DIRECTORY), what);
    if (::syncfs(fd.get()) != 0) return ErrnoError(what + ": syncfs");
  }
  // 2. Under the write lock (GC's mark and move take it too): claim a
  //    directory number from the sequence (committed with the row, so a
  //    recorded number is never handed out again; a dir left by a crash is
  //    skipped), rename into place, make it durable, record it, lease it.
  std::optional<SnapshotInfo> result;
  Status st = metadata_->Transaction([&]() -> Status {
    if (auto winner = TRY(GetAndLease(record.chain_id, lease))) {
      result = *winner;  // a concurrent import of the same layer won
      return Ok();
    }
    int64_t id = 0;
    std::string dir;
    for (int tries = 0;; tries++) {
      id = TRY(metadata_->NextSequence("snapshot"));
      dir = SnapshotDir(id);
      if (::mkdir(dir.c_str(), 0700) == 0) break;
      if (errno != EEXIST || tries == 1000) return ErrnoError("mkdir " + dir);
    }
    Status moved = Ok();
    if (::rename(staging.fs_.c_str(), FsDir(id).c_str()) != 0) {
      moved = ErrnoError("rename into " + FsDir(id));
    }
    if (moved.ok()) moved = SyncDir(dir);
    if (moved.ok()) moved = SyncDir(snapshots_dir_);
    SnapshotRow row{id, record, NowNanos()};
    if (moved.ok()) {
      auto inserted = metadata_->InsertSnapshot(row);
      if (!inserted.ok()) moved = std::move(inserted).error();
    }
    if (moved.ok() && lease != nullptr) moved = lease->Add(ResourceKind::kSnapshot, record.chain_id.str());
    if (!moved.ok()) {
      (void)RemoveTree(dir);  // nothing refers to it: the row rolls back
      return moved;
    }
    result = Info(row);
    return Ok();
  });
  if (!st.ok()) return std::move(st).error().Wrap(what);
  return *result;
}

Result<std::optional<SnapshotInfo>> Snapshots::Get(const Digest& chain_id) const {
  auto row = TRY(metadata_->GetSnapshot(chain_id));
  if (!row) return std::optional<SnapshotInfo>();
  return std::optional<SnapshotInfo>(Info(*row));
}

Result<std::optional<SnapshotInfo>> Snapshots::GetAndLease(const Digest& chain_id,
                                                           Lease* lease) {
  if (lease == nullptr || !lease->valid()) return Get(chain_id);
  std::optional<SnapshotInfo> info;
  TRY(metadata_->Transaction([&]() -> Status {
    info = TRY(Get(chain_id));
    if (info) TRY(lease->Add(ResourceKind::kSnapshot, chain_id.str()));
    return Ok();
  }));
  return info;
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

}  // namespace berth::store
