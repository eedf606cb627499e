// IngestDir: a directory under <root>/ingest/ where one in-flight write (a
// blob download, a layer being unpacked) lives until it is committed. While
// its owner is alive, an exclusive flock on <dir>/lock says "in use"; GC
// removes only ingest dirs whose lock it can take.
//
// Two kinds: unkeyed dirs (<ingest>/<random>, for writes whose result is not
// known in advance: an import, a layer staging) die with their writer; keyed
// dirs (<ingest>/<hex of the expected digest>) are shared by every process
// that wants the same blob: one writes while the others wait on the lock,
// and a partial download stays behind for the next writer to resume.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

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
  // Unkeyed: removes the directory. Keyed: keeps it (for resume). Either way
  // the lock is released.
  ~IngestDir();

  // Creates <ingest_root>/<random>/ with a lock file in it, locked exclusively
  // (a new dir that a concurrent GC claimed before it was locked is left to
  // that GC, and another one is made).
  static Result<IngestDir> Create(const std::string& ingest_root);

  // Opens (creating when missing) <ingest_root>/<key>/ and takes its lock,
  // waiting up to `wait` while another process holds it. Unavailable "... is
  // being written by another process" when the wait runs out (wait 0: fail at
  // once); Cancelled when interrupted while waiting.
  static Result<IngestDir> OpenKeyed(const std::string& ingest_root, std::string_view key,
                                     std::chrono::milliseconds wait);

  // Tries to take the lock of an existing ingest dir. Returns the held lock
  // when nobody else holds it (the dir is stale and may be removed), nullopt
  // when a live owner holds it or the dir has gone. A dir without a lock
  // file counts as stale (its owner died between mkdir and creating the lock)
  // once it is a minute old; a younger one may be a creator's, not yet locked.
  static Result<std::optional<UniqueFd>> TryClaim(const std::string& dir);

  const std::string& path() const { return path_; }
  bool valid() const { return !path_.empty(); }
  bool keyed() const { return keyed_; }
  // <dir>/<name>
  std::string Join(std::string_view name) const;

  // Removes the directory now and releases the lock.
  Status Remove();
  // Releases the lock and forgets the directory, which stays (keyed resume).
  void Keep();

 private:
  std::string path_;
  UniqueFd lock_;
  bool keyed_ = false;
};

// Name of the lock file inside every ingest dir.
inline constexpr const char* kIngestLockName = "lock";

// rm -rf of a store directory: RemoveAll, which copes with read-only
// directories inside (unpacked layers may carry mode 0555 dirs, which stop
// unlink for a non-root user) and with trees of any depth.
Status RemoveTree(const std::string& path);

}  // namespace berth::store
