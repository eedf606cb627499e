// StatCache: what a build context's files hashed to, keyed by what stat(2)
// said about them, so that an unchanged context is checked without reading
// it (git's index idea). Kept in the store, one file per context directory.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "digest/digest.h"

namespace berth::build {

class StatCache {
 public:
  // An empty cache that Save() writes nowhere.
  StatCache() = default;

  // Reads the cache at path. A missing, unreadable, torn or foreign-version
  // file gives an empty cache (it is only a cache); Save() writes path.
  static StatCache Load(const std::string& path);

  // The content digest recorded for rel when st matches the recorded dev,
  // inode, size, mtime, ctime and mode, and the entry is not "racy": its
  // mtime or ctime is not older than the start of the pass that recorded it
  // (a file changed within the same timestamp tick could look unchanged).
  std::optional<Digest> Lookup(const std::string& rel, const struct stat& st);

  // Records rel's digest for st (the stat taken before its content was read).
  void Put(const std::string& rel, const struct stat& st, const Digest& digest);

  // Drops the entries at or below top ("" for all) that were neither looked
  // up successfully nor Put since Load: a walk of top did not meet them, so
  // they are gone or excluded.
  void ForgetUnseen(const std::string& top);

  // Writes the cache when it changed: to a temp file beside it, renamed over
  // it (no fsync: losing it costs a re-hash). The entries are stamped with
  // the time this cache was first used in this process. Best effort: errors
  // are returned for the caller to ignore.
  Status Save();

  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    uint64_t dev = 0, ino = 0;
    int64_t size = 0, mtime_ns = 0, ctime_ns = 0;
    uint32_t mode = 0;
    Digest digest{};
    bool seen = false;   // met in this process
    bool racy = false;   // changed too close to when it was recorded
  };
  static Entry EntryOf(const struct stat& st);
  bool Parse(std::string_view text);

  std::string path_;
  int64_t started_ns_ = 0;  // the coarse clock when this process first used it
  std::map<std::string, Entry> entries_;
  bool dirty_ = false;
};

}  // namespace berth::build
