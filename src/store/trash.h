// Trash: <root>/trash/, where garbage goes to die. Moving a blob, snapshot or
// ingest dir into the trash is one rename (atomic, instant, and invisible to
// every reader, since nothing ever looks inside the trash); freeing the bytes
// is the slow part (ext4 with `discard` pays for every synced extent), so it
// happens after, possibly in a detached process, possibly interrupted: what
// is left in the trash is simply freed by the next emptying.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace berth::store {

class Trash {
 public:
  // dir is <root>/trash; it must exist, on the same file system as the rest.
  explicit Trash(std::string dir) : dir_(std::move(dir)) {}

  // Renames path into the trash under a fresh name starting with tag. A path
  // that does not exist is success (someone else moved it first).
  Status MoveIn(const std::string& path, std::string_view tag);

  // Frees everything in the trash, continuing past entries it cannot remove
  // (reported in the error, retried next time). Only one emptier runs at a
  // time: when another process is already emptying, returns at once.
  Status Empty();
  // Empties the trash in a detached grandchild process (it outlives this
  // one and holds no store resource but the trash lock). Nothing to do when
  // the trash is empty. Errors only when the fork fails.
  Status EmptyInBackground();

  // Entries waiting to be freed, and their apparent size in bytes.
  Result<int64_t> Count() const;
  Result<int64_t> Bytes() const;

  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

}  // namespace berth::store
