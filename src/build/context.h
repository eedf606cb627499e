// The build context: a directory read through a RootFs (a symlink in it
// never leads out of it) minus what .dockerignore excludes. COPY sources
// are found here, copied into a step's layer and hashed for the cache.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "build/ignore.h"
#include "build/stat_cache.h"
#include "digest/digest.h"
#include "tar/root_fs.h"

namespace berth::build {

class Context {
 public:
  // Opens dir and reads its .dockerignore (missing: nothing excluded).
  // stat_cache: the file that remembers the digests of dir's files between
  // builds (StatCachePath); empty: none, every Hash reads every file.
  static Result<Context> Open(const std::string& dir, const std::string& stat_cache = "");

  // An image's root for COPY --from: nothing is excluded, and copies keep
  // the owners they have there (docker's preserveOwnership).
  static Result<Context> OpenRoot(const std::string& dir);

  // The context paths a COPY source names: the cleaned path itself, or for
  // a pattern with * ? [ every path whose elements match (Go's
  // filepath.Match per element), in byte order. NotFound with docker's
  // message when nothing (not excluded) matches.
  Result<std::vector<std::string>> Sources(const std::string& source) const;

  // Opens path (from Sources) for reading, links followed inside the root.
  Result<UniqueFd> OpenFile(const std::string& path) const;

  // Whether path (from Sources) is a directory (links followed in the root).
  Result<bool> IsDir(const std::string& path) const;

  // Copies path (a file, or a directory's contents when it is one) to
  // dst_dir/dst_name, owned by root (kept from an OpenRoot), modes and times
  // kept; excluded files inside a directory are left out.
  Status CopyTo(const std::string& path, int dst_dir, const std::string& dst_name) const;

  // A digest of what CopyTo copies for paths: each entry's name and mode,
  // a symlink's target, a file's content (excluded files do not count). A
  // file whose stat matches the stat cache is not read; the cache is saved
  // (best effort) when it learnt something.
  Result<Digest> Hash(const std::vector<std::string>& paths) const;

  // Files whose content Hash read (the stat cache did not know them).
  int64_t files_read() const { return files_read_; }

  // Bytes of the files that are not excluded (for "Reading build context").
  Result<int64_t> Size() const;

  const std::string& dir() const { return dir_; }

 private:
  Context(std::string dir, RootFs root, IgnoreMatcher ignore, bool keep_owner, StatCache cache)
      : dir_(std::move(dir)), root_(std::move(root)), ignore_(std::move(ignore)), keep_owner_(keep_owner),
        cache_(std::move(cache)) {}

  class Hasher;
  Result<Digest> FileDigest(int fd, const std::string& rel, const struct stat& st) const;

  std::string dir_;
  RootFs root_;
  IgnoreMatcher ignore_;
  bool keep_owner_ = false;
  mutable StatCache cache_;
  mutable int64_t files_read_ = 0;
  mutable std::unique_ptr<char[]> buf_;  // FileDigest's read buffer
};

// Where the store under store_root keeps the stat cache of the context
// directory dir (absolute): <store_root>/build-cache/<sha256 hex of dir>,
// the build-cache directory made (0700) when missing; "" when it cannot be
// or when dir is inside the store (a staged stdin or URL context).
std::string StatCachePath(const std::string& store_root, const std::string& dir);

}  // namespace berth::build
