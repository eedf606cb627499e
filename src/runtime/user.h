// The user a container's process runs as: Docker's `-u`/image `User` forms
// (`name`, `uid`, `name:group`, `uid:gid`, `name:`, `:gid`) resolved against
// the image's /etc/passwd and /etc/group the way runc's libcontainer/user
// (GetExecUser) and moby's getUser do, with their error wording.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "tar/root_fs.h"

namespace berth::runtime {

struct ExecUser {
  uint32_t uid = 0;
  uint32_t gid = 0;
  // The OCI spec's additionalGids as Docker fills them: the primary gid first,
  // then, only when no group was given explicitly, the gid of every group that
  // lists the user's name among its members (file order, duplicates kept).
  std::vector<uint32_t> additional_gids{};
  std::string home = "/";  // the passwd entry's home, "/" without one

  bool operator==(const ExecUser&) const = default;
};

// Resolves spec (empty means root) against the contents of /etc/passwd and
// /etc/group (nullopt: the file does not exist, so only numeric ids work).
// The first matching entry wins. Errors, as Docker words them:
// - kNotFound "unable to find user X: no matching entries in passwd file"
// - kNotFound "unable to find group X: no matching entries in group file"
// - kInvalidArgument "uids and gids must be in range 0-2147483647" for a
//   number outside that range, given or read from a matched entry (an entry
//   whose id is no number at all is never taken for root: by name it is this
//   error, by number it matches nothing).
Result<ExecUser> ResolveUser(std::string_view spec, const std::optional<std::string>& passwd,
                             const std::optional<std::string>& group);

// Reads a small regular file inside root (resolved with RESOLVE_IN_ROOT, so a
// symlink cannot lead out of it); nullopt when it does not exist. kInvalidArgument
// when it is not a regular file or is larger than 16 MiB.
Result<std::optional<std::string>> ReadFileInRoot(const RootFs& root, std::string_view path);

// ResolveUser with /etc/passwd and /etc/group read from inside root.
Result<ExecUser> ResolveUserInRoot(const RootFs& root, std::string_view spec);

}  // namespace berth::runtime
