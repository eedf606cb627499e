// Creating, upgrading and opening the store database, and transactions. The
// schema is versioned with PRAGMA user_version; an older store is upgraded in
// one transaction when a read-write berth opens it, so a crash mid-upgrade
// leaves the old version intact.
#include "store/metadata.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <chrono>
#include <thread>

#include "base/clock.h"
#include "base/file.h"

namespace berth::store {
namespace {

constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE images (
  id TEXT PRIMARY KEY,
  manifest_digest TEXT,
  created INTEGER NOT NULL,
  added INTEGER NOT NULL,
  size INTEGER NOT NULL,
  parent TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE TABLE image_layers (
  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  idx INTEGER NOT NULL,
  diff_id TEXT NOT NULL,
  chain_id TEXT NOT NULL,
  blob TEXT NOT NULL,
  media_type TEXT NOT NULL,
  blob_size INTEGER NOT NULL,
  PRIMARY KEY (image_id, idx)
) WITHOUT ROWID;
CREATE INDEX image_layers_chain ON image_layers(chain_id);
CREATE TABLE tags (
  name TEXT PRIMARY KEY,
  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  tagged_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX tags_image ON tags(image_id);
CREATE TABLE repo_digests (
  name TEXT PRIMARY KEY,
  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX repo_digests_image ON repo_digests(image_id);
CREATE TABLE snapshots (
  chain_id TEXT PRIMARY KEY,
  id INTEGER NOT NULL UNIQUE,
  diff_id TEXT NOT NULL,
  parent TEXT,
  size INTEGER NOT NULL,
  created INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

// What version 2 adds. Blobs become rows (a file alone is not trusted to be
// complete and durable); leases and containers are GC roots; snapshot ids
// come from a sequence so they never repeat; gc_pending holds removals GC
// has decided (rows deleted) but not yet carried out on disk.
constexpr const char* kSchemaV2 = R"sql(
CREATE TABLE blobs (
  digest TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  added INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE leases (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  pid INTEGER NOT NULL,
  start_time INTEGER NOT NULL,
  boot_id TEXT NOT NULL,
  label TEXT NOT NULL,
  created INTEGER NOT NULL,
  expires INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE lease_resources (
  lease_id INTEGER NOT NULL REFERENCES leases(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  key TEXT NOT NULL,
  PRIMARY KEY (lease_id, kind, key)
) WITHOUT ROWID;
CREATE TABLE containers (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  image_id TEXT NOT NULL,
  chain_id TEXT,
  created INTEGER NOT NULL,
  config TEXT NOT NULL DEFAULT '{}'
) WITHOUT ROWID;
CREATE INDEX containers_image ON containers(image_id);
CREATE TABLE sequences (
  name TEXT PRIMARY KEY,
  next INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE gc_pending (
  kind TEXT NOT NULL,
  key TEXT NOT NULL,
  PRIMARY KEY (kind, key)
) WITHOUT ROWID;
)sql";

}  // namespace

Result<std::unique_ptr<Metadata>> Metadata::Open(const std::string& path, bool read_only,
                                                 const std::string& blob_dir) {
  if (read_only) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) {
      return MakeError(Code::kNotFound, "store database " + path + " does not exist");
    }
  }
  Db db = TRY(Db::Open(path, read_only));
  if (!read_only && ::chmod(path.c_str(), 0600) != 0) return ErrnoError("chmod " + path);
  std::unique_ptr<Metadata> md(new Metadata(std::move(db)));
  TRY_CTX(md->InitSchema(read_only, blob_dir), "open " + path);
  return md;
}

Status Metadata::InitSchema(bool read_only, const std::string& blob_dir) {
  std::lock_guard lock(mu_);
  TRY(db_.Exec("PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;"));
  if (!read_only) {
    // Switching a fresh database to WAL needs an exclusive lock, and SQLite
    // answers BUSY at once, without its busy handler, when two openers of a
    // new store race for it (deadlock avoidance). Retry for a while.
    for (int attempt = 0;; attempt++) {
      Status st = db_.Exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;");
      if (st.ok()) break;
      if (st.error().code != Code::kUnavailable || attempt == 2000) return st;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  auto check = [&]() -> Result<int64_t> {
    int64_t v = TRY(db_.QueryInt("PRAGMA user_version"));
    if (v > kSchemaVersion) {
      return MakeError(Code::kUnimplemented,
                       "store schema version " + std::to_string(v) +
                           " is newer than this berth supports (" +
                           std::to_string(kSchemaVersion) + ")");
    }
    return v;
  };
  if (read_only) {
    int64_t v = TRY(check());
    if (v == 0) return MakeError(Code::kNotFound, "store database has no schema");
    if (v < kSchemaVersion) {
      return MakeError(Code::kUnavailable, "store schema version " + std::to_string(v) +
                                               " must be upgraded by a read-write berth first");
    }
    return Ok();
  }
  // The common case needs no write lock: a reader never waits for a writer.
  if (TRY(check()) == kSchemaVersion) return Ok();
  // Re-read the version inside the write transaction: another process may
  // have created or upgraded the schema since we looked.
  return Transaction([&]() -> Status {
    int64_t v = TRY(check());
    if (v == kSchemaVersion) return Ok();
    if (v == 0) {
      TRY(db_.Exec(kSchemaV1));
      TRY(db_.Exec(kSchemaV2));
    } else {
      TRY(UpgradeFrom1(blob_dir));
    }
    TRY(RaiseSequence("snapshot",
                      TRY(db_.QueryInt("SELECT coalesce(max(id), 0) + 1 FROM snapshots"))));
    return db_.Exec("PRAGMA user_version = " + std::to_string(kSchemaVersion));
  });
}

Status Metadata::UpgradeFrom1(const std::string& blob_dir) {
  // Version 1 renamed a blob into blobs/ only after fsyncing it and fsynced
  // the directory after, so every file there with a digest name is whole.
  std::vector<BlobRecord> found;
  if (!blob_dir.empty()) {
    DIR* dir = ::opendir(blob_dir.c_str());
    if (dir != nullptr) {
      while (struct dirent* e = ::readdir(dir)) {
        auto d = Digest::FromHex(e->d_name);
        struct stat st;
        if (!d.ok() || ::fstatat(::dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
            !S_ISREG(st.st_mode)) {
          continue;
        }
        found.push_back({*d, static_cast<int64_t>(st.st_size), NowNanos()});
      }
      ::closedir(dir);
    }
  }
  TRY(db_.Exec(kSchemaV2));
  for (const BlobRecord& b : found) TRY(InsertBlob(b));
  return Ok();
}

Status Metadata::Transaction(const std::function<Status()>& body) {
  std::lock_guard lock(mu_);
  const bool outer = depth_ == 0;
  TRY(db_.Exec(outer ? "BEGIN IMMEDIATE" : "SAVEPOINT nested"));
  depth_++;
  Status st = body();
  depth_--;
  if (st.ok()) {
    Status done = db_.Exec(outer ? "COMMIT" : "RELEASE nested");
    if (done.ok()) return Ok();
    st = std::move(done).error().Wrap("commit");
  }
  // Best effort: the original error is what the caller needs to see.
  (void)db_.Exec(outer ? "ROLLBACK" : "ROLLBACK TO nested; RELEASE nested");
  return st;
}

}  // namespace berth::store
