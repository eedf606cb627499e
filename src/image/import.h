// `import`: a root filesystem tarball becomes a one-layer image.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/io.h"
#include "base/result.h"
#include "oci/platform.h"
#include "reference/reference.h"
#include "store/store.h"

namespace berth::image {

struct ImportOptions {
  std::vector<std::string> changes;  // -c lines (see changes.h)
  std::string message{};               // -m; default "Imported from <source>"
  std::optional<Platform> platform{};  // default: the host's
  std::string source = "-";          // "-" for files and stdin, else the URL
  std::optional<Reference> tag{};      // REPOSITORY[:TAG], already defaulted to :latest
};

struct ImportResult {
  Digest id{};
  std::string compression{};  // of the input: "none", "gzip", ...
  int64_t size = 0;         // Docker's image size
};

// Imports a tar stream (plain, gzip, zstd, bzip2 or xz) in one pass: the
// bytes are hashed (diff id), kept as the layer blob (gzip/zstd/plain as
// given, bzip2/xz recompressed to gzip) and unpacked into a snapshot at once.
// Content is committed before metadata, so an interrupted import leaves at
// most garbage that GC removes. InvalidArgument when the tar is malformed, a
// change is invalid, or the input is an image archive made by `save` (the
// message then points to `load`).
Result<ImportResult> Import(store::Store& store, Reader& src, const ImportOptions& options);

}  // namespace berth::image
