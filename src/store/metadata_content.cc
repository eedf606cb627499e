// The rows that describe content and work in progress rather than images:
// snapshots, committed blobs, leases, containers, counters and GC's pending
// removals. Garbage collection reads all of them in one transaction.
#include "store/metadata.h"

namespace berth::store {
namespace {

constexpr const char* kSnapshotColumns =
    "SELECT id, chain_id, diff_id, parent, size, created FROM snapshots";
constexpr const char* kContainerColumns =
    "SELECT id, name, image_id, chain_id, created, config FROM containers";

Result<SnapshotRow> SnapshotFromRow(const Stmt& s) {
  SnapshotRow row;
  row.id = s.Int(0);
  row.record.chain_id = TRY(s.DigestAt(1));
  row.record.diff_id = TRY(s.DigestAt(2));
  row.record.parent = TRY(s.OptionalDigestAt(3));
  row.record.size = s.Int(4);
  row.created = s.Int(5);
  return row;
}

Result<ResourceKind> ParseResourceKind(std::string_view s) {
  for (ResourceKind k : {ResourceKind::kBlob, ResourceKind::kSnapshot, ResourceKind::kImage,
                         ResourceKind::kIngest}) {
    if (ResourceKindName(k) == s) return k;
  }
  return MakeError(Code::kDataLoss, "unknown lease resource kind " + std::string(s));
}

}  // namespace

Result<bool> Metadata::InsertSnapshot(const SnapshotRow& row) {
  std::lock_guard lock(mu_);
  Stmt s = TRY(db_.Prepare(
      "INSERT INTO snapshots (chain_id, id, diff_id, parent, size, created) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(chain_id) DO NOTHING"));
  s.Bind(1, row.record.chain_id).Bind(2, row.id).Bind(3, row.record.diff_id);
  if (row.record.parent) {
    s.Bind(4, *row.record.parent);
  } else {
    s.BindNull(4);
  }
  TRY(s.Bind(5, row.record.size).Bind(6, row.created).Run());
  return db_.Changes() > 0;
}

Result<std::optional<SnapshotRow>> Metadata::GetSnapshot(const Digest& chain_id) const {
  std::lock_guard lock(mu_);
  Stmt s = TRY(db_.Prepare(std::string(kSnapshotColumns) + " WHERE chain_id = ?1"));
  s.Bind(1, chain_id);
  if (!TRY(s.Step())) return std::optional<SnapshotRow>();
  return std::optional<SnapshotRow>(TRY(SnapshotFromRow(s)));
}

Result<std::vector<SnapshotRow>> Metadata::ListSnapshots() const {
  std::lock_guard lock(mu_);
  Stmt s = TRY(db_.Prepare(std::string(kSnapshotColumns) + " ORDER BY id"));
  std::vector<SnapshotRow> out;
  while (TRY(s.Step())) out.push_back(TRY(SnapshotFromRow(s)));
  return out;
}

Status Metadata::DeleteSnapshot(const Digest& chain_id) {
  std::lock_guard lock(mu_);
  Stmt s = TRY(db_.Prepare("DELETE FROM snapshots WHERE chain_id = ?1"));
  return s.Bind(1, chain_id).Run();
}


Result<bool> Metadata::InsertBlob(const BlobRecord& blob) {
  std::lock_guard lock(mu_);
  Stmt s = TRY(db_.Prepare(
      "INSERT INTO blobs (digest, size, added) VALUES (?1, ?2, ?3) "
      "ON CONFLICT(digest) DO NOTHING"));
  TRY(s.Bind(1, blob.digest).Bind(2, blob.size).Bind(3, blob.added).Run());
  return db_.Changes() > 0;
}

Result<std::optional<BlobRecord>> Metadata::GetBlob(const Digest& digest) const {
  std::lock_guard lock(mu_);
  Stmt s = TRY(db_.Prepare("SELECT digest, size, added FROM blobs WHERE digest = ?1"));
  s.Bind(1, digest);
  if (!TRY(s.Step())) return std::optional<BlobRecord>();
  return std::optional<BlobRecord>(BlobRecord{TRY(s.DigestAt(0)), s.Int(1), s.Int(2)});
}

Result<std::vector<BlobRecord>> Metadata::ListBlobs() const {
  std::lock_guard lock(mu_);
  Stmt s = TRY(db_.Prepare("SELECT digest, size, added FROM blobs ORDER BY digest"));
  std::vector<BlobRecord> out;
  while (TRY(s.Step())) out.push_back(BlobRecord{TRY(s.DigestAt(0)), s.Int(1), s.Int(2)});
  return out;
}

Status Metadata::DeleteBlob(const Digest& digest) {
  std::lock_guard lock(mu_);
  Stmt s = TRY(db_.Prepare("DELETE FROM blobs WHERE digest = ?1"));
  return s.Bind(1, digest).Run();
}

Result<int64_t> Metadata::NextSequence(std::string_view name) {
  int64_t value = 0;
  TRY(Transaction([&]() -> Status {
    Stmt s = TRY(db_.Prepare(
        "INSERT INTO sequences (name, next) VALUES (?1, 2) "
        "ON CONFLICT(name) DO UPDATE SET next = next + 1 RETURNING next - 1"));
    s.Bind(1, name);
    if (!TRY(s.Step())) return MakeError(Code::kInternal, "sequence " + std::string(name));
    value = s.Int(0);
    return Ok();
  }));
  return value;
}

Status Metadata::RaiseSequence(std::string_view name, int64_t next) {
  std::lock_guard lock(mu_);
  Stmt s = TRY(db_.Prepare(
      "INSERT INTO sequences (name, next) VALUES (?1, ?2) "
      "ON CONFLICT(name) DO UPDATE SET next = max(next, ?2)"));
  return s.Bind(1, name).Bind(2, next).Run();
}

Result<int64_t> Metadata::CreateLease(const LeaseRecord& lease) {
  std::lock_guard lock(mu_);
  Stmt s = TRY(db_.Prepare(
      "INSERT INTO leases (pid, start_time, boot_id, label, created, expires) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id"));
  s.Bind(1, lease.owner.pid).Bind(2, lease.owner.start_time).Bind(3, lease.owner.boot_id);
  s.Bind(4, lease.label).Bind(5, lease.created).Bind(6, lease.expires);
  if (!TRY(s.Step())) return MakeError(Code::kInternal, "insert lease returned no id");
  int64_t id = s.Int(0);
  TRY(s.Run());
  for (const LeaseResource& r : lease.resources) TRY(AddLeaseResource(id, r));
  return id;
}

Status Metadata::DeleteLease(int64_t id) {
  std::lock_guard lock(mu_);
  Stmt s = TRY(db_.Prepare("DELETE FROM leases WHERE id = ?1"));
  return s.Bind(1, id).Run();
}

Status Metadata::AddLeaseResource(int64_t lease_id, const LeaseResource& r) {
  std::lock_guard lock(mu_);
  Stmt s = TRY(db_.Prepare(
      "INSERT INTO lease_resources (lease_id, kind, key) SELECT ?1, ?2, ?3 "
      "WHERE EXISTS (SELECT 1 FROM leases WHERE id = ?1) ON CONFLICT DO NOTHING"));
  TRY(s.Bind(1, lease_id).Bind(2, ResourceKindName(r.kind)).Bind(3, r.key).Run());
  if (db_.Changes() > 0) return Ok();
  Stmt q = TRY(db_.Prepare("SELECT 1 FROM leases WHERE id = ?1"));
  q.Bind(1, lease_id);
  if (!TRY(q.Step())) {
    return MakeError(Code::kNotFound, "lease " + std::to_string(lease_id) +
                                          " no longer exists (garbage collection judged it dead)");
  }
  return Ok();
}

Result<std::vector<LeaseRecord>> Metadata::ListLeases() const {
  std::lock_guard lock(mu_);
  std::vector<LeaseRecord> out;
  Stmt s = TRY(db_.Prepare(
      "SELECT id, pid, start_time, boot_id, label, created, expires FROM leases ORDER BY id"));
  while (TRY(s.Step())) {
    out.push_back(LeaseRecord{.id = s.Int(0),
                              .owner = {s.Int(1), s.Int(2), s.Text(3)},
                              .label = s.Text(4),
                              .created = s.Int(5),
                              .expires = s.Int(6)});
  }
  Stmt r = TRY(db_.Prepare(
      "SELECT lease_id, kind, key FROM lease_resources ORDER BY lease_id, kind, key"));
  size_t i = 0;
  while (TRY(r.Step())) {
    int64_t id = r.Int(0);
    while (i < out.size() && out[i].id < id) i++;
    if (i == out.size() || out[i].id != id) continue;  // cannot happen (FK)
    out[i].resources.push_back({TRY(ParseResourceKind(r.Text(1))), r.Text(2)});
  }
  return out;
}

Status Metadata::PutContainer(const ContainerRecord& c) {
  if (c.id.empty() || c.name.empty()) {
    return MakeError(Code::kInvalidArgument, "container record without id or name");
  }
  std::lock_guard lock(mu_);
  Stmt s = TRY(db_.Prepare(
      "INSERT INTO containers (id, name, image_id, chain_id, created, config) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(id) DO UPDATE SET "
      "name = ?2, image_id = ?3, chain_id = ?4, created = ?5, config = ?6"));
  s.Bind(1, c.id).Bind(2, c.name).Bind(3, c.image_id);
  if (c.chain_id) {
    s.Bind(4, *c.chain_id);
  } else {
    s.BindNull(4);
  }
  return s.Bind(5, c.created).Bind(6, c.config).Run();
}

Status Metadata::DeleteContainer(std::string_view id) {
  std::lock_guard lock(mu_);
  Stmt s = TRY(db_.Prepare("DELETE FROM containers WHERE id = ?1"));
  return s.Bind(1, id).Run();
}

Status Metadata::RenameContainer(std::string_view id, std::string_view new_name) {
  if (new_name.empty()) return MakeError(Code::kInvalidArgument, "container name is empty");
  std::lock_guard lock(mu_);
  Stmt s = TRY(db_.Prepare("UPDATE containers SET name = ?2 WHERE id = ?1"));
  TRY(s.Bind(1, id).Bind(2, new_name).Run());
  if (db_.Changes() == 0) return MakeError(Code::kNotFound, "No such container: " + std::string(id));
  return Ok();
}

Result<std::vector<ContainerRecord>> Metadata::ListContainers() const {
  std::lock_guard lock(mu_);
  Stmt s = TRY(db_.Prepare(std::string(kContainerColumns) + " ORDER BY id"));
  std::vector<ContainerRecord> out;
  while (TRY(s.Step())) {
    out.push_back(ContainerRecord{.id = s.Text(0),
                                  .name = s.Text(1),
                                  .image_id = TRY(s.DigestAt(2)),
                                  .chain_id = TRY(s.OptionalDigestAt(3)),
                                  .created = s.Int(4),
                                  .config = s.Text(5)});
  }
  return out;
}

Status Metadata::AddPending(const PendingRemoval& p) {
  std::lock_guard lock(mu_);
  Stmt s = TRY(db_.Prepare(
      "INSERT INTO gc_pending (kind, key) VALUES (?1, ?2) ON CONFLICT DO NOTHING"));
  return s.Bind(1, p.kind).Bind(2, p.key).Run();
}

Status Metadata::RemovePending(const PendingRemoval& p) {
  std::lock_guard lock(mu_);
  Stmt s = TRY(db_.Prepare("DELETE FROM gc_pending WHERE kind = ?1 AND key = ?2"));
  return s.Bind(1, p.kind).Bind(2, p.key).Run();
}

Result<std::vector<PendingRemoval>> Metadata::ListPending() const {
  std::lock_guard lock(mu_);
  Stmt s = TRY(db_.Prepare("SELECT kind, key FROM gc_pending ORDER BY kind, key"));
  std::vector<PendingRemoval> out;
  while (TRY(s.Step())) out.push_back({s.Text(0), s.Text(1)});
  return out;
}

}  // namespace berth::store
