// Metadata: the SQLite index of what the store holds (images, their layers,
// tags, repo digests, committed blobs, snapshot records, containers) and of
// work in progress (leases, removals GC has decided but not yet done). Rows
// are written only after the content they point to is durable.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "digest/digest.h"
#include "store/lease.h"
#include "store/sqlite.h"

namespace berth::store {

// PRAGMA user_version of a store this code creates and understands.
// 1: images, layers, tags, repo digests, snapshots.
// 2: + blobs, leases, lease_resources, containers, sequences, gc_pending.
inline constexpr int kSchemaVersion = 2;

struct LayerRecord {
  Digest diff_id{};           // sha256 of the uncompressed layer tar
  Digest chain_id{};          // key of the layer's snapshot
  Digest blob{};              // compressed blob digest, as in the manifest
  std::string media_type{};   // media type of blob
  int64_t blob_size = 0;

  bool operator==(const LayerRecord&) const = default;
};

struct ImageRecord {
  Digest id{};                               // config blob digest
  std::optional<Digest> manifest_digest{};   // manifest blob, when there is one
  int64_t created = 0;                     // ns from the config, 0 if none
  int64_t added = 0;                       // ns when stored
  int64_t size = 0;                        // sum of layer sizes
  std::string parent{};                      // parent image id for build/commit, "" if none
  std::vector<LayerRecord> layers{};         // base layer first

  bool operator==(const ImageRecord&) const = default;
};

struct TagRecord {
  std::string name{};  // full normalized "docker.io/library/ubuntu:latest"; opaque here
  Digest image_id{};
  int64_t tagged_at = 0;

  bool operator==(const TagRecord&) const = default;
};

struct RepoDigestRecord {
  std::string name{};  // "docker.io/library/ubuntu@sha256:..."
  Digest image_id{};

  bool operator==(const RepoDigestRecord&) const = default;
};

// What a snapshot is: written by Snapshots::Commit.
struct SnapshotRecord {
  Digest chain_id{};
  Digest diff_id{};
  std::optional<Digest> parent{};  // parent chain id; nullopt for a base layer
  int64_t size = 0;              // bytes as Docker counts them (files + symlink targets)

  bool operator==(const SnapshotRecord&) const = default;
};

// A snapshot row: the record plus its directory number and creation time.
struct SnapshotRow {
  int64_t id = 0;  // <root>/snapshots/<id>
  SnapshotRecord record;
  int64_t created = 0;
};

// A committed blob: the file blobs/sha256/<hex> exists, complete and durable.
struct BlobRecord {
  Digest digest{};
  int64_t size = 0;
  int64_t added = 0;  // ns

  bool operator==(const BlobRecord&) const = default;
};

// A container (filled by `run`/`create`): a GC root for its image and for
// the snapshot chain its root filesystem is stacked on.
struct ContainerRecord {
  std::string id{};                  // 64 hex
  std::string name{};                // unique, without the leading '/'
  Digest image_id{};
  std::optional<Digest> chain_id{};  // top snapshot of its rootfs; nullopt for scratch
  int64_t created = 0;               // ns
  std::string config{};              // JSON owned by the runtime module

  bool operator==(const ContainerRecord&) const = default;
};

// Something GC decided to delete (its row is already gone) but has not yet
// moved to the trash. kind "blob" with a digest, or "snapshot" with the
// directory number.
struct PendingRemoval {
  std::string kind{};
  std::string key{};

  bool operator==(const PendingRemoval&) const = default;
  auto operator<=>(const PendingRemoval&) const = default;
};
class Metadata {
 public:
  // Opens (creating when missing and !read_only) the database at path with
  // WAL, busy_timeout 10s, foreign keys and synchronous=FULL, and creates,
  // upgrades or checks the schema. The file is made 0600. blob_dir is where
  // the store keeps blobs: upgrading a version 1 store records a blob row
  // for each file there (version 1 trusted files; version 2 trusts rows).
  // NotFound when read_only and the file is absent; Unimplemented when the
  // schema is newer than kSchemaVersion.
  static Result<std::unique_ptr<Metadata>> Open(const std::string& path, bool read_only = false,
                                                const std::string& blob_dir = "");

  // Runs body inside one transaction (a savepoint when nested): committed
  // when body returns Ok, rolled back (and body's error returned) otherwise.
  // Serialises with other threads using this object for the duration.
  Status Transaction(const std::function<Status()>& body);

  // Images. PutImage inserts or replaces the image and its layer rows.
  Status PutImage(const ImageRecord& image);
  Result<std::optional<ImageRecord>> GetImage(const Digest& id) const;
  // All images, ordered by id. A fixed number of queries however many images.
  Result<std::vector<ImageRecord>> ListImages() const;
  // Ids whose hex starts with hex_prefix (lowercase hex, 1..64 chars), ordered.
  // InvalidArgument for an empty or non-hex prefix.
  Result<std::vector<Digest>> FindImagesByPrefix(std::string_view hex_prefix) const;
  // Deletes the image with its layer rows, tags and repo digests; NotFound if absent.
  Status DeleteImage(const Digest& id);

  // Tags. SetTag inserts or moves a tag; NotFound when the image is absent.
  Status SetTag(const TagRecord& tag);
  // NotFound when no such tag.
  Status RemoveTag(std::string_view name);
  Result<std::optional<TagRecord>> GetTag(std::string_view name) const;
  Result<std::vector<TagRecord>> ListTags() const;  // ordered by name
  Result<std::vector<TagRecord>> TagsOf(const Digest& image) const;

  // Repo digests ("name@sha256:..." the image was pulled by). Add is an
  // upsert; NotFound when the image is absent. Remove: NotFound when absent.
  Status AddRepoDigest(const RepoDigestRecord& record);
  Status RemoveRepoDigest(std::string_view name);
  Result<std::vector<RepoDigestRecord>> ListRepoDigests() const;  // ordered by name
  Result<std::vector<RepoDigestRecord>> RepoDigestsOf(const Digest& image) const;

  // Snapshot rows (used by Snapshots and GC; other callers go through Snapshots).
  // Inserts unless a row with the same chain id exists; returns whether it inserted.
  Result<bool> InsertSnapshot(const SnapshotRow& row);
  Result<std::optional<SnapshotRow>> GetSnapshot(const Digest& chain_id) const;
  Result<std::vector<SnapshotRow>> ListSnapshots() const;
  Status DeleteSnapshot(const Digest& chain_id);

  // Blob rows. InsertBlob: returns whether it inserted (false: already there).
  Result<bool> InsertBlob(const BlobRecord& blob);
  Result<std::optional<BlobRecord>> GetBlob(const Digest& digest) const;
  Result<std::vector<BlobRecord>> ListBlobs() const;  // ordered by digest
  Status DeleteBlob(const Digest& digest);

  // Returns the next value of a named counter, starting at 1. The value is
  // never handed out again once the surrounding transaction commits; call it
  // outside any transaction when a rollback must not make it reusable.
  Result<int64_t> NextSequence(std::string_view name);
  // Makes the counter's next value at least next.
  Status RaiseSequence(std::string_view name, int64_t next);

  // Leases (see lease.h). CreateLease returns the new id.
  Result<int64_t> CreateLease(const LeaseRecord& lease);
  Status DeleteLease(int64_t id);
  // Idempotent. NotFound when the lease no longer exists (GC judged it dead).
  Status AddLeaseResource(int64_t lease_id, const LeaseResource& resource);
  // Every lease with its resources, ordered by id.
  Result<std::vector<LeaseRecord>> ListLeases() const;

  // Containers. PutContainer inserts or replaces (Conflict when another
  // container has the name).
  Status PutContainer(const ContainerRecord& container);
  Status DeleteContainer(std::string_view id);
  Result<std::vector<ContainerRecord>> ListContainers() const;  // ordered by id
  // Gives container id the name new_name, atomically (one statement).
  // NotFound when there is no such container; Conflict when another
  // container has the name.
  Status RenameContainer(std::string_view id, std::string_view new_name);

  // GC's decided-but-not-done removals.
  Status AddPending(const PendingRemoval& p);
  Status RemovePending(const PendingRemoval& p);
  Result<std::vector<PendingRemoval>> ListPending() const;

  // PRAGMA quick_check: empty when the database is sound, else its complaints.
  Result<std::vector<std::string>> QuickCheck() const;

 private:
  explicit Metadata(Db db) : db_(std::move(db)) {}
  Status InitSchema(bool read_only, const std::string& blob_dir);
  Status UpgradeFrom1(const std::string& blob_dir);
  Result<std::vector<TagRecord>> QueryTags(std::string_view sql, const Digest* image) const;
  Result<std::vector<RepoDigestRecord>> QueryRepoDigests(std::string_view sql,
                                                         const Digest* image) const;

  mutable Db db_;
  mutable std::recursive_mutex mu_;  // one connection, shared by threads
  int depth_ = 0;                    // transaction nesting, guarded by mu_
};

}  // namespace berth::store
