// Owners and modes of created files: ApplyLayer skips the chown and chmod a
// new file does not need, and must still end with exactly the tar's owner
// and mode in every case where they are needed.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tar/apply.h"
#include "tar/tar_test_util.h"

namespace berth {
namespace {

using testing::D;
using testing::F;
using testing::TarEntry;

class ApplyOwnerTest : public testing::SandboxTest {
 protected:
  struct stat Lstat(const std::string& rel) {
    struct stat st {};
    EXPECT_EQ(lstat(In(rel).c_str(), &st), 0) << rel;
    return st;
  }
};

TEST_F(ApplyOwnerTest, EveryFileEndsWithTheTarsOwnerAndMode) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to chown";
  TarEntry shared = D("shared", 02775);  // setgid: new files would take its group
  shared.gid = 100;
  TarEntry in_shared = F("shared/root-file", "x", 0644);  // root:root, despite the setgid parent
  TarEntry own = F("shared/user-file", "y", 0640);
  own.uid = 1000;
  own.gid = 100;
  TarEntry suid = F("bin/tool", "z", 04755);  // root-owned setuid
  TarEntry sgid = F("bin/mailer", "m", 02755);
  sgid.gid = 8;
  TarEntry writable = F("tmp-file", "w", 0666);  // more than the umask lets through
  TarEntry none = F("locked", "l", 0000);
  StringReader r(testing::BuildTar({shared, in_shared, own, D("bin"), suid, sgid, writable, none}));
  auto res = ApplyLayer(root_, r, {});
  ASSERT_TRUE(res.ok()) << res.error().message;

  struct stat st = Lstat("shared/root-file");
  EXPECT_EQ(st.st_uid, 0u);
  EXPECT_EQ(st.st_gid, 0u);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
  st = Lstat("shared/user-file");
  EXPECT_EQ(st.st_uid, 1000u);
  EXPECT_EQ(st.st_gid, 100u);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  st = Lstat("bin/tool");
  EXPECT_EQ(st.st_uid, 0u);
  EXPECT_EQ(st.st_mode & 07777, 04755u);
  st = Lstat("bin/mailer");
  EXPECT_EQ(st.st_gid, 8u);
  EXPECT_EQ(st.st_mode & 07777, 02755u);
  EXPECT_EQ(Lstat("tmp-file").st_mode & 07777, 0666u);
  EXPECT_EQ(Lstat("locked").st_mode & 07777, 0000u);
  EXPECT_EQ(Lstat("shared").st_mode & 07777, 02775u);
}

}  // namespace
}  // namespace berth
