// Media types of the OCI image spec and Docker's schema2, the names by which
// registries and archives say what a blob is.
#pragma once

#include <string_view>

namespace berth {

// OCI image spec v1.
inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kOciLayer = "application/vnd.oci.image.layer.v1.tar";
inline constexpr std::string_view kOciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr std::string_view kOciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
inline constexpr std::string_view kOciLayerNondistributable =
    "application/vnd.oci.image.layer.nondistributable.v1.tar";
inline constexpr std::string_view kOciLayerNondistributableGzip =
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
inline constexpr std::string_view kOciLayerNondistributableZstd =
    "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";

// Docker image manifest v2, schema 2.
inline constexpr std::string_view kDockerManifest =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerManifestList =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kDockerConfig = "application/vnd.docker.container.image.v1+json";
inline constexpr std::string_view kDockerLayer = "application/vnd.docker.image.rootfs.diff.tar";
inline constexpr std::string_view kDockerLayerGzip =
    "application/vnd.docker.image.rootfs.diff.tar.gzip";
inline constexpr std::string_view kDockerLayerZstd =
    "application/vnd.docker.image.rootfs.diff.tar.zstd";
inline constexpr std::string_view kDockerForeignLayer =
    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
inline constexpr std::string_view kDockerPluginConfig = "application/vnd.docker.plugin.v1+json";

// Docker's legacy schema 1 (recognized only to be refused clearly).
inline constexpr std::string_view kDockerManifestSchema1 =
    "application/vnd.docker.distribution.manifest.v1+json";
inline constexpr std::string_view kDockerManifestSchema1Signed =
    "application/vnd.docker.distribution.manifest.v1+prettyjws";

// An OCI index or a Docker manifest list.
bool IsIndexMediaType(std::string_view media_type);
// An OCI image manifest or a Docker schema2 manifest.
bool IsManifestMediaType(std::string_view media_type);
// An image config (OCI or Docker).
bool IsConfigMediaType(std::string_view media_type);
// A layer blob of any of the types above, foreign/nondistributable included.
bool IsLayerMediaType(std::string_view media_type);
// A layer that registries do not serve (Docker foreign, OCI nondistributable).
bool IsForeignLayerMediaType(std::string_view media_type);

// How a layer blob of this media type is compressed.
enum class LayerCompression { kNone, kGzip, kZstd, kUnknown };
LayerCompression LayerCompressionOf(std::string_view media_type);

}  // namespace berth
