// IngestDir: a directory under <root>/ingest/ where one in-flight write
// (a blob download, a layer being unpacked) lives until it is committed.
// While its owner is alive, an exclusive flock on <dir>/lock says "in use";
// GC removes only ingest dirs whose lock it can take.
#pragma once

#include <optional>
#include <string>

#include "base/fd.h"
#include "base/result.h"

namespace berth::store {

class IngestDir {
 public:
  IngestDir() = default;
  IngestDir(IngestDir&& o) noexcept;
  IngestDir& operator=(IngestDir&& o) noexcept;
  IngestDir(const IngestDir&) = delete;
  IngestDir& operator=(const IngestDir&) = delete;
  // Removes the directory (if still owned) and releases the lock.
  ~IngestDir();

  // Creates <ingest_root>/<random>/ with a lock file in it, locked exclusively.
  static Result<IngestDir> Create(const std::string& ingest_root);

  // Tries to take the lock of an existing ingest dir. Returns the held lock
  // when nobody else holds it (the dir is stale and may be removed), nullopt
  // when a live owner holds it. A dir without a lock file counts as stale
  // (its owner died between mkdir and creating the lock).
  static Result<std::optional<UniqueFd>> TryClaim(const std::string& dir);

  const std::string& path() const { return path_; }
  bool valid() const { return !path_.empty(); }
  // <dir>/<name>
  std::string Join(std::string_view name) const;

  // Removes the directory now and releases the lock.
  Status Remove();

 private:
  std::string path_;
  UniqueFd lock_;
};

// Name of the lock file inside every ingest dir.
inline constexpr const char* kIngestLockName = "lock";

// rm -rf of a store directory: RemoveAll, which copes with read-only
// directories inside (unpacked layers may carry mode 0555 dirs, which stop
// unlink for a non-root user) and with trees of any depth.
Status RemoveTree(const std::string& path);

}  // namespace berth::store
