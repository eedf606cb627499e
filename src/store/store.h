// Store: berth's on-disk state under one root directory, opened once per
// command. Ties together the content store, snapshots and metadata, and the
// locks that let several berth processes share the root safely.
//
//   <root>/berth.db             SQLite (WAL): the only index of what exists
//   <root>/blobs/sha256/<hex>   read-only once committed
//   <root>/ingest/<random>/     in-flight writes (locked while alive)
//   <root>/snapshots/<n>/fs     one unpacked layer, keyed by chain id in the DB
//   <root>/containers/  <root>/tmp/
//   <root>/lock                 flock: shared while open, exclusive for GC
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "base/fd.h"
#include "base/result.h"
#include "store/content_store.h"
#include "store/gc.h"
#include "store/lease.h"
#include "store/metadata.h"
#include "store/snapshots.h"

namespace berth::store {

struct StoreOptions {
  // Open without creating or changing anything; writers fail with PermissionDenied.
  bool read_only = false;
  // How long Open waits for a running GC, and GC for other users, to finish.
  std::chrono::milliseconds lock_timeout{10000};
};

// Blob writers, stagings and leases handed out by a Store must not outlive it.
class Store {
 public:
  using Options = StoreOptions;

  // Creates the layout if missing (unless read_only), takes a shared flock on
  // <root>/lock, and opens berth.db (creating or checking the schema).
  // NotFound when read_only and there is no store at root; Unavailable when
  // the lock cannot be taken within lock_timeout; Unimplemented when the
  // database schema is newer than this berth.
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
  const std::string& root() const { return root_; }
  bool read_only() const { return options_.read_only; }

  // Protects work in progress from an in-process CollectGarbage: hold one
  // from writing the first blob of an import until its image row is stored.
  // (Blob writers and stagings hold their own.)
  Leases::Lease Lease() { return leases_.Acquire(); }

  // Mark and sweep (see SweepUnreferenced) under an exclusive lock: waits for
  // this process's leases, releases the shared flock, takes it exclusively
  // (Unavailable after lock_timeout when other processes keep the store
  // open), sweeps, and takes the shared lock again. Returns what was removed.
  Result<GcStats> CollectGarbage();

  // Consistency check (for `berth system check`): the database is sound, and
  // every image's config, manifest and layer blobs and every layer's snapshot
  // (with its directory) exist. Returns one line per problem; empty = clean.
  Result<std::vector<std::string>> Check() const;

 private:
  Store(std::string root, Options options, UniqueFd lock, std::unique_ptr<Metadata> metadata);

  std::string root_;
  Options options_;
  UniqueFd lock_;
  Leases leases_;
  std::unique_ptr<Metadata> metadata_;
  ContentStore content_;
  Snapshots snapshots_;
};

}  // namespace berth::store
