// The archive half of `load`: one pass over an image archive (Docker legacy,
// Docker 25+, OCI) that ingests every file that may be content into the store
// and keeps the small metadata files in memory, plus the parsers of those files.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/io.h"
#include "base/result.h"
#include "digest/digest.h"
#include "image/load_prefetch.h"
#include "store/store.h"

namespace berth::image {

// Cap on any metadata file read into memory (manifest.json, index.json,
// repositories, configs and OCI manifests).
inline constexpr int64_t kMaxArchiveJson = 8 << 20;

struct ArchiveContents {
  std::map<std::string, store::BlobInfo> blobs;  // cleaned archive path -> stored blob
  std::map<std::string, std::string> files;      // manifest.json, index.json, ... -> text
  std::map<std::string, std::string> links;      // link path -> target path, both cleaned
  uint64_t entries = 0;                          // tar entries seen
};

// An archive entry name as a relative path without "./" or empty components.
// InvalidArgument for absolute names and names with a ".." component. "" for
// the archive's top directory itself.
Result<std::string> CleanArchivePath(std::string_view name);

// The archive path a link entry at link points to: a hard link's target is
// relative to the archive's top, a symlink's to the link's directory.
// InvalidArgument for absolute targets and targets that climb out of the
// archive with "..".
Result<std::string> ResolveLinkTarget(std::string_view link, std::string_view target, bool hard);

// Makes every link that leads (through at most 16 links) to an ingested blob
// name that blob too.
void ResolveLinks(ArchiveContents& ac);

// True for the metadata files kept in memory: manifest.json, index.json,
// repositories, oci-layout.
bool IsArchiveMetadata(std::string_view path);

struct ArchiveOptions {
  // Called after each entry with the tar bytes read so far.
  std::function<void(uint64_t)> progress{};
  // Unpacks, while they stream in, the entries that look like layers.
  LayerPrefetch* prefetch = nullptr;
  // Asked (with what was read so far, the entry's cleaned path and, for
  // blobs/sha256/<hex>, its digest) before a layer-like entry is unpacked
  // ahead; false skips it (e.g. metadata already read shows its snapshot
  // exists). Unset: yes.
  std::function<bool(const ArchiveContents& so_far, const std::string& path, const std::optional<Digest>& key)>
      unpack_ahead{};
};

// Reads a tar stream (already decompressed) to its end. Regular files under
// blobs/sha256/<hex> are ingested keyed (so verified against their name);
// metadata files are read into memory (InvalidArgument past kMaxArchiveJson);
// the legacy per-layer "json" and "VERSION" files are skipped; every other
// regular file is ingested unkeyed (its digest computed). Each blob is added
// to lease. Links (Docker's legacy archives link a layer.tar saved twice) are
// resolved inside the archive, never on disk; a link named like a blob or a
// metadata file is refused. Nothing is ever written under an archive path. DataLoss on a corrupt or
// truncated archive.
Result<ArchiveContents> ReadImageArchive(store::Store& store, store::Lease& lease, Reader& tar,
                                         const ArchiveOptions& options = {});

// One element of Docker's manifest.json.
struct DockerManifestEntry {
  std::string config;                  // archive path of the config
  std::vector<std::string> repo_tags;  // "busybox:latest"
  std::vector<std::string> layers;     // archive paths, base layer first
};

// Parses manifest.json (a JSON array). InvalidArgument "invalid manifest.json: ...".
Result<std::vector<DockerManifestEntry>> ParseDockerManifest(std::string_view json);

}  // namespace berth::image
