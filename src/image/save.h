// `save`: images from the store written as one tar archive that Docker
// (20.10+: manifest.json), podman and skopeo (docker-archive: and
// oci-archive:) all read: an OCI image layout plus Docker's manifest.json
// and repositories, the way Docker 25 and later write it.
#pragma once

#include <string>
#include <vector>

#include "base/io.h"
#include "base/result.h"
#include "reference/reference.h"
#include "store/metadata.h"
#include "store/store.h"

namespace berth::image {

// One image to save, with the tags it is saved under (none when named by id
// or digest).
struct SaveTarget {
  Digest id{};
  std::vector<Reference> tags{};
};

// Resolves `save` arguments the way Docker does: "name:tag" is that tag;
// a bare "name" is every tag of that repository (or, when it has none, an
// id prefix); an id, id prefix or "name@digest" is the image without tags.
// Images named twice are saved once, their tags merged, in the order first
// named. NotFound "No such image: <name>" for a name that resolves to nothing.
Result<std::vector<SaveTarget>> ResolveSaveTargets(store::Store& store,
                                                   const std::vector<std::string>& names);

// What the archive says about one image (input of the metadata builders).
struct ArchiveImage {
  Digest config{};
  int64_t config_size = 0;
  Digest manifest{};
  std::string manifest_media_type{};
  int64_t manifest_size = 0;
  std::vector<store::LayerRecord> layers{};
  std::vector<Reference> tags{};
};

// An OCI image manifest for an image the store has no manifest blob for
// (imported images): OCI config and layer media types (Docker layer types
// mapped to their OCI equivalents), sizes from the records. Deterministic.
std::string BuildManifest(const store::ImageRecord& image, int64_t config_size);

// The archive's metadata files. index.json: one manifest descriptor per tag,
// annotated with org.opencontainers.image.ref.name (the tag) and
// io.containerd.image.name (the full name), or one without annotations for
// an untagged image. manifest.json: one entry per image, RepoTags familiar
// ("busybox:latest") or null. repositories: familiar name -> tag -> hex of
// the top layer's chain id.
std::string OciLayoutJson();
std::string IndexJson(const std::vector<ArchiveImage>& images);
std::string DockerManifestJson(const std::vector<ArchiveImage>& images);
std::string RepositoriesJson(const std::vector<ArchiveImage>& images);

struct SaveStats {
  int64_t images = 0;
  int64_t blobs = 0;
  int64_t bytes = 0;  // archive size
};

// Writes the archive for targets to out, streaming the stored blobs as they
// are (gzip and plain layers byte for byte; zstd layers decompressed, after a
// first pass that measures them and checks their diff ids), each blob once. Holds a lease on
// every image while reading, so a concurrent rmi cannot take its blobs away.
// Entry order: oci-layout, index.json, manifest.json, repositories, then
// blobs/sha256/: manifests and configs, then layers in image order, so that
// a reader streaming the archive knows what each layer must be before it
// arrives. NotFound when an image disappeared before it was leased.
Result<SaveStats> Save(store::Store& store, const std::vector<SaveTarget>& targets, Writer& out);

}  // namespace berth::image
