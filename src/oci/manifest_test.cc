#include "oci/manifest.h"

#include <gtest/gtest.h>

#include "oci/media_types.h"

namespace berth {
namespace {

const std::string kA = "sha256:" + std::string(64, 'a');
const std::string kB = "sha256:" + std::string(64, 'b');
const std::string kC = "sha256:" + std::string(64, 'c');

const std::string kDockerManifestJson = R"({
   "schemaVersion": 2,
   "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
   "config": {
      "mediaType": "application/vnd.docker.container.image.v1+json",
      "size": 1456,
      "digest": ")" + kA + R"("
   },
   "layers": [
      {
         "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
         "size": 772788,
         "digest": ")" + kB + R"("
      },
      {
         "mediaType": "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
         "size": 5,
         "digest": ")" + kC + R"(",
         "urls": ["https://example.com/layer"]
      }
   ]
})";

TEST(Manifest, ParseDockerSchema2) {
  auto m = Manifest::Parse(kDockerManifestJson);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->schema_version, 2);
  EXPECT_EQ(m->media_type, kDockerManifest);
  EXPECT_EQ(m->config.media_type, kDockerConfig);
  EXPECT_EQ(m->config.size, 1456);
  EXPECT_EQ(m->config.digest.str(), kA);
  ASSERT_EQ(m->layers.size(), 2u);
  EXPECT_EQ(m->layers[0].size, 772788);
  EXPECT_EQ(m->layers[0].digest.str(), kB);
  EXPECT_TRUE(m->layers[0].urls.empty());
  EXPECT_EQ(m->layers[1].urls, std::vector<std::string>{"https://example.com/layer"});
  EXPECT_TRUE(IsForeignLayerMediaType(m->layers[1].media_type));
  EXPECT_EQ(DetectMediaType(kDockerManifestJson), kDockerManifest);
}

TEST(Manifest, ToJsonIsCompactAndRoundTrips) {
  Manifest m;
  m.media_type = std::string(kOciManifest);
  m.config = {.media_type = std::string(kOciConfig), .digest = *Digest::Parse(kA), .size = 7};
  m.layers.push_back({.media_type = std::string(kOciLayerGzip),
                      .digest = *Digest::Parse(kB),
                      .size = 100,
                      .annotations = {{"org.opencontainers.image.title", "x.tar.gz"}}});
  m.annotations["org.opencontainers.image.created"] = "2024-01-01T00:00:00Z";
  std::string json = m.ToJson();
  EXPECT_EQ(
      json,
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
      R"("config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" +
          kA +
          R"(","size":7},)"
          R"("layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":")" +
          kB +
          R"(","size":100,"annotations":{"org.opencontainers.image.title":"x.tar.gz"}}],)"
          R"("annotations":{"org.opencontainers.image.created":"2024-01-01T00:00:00Z"}})");
  auto back = Manifest::Parse(json);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, m);
  EXPECT_EQ(back->ToJson(), json);
  // Docker's manifest survives a parse/print/parse cycle too.
  auto d = Manifest::Parse(kDockerManifestJson);
  EXPECT_EQ(*Manifest::Parse(d->ToJson()), *d);
}

TEST(Manifest, EmptyLayersAndNoMediaType) {
  auto m = Manifest::Parse(R"({"schemaVersion":2,"config":{"mediaType":"x","digest":")" + kA +
                           R"(","size":2}})");
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_TRUE(m->media_type.empty());
  EXPECT_TRUE(m->layers.empty());
  EXPECT_EQ(m->ToJson(), R"({"schemaVersion":2,"config":{"mediaType":"x","digest":")" + kA +
                             R"(","size":2},"layers":[]})");
}

TEST(Manifest, Errors) {
  auto cfg = [](std::string body) { return R"({"schemaVersion":2,"config":)" + body + "}"; };
  std::string good_cfg = R"({"mediaType":"x","digest":")" + kA + R"(","size":2})";
  struct Case {
    std::string json, message;
  } cases[] = {
      {"{", ""},
      {"[]", "invalid manifest: not a JSON object"},
      {R"({"config":)" + good_cfg + "}", "invalid manifest: schemaVersion: missing"},
      {R"({"schemaVersion":1,"fsLayers":[]})",
       "invalid manifest: schemaVersion: unsupported version 1"},
      {R"({"schemaVersion":"2"})", "invalid manifest: schemaVersion: not an integer"},
      {R"({"schemaVersion":2})", "invalid manifest: config: missing"},
      {cfg("[]"), "invalid manifest: config: not an object"},
      {cfg(R"({"mediaType":"x","size":2})"), "invalid manifest: config.digest: missing"},
      {cfg(R"({"mediaType":"x","digest":"sha256:abc","size":2})"),
       "invalid manifest: config.digest: invalid checksum digest length"},
      {cfg(R"({"mediaType":"x","digest":")" + kA + R"(","size":-1})"),
       "invalid manifest: config.size: negative"},
      {cfg(R"({"mediaType":"x","digest":")" + kA + R"(","size":"2"})"),
       "invalid manifest: config.size: not an integer"},
      {cfg(R"({"mediaType":"x","digest":")" + kA + R"(","size":1.5})"),
       "invalid manifest: config.size: not an integer"},
      {cfg(R"({"mediaType":"x","digest":")" + kA + R"(","size":18446744073709551615})"),
       "invalid manifest: config.size: integer out of range"},
      {R"({"schemaVersion":2,"config":)" + good_cfg + R"(,"layers":[)" + good_cfg +
           R"(,{"mediaType":"x","digest":7,"size":1}]})",
       "invalid manifest: layers[1].digest: not a string"},
      {R"({"schemaVersion":2,"config":)" + good_cfg + R"(,"layers":{}})",
       "invalid manifest: layers: not an array"},
      {R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","config":)" +
           good_cfg + "}",
       "invalid manifest: mediaType: unexpected \"application/vnd.oci.image.index.v1+json\""},
      {R"({"schemaVersion":2,"config":)" + good_cfg + R"(,"annotations":{"a":1}})",
       "invalid manifest: annotations.a: not a string"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.json);
    auto m = Manifest::Parse(c.json);
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.error().code, Code::kInvalidArgument);
    if (c.message.empty()) {
      EXPECT_TRUE(m.error().message.starts_with("invalid manifest: parse error"))
          << m.error().message;
    } else {
      EXPECT_EQ(m.error().message, c.message);
    }
  }
}

TEST(Index, ParseManifestListWithPlatforms) {
  std::string json = R"({
    "schemaVersion": 2,
    "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
    "manifests": [
      {"mediaType": "application/vnd.docker.distribution.manifest.v2+json", "size": 527,
       "digest": ")" +
                     kA + R"(", "platform": {"architecture": "amd64", "os": "linux"}},
      {"mediaType": "application/vnd.docker.distribution.manifest.v2+json", "size": 527,
       "digest": ")" +
                     kB +
                     R"(", "platform": {"architecture": "arm64", "os": "linux", "variant": "v8"}},
      {"mediaType": "application/vnd.docker.distribution.manifest.v2+json", "size": 1125,
       "digest": ")" +
                     kC + R"(", "platform": {"architecture": "amd64", "os": "windows",
       "os.version": "10.0.17763.2114"}}
    ]
  })";
  auto x = Index::Parse(json);
  ASSERT_TRUE(x.ok()) << x.error().message;
  EXPECT_EQ(x->media_type, kDockerManifestList);
  ASSERT_EQ(x->manifests.size(), 3u);
  ASSERT_TRUE(x->manifests[1].platform.has_value());
  EXPECT_EQ(x->manifests[1].platform->String(), "linux/arm64/v8");
  EXPECT_EQ(x->manifests[2].platform->os_version, "10.0.17763.2114");
  EXPECT_TRUE(Matches(*ParsePlatform("linux/arm64"), *x->manifests[1].platform));
  EXPECT_EQ(*Index::Parse(x->ToJson()), *x);
  EXPECT_EQ(DetectMediaType(json), kDockerManifestList);
}

TEST(Index, ToJsonAndErrors) {
  Index x;
  x.media_type = std::string(kOciIndex);
  x.manifests.push_back(
      {.media_type = std::string(kOciManifest),
       .digest = *Digest::Parse(kA),
       .size = 3,
       .platform = Platform{.os = "linux", .architecture = "arm", .variant = "v7"}});
  EXPECT_EQ(x.ToJson(),
            R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",)"
            R"("manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" +
                kA +
                R"(","size":3,"platform":{"architecture":"arm","os":"linux","variant":"v7"}}]})");
  EXPECT_EQ(Index::Parse(R"({"schemaVersion":2,"manifests":[{"mediaType":"x","digest":")" + kA +
                         R"(","size":1,"platform":"linux"}]})")
                .error()
                .message,
            "invalid index: manifests[0].platform: not an object");
  EXPECT_EQ(Index::Parse(
                R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"})")
                .error()
                .message,
            "invalid index: mediaType: unexpected \"application/vnd.oci.image.manifest.v1+json\"");
  EXPECT_TRUE(Index::Parse(R"({"schemaVersion":2,"manifests":[]})").ok());
}

// A document that reads as both a manifest and an index is refused by both
// parsers (CVE-2021-41190), in Docker's words; null fields count as absent.
TEST(Manifest, AmbiguousDocumentIsNeitherManifestNorIndex) {
  const std::string desc = R"({"mediaType":"x","digest":")" + kA + R"(","size":2})";
  const std::string both = R"({"schemaVersion":2,"config":)" + desc + R"(,"layers":[)" + desc +
                           R"(],"manifests":[)" + desc + "]}";
  EXPECT_EQ(Manifest::Parse(both).error().message,
            "invalid manifest: manifests: expected manifest but found index");
  EXPECT_EQ(Index::Parse(both).error().message,
            "invalid index: config: expected index but found manifest");
  EXPECT_EQ(Index::Parse(R"({"schemaVersion":2,"manifests":[],"layers":[]})").error().message,
            "invalid index: layers: expected index but found manifest");
  EXPECT_EQ(Manifest::Parse(R"({"schemaVersion":2,"config":)" + desc + R"(,"manifests":[]})")
                .error()
                .code,
            Code::kInvalidArgument);
  EXPECT_TRUE(Manifest::Parse(R"({"schemaVersion":2,"config":)" + desc + R"(,"manifests":null})").ok());
  EXPECT_TRUE(Index::Parse(R"({"schemaVersion":2,"manifests":[],"layers":null,"config":null})").ok());
}

TEST(Manifest, DeclaredMediaTypeMustMatchTheContentType) {
  const std::string docker = R"({"schemaVersion":2,"mediaType":")" + std::string(kDockerManifest) +
                             R"(","config":{},"layers":[]})";
  EXPECT_TRUE(CheckDeclaredMediaType(kDockerManifest, docker).ok());
  auto e = CheckDeclaredMediaType(kOciManifest, docker);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code, Code::kInvalidArgument);
  EXPECT_EQ(e.error().message, "mediaType in manifest should be '" + std::string(kOciManifest) +
                                   "' not '" + std::string(kDockerManifest) + "'");
  EXPECT_FALSE(CheckDeclaredMediaType(kOciIndex, docker).ok());
  // Nothing declared, or not a JSON object: nothing to contradict.
  EXPECT_TRUE(CheckDeclaredMediaType(kOciManifest, R"({"schemaVersion":2,"layers":[]})").ok());
  EXPECT_TRUE(CheckDeclaredMediaType(kOciManifest, R"({"mediaType":""})").ok());
  EXPECT_TRUE(CheckDeclaredMediaType(kOciManifest, "not json").ok());
}

TEST(Descriptor, ParseAndToJson) {
  std::string json = R"({"mediaType":"application/vnd.oci.image.layer.v1.tar+zstd","digest":")" +
                     kA +
                     R"(","size":42,"urls":["https://a/b"],"annotations":{"k":"v"},)"
                     R"("platform":{"architecture":"amd64","os":"linux"}})";
  auto d = Descriptor::Parse(json);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(LayerCompressionOf(d->media_type), LayerCompression::kZstd);
  EXPECT_EQ(d->ToJson(), json);
  EXPECT_EQ(Descriptor::Parse(R"({"digest":")" + kA + R"(","size":1})").error().message,
            "invalid descriptor: mediaType: missing");
  // Unknown fields are ignored.
  EXPECT_TRUE(Descriptor::Parse(R"({"mediaType":"x","digest":")" + kA +
                                R"(","size":1,"artifactType":"y","data":"AA=="})")
                  .ok());
}

TEST(MediaTypes, DetectAndClassify) {
  EXPECT_EQ(DetectMediaType(R"({"schemaVersion":2,"manifests":[]})"), kOciIndex);
  EXPECT_EQ(DetectMediaType(R"({"schemaVersion":2,"config":{},"layers":[]})"), kOciManifest);
  EXPECT_EQ(DetectMediaType(R"({"schemaVersion":2,"mediaType":"foo/bar","layers":[]})"), "foo/bar");
  EXPECT_EQ(DetectMediaType(R"({"schemaVersion":1,"fsLayers":[]})"), kDockerManifestSchema1);
  EXPECT_EQ(DetectMediaType(R"({"schemaVersion":1,"fsLayers":[],"signatures":[]})"),
            kDockerManifestSchema1Signed);
  EXPECT_EQ(DetectMediaType(R"({"schemaVersion":2})"), "");
  EXPECT_EQ(DetectMediaType("not json"), "");
  EXPECT_EQ(DetectMediaType("[]"), "");
  EXPECT_TRUE(IsIndexMediaType(kDockerManifestList));
  EXPECT_FALSE(IsIndexMediaType(kDockerManifest));
  EXPECT_TRUE(IsManifestMediaType(kOciManifest));
  EXPECT_TRUE(IsConfigMediaType(kDockerConfig));
  EXPECT_TRUE(IsLayerMediaType(kDockerLayerGzip));
  EXPECT_TRUE(IsLayerMediaType(kOciLayer));
  EXPECT_FALSE(IsLayerMediaType(kOciConfig));
  EXPECT_EQ(LayerCompressionOf(kDockerLayerGzip), LayerCompression::kGzip);
  EXPECT_EQ(LayerCompressionOf(kOciLayer), LayerCompression::kNone);
  EXPECT_EQ(LayerCompressionOf("text/plain"), LayerCompression::kUnknown);
}

}  // namespace
}  // namespace berth
