// WriteLayer: turns an unpacked layer directory back into a layer tar.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/io.h"
#include "base/result.h"

namespace berth {

// Writes the directory tree `dir` (an applied layer, overlay-style) to `out` as a tar
// stream, without the root entry. The output is deterministic: entries depth-first
// in byte order of names, parents before children, mtimes truncated to seconds (as
// Docker does), no atime/ctime/user names; uid/gid/mode/xattrs are kept; PAX
// records are written only where ustar cannot hold a value. Regular files linked
// more than once are written once and then as hardlinks. Overlay whiteouts (0/0
// char devices) become empty `.wh.<name>` files; an opaque directory
// (trusted.overlay.opaque=y) is followed by `<dir>/.wh..wh..opq`; overlay xattrs
// themselves are not written. Sockets are skipped.
// max_mtime (SOURCE_DATE_EPOCH): every entry's mtime is clamped to it,
// min(mtime, max_mtime), as BuildKit's rewrite-timestamp does.
// Errors: kNotFound when dir is absent; errors of `out` as they are.
Status WriteLayer(const std::string& dir, Writer& out, std::optional<int64_t> max_mtime = std::nullopt);

}  // namespace berth
