// .dockerignore rules, with the results moby/patternmatcher gives.
#include "build/ignore.h"

#include <gtest/gtest.h>

namespace berth::build {
namespace {

IgnoreMatcher M(std::string_view text) {
  auto m = IgnoreMatcher::Parse(text);
  EXPECT_TRUE(m.ok()) << m.error().message;
  return *m;
}

TEST(IgnoreTest, StarStaysInOneDirectory) {
  IgnoreMatcher m = M("*.go\n");
  EXPECT_TRUE(m.Excluded("main.go"));
  EXPECT_FALSE(m.Excluded("dir/main.go"));
  EXPECT_FALSE(m.Excluded("main.c"));
}

TEST(IgnoreTest, DoubleStarCrossesDirectories) {
  IgnoreMatcher m = M("**/*.go\n");
  EXPECT_TRUE(m.Excluded("main.go"));
  EXPECT_TRUE(m.Excluded("a/b/c.go"));
  EXPECT_FALSE(m.Excluded("a/b/c.goo"));
  IgnoreMatcher all = M("a/**\n");
  EXPECT_TRUE(all.Excluded("a/b/c"));
  EXPECT_FALSE(all.Excluded("ab"));
}

TEST(IgnoreTest, ADirectoryTakesEverythingBelowIt) {
  IgnoreMatcher m = M("dir\n/abs\nx/../y\n");
  EXPECT_TRUE(m.Excluded("dir"));
  EXPECT_TRUE(m.Excluded("dir/a/b"));
  EXPECT_TRUE(m.Excluded("abs/f"));
  EXPECT_TRUE(m.Excluded("y"));
  EXPECT_FALSE(m.Excluded("x"));
  EXPECT_FALSE(m.Excluded("dirx"));
}

TEST(IgnoreTest, ExceptionsAndOrder) {
  IgnoreMatcher m = M("# comment\n*\n!README.md\n  \n!docs\ndocs/private\n");
  EXPECT_TRUE(m.HasExceptions());
  EXPECT_TRUE(m.Excluded("main.c"));
  EXPECT_FALSE(m.Excluded("README.md"));
  EXPECT_FALSE(m.Excluded("docs/a.md"));
  EXPECT_TRUE(m.Excluded("docs/private/key"));
  IgnoreMatcher later = M("!keep\nkeep\n");  // the last matching pattern decides
  EXPECT_TRUE(later.Excluded("keep"));
}

TEST(IgnoreTest, QuestionMarkDotsAndClasses) {
  IgnoreMatcher m = M("file?.txt\n[ab].log\nv1.0\n");
  EXPECT_TRUE(m.Excluded("file1.txt"));
  EXPECT_FALSE(m.Excluded("file/.txt"));
  EXPECT_TRUE(m.Excluded("a.log"));
  EXPECT_FALSE(m.Excluded("c.log"));
  EXPECT_TRUE(m.Excluded("v1.0"));
  EXPECT_FALSE(m.Excluded("v1x0"));  // '.' is literal
}

TEST(IgnoreTest, BadPatternsAndCleaning) {
  EXPECT_EQ(IgnoreMatcher::Parse("[\n").error().message, "syntax error in pattern");
  EXPECT_EQ(CleanSlashPath("a//b/../c/"), "a/c");
  EXPECT_EQ(CleanSlashPath(""), ".");
  EXPECT_EQ(CleanSlashPath("/../a"), "/a");
  EXPECT_EQ(CleanSlashPath("../a"), "../a");
  EXPECT_TRUE(M("").empty());
}

TEST(IgnoreTest, ExcludedByNamesTheDecidingPattern) {
  IgnoreMatcher m = M("*.log\nbuild\n!build/keep\n");
  EXPECT_EQ(m.ExcludedBy("a.log"), "*.log");
  EXPECT_EQ(m.ExcludedBy("build/x"), "build");
  EXPECT_EQ(m.ExcludedBy("build/keep"), std::nullopt);
  EXPECT_EQ(m.ExcludedBy("src/a.c"), std::nullopt);
}

}  // namespace
}  // namespace berth::build
