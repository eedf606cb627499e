#include <gtest/gtest.h>

#include "image/load_archive.h"

namespace berth::image {
namespace {

TEST(CleanArchivePath, NormalizesRelativeNames) {
  EXPECT_EQ(*CleanArchivePath("./manifest.json"), "manifest.json");
  EXPECT_EQ(*CleanArchivePath("blobs//sha256/./ab"), "blobs/sha256/ab");
  EXPECT_EQ(*CleanArchivePath("abc/layer.tar"), "abc/layer.tar");
  EXPECT_EQ(*CleanArchivePath("./"), "");
  EXPECT_EQ(*CleanArchivePath("dir/"), "dir");
}

TEST(CleanArchivePath, RefusesEscapes) {
  EXPECT_FALSE(CleanArchivePath("/etc/passwd").ok());
  EXPECT_FALSE(CleanArchivePath("../../x").ok());
  EXPECT_FALSE(CleanArchivePath("a/../../x").ok());
  EXPECT_FALSE(CleanArchivePath("a/..").ok());
  EXPECT_EQ(CleanArchivePath("..x/y").value(), "..x/y");  // only a whole ".." component escapes
}

TEST(IsArchiveMetadata, OnlyTopLevelIndexFiles) {
  EXPECT_TRUE(IsArchiveMetadata("manifest.json"));
  EXPECT_TRUE(IsArchiveMetadata("index.json"));
  EXPECT_TRUE(IsArchiveMetadata("repositories"));
  EXPECT_TRUE(IsArchiveMetadata("oci-layout"));
  EXPECT_FALSE(IsArchiveMetadata("abc/json"));
  EXPECT_FALSE(IsArchiveMetadata("x/manifest.json"));
  EXPECT_FALSE(IsArchiveMetadata("0123.json"));
}

TEST(ParseDockerManifest, ReadsEntries) {
  auto m = ParseDockerManifest(
      R"([{"Config":"c.json","RepoTags":["busybox:latest","b:1"],"Layers":["a/layer.tar","b/layer.tar"]},
          {"Config":"blobs/sha256/00","RepoTags":null,"Layers":[]}])");
  ASSERT_TRUE(m.ok()) << m.error().message;
  ASSERT_EQ(m->size(), 2u);
  EXPECT_EQ((*m)[0].config, "c.json");
  EXPECT_EQ((*m)[0].repo_tags, (std::vector<std::string>{"busybox:latest", "b:1"}));
  EXPECT_EQ((*m)[0].layers, (std::vector<std::string>{"a/layer.tar", "b/layer.tar"}));
  EXPECT_TRUE((*m)[1].repo_tags.empty());
}

TEST(ParseDockerManifest, RefusesMalformed) {
  EXPECT_FALSE(ParseDockerManifest("{}").ok());
  EXPECT_FALSE(ParseDockerManifest("[").ok());
  EXPECT_FALSE(ParseDockerManifest("[]").ok());
  EXPECT_FALSE(ParseDockerManifest(R"([{"RepoTags":[]}])").ok());
  EXPECT_FALSE(ParseDockerManifest(R"([{"Config":"c","Layers":"x"}])").ok());
  EXPECT_FALSE(ParseDockerManifest(R"([1])").ok());
}

}  // namespace
}  // namespace berth::image

namespace berth::image {
namespace {

TEST(ResolveLinkTarget, StaysInsideTheArchive) {
  EXPECT_EQ(*ResolveLinkTarget("b/layer.tar", "../a/layer.tar", false), "a/layer.tar");
  EXPECT_EQ(*ResolveLinkTarget("b/layer.tar", "a/layer.tar", true), "a/layer.tar");
  EXPECT_EQ(*ResolveLinkTarget("layer.tar", "./x.tar", false), "x.tar");
  EXPECT_FALSE(ResolveLinkTarget("b/layer.tar", "../../etc/passwd", false).ok());
  EXPECT_FALSE(ResolveLinkTarget("b/layer.tar", "/etc/passwd", false).ok());
  EXPECT_FALSE(ResolveLinkTarget("b/layer.tar", "../a", true).ok());
  EXPECT_FALSE(ResolveLinkTarget("b/layer.tar", "", true).ok());
}

TEST(ResolveLinks, FollowsChainsToBlobs) {
  ArchiveContents ac;
  Digest d = Digest::Of("x");
  ac.blobs["a/layer.tar"] = {.digest = d, .size = 1};
  ac.links["b/layer.tar"] = "a/layer.tar";
  ac.links["c/layer.tar"] = "b/layer.tar";
  ac.links["loop1"] = "loop2";
  ac.links["loop2"] = "loop1";
  ResolveLinks(ac);
  EXPECT_EQ(ac.blobs.at("b/layer.tar").digest, d);
  EXPECT_EQ(ac.blobs.at("c/layer.tar").digest, d);
  EXPECT_EQ(ac.blobs.count("loop1"), 0u);
}

}  // namespace
}  // namespace berth::image
