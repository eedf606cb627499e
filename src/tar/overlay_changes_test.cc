#include "tar/overlay_changes.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "base/file.h"

namespace berth {
namespace {

namespace fs = std::filesystem;

void Write(const std::string& path, const std::string& content) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
}

void Whiteout(const std::string& path) {
  fs::create_directories(fs::path(path).parent_path());
  ASSERT_EQ(::mknod(path.c_str(), S_IFCHR | 0600, makedev(0, 0)), 0) << path;
}

void Opaque(const std::string& dir) {
  fs::create_directories(dir);
  ASSERT_EQ(::setxattr(dir.c_str(), "trusted.overlay.opaque", "y", 1, 0), 0) << dir;
}

std::string Show(const std::vector<Change>& changes) {
  std::string out;
  for (const auto& c : changes) out += std::string(ChangeKindLetter(c.kind)) + " " + c.path + "\n";
  return out;
}

class OverlayChangesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* base = std::getenv("BERTH_TEST_TMP");
    std::string parent = base != nullptr ? base : "/tmp";
    ASSERT_TRUE(MkdirAll(parent).ok());
    dir_ = *MakeTempDir(parent, "overlay-changes-");
    for (const char* d : {"l1", "l2", "upper", "work", "merged"}) fs::create_directories(dir_ + "/" + d);
  }
  void TearDown() override {
    if (mounted_) ::umount2(P("merged").c_str(), MNT_DETACH);
    (void)RemoveAll(dir_);
  }
  std::string P(const std::string& rel) const { return dir_ + "/" + rel; }

  // Mounts upper over the given lowers (topmost first) at merged/.
  bool Mount(const std::vector<std::string>& lowers) {
    std::string lowerdir;
    for (const auto& l : lowers) lowerdir += (lowerdir.empty() ? "" : ":") + P(l);
    std::string opts = "lowerdir=" + lowerdir + ",upperdir=" + P("upper") + ",workdir=" + P("work");
    mounted_ = ::mount("overlay", P("merged").c_str(), "overlay", 0, opts.c_str()) == 0;
    return mounted_;
  }
  void Unmount() {
    ASSERT_EQ(::umount2(P("merged").c_str(), 0), 0);
    mounted_ = false;
  }
  Result<std::vector<Change>> Changes(const std::vector<std::string>& lowers) {
    std::vector<std::string> dirs;
    for (const auto& l : lowers) dirs.push_back(P(l));
    return OverlayChanges(P("upper"), dirs);
  }

  std::string dir_;
  bool mounted_ = false;
};

// The container docker 20.10 diffed (busybox rootfs imported, then
// `sh -c 'echo changed > /data/keep; rm /data/gone; echo new > /data/new;
// rm -rf /opq; mkdir /opq; echo n > /opq/new; mkdir -p /newdir/a;
// echo z > /newdir/a/z; echo s > /data/sub/g'`). `docker diff` printed, in
// one of its (map-ordered) runs, exactly the order expected here.
TEST_F(OverlayChangesTest, MatchesDockerDiffOfARealOverlay) {
  Write(P("l1/data/keep"), "hello\n");
  Write(P("l1/data/gone"), "gone\n");
  Write(P("l1/data/sub/f"), "x\n");
  Write(P("l1/opq/old"), "o\n");
  Write(P("l1/bin/busybox"), "elf");
  if (!Mount({"l1"})) GTEST_SKIP() << "cannot mount overlay here: " << std::strerror(errno);
  std::string m = P("merged");
  Write(m + "/data/keep", "changed\n");
  fs::remove(m + "/data/gone");
  Write(m + "/data/new", "new\n");
  fs::remove_all(m + "/opq");
  fs::create_directory(m + "/opq");
  Write(m + "/opq/new", "n\n");
  Write(m + "/newdir/a/z", "z\n");
  Write(m + "/data/sub/g", "s\n");
  Unmount();

  auto got = Changes({"l1"});
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(Show(*got),
            "C /data\n"
            "C /data/keep\n"
            "A /data/new\n"
            "C /data/sub\n"
            "A /data/sub/g\n"
            "D /data/gone\n"
            "A /newdir\n"
            "A /newdir/a\n"
            "A /newdir/a/z\n"
            "C /opq\n"
            "A /opq/new\n"
            "D /opq/old\n");
}

TEST_F(OverlayChangesTest, EmptyUpperHasNoChanges) {
  Write(P("l1/a"), "a");
  auto got = Changes({"l1"});
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_TRUE(got->empty());
}

TEST_F(OverlayChangesTest, DeletedDirectoryIsOneEntry) {
  Write(P("l1/tree/a/b"), "b");
  Write(P("l1/tree/c"), "c");
  if (!Mount({"l1"})) GTEST_SKIP() << "cannot mount overlay here: " << std::strerror(errno);
  fs::remove_all(P("merged/tree"));
  Unmount();
  auto got = Changes({"l1"});
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(Show(*got), "D /tree\n");
}

TEST_F(OverlayChangesTest, ChmodAndChownAreChanges) {
  Write(P("l1/d/f"), "f");
  Write(P("l1/g"), "g");
  if (!Mount({"l1"})) GTEST_SKIP() << "cannot mount overlay here: " << std::strerror(errno);
  ASSERT_EQ(::chmod(P("merged/d").c_str(), 0700), 0);
  ASSERT_EQ(::chown(P("merged/g").c_str(), 1000, 1000), 0);
  Unmount();
  auto got = Changes({"l1"});
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(Show(*got), "C /d\nC /g\n");
}

// Several lowers merge as overlayfs merges them: a whiteout or an opaque dir
// in an upper layer hides what is below it, a non-directory ends the merge.
TEST_F(OverlayChangesTest, LowersMergeAsOverlayfsDoes) {
  Write(P("l2/a/x"), "old x");
  Write(P("l2/a/y"), "y");
  Whiteout(P("l1/a/x"));  // l1 deleted /a/x
  Write(P("upper/a/x"), "new x");  // so this is an addition
  Write(P("l2/b/q"), "q");
  Opaque(P("l1/b"));
  Write(P("l1/b/p"), "p");
  Opaque(P("upper/b"));  // /b emptied and re-made: only p was visible
  Write(P("l2/c/inner"), "i");
  Write(P("l1/c"), "file");  // a file over l2's directory /c
  Write(P("upper/c/z"), "z");  // a directory replaces the file
  Whiteout(P("upper/c2"));  // a whiteout over nothing is no change
  Whiteout(P("upper/a/y"));
  auto got = Changes({"l1", "l2"});
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(Show(*got),
            "C /a\n"
            "A /a/x\n"
            "D /a/y\n"
            "C /b\n"
            "D /b/p\n"
            "C /c\n"
            "A /c/z\n");
}

// An upper file whose stat matches the lower's (copied up, nothing changed)
// is no change in docker's diff; a lower with a zero nanosecond part matches
// any nanoseconds of the same second.
TEST_F(OverlayChangesTest, CopiedUpButUnchangedIsNoChange) {
  Write(P("l1/same"), "abc");
  Write(P("upper/same"), "xyz");
  Write(P("l1/later"), "abc");
  Write(P("upper/later"), "abc");
  struct timespec t0[2] = {{1600000000, 0}, {1600000000, 0}};
  struct timespec t1[2] = {{1600000000, 5}, {1600000000, 5}};
  struct timespec t2[2] = {{1600000001, 0}, {1600000001, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, P("l1/same").c_str(), t0, 0), 0);
  ASSERT_EQ(::utimensat(AT_FDCWD, P("upper/same").c_str(), t1, 0), 0);
  ASSERT_EQ(::utimensat(AT_FDCWD, P("l1/later").c_str(), t0, 0), 0);
  ASSERT_EQ(::utimensat(AT_FDCWD, P("upper/later").c_str(), t2, 0), 0);
  auto got = Changes({"l1"});
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(Show(*got), "C /later\n");
}

// Names are never followed: a symlink in a lower pointing at the host's /etc
// is not a directory to compare the upper dir of the same name with.
TEST_F(OverlayChangesTest, SymlinksAreNotFollowed) {
  fs::create_symlink("/etc", P("l1/esc"));
  Write(P("upper/esc/passwd"), "root");
  fs::create_symlink("/", P("upper/root"));
  auto got = Changes({"l1"});
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(Show(*got), "C /esc\nA /esc/passwd\nA /root\n");
}

TEST_F(OverlayChangesTest, MissingDirsAreNotFound) {
  auto got = OverlayChanges(P("nope"), {});
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, Code::kNotFound);
  got = OverlayChanges(P("upper"), {P("nope")});
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, Code::kNotFound);
}

}  // namespace
}  // namespace berth
