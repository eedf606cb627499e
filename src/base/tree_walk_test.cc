#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <string>
#include <vector>

#include "base/file.h"

namespace berth {
namespace {

constexpr uid_t kNobody = 65534;

// Runs fn in a forked child; returns fn's result as the child's exit code
// (128 + signal when it died of one).
template <class Fn>
int InChild(Fn fn) {
  pid_t pid = ::fork();
  if (pid == 0) ::_exit(fn());
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void LowerFdLimit(rlim_t n) {
  struct rlimit rl = {n, n};
  ::setrlimit(RLIMIT_NOFILE, &rl);
}

// Drops root for the rest of the (child) process; false when not root.
bool BecomeNobody() {
  if (::geteuid() != 0) return false;
  return ::setgid(kNobody) == 0 && ::setuid(kNobody) == 0;
}

void Write(int dirfd, const char* name, const std::string& data) {
  int fd = ::openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0) << name;
  ASSERT_EQ(::write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
  ::close(fd);
}

class TreeWalkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = MakeTempDir("/tmp", "berth-walk-test-");
    ASSERT_TRUE(dir.ok()) << dir.error().message;
    dir_ = *dir;
    top_ = dir_ + "/top";
  }
  void TearDown() override {
    ::chmod(dir_.c_str(), 0700);
    EXPECT_TRUE(RemoveAll(dir_).ok());
  }
  // dir_/top/d/d/.../d, depth levels below top, with a 3-byte file at the bottom
  // and a 1-byte file every 1000 levels. Made fd-relative: the path is far
  // beyond PATH_MAX.
  void MakeDeep(int depth) {
    ASSERT_EQ(::mkdir(top_.c_str(), 0755), 0);
    int fd = ::open(top_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    for (int i = 0; i < depth; i++) {
      if (i % 1000 == 0) Write(fd, "f", "x");
      ASSERT_EQ(::mkdirat(fd, "d", 0755), 0) << i;
      int next = ::openat(fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      ASSERT_GE(next, 0) << i;
      ::close(fd);
      fd = next;
    }
    Write(fd, "bottom", "abc");
    ::close(fd);
  }

  std::string dir_, top_;
};

// Counts what a walk meets.
class Counter : public TreeVisitor {
 public:
  Status Entry(int, const char* name, unsigned char type) override {
    entries[name + std::string(":") + std::to_string(type)]++;
    return Ok();
  }
  Status LeaveDir(int, dev_t, ino_t) override {
    dirs++;
    return Ok();
  }
  std::map<std::string, int> entries;
  int dirs = 0;
};

TEST_F(TreeWalkTest, DeepTreeWithFewFds) {
  constexpr int kDepth = 10000;
  MakeDeep(kDepth);
  int code = InChild([&] {
    LowerFdLimit(64);
    auto du = DiskUsage(top_);
    if (!du.ok() || *du != kDepth / 1000 + 3) return 1;
    Counter c;
    if (!WalkTreeAt(AT_FDCWD, top_, c).ok() || c.dirs != kDepth + 1) return 2;
    if (!RemoveAll(top_).ok()) return 3;
    return PathExists(top_) ? 4 : 0;
  });
  EXPECT_EQ(code, 0);
  EXPECT_FALSE(PathExists(top_));
}

TEST_F(TreeWalkTest, WalkVisitsEverythingOnceAndFollowsNoSymlink) {
  ASSERT_TRUE(MkdirAll(top_ + "/a/b").ok());
  ASSERT_TRUE(MkdirAll(dir_ + "/outside/x").ok());
  ASSERT_TRUE(WriteFileAtomic(top_ + "/a/b/f", "12345").ok());
  ASSERT_TRUE(WriteFileAtomic(top_ + "/g", "1").ok());
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/outside/x/big", std::string(1000, 'o')).ok());
  ASSERT_EQ(::symlink((dir_ + "/outside").c_str(), (top_ + "/a/out").c_str()), 0);
  ASSERT_EQ(::mkfifo((top_ + "/a/fifo").c_str(), 0600), 0);
  Counter c;
  ASSERT_TRUE(WalkTreeAt(AT_FDCWD, top_, c).ok());
  EXPECT_EQ(c.dirs, 3);
  EXPECT_EQ(c.entries, (std::map<std::string, int>{{"f:" + std::to_string(DT_REG), 1},
                                                    {"g:" + std::to_string(DT_REG), 1},
                                                    {"out:" + std::to_string(DT_LNK), 1},
                                                    {"fifo:" + std::to_string(DT_FIFO), 1}}));
  EXPECT_EQ(*DiskUsage(top_), 6u);

  EXPECT_EQ(WalkTreeAt(AT_FDCWD, top_ + "/a/out", c).error().code, Code::kInvalidArgument);
  EXPECT_EQ(WalkTreeAt(AT_FDCWD, top_ + "/g", c).error().code, Code::kInvalidArgument);
  EXPECT_EQ(WalkTreeAt(AT_FDCWD, top_ + "/nope", c).error().code, Code::kNotFound);
  EXPECT_EQ(DiskUsage(top_ + "/nope").error().code, Code::kNotFound);

  ASSERT_TRUE(RemoveAll(top_).ok());
  EXPECT_FALSE(PathExists(top_));
  EXPECT_EQ(*ReadFile(dir_ + "/outside/x/big"), std::string(1000, 'o'));
  EXPECT_TRUE(RemoveAll(top_).ok());  // absent is success
}

// Moves top/a out of top while the walk is in top/a/b.
class Mover : public TreeVisitor {
 public:
  explicit Mover(std::string from, std::string to) : from_(std::move(from)), to_(std::move(to)) {}
  Status Entry(int, const char*, unsigned char) override {
    if (!moved_ && ::rename(from_.c_str(), to_.c_str()) != 0) return ErrnoError("rename");
    moved_ = true;
    return Ok();
  }

 private:
  std::string from_, to_;
  bool moved_ = false;
};

TEST_F(TreeWalkTest, DirectoryMovedDuringTheWalkIsAConflict) {
  ASSERT_TRUE(MkdirAll(top_ + "/a/b").ok());
  ASSERT_TRUE(WriteFileAtomic(top_ + "/a/b/f", "1").ok());
  Mover m(top_ + "/a", dir_ + "/a");
  Status st = WalkTreeAt(AT_FDCWD, top_, m);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Code::kConflict) << st.error().message;
  EXPECT_NE(st.error().message.find("moved"), std::string::npos) << st.error().message;
}

TEST_F(TreeWalkTest, ReadOnlyDirectoriesAreRemoved) {
  // Without privileges, so that modes count (root passes them by).
  ASSERT_EQ(::chmod(dir_.c_str(), 0777), 0);
  int code = InChild([&] {
    if (::geteuid() == 0 && !BecomeNobody()) return 10;
    for (const char* d : {"", "/ro", "/ro/in", "/none", "/rx", "/r"}) {
      if (::mkdir((top_ + d).c_str(), 0755) != 0) return 11;
    }
    for (const char* f : {"/ro/a", "/ro/in/b", "/none/c", "/rx/d", "/r/e"}) {
      if (!WriteFileAtomic(top_ + f, "x").ok()) return 12;
    }
    ::chmod((top_ + "/ro/in").c_str(), 0555);
    ::chmod((top_ + "/ro").c_str(), 0555);
    ::chmod((top_ + "/none").c_str(), 0);
    ::chmod((top_ + "/rx").c_str(), 0111);
    ::chmod((top_ + "/r").c_str(), 0444);
    ::chmod(top_.c_str(), 0555);
    Status st = RemoveAll(top_);
    if (!st.ok()) {
      fprintf(stderr, "%s\n", st.error().message.c_str());
      return 13;
    }
    return PathExists(top_) ? 14 : 0;
  });
  EXPECT_EQ(code, 0);
}

TEST_F(TreeWalkTest, RemovalGoesOnPastWhatItCannotRemove) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to make a directory nobody may empty";
  ASSERT_EQ(::chmod(dir_.c_str(), 0777), 0);
  for (const char* d : {"", "/a", "/locked", "/z", "/z/deep"}) {
    ASSERT_EQ(::mkdir((top_ + d).c_str(), 0755), 0);
  }
  for (const char* f : {"/f1", "/f2", "/a/f3", "/locked/keep", "/z/f4", "/z/deep/f5"}) {
    ASSERT_TRUE(WriteFileAtomic(top_ + f, "x").ok());
  }
  for (const char* p : {"", "/a", "/z", "/z/deep", "/f1", "/f2", "/a/f3", "/z/f4", "/z/deep/f5"}) {
    ASSERT_EQ(::lchown((top_ + p).c_str(), kNobody, kNobody), 0) << p;
  }
  // top/locked stays root's: nobody can neither empty it nor chmod it.
  int code = InChild([&] {
    if (!BecomeNobody()) return 10;
    Status st = RemoveAll(top_);
    if (st.ok()) return 11;
    if (st.error().code != Code::kPermissionDenied) return 12;
    return st.error().message.find("keep") == std::string::npos ? 13 : 0;
  });
  EXPECT_EQ(code, 0);
  std::vector<std::string> left;
  DIR* d = ::opendir(top_.c_str());
  ASSERT_NE(d, nullptr);
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] != '.') left.push_back(e->d_name);
  }
  ::closedir(d);
  EXPECT_EQ(left, std::vector<std::string>{"locked"});
  EXPECT_TRUE(PathExists(top_ + "/locked/keep"));
}

}  // namespace
}  // namespace berth
