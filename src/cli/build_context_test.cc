// How `build` tells a git URL, and a tar from a Dockerfile.
#include "cli/build_context.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace berth::cli {
namespace {

TEST(BuildContextTest, GitUrlsAsDockerSeesThem) {
  EXPECT_TRUE(IsGitUrl("git://example.com/x"));
  EXPECT_TRUE(IsGitUrl("git@github.com:a/b.git"));
  EXPECT_TRUE(IsGitUrl("github.com/a/b"));
  EXPECT_TRUE(IsGitUrl("https://example.com/a/b.git"));
  EXPECT_TRUE(IsGitUrl("https://example.com/a/b.git#main:dir"));
  EXPECT_FALSE(IsGitUrl("https://example.com/ctx.tar.gz"));
  EXPECT_FALSE(IsGitUrl("./github.com/a"));
  EXPECT_FALSE(IsGitUrl("dir.git"));  // a local directory
}

TEST(BuildContextTest, TarHeaderByItsChecksum) {
  std::string h(512, '\0');
  h.replace(0, 10, "Dockerfile");
  h.replace(100, 7, "0000644");
  h.replace(257, 5, "ustar");
  unsigned sum = 0;
  for (size_t i = 0; i < 512; ++i) sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(h[i]);
  char field[8];
  std::snprintf(field, sizeof field, "%06o", sum);
  h.replace(148, 7, std::string(field, 6) + '\0');
  EXPECT_TRUE(LooksLikeTar(h));
  std::string bad = h;
  bad[0] = 'd';
  EXPECT_FALSE(LooksLikeTar(bad));
  EXPECT_FALSE(LooksLikeTar("FROM busybox\nRUN true\n"));
  EXPECT_FALSE(LooksLikeTar(std::string(512, '\0')));  // no checksum digits
}

}  // namespace
}  // namespace berth::cli
