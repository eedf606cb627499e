// `cp` between a container and the host, with docker's path rules. Every
// path inside the container is resolved in its root (openat2
// RESOLVE_IN_ROOT for the named path, then O_NOFOLLOW for everything below
// it), so a symlink in the container can never make berth read or write a
// host file (the CVE-2018-15664 class): links are copied as links.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace berth::container {

// Copies src (inside the container whose root directory is root) to dest
// on the host, as `docker cp CONTAINER:SRC DEST` does: into dest when it is
// an existing directory (the contents only when src ends in "/."), else to
// dest itself. Owners, modes and times are kept.
Status CopyFromContainer(const std::string& root, std::string_view src, const std::string& dest);

// Copies src on the host to dest inside the container, as `docker cp SRC
// CONTAINER:DEST` does. Files become owned by uid/gid 0 unless archive (-a).
Status CopyToContainer(const std::string& src, const std::string& root, std::string_view dest,
                       bool archive);

// Copies src_dir/src_name to dst_dir/dst_name (a tree, links as links,
// O_NOFOLLOW throughout), keeping modes and times, and owners when
// keep_owner (else 0:0). For the builder's COPY.
Status CopyTreeAt(int src_dir, const std::string& src_name, int dst_dir, const std::string& dst_name,
                  bool keep_owner);

// Copies the open regular file src to a new dst_dir/dst_name as CopyTreeAt
// copies one (for a file reached through a link resolved in a root).
Status CopyOpenFile(int src, int dst_dir, const std::string& dst_name, bool keep_owner);

}  // namespace berth::container
