#include "runtime/user.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "base/file.h"

namespace berth::runtime {
namespace {

// The accounts of the image the expectations below were recorded with
// (docker 20.10 `docker run -u SPEC`, process.user of its config.json).
const std::string kPasswd =
    "root:x:0:0:root:/root:/bin/sh\n"
    "alice:x:1000:1000:Alice:/home/alice:/bin/sh\n"
    "bob:x:1001:100::/:/bin/sh\n";
const std::string kGroup =
    "root:x:0:\n"
    "users:x:100:alice\n"
    "alice:x:1000:\n"
    "wheel:x:10:alice,bob\n"
    "audio:x:29:bob\n";

struct Case {
  std::string spec;
  uint32_t uid, gid;
  std::vector<uint32_t> gids;
};

TEST(ResolveUser, AsDockerDoes) {
  const Case cases[] = {
      {"", 0, 0, {0}},
      {"1001", 1001, 100, {100, 10, 29}},
      {"bob:wheel", 1001, 10, {10}},
      {"alice:10", 1000, 10, {10}},
      {"1000:1000", 1000, 1000, {1000}},
      {"5000", 5000, 0, {0}},
      {"5000:77", 5000, 77, {77}},
      {"bob:29", 1001, 29, {29}},
      {"root:audio", 0, 29, {29}},
      {"alice:users", 1000, 100, {100}},
      {"1000:users", 1000, 100, {100}},
      {"alice:", 1000, 1000, {1000, 100, 10}},
      {":10", 0, 10, {10}},
      {"0:0", 0, 0, {0}},
      {"bob:", 1001, 100, {100, 10, 29}},
      {"alice", 1000, 1000, {1000, 100, 10}},
  };
  for (const auto& c : cases) {
    auto u = ResolveUser(c.spec, kPasswd, kGroup);
    ASSERT_TRUE(u.ok()) << c.spec << ": " << u.error().message;
    EXPECT_EQ(u->uid, c.uid) << c.spec;
    EXPECT_EQ(u->gid, c.gid) << c.spec;
    EXPECT_EQ(u->additional_gids, c.gids) << c.spec;
  }
}

TEST(ResolveUser, DockerErrors) {
  const std::pair<std::string, std::string> cases[] = {
      {"nosuch", "unable to find user nosuch: no matching entries in passwd file"},
      {"alice:nosuch", "unable to find group nosuch: no matching entries in group file"},
      {"5000:nosuch", "unable to find group nosuch: no matching entries in group file"},
      {"2147483648", "uids and gids must be in range 0-2147483647"},
      {"-1", "uids and gids must be in range 0-2147483647"},
      {"0:2147483648", "uids and gids must be in range 0-2147483647"},
  };
  for (const auto& [spec, msg] : cases) {
    auto u = ResolveUser(spec, kPasswd, kGroup);
    ASSERT_FALSE(u.ok()) << spec;
    EXPECT_EQ(u.error().message, msg) << spec;
  }
}

TEST(ResolveUser, HomeFromPasswd) {
  EXPECT_EQ(ResolveUser("alice", kPasswd, kGroup)->home, "/home/alice");
  EXPECT_EQ(ResolveUser("5000", kPasswd, kGroup)->home, "/");
}

TEST(ResolveUser, WithoutAccountFiles) {
  auto u = ResolveUser("1234:55", std::nullopt, std::nullopt);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(*u, (ExecUser{1234, 55, {55}, "/"}));
  EXPECT_EQ(ResolveUser("", std::nullopt, std::nullopt)->uid, 0u);
  EXPECT_EQ(ResolveUser("alice", std::nullopt, std::nullopt).error().message,
            "unable to find user alice: no matching entries in passwd file");
}

// An entry whose id does not fit, or is no number, must never become root.
TEST(ResolveUser, HostileEntriesAreNeverRoot) {
  std::string passwd = "big:x:2147483648:0::/:/bin/sh\nnan:x:abc:0::/:/bin/sh\n"
                       "huge:x:99999999999999999999:0::/:/bin/sh\nbadgid:x:5:-3::/:/bin/sh\n";
  for (std::string spec : {"big", "nan", "huge", "badgid"}) {
    auto u = ResolveUser(spec, passwd, kGroup);
    ASSERT_FALSE(u.ok()) << spec;
    EXPECT_EQ(u.error().message, "uids and gids must be in range 0-2147483647") << spec;
  }
  std::string group = "evil:x:4294967296:\n";
  EXPECT_FALSE(ResolveUser("0:evil", kPasswd, group).ok());
  // By number, a malformed entry matches nothing: uid 0 resolves to root's own.
  EXPECT_EQ(ResolveUser("0", "nan:x:abc:7::/:/bin/sh\n" + kPasswd, kGroup)->gid, 0u);
}

TEST(ResolveUser, FirstMatchWinsAndBlankLinesAreSkipped) {
  std::string passwd = "\n  \ndup:x:7:8::/:/bin/sh\ndup:x:9:9::/:/bin/sh\n";
  auto u = ResolveUser("dup", passwd, "");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->uid, 7u);
  EXPECT_EQ(u->additional_gids, (std::vector<uint32_t>{8}));
}

class InRootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* base = std::getenv("BERTH_TEST_TMP");
    std::string parent = base != nullptr ? base : "/tmp";
    ASSERT_TRUE(MkdirAll(parent).ok());
    dir_ = MakeTempDir(parent, "runtime-user-").value();
    root_ = dir_ + "/root";
    ASSERT_TRUE(MkdirAll(root_ + "/etc").ok());
  }
  void TearDown() override { (void)RemoveAll(dir_); }
  void Write(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
  }
  std::string dir_, root_;
};

TEST_F(InRootTest, ReadsTheRootsOwnFiles) {
  Write(root_ + "/etc/passwd", kPasswd);
  Write(root_ + "/etc/group", kGroup);
  auto fs = RootFs::Open(root_);
  ASSERT_TRUE(fs.ok());
  auto u = ResolveUserInRoot(*fs, "alice");
  ASSERT_TRUE(u.ok()) << u.error().message;
  EXPECT_EQ(*u, (ExecUser{1000, 1000, {1000, 100, 10}, "/home/alice"}));
}

// /etc/passwd symlinked to a host path (absolute or by "..") resolves inside
// the root: the host file outside is never read.
TEST_F(InRootTest, SymlinksDoNotLeaveTheRoot) {
  Write(dir_ + "/host-passwd", "evil:x:0:0::/:/bin/sh\n");
  ASSERT_EQ(::symlink((dir_ + "/host-passwd").c_str(), (root_ + "/etc/passwd").c_str()), 0);
  ASSERT_EQ(::symlink("../../../../../host-passwd", (root_ + "/etc/group").c_str()), 0);
  auto fs = RootFs::Open(root_);
  ASSERT_TRUE(fs.ok());
  auto p = ReadFileInRoot(*fs, "/etc/passwd");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_FALSE(p->has_value());
  auto g = ReadFileInRoot(*fs, "/etc/group");
  ASSERT_TRUE(g.ok()) << g.error().message;
  EXPECT_FALSE(g->has_value());
  EXPECT_EQ(ResolveUserInRoot(*fs, "evil").error().message,
            "unable to find user evil: no matching entries in passwd file");
  // An absolute symlink is followed as if the root were "/".
  Write(root_ + "/inside-passwd", "inside:x:42:43::/:/bin/sh\n");
  ASSERT_EQ(::unlink((root_ + "/etc/passwd").c_str()), 0);
  ASSERT_EQ(::symlink("/inside-passwd", (root_ + "/etc/passwd").c_str()), 0);
  auto u = ResolveUserInRoot(*fs, "inside");
  ASSERT_TRUE(u.ok()) << u.error().message;
  EXPECT_EQ(u->uid, 42u);
}

TEST_F(InRootTest, AFifoIsRefusedNotWaitedOn) {
  ASSERT_EQ(::mkfifo((root_ + "/etc/passwd").c_str(), 0644), 0);
  auto fs = RootFs::Open(root_);
  ASSERT_TRUE(fs.ok());
  auto u = ResolveUserInRoot(*fs, "0");
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.error().code, Code::kInvalidArgument);
}

}  // namespace
}  // namespace berth::runtime
