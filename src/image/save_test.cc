#include "image/save.h"

#include <gtest/gtest.h>

#include "oci/json_fields.h"
#include "oci/manifest.h"
#include "oci/media_types.h"

namespace berth::image {
namespace {

Digest D(char c) { return *Digest::FromHex(std::string(64, c)); }

store::ImageRecord Record() {
  return store::ImageRecord{
      .id = D('c'),
      .layers = {{.diff_id = D('1'), .chain_id = D('1'), .blob = D('a'),
                  .media_type = std::string(kDockerLayerGzip), .blob_size = 10},
                 {.diff_id = D('2'), .chain_id = D('3'), .blob = D('b'),
                  .media_type = std::string(kOciLayerZstd), .blob_size = 20}}};
}

ArchiveImage Image(std::vector<std::string> tags) {
  ArchiveImage a{.config = D('c'), .config_size = 5, .manifest = D('d'),
                 .manifest_media_type = std::string(kOciManifest), .manifest_size = 7,
                 .layers = Record().layers};
  for (const auto& t : tags) a.tags.push_back(WithDefaultTag(*ParseNormalizedNamed(t)));
  return a;
}

TEST(Save, BuiltManifestIsOciWithRecordSizes) {
  std::string json = BuildManifest(Record(), 123);
  auto m = Manifest::Parse(json);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->media_type, kOciManifest);
  EXPECT_EQ(m->config.media_type, kOciConfig);
  EXPECT_EQ(m->config.digest, D('c'));
  EXPECT_EQ(m->config.size, 123);
  ASSERT_EQ(m->layers.size(), 2u);
  EXPECT_EQ(m->layers[0].media_type, kOciLayerGzip);  // Docker type mapped
  EXPECT_EQ(m->layers[0].digest, D('a'));
  EXPECT_EQ(m->layers[0].size, 10);
  EXPECT_EQ(m->layers[1].media_type, kOciLayerZstd);
  EXPECT_EQ(BuildManifest(Record(), 123), json);  // deterministic
}

TEST(Save, IndexHasOneDescriptorPerTag) {
  auto j = Json::parse(IndexJson({Image({"busybox:latest", "quay.io/a/b:v1"}), Image({})}));
  EXPECT_EQ(j["schemaVersion"], 2);
  EXPECT_EQ(j["mediaType"], kOciIndex);
  ASSERT_EQ(j["manifests"].size(), 3u);
  const auto& first = j["manifests"][0];
  EXPECT_EQ(first["digest"], D('d').str());
  EXPECT_EQ(first["size"], 7);
  EXPECT_EQ(first["annotations"]["io.containerd.image.name"], "docker.io/library/busybox:latest");
  EXPECT_EQ(first["annotations"]["org.opencontainers.image.ref.name"], "latest");
  EXPECT_EQ(j["manifests"][1]["annotations"]["io.containerd.image.name"], "quay.io/a/b:v1");
  EXPECT_FALSE(j["manifests"][2].contains("annotations"));  // untagged
}

TEST(Save, DockerManifestJson) {
  auto j = Json::parse(DockerManifestJson({Image({"busybox:latest", "busybox:v2"}), Image({})}));
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["Config"], "blobs/sha256/" + D('c').hex());
  EXPECT_EQ(j[0]["RepoTags"], Json({"busybox:latest", "busybox:v2"}));
  EXPECT_EQ(j[0]["Layers"], Json({"blobs/sha256/" + D('a').hex(), "blobs/sha256/" + D('b').hex()}));
  EXPECT_TRUE(j[1]["RepoTags"].is_null());
}

TEST(Save, RepositoriesNameTheTopLayer) {
  auto j = Json::parse(RepositoriesJson({Image({"busybox:latest", "sgfoot/top:v1"}), Image({})}));
  EXPECT_EQ(j, Json::parse(R"({"busybox":{"latest":")" + D('3').hex() + R"("},"sgfoot/top":{"v1":")" +
                           D('3').hex() + R"("}})"));
  EXPECT_EQ(Json::parse(OciLayoutJson())["imageLayoutVersion"], "1.0.0");
}

}  // namespace
}  // namespace berth::image
