// The context hash and its stat cache: an unchanged context is not read
// again, a changed one is, whatever stat fields the change left alone.
#include "build/context.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "base/file.h"

namespace berth::build {
namespace {

class ContextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* t = std::getenv("TMPDIR");
    auto d = MakeTempDir(t ? t : "/tmp", "context-test-");
    ASSERT_TRUE(d.ok());
    root_ = *d;
    ctx_ = root_ + "/ctx";
    ASSERT_TRUE(MkdirAll(ctx_ + "/sub").ok());
    Write("a", "alpha");
    Write("sub/b", "bravo");
    ASSERT_EQ(::symlink("a", (ctx_ + "/link").c_str()), 0);
    cache_ = root_ + "/cache";
  }
  void TearDown() override { (void)RemoveAll(root_); }

  void Write(const std::string& rel, const std::string& text) {
    ASSERT_TRUE(WriteFileAtomic(ctx_ + "/" + rel, text).ok());
  }
  // Overwrites the file in place (same inode).
  void Rewrite(const std::string& rel, const std::string& text) {
    int fd = ::open((ctx_ + "/" + rel).c_str(), O_WRONLY | O_TRUNC);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    ::close(fd);
  }
  // Moves the file's mtime back, or to sec. Its ctime becomes now: a
  // short sleep makes it older than the next cache's stamp (the coarse
  // clock's tick is at most 10 ms), so the entry is not racy.
  void Age(const std::string& rel, time_t sec = 1'600'000'000) {
    struct timespec ts[2] = {{sec, 0}, {sec, 0}};
    ASSERT_EQ(::utimensat(AT_FDCWD, (ctx_ + "/" + rel).c_str(), ts, AT_SYMLINK_NOFOLLOW), 0);
    ::usleep(30'000);
  }
  // Hashes the whole context with a fresh Context (a new build); *read gets
  // how many files it read.
  Digest HashAll(int64_t* read) {
    auto c = Context::Open(ctx_, cache_);
    EXPECT_TRUE(c.ok());
    auto d = c->Hash({""});
    EXPECT_TRUE(d.ok()) << d.error().message;
    *read = c->files_read();
    return *d;
  }

  std::string root_, ctx_, cache_;
};

TEST_F(ContextTest, UnchangedContextIsNotReadAgain) {
  Age("a");
  Age("sub/b");
  int64_t read = 0;
  Digest cold = HashAll(&read);
  EXPECT_EQ(read, 2);
  Digest warm = HashAll(&read);
  EXPECT_EQ(read, 0);
  EXPECT_EQ(cold, warm);
}

TEST_F(ContextTest, RacyEntryIsHashedAgain) {
  Age("a", ::time(nullptr) + 3600);  // not older than the cache: too recent to trust
  Age("sub/b", ::time(nullptr) + 3600);
  int64_t read = 0;
  HashAll(&read);
  EXPECT_EQ(read, 2);
  HashAll(&read);
  EXPECT_EQ(read, 2);
}

TEST_F(ContextTest, SameSizeAndMtimeChangeIsSeen) {
  Age("a");
  Age("sub/b");
  int64_t read = 0;
  Digest before = HashAll(&read);
  Rewrite("a", "ALPHA");  // same inode, same size; the mtime forced back below
  Age("a");             // the ctime moved: the cache must not trust the entry
  Digest after = HashAll(&read);
  EXPECT_EQ(read, 1);
  EXPECT_NE(before, after);
}

TEST_F(ContextTest, HashCoversModesLinksAndExclusions) {
  Age("a");
  Age("sub/b");
  int64_t read = 0;
  Digest base = HashAll(&read);
  ASSERT_EQ(::chmod((ctx_ + "/sub/b").c_str(), 0600), 0);
  Digest mode = HashAll(&read);
  EXPECT_NE(base, mode);
  ASSERT_EQ(::unlink((ctx_ + "/link").c_str()), 0);
  ASSERT_EQ(::symlink("sub/b", (ctx_ + "/link").c_str()), 0);
  Digest link = HashAll(&read);
  EXPECT_NE(mode, link);
  Write(".dockerignore", "sub\n");
  Age(".dockerignore");
  Digest ignored = HashAll(&read);
  Write("sub/b", "changed, but excluded");
  EXPECT_EQ(HashAll(&read), ignored);
}

TEST_F(ContextTest, TornOrForeignCacheIsIgnored) {
  Age("a");
  Age("sub/b");
  int64_t read = 0;
  Digest d = HashAll(&read);
  auto text = ReadFile(cache_);
  ASSERT_TRUE(text.ok());
  ASSERT_TRUE(WriteFileAtomic(cache_, text->substr(0, text->size() - 3)).ok());
  EXPECT_EQ(HashAll(&read), d);
  EXPECT_EQ(read, 2);
  ASSERT_TRUE(WriteFileAtomic(cache_, "berth-statcache 99 0\nend 0\n").ok());
  EXPECT_EQ(HashAll(&read), d);
  EXPECT_EQ(read, 2);
}

TEST_F(ContextTest, NamedSymlinkIsHashedAsItsTarget) {
  Age("a");
  auto c = Context::Open(ctx_, "");
  ASSERT_TRUE(c.ok());
  Digest via_link = *c->Hash({"link"});
  Write("a", "other");
  EXPECT_NE(*c->Hash({"link"}), via_link);
}

// Not a test: the figures of the stat cache on a real context.
//   BERTH_BENCH_CONTEXT=/tmp/ctx build/src/build/build_test \
//     --gtest_also_run_disabled_tests --gtest_filter='*HashTiming*'
TEST(ContextBench, DISABLED_HashTiming) {
  const char* dir = std::getenv("BERTH_BENCH_CONTEXT");
  if (dir == nullptr) GTEST_SKIP() << "BERTH_BENCH_CONTEXT is not set";
  std::string cache = std::string(dir) + ".statcache";
  (void)::unlink(cache.c_str());
  for (const char* pass : {"cold", "warm", "warm"}) {
    auto start = std::chrono::steady_clock::now();
    auto c = Context::Open(dir, cache);  // reads the cache
    ASSERT_TRUE(c.ok());
    auto opened = std::chrono::steady_clock::now();
    auto d = c->Hash({""});
    ASSERT_TRUE(d.ok()) << d.error().message;
    auto end = std::chrono::steady_clock::now();
    auto ms = [](auto a, auto b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
    std::printf("%s: %.1f ms (open %.1f, hash %.1f), %lld files read, %s\n", pass, ms(start, end),
                ms(start, opened), ms(opened, end), static_cast<long long>(c->files_read()), d->Short().c_str());
  }
}

}  // namespace
}  // namespace berth::build
