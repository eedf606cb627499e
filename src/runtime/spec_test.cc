#include "runtime/spec.h"

#include <gtest/gtest.h>

namespace berth::runtime {
namespace {

using Args = std::vector<std::string>;

ContainerConfig Image(std::optional<Args> entrypoint, std::optional<Args> cmd) {
  ContainerConfig c;
  c.entrypoint = std::move(entrypoint);
  c.cmd = std::move(cmd);
  return c;
}

// Recorded with docker 20.10: `docker create [--entrypoint E] IMAGE [ARGS]`
// then `docker inspect -f '{{.Path}} {{.Args}}'`.
TEST(ProcessArgs, AsDockerComputesThem) {
  struct Case {
    ContainerConfig image;
    std::optional<std::string> entrypoint;
    Args args, want;
  };
  ContainerConfig ep = Image(Args{"echo", "ep"}, Args{"c"});
  ContainerConfig none = Image(std::nullopt, std::nullopt);
  const Case cases[] = {
      {ep, std::nullopt, {}, {"echo", "ep", "c"}},
      {ep, std::nullopt, {"x", "y"}, {"echo", "ep", "x", "y"}},
      {ep, "echo", {}, {"echo"}},
      {ep, "", {"echo", "hi"}, {"echo", "hi"}},
      {none, "sh", {"-c", "a b"}, {"sh", "-c", "a b"}},
      {Image(std::nullopt, Args{"sh"}), std::nullopt, {}, {"sh"}},
      {Image(Args{}, Args{"sh"}), std::nullopt, {"ls"}, {"ls"}},
  };
  for (const auto& c : cases) {
    RunOptions o;
    o.entrypoint = c.entrypoint;
    o.args = c.args;
    auto got = ProcessArgs(c.image, o);
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(*got, c.want);
  }
}

TEST(ProcessArgs, NoCommandSpecified) {
  const RunOptions reset{.entrypoint = std::string()};
  EXPECT_EQ(ProcessArgs(Image(Args{"echo"}, Args{"c"}), reset).error().message,
            "No command specified");
  EXPECT_EQ(ProcessArgs(Image(std::nullopt, std::nullopt), {}).error().message,
            "No command specified");
}

// Recorded with docker 20.10 (process.env of the config.json it gave runc).
TEST(ProcessEnv, AsDockerSetsIt) {
  struct Case {
    Args image_env, flags;
    std::string hostname;
    bool tty;
    Args want;
  };
  const Case cases[] = {
      {{}, {}, "b91ca2428778", false, {std::string(kDefaultPath), "HOSTNAME=b91ca2428778"}},
      {{},
       {"FOO=bar", "PATH=/bin:/x"},
       "myhost",
       true,
       {"PATH=/bin:/x", "HOSTNAME=myhost", "TERM=xterm", "FOO=bar"}},
      {{"PATH=/bin:/usr/bin", "A=1"},
       {"A=2", "B=3", "PATH=/bin:/p"},
       "41cf2a5b4e98",
       false,
       {"PATH=/bin:/p", "HOSTNAME=41cf2a5b4e98", "A=2", "B=3"}},
      {{"TERM=vt100", "HOSTNAME=img"}, {}, "h", true, {std::string(kDefaultPath), "HOSTNAME=img",
                                                      "TERM=vt100"}},
  };
  for (const auto& c : cases) {
    ContainerConfig image;
    image.env = c.image_env;
    RunOptions o;
    o.env = c.flags;
    o.hostname = c.hostname;
    o.tty = c.tty;
    EXPECT_EQ(ProcessEnv(image, o), c.want);
  }
}

TEST(ProcessCwd, FlagImageOrRoot) {
  ContainerConfig image;
  EXPECT_EQ(*ProcessCwd(image, {}), "/");
  image.working_dir = "/home/";
  EXPECT_EQ(*ProcessCwd(image, {}), "/home");
  RunOptions o;
  o.working_dir = "/a/./b/../c";
  EXPECT_EQ(*ProcessCwd(image, o), "/a/c");
  o.working_dir = "rel";
  EXPECT_EQ(ProcessCwd(image, o).error().message,
            "the working directory 'rel' is invalid, it needs to be an absolute path");
}

TEST(UserSpec, FlagOverridesImage) {
  ContainerConfig image;
  image.user = "alice";
  EXPECT_EQ(UserSpec(image, {}), "alice");
  RunOptions o;
  o.user = "0";
  EXPECT_EQ(UserSpec(image, o), "0");
}

// Recorded with docker 20.10 (`docker create -v SPEC`, then inspect .Mounts).
TEST(ParseBindMount, Forms) {
  EXPECT_EQ(*ParseBindMount("/src:/dst"), (BindMount{"/src", "/dst", false, "rprivate"}));
  EXPECT_EQ(*ParseBindMount("/src:/dst:ro"), (BindMount{"/src", "/dst", true, "rprivate"}));
  EXPECT_EQ(*ParseBindMount("/src:/dst:rw"), (BindMount{"/src", "/dst", false, "rprivate"}));
  EXPECT_EQ(*ParseBindMount("/tmp:/b:ro,rshared"), (BindMount{"/tmp", "/b", true, "rshared"}));
  EXPECT_EQ(*ParseBindMount("/a:/b:ro,z"), (BindMount{"/a", "/b", true, "rprivate"}));
}

TEST(ParseBindMount, DockerErrors) {
  const std::pair<std::string, std::string> cases[] = {
      {"/a:/b:xx", "invalid mode: xx"},
      {"/a:/b:ro,rw", "invalid mode: ro,rw"},
      {"/a:/b:rw,ro", "invalid mode: rw,ro"},
      {"/a:/b:c:d", "invalid volume specification: '/a:/b:c:d'"},
      {"/a:rel",
       "invalid volume specification: '/a:rel': invalid mount config for type \"bind\": "
       "invalid mount path: 'rel' mount path must be absolute"},
  };
  for (const auto& [spec, msg] : cases) {
    auto b = ParseBindMount(spec);
    ASSERT_FALSE(b.ok()) << spec;
    EXPECT_EQ(b.error().code, Code::kInvalidArgument) << spec;
    EXPECT_EQ(b.error().message, msg) << spec;
  }
  EXPECT_EQ(ParseBindMount("vol:/data").error().code, Code::kUnimplemented);
  EXPECT_EQ(ParseBindMount("/src").error().code, Code::kUnimplemented);
}

// The parts of the config.json docker 20.10 gave runc for
// `docker run --network none IMAGE sleep 100` that do not depend on the
// daemon (its overlay path, cgroup path, hooks and /etc/hosts binds left out).
constexpr const char* kDockerConfig = R"({
 "ociVersion": "1.0.2-dev",
 "process": {
  "user": {"uid": 0, "gid": 0, "additionalGids": [0]},
  "args": ["sleep", "100"],
  "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
          "HOSTNAME=b91ca2428778"],
  "cwd": "/",
  "capabilities": {
   "bounding": ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
    "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"],
   "effective": ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
    "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"],
   "permitted": ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
    "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"]
  },
  "oomScoreAdj": 0
 },
 "root": {"path": "rootfs"},
 "hostname": "b91ca2428778",
 "mounts": [
  {"destination": "/proc", "type": "proc", "source": "proc",
   "options": ["nosuid", "noexec", "nodev"]},
  {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
   "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
  {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
   "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
  {"destination": "/sys", "type": "sysfs", "source": "sysfs",
   "options": ["nosuid", "noexec", "nodev", "ro"]},
  {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
   "options": ["ro", "nosuid", "noexec", "nodev"]},
  {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
   "options": ["nosuid", "noexec", "nodev"]},
  {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
   "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=67108864"]}
 ],
 "linux": {
  "sysctl": {"net.ipv4.ip_unprivileged_port_start": "0",
             "net.ipv4.ping_group_range": "0 2147483647"},
  "resources": {"devices": [
   {"allow": false, "access": "rwm"},
   {"allow": true, "type": "c", "major": 1, "minor": 5, "access": "rwm"},
   {"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"},
   {"allow": true, "type": "c", "major": 1, "minor": 9, "access": "rwm"},
   {"allow": true, "type": "c", "major": 1, "minor": 8, "access": "rwm"},
   {"allow": true, "type": "c", "major": 5, "minor": 0, "access": "rwm"},
   {"allow": true, "type": "c", "major": 5, "minor": 1, "access": "rwm"},
   {"allow": false, "type": "c", "major": 10, "minor": 229, "access": "rwm"}]},
  "namespaces": [{"type": "mount"}, {"type": "network"}, {"type": "uts"}, {"type": "pid"},
                 {"type": "ipc"}],
  "maskedPaths": ["/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys",
   "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
   "/proc/scsi", "/sys/firmware"],
  "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
 }
})";

TEST(BuildSpec, MatchesDockersConfigJson) {
  ContainerConfig image;
  image.cmd = Args{"sh"};
  RunOptions o;
  o.args = {"sleep", "100"};
  o.hostname = "b91ca2428778";
  auto spec = BuildSpec(image, o, ExecUser{0, 0, {0}, "/root"});
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  Json got = *spec;
  ASSERT_TRUE(got["linux"].contains("seccomp"));
  got["linux"].erase("seccomp");
  EXPECT_EQ(nlohmann::json::parse(got.dump()), nlohmann::json::parse(kDockerConfig))
      << got.dump(1);
}

// docker run -u alice -w /home -t --read-only --hostname myhost --network host
// -v /tmp/vol:/data:ro -v /tmp/vol:/rw: the parts those flags change.
TEST(BuildSpec, FlagsAsDockerAppliesThem) {
  ContainerConfig image;
  RunOptions o;
  o.args = {"sleep", "100"};
  o.hostname = "myhost";
  o.tty = true;
  o.read_only = true;
  o.network = NetworkMode::kHost;
  o.working_dir = "/home";
  o.binds = {{"/tmp/vol", "/rw/deeper/x"}, {"/tmp/vol", "/data", true},
             {"/tmp/vol", "/rw"}};
  o.rootfs = "/abs/rootfs";
  Json s = BuildSpec(image, o, ExecUser{1000, 1000, {1000, 100, 10}, "/home/alice"}).value();
  EXPECT_EQ(s["process"]["terminal"], true);
  EXPECT_EQ(s["process"]["user"].dump(), R"({"uid":1000,"gid":1000,"additionalGids":[1000,100,10]})");
  EXPECT_EQ(s["process"]["cwd"], "/home");
  EXPECT_EQ(s["root"].dump(), R"({"path":"/abs/rootfs","readonly":true})");
  EXPECT_EQ(s["hostname"], "myhost");
  EXPECT_FALSE(s["linux"].contains("sysctl"));
  EXPECT_EQ(s["linux"]["namespaces"].dump(),
            R"([{"type":"mount"},{"type":"uts"},{"type":"pid"},{"type":"ipc"}])");
  const Json& m = s["mounts"];
  ASSERT_EQ(m.size(), 10u);
  EXPECT_EQ(m[7].dump(),
            R"({"destination":"/data","type":"bind","source":"/tmp/vol","options":["rbind","ro","rprivate"]})");
  EXPECT_EQ(m[8].dump(),
            R"({"destination":"/rw","type":"bind","source":"/tmp/vol","options":["rbind","rprivate"]})");
  EXPECT_EQ(m[9]["destination"], "/rw/deeper/x");  // deeper destinations mount later
}

TEST(BuildSpec, ABindReplacesTheDefaultMountAtItsDestination) {
  ContainerConfig image;
  image.cmd = Args{"sh"};
  RunOptions o;
  o.binds = {{"/host/shm", "/dev/shm/"}};
  Json s = BuildSpec(image, o, ExecUser{}).value();
  int shm = 0;
  for (const auto& m : s["mounts"]) shm += m["destination"] == "/dev/shm";
  EXPECT_EQ(shm, 1);
  EXPECT_EQ(s["mounts"].back()["source"], "/host/shm");
  EXPECT_FALSE(s.contains("hostname"));  // none given: the runtime's default
}

// docker 20.10 binds its per-container resolv.conf, hostname and hosts
// last, read-only with --read-only, and not over a -v of the same path.
TEST(BuildSpec, EtcFilesAsDockerBindsThem) {
  ContainerConfig image;
  image.cmd = Args{"sh"};
  RunOptions o;
  o.etc_dir = "/c/etc";
  o.read_only = true;
  o.binds = {{"/mine/hosts", "/etc/hosts"}};
  Json m = BuildSpec(image, o, ExecUser{}).value()["mounts"];
  ASSERT_EQ(m.size(), 10u);
  EXPECT_EQ(m[7]["destination"], "/etc/hosts");
  EXPECT_EQ(m[7]["source"], "/mine/hosts");
  EXPECT_EQ(m[8].dump(), R"({"destination":"/etc/resolv.conf","type":"bind","source":"/c/etc/resolv.conf","options":["rbind","ro","rprivate"]})");
  EXPECT_EQ(m[9].dump(), R"({"destination":"/etc/hostname","type":"bind","source":"/c/etc/hostname","options":["rbind","ro","rprivate"]})");
}

TEST(BuildSpec, PropagatesArgumentErrors) {
  EXPECT_EQ(BuildSpec(ContainerConfig{}, {}, ExecUser{}).error().message, "No command specified");
}

TEST(BuildSpec, CarriesDockersSeccompProfile) {
  ContainerConfig image;
  image.cmd = Args{"sh"};
  Json s = BuildSpec(image, {}, ExecUser{}).value();
  const Json& p = s["linux"]["seccomp"];
  EXPECT_EQ(p["defaultAction"], "SCMP_ACT_ERRNO");
  EXPECT_GE(p["syscalls"].size(), 10u);
}

}  // namespace
}  // namespace berth::runtime
