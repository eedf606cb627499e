// Store: berth's on-disk state under one root directory, opened once per
// command. Ties together the content store, snapshots, metadata, leases and
// garbage collection. Several berth processes share a root safely through
// SQLite transactions, leases and per-ingest locks; nothing holds a
// store-wide lock for a process's life.
//
//   <root>/                     0711
//   <root>/berth.db             0600, SQLite (WAL): the only index of what exists
//   <root>/blobs/sha256/<hex>   0700 dirs; blobs 0444 once committed
//   <root>/ingest/<key>/        in-flight writes, each locked by its writer
//   <root>/snapshots/<n>/fs     one unpacked layer, keyed by chain id in the DB
//   <root>/containers/ <root>/tmp/
//   <root>/trash/               garbage on its way out
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "store/content_store.h"
#include "store/gc.h"
#include "store/lease.h"
#include "store/metadata.h"
#include "store/snapshots.h"
#include "store/trash.h"

namespace berth::store {

struct StoreOptions {
  // Open without creating or changing anything; writers fail with PermissionDenied.
  bool read_only = false;
};

struct CheckOptions {
  // Sizes only: blobs are not re-hashed.
  bool quick = false;
};

// Something damaged or incomplete (check.cc), for --repair.
struct Damage {
  enum class Kind { kBlob, kSnapshot, kImage, kContainer };
  Kind kind;
  std::string key;  // blob digest, snapshot chain id, image id, container id
};

struct CheckReport {
  // One line per problem; empty = consistent.
  std::vector<std::string> problems;
  // What the problems make unusable (the database's own problems aside).
  std::vector<Damage> damage;
  bool database_damaged = false;
  // What the next garbage collection would free (a dry run), trash included.
  GcStats garbage;
  int64_t reclaimable_bytes = 0;
};

// Blob writers, stagings and leases handed out by a Store must not outlive it.
class Store {
 public:
  using Options = StoreOptions;

  // Creates the layout if missing (unless read_only), with private modes
  // (see above), and opens berth.db (creating, upgrading or checking the
  // schema). InvalidArgument for an empty root; NotFound when read_only and
  // there is no store at root; Unimplemented when the schema is newer than
  // this berth.
  static Result<std::unique_ptr<Store>> Open(const std::string& root, Options options = {});

  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
  ~Store();

  ContentStore& content() { return content_; }
  const ContentStore& content() const { return content_; }
  Snapshots& snapshots() { return snapshots_; }
  const Snapshots& snapshots() const { return snapshots_; }
  Metadata& metadata() { return *metadata_; }
  const Metadata& metadata() const { return *metadata_; }
  Trash& trash() { return trash_; }
  const std::string& root() const { return root_; }
  bool read_only() const { return options_.read_only; }

  // A new lease owned by this process (see lease.h). Hold it from the first
  // write of an operation until its result is reachable from an image row.
  Result<Lease> NewLease(std::string_view label, int64_t expires_ns = 0);

  // Garbage collection (see gc.h). Never waits on another process beyond a
  // metadata transaction.
  Result<GcStats> CollectGarbage(const GcOptions& options = {});
  // Cheap check whether a collection could find anything (see gc.h).
  Result<bool> MayHaveGarbage();

  // Consistency check (for `berth system check`, in check.cc): the database
  // is sound; every blob row has its file with the recorded size and (unless
  // quick) content that hashes to its digest; every image's config,
  // manifest and layer blobs and every layer's snapshot exist and are sound,
  // each snapshot recording the layer's diff id; every snapshot's directory
  // and parent exist; every container's dir, image and snapshot exist. Also
  // measures what GC would reclaim.
  Result<CheckReport> Check(const CheckOptions& options = {});

  // Removes what report.damage names and what depends on it: images using a
  // damaged blob or snapshot (their tags with them), containers of a removed
  // image or with a missing dir, the damaged blob and snapshot rows (their
  // files go to the trash). Returns one line naming each removal.
  Result<std::vector<std::string>> Repair(const CheckReport& report);

 private:
  Store(std::string root, Options options, std::unique_ptr<Metadata> metadata);
  StoreParts Parts() { return {*metadata_, content_, snapshots_, trash_}; }

  std::string root_;
  Options options_;
  std::unique_ptr<Metadata> metadata_;
  ContentStore content_;
  Snapshots snapshots_;
  Trash trash_;
};

}  // namespace berth::store
