// Proof that the generated config.json is one runc accepts and runs as
// Docker's would: a busybox rootfs, the spec from BuildSpec, `runc run`.
// Skipped (with the reason) when not root or when runc or busybox is absent.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "base/file.h"
#include "runtime/etc_files.h"
#include "runtime/spec.h"

namespace berth::runtime {
namespace {

constexpr const char* kBusybox = "/bin/busybox";

std::string FindRunc() {
  for (const char* p : {"/usr/sbin/runc", "/usr/bin/runc", "/usr/local/sbin/runc",
                        "/usr/local/bin/runc"}) {
    if (::access(p, X_OK) == 0) return p;
  }
  return "";
}

class RuncRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    runc_ = FindRunc();
    if (::geteuid() != 0) GTEST_SKIP() << "runc needs root to create containers";
    if (runc_.empty()) GTEST_SKIP() << "runc is not installed (apt-get install runc)";
    if (::access(kBusybox, X_OK) != 0) GTEST_SKIP() << "no " << kBusybox << " (busybox-static)";
    const char* base = std::getenv("BERTH_TEST_TMP");
    std::string parent = base != nullptr ? base : "/tmp";
    ASSERT_TRUE(MkdirAll(parent).ok());
    dir_ = MakeTempDir(parent, "runtime-runc-").value();
    rootfs_ = dir_ + "/bundle/rootfs";
    ASSERT_TRUE(MkdirAll(rootfs_ + "/bin").ok());
    ASSERT_TRUE(MkdirAll(rootfs_ + "/etc").ok());
    ASSERT_TRUE(MkdirAll(rootfs_ + "/home/alice").ok());
    std::ifstream in(kBusybox, std::ios::binary);
    std::ofstream(rootfs_ + "/bin/busybox", std::ios::binary) << in.rdbuf();
    ASSERT_EQ(::chmod((rootfs_ + "/bin/busybox").c_str(), 0755), 0);
    for (const char* applet : {"sh", "echo", "id", "pwd", "cat", "hostname", "touch", "grep", "head"}) {
      ASSERT_EQ(::symlink("busybox", (rootfs_ + "/bin/" + applet).c_str()), 0);
    }
    std::ofstream(rootfs_ + "/etc/passwd") << "root:x:0:0:root:/root:/bin/sh\n"
                                              "alice:x:1000:1000::/home/alice:/bin/sh\n";
    std::ofstream(rootfs_ + "/etc/group") << "root:x:0:\nusers:x:100:alice\nalice:x:1000:\n";
  }
  void TearDown() override {
    if (!dir_.empty()) (void)RemoveAll(dir_);
  }

  // Writes spec as the bundle's config.json, runs it; returns the exit status
  // and sets out_ to what the container wrote to stdout and stderr.
  int Run(const Json& spec) {
    std::ofstream(dir_ + "/bundle/config.json") << spec.dump(1);
    std::string id = "berth-rtspec-test-" + std::to_string(::getpid()) + "-" + std::to_string(n_++);
    std::string cmd = runc_ + " --root " + dir_ + "/state run --bundle " + dir_ + "/bundle " +
                      id + " </dev/null 2>&1";
    FILE* f = ::popen(cmd.c_str(), "r");
    if (f == nullptr) return -1;
    out_.clear();
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) out_.append(buf, n);
    int st = ::pclose(f);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  }

  Json Spec(RunOptions o, const std::string& user) {
    o.network = NetworkMode::kNone;
    auto root = RootFs::Open(rootfs_);
    EXPECT_TRUE(root.ok());
    ContainerConfig image;
    image.env = {"PATH=/bin"};
    auto u = ResolveUserInRoot(*root, user);
    EXPECT_TRUE(u.ok()) << u.error().message;
    auto spec = BuildSpec(image, o, *u);
    EXPECT_TRUE(spec.ok()) << spec.error().message;
    return *spec;
  }

  std::string runc_, dir_, rootfs_, out_;
  int n_ = 0;
};

TEST_F(RuncRunTest, EchoHelloAsTheResolvedUserWithExitCode) {
  RunOptions o;
  o.args = {"sh", "-c",
            "echo hello; id; pwd; echo FOO=$FOO; hostname; "
            "grep -E '^(Seccomp|CapEff):' /proc/self/status; echo fds $(ls /proc/self/fd); "
            "cat /etc/hostname; head -1 /etc/hosts; exit 3"};
  o.env = {"FOO=bar"};
  o.working_dir = "/home/alice";
  o.hostname = "rtspec";
  o.etc_dir = dir_ + "/etc";
  ASSERT_TRUE(MkdirAll(o.etc_dir).ok());
  std::ofstream(o.etc_dir + "/hostname") << HostnameFile("rtspec");
  std::ofstream(o.etc_dir + "/hosts") << HostsFile(NetworkMode::kNone, "");
  std::ofstream(o.etc_dir + "/resolv.conf") << ResolvConf(NetworkMode::kNone, "");
  int rc = Run(Spec(o, "alice"));
  EXPECT_EQ(rc, 3) << out_;
  EXPECT_NE(out_.find("hello\n"), std::string::npos) << out_;
  EXPECT_NE(out_.find("uid=1000(alice) gid=1000(alice) groups=100(users),1000(alice)"),
            std::string::npos) << out_;
  EXPECT_NE(out_.find("\n/home/alice\n"), std::string::npos) << out_;
  EXPECT_NE(out_.find("FOO=bar\n"), std::string::npos) << out_;
  EXPECT_NE(out_.find("\nrtspec\n"), std::string::npos) << out_;
  EXPECT_NE(out_.find("rtspec\n127.0.0.1\tlocalhost\n"), std::string::npos) << out_;
  EXPECT_NE(out_.find("Seccomp:\t2"), std::string::npos) << out_;  // filter mode
  // Only stdio is inherited (3 is ls's own directory).
  EXPECT_NE(out_.find("fds 0 1 2 3\n"), std::string::npos) << out_;
  // A non-root user keeps no effective capabilities, as under Docker.
  EXPECT_NE(out_.find("CapEff:\t0000000000000000"), std::string::npos) << out_;
}

TEST_F(RuncRunTest, RootCapabilitiesReadOnlyRootBindAndNoNetwork) {
  RunOptions o;
  o.args = {"sh", "-c",
            "grep CapEff /proc/self/status; touch /x || echo read-only; cat /data/f; "
            "touch /data/g || echo bind-ro; grep -c : /proc/net/dev; exit 0"};
  o.read_only = true;
  ASSERT_TRUE(MkdirAll(dir_ + "/vol").ok());
  std::ofstream(dir_ + "/vol/f") << "from-host\n";
  o.binds = {ParseBindMount(dir_ + "/vol:/data:ro").value()};
  o.hostname = "rtspec";
  int rc = Run(Spec(o, ""));
  EXPECT_EQ(rc, 0) << out_;
  // Docker's 14 default capabilities.
  EXPECT_NE(out_.find("CapEff:\t00000000a80425fb"), std::string::npos) << out_;
  EXPECT_NE(out_.find("read-only"), std::string::npos) << out_;
  EXPECT_NE(out_.find("from-host\nbind-ro\n"), std::string::npos) << out_;
  EXPECT_NE(out_.find("bind-ro\n1\n"), std::string::npos) << out_;  // --network none: lo only
}

// CVE-2024-21626: a working directory of /proc/self/fd/N once reached a
// host directory runc had left open. Whatever N, the process must not start.
TEST_F(RuncRunTest, WorkdirInProcSelfFdCannotReachTheHost) {
  for (int n = 3; n <= 12; ++n) {
    RunOptions o;
    o.args = {"sh", "-c", "echo started; pwd"};
    o.working_dir = "/proc/self/fd/" + std::to_string(n);
    int rc = Run(Spec(o, ""));
    EXPECT_NE(rc, 0) << n << ": " << out_;
    EXPECT_EQ(out_.find("started"), std::string::npos) << n << ": " << out_;
  }
}

}  // namespace
}  // namespace berth::runtime
