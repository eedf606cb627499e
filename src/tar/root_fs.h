// RootFs: a directory in which every path from an untrusted archive is resolved,
// so that nothing (absolute names, "..", symlinks made by the same archive) can
// reach outside it.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/fd.h"
#include "base/file.h"  // RemoveTreeAt
#include "base/result.h"

namespace berth {

// A path inside a root: its cleaned components ("/a/./b/../c" -> {"a", "c"}).
// Empty means the root itself.
using RootPath = std::vector<std::string>;

// Cleans an archive name lexically, the way Docker does: the name is taken as
// relative to the root, empty and "." components are dropped and ".." removes the
// previous component but never climbs above the root ("../../x" -> {"x"}).
RootPath CleanRootPath(std::string_view name);

// "a/b/c" for display and map keys; "." for the root.
std::string RootPathString(const RootPath& p);

class RootFs {
 public:
  // Opens dir as a root. NotFound when it does not exist.
  static Result<RootFs> Open(const std::string& dir);

  int fd() const { return fd_.get(); }
  const std::string& dir() const { return dir_; }

  // Opens the directory at path (O_RDONLY|O_DIRECTORY) resolving every component
  // in the root with openat2(RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS): symlinks are
  // followed as if the root were "/". With create, missing components are made
  // (mode 0755). NotFound when a component is absent (without create);
  // kInvalidArgument when one is not a directory.
  Result<UniqueFd> OpenDir(std::span<const std::string> path, bool create) const;

  // Opens path itself with the given flags (O_PATH, O_RDONLY...), resolved in the
  // root; with O_NOFOLLOW a final symlink is not followed.
  Result<UniqueFd> OpenAt(std::span<const std::string> path, int flags) const;

 private:
  RootFs(UniqueFd fd, std::string dir) : fd_(std::move(fd)), dir_(std::move(dir)) {}
  UniqueFd fd_;
  std::string dir_;
};


}  // namespace berth
