// The build context: a directory read through a RootFs (a symlink in it
// never leads out of it) minus what .dockerignore excludes. COPY sources
// are found here, copied into a step's layer and hashed for the cache.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "build/ignore.h"
#include "digest/digest.h"
#include "tar/root_fs.h"

namespace berth::build {

class Context {
 public:
  // Opens dir and reads its .dockerignore (missing: nothing excluded).
  static Result<Context> Open(const std::string& dir);

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

  // A digest of the sources' names, modes and contents (what the cache
  // compares; excluded files do not count).
  Result<Digest> Hash(const std::vector<std::string>& paths) const;

  // Bytes of the files that are not excluded (for "Reading build context").
  Result<int64_t> Size() const;

  const std::string& dir() const { return dir_; }

 private:
  Context(std::string dir, RootFs root, IgnoreMatcher ignore, bool keep_owner)
      : dir_(std::move(dir)), root_(std::move(root)), ignore_(std::move(ignore)), keep_owner_(keep_owner) {}

  std::string dir_;
  RootFs root_;
  IgnoreMatcher ignore_;
  bool keep_owner_ = false;
};

}  // namespace berth::build
