// Reaching a container's files from a berth command (cp, export, diff):
// a running container's root is /proc/<pid>/root; a stopped one's overlay
// is mounted in this process's own mount namespace while it holds the
// container's monitor lock, so the container cannot start meanwhile and
// nothing is ever mounted on the host.
#pragma once

#include <string>

#include "base/fd.h"
#include "base/result.h"
#include "container/container.h"
#include "store/store.h"

namespace berth::container {

class RootAccess {
 public:
  // writable: the stopped container's overlay is mounted with its upper
  // dir (changes are the container's); else read-only. The calling process
  // must be single-threaded (it may unshare its mount namespace).
  static Result<RootAccess> Open(const store::Store& store, const Container& c, bool writable);

  // The root directory's path (absolute, valid while this object lives).
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  UniqueFd lock_;
};

}  // namespace berth::container
