#include "runtime/seccomp.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace berth::runtime {

extern const char kSeccompDefaultJson[];

namespace {

const std::vector<std::string> kDefaultCaps = {
    "CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
    "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
    "CAP_SETFCAP", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
    "CAP_KILL",    "CAP_AUDIT_WRITE"};

Json Profile() { return ParseJsonObject(kSeccompDefaultJson, "profile").value(); }

Json Resolve(std::string arch, std::vector<std::string> caps, KernelVersion k = {6, 1}) {
  auto r = ResolveSeccompProfile(Profile(), {std::move(arch), std::move(caps), k});
  EXPECT_TRUE(r.ok()) << r.error().message;
  return r.ok() ? *r : Json();
}

// The rule that names syscall, null when none does.
Json RuleFor(const Json& p, const std::string& syscall) {
  for (const auto& r : p["syscalls"]) {
    if (std::find(r["names"].begin(), r["names"].end(), syscall) != r["names"].end()) return r;
  }
  return Json();
}

// What docker 20.10 handed runc (linux.seccomp of a `docker run` config.json
// on this x86_64 host, kernel 6.x, default capabilities), byte for byte.
TEST(ResolveSeccompProfile, DefaultEqualsDockers) {
  std::ifstream in(std::string(BERTH_RUNTIME_TESTDATA) + "/docker-20.10-seccomp-x86_64.json");
  std::stringstream text;
  text << in.rdbuf();
  Json want = ParseJsonObject(text.str(), "recorded").value();
  EXPECT_EQ(Resolve("amd64", kDefaultCaps).dump(), want.dump());
}

TEST(ResolveSeccompProfile, DefaultDeniesWhatDockerDenies) {
  Json p = Resolve("amd64", kDefaultCaps);
  EXPECT_EQ(RuleFor(p, "clone3").dump(),
            R"({"names":["clone3"],"action":"SCMP_ACT_ERRNO","errnoRet":38})");
  EXPECT_EQ(RuleFor(p, "clone")["args"].dump(),
            R"([{"index":0,"value":2114060288,"op":"SCMP_CMP_MASKED_EQ"}])");
  for (std::string denied : {"mount", "umount2", "unshare", "setns", "bpf", "kexec_load",
                             "init_module", "reboot", "open_by_handle_at", "keyctl",
                             "process_vm_readv"}) {
    EXPECT_TRUE(RuleFor(p, denied).is_null()) << denied;
  }
}

TEST(ResolveSeccompProfile, CapabilitiesOpenTheirRules) {
  std::vector<std::string> caps = kDefaultCaps;
  caps.push_back("CAP_SYS_ADMIN");
  caps.push_back("CAP_SYS_PTRACE");
  Json p = Resolve("amd64", caps);
  EXPECT_EQ(RuleFor(p, "mount")["action"], "SCMP_ACT_ALLOW");
  EXPECT_EQ(RuleFor(p, "clone3")["action"], "SCMP_ACT_ALLOW");  // the ENOSYS rule is excluded
  EXPECT_EQ(RuleFor(p, "process_vm_readv")["action"], "SCMP_ACT_ALLOW");
  for (const auto& r : p["syscalls"]) {
    EXPECT_FALSE(r.contains("errnoRet")) << r.dump();
    EXPECT_FALSE(r.contains("includes") || r.contains("excludes")) << r.dump();
  }
}

TEST(ResolveSeccompProfile, ArchitectureFilters) {
  Json arm = Resolve("arm64", kDefaultCaps);
  EXPECT_EQ(arm["architectures"].dump(), R"(["SCMP_ARCH_AARCH64","SCMP_ARCH_ARM"])");
  EXPECT_TRUE(RuleFor(arm, "arch_prctl").is_null());
  EXPECT_FALSE(RuleFor(arm, "set_tls").is_null());
  Json s390 = Resolve("s390x", kDefaultCaps);
  EXPECT_EQ(RuleFor(s390, "clone")["args"][0]["index"], 1);  // s390 orders clone's args
  Json ppc = Resolve("ppc64le", kDefaultCaps);
  EXPECT_FALSE(ppc.contains("architectures"));  // no archMap entry: native only
  EXPECT_FALSE(RuleFor(ppc, "sync_file_range2").is_null());
}

TEST(ResolveSeccompProfile, MinKernel) {
  EXPECT_TRUE(RuleFor(Resolve("amd64", kDefaultCaps, {4, 4}), "ptrace").is_null());
  EXPECT_FALSE(RuleFor(Resolve("amd64", kDefaultCaps, {4, 8}), "ptrace").is_null());
}

TEST(ResolveSeccompProfile, Malformed) {
  EXPECT_FALSE(ResolveSeccompProfile(Json::object(), {"amd64", {}, {6, 1}}).ok());
}

TEST(ParseKernelVersion, Releases) {
  EXPECT_EQ(*ParseKernelVersion("6.1.0-18-amd64"), (KernelVersion{6, 1}));
  EXPECT_EQ(*ParseKernelVersion("4.8"), (KernelVersion{4, 8}));
  EXPECT_EQ(*ParseKernelVersion("6.18.44-fc-v657"), (KernelVersion{6, 18}));
  EXPECT_FALSE(ParseKernelVersion("six").ok());
  EXPECT_FALSE(ParseKernelVersion("6").ok());
  EXPECT_LT((KernelVersion{4, 4}), (KernelVersion{4, 8}));
}

TEST(NativeArch, IsKnown) { EXPECT_NE(NativeArch(), "unknown"); }

}  // namespace
}  // namespace berth::runtime
