#include "base/atomic_file.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "base/file.h"
#include "base/io.h"

namespace berth {
namespace {

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* base = std::getenv("BERTH_TEST_TMP");
    std::string parent = base ? base : "/tmp";
    ASSERT_TRUE(MkdirAll(parent).ok());
    dir_ = *MakeTempDir(parent, "atomic-file-");
  }
  void TearDown() override { (void)RemoveAll(dir_); }
  std::vector<std::string> Names() {
    auto names = *ListDir(dir_);
    std::sort(names.begin(), names.end());
    return names;
  }
  std::string dir_;
};

TEST_F(AtomicFileTest, CommitRenamesOverTheTarget) {
  std::string path = dir_ + "/out.tar";
  ASSERT_TRUE(WriteFileAtomic(path, "old").ok());
  {
    auto f = AtomicFile::Create(path, "t_", 0600);
    ASSERT_TRUE(f.ok()) << f.error().message;
    FdWriter w(f->fd());
    ASSERT_TRUE(w.Write(AsBytes("new")).ok());
    EXPECT_EQ(*ReadFile(path), "old");  // untouched until committed
    EXPECT_EQ(Names().size(), 2u);
    ASSERT_TRUE(f->Commit().ok());
  }
  EXPECT_EQ(*ReadFile(path), "new");
  EXPECT_EQ(Names(), std::vector<std::string>{"out.tar"});
}

TEST_F(AtomicFileTest, DroppedWithoutCommitLeavesNothing) {
  std::string path = dir_ + "/out.tar";
  {
    auto f = AtomicFile::Create(path, "t_", 0600);
    ASSERT_TRUE(f.ok());
    EXPECT_TRUE(f->temp_path().starts_with(dir_ + "/.t_"));
    AtomicFile moved = std::move(*f);
    FdWriter w(moved.fd());
    ASSERT_TRUE(w.Write(AsBytes("partial")).ok());
  }
  EXPECT_TRUE(Names().empty());
  EXPECT_FALSE(AtomicFile::Create(dir_ + "/absent/x", "t_", 0600).ok());
}

}  // namespace
}  // namespace berth
