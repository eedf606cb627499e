// Docker does not hand runc its seccomp profile as written: the profile holds
// rules for every architecture and for capabilities a container may or may not
// have, and the daemon keeps only the rules that apply before the spec is
// written. berth keeps moby's profile as data (seccomp_default.json, compiled
// in) and applies the same filter, so --cap-add or another architecture gets
// the rules Docker would give it.
#include "runtime/seccomp.h"

#include <sys/utsname.h>

#include <algorithm>
#include <charconv>

namespace berth::runtime {

// The profile's text, generated from seccomp_default.json (CMakeLists.txt).
extern const char kSeccompDefaultJson[];

namespace {

// Go's GOARCH -> libseccomp's name for it (moby's nativeToSeccomp).
std::string_view ScmpArch(std::string_view goarch) {
  static const std::pair<std::string_view, std::string_view> kMap[] = {
      {"amd64", "SCMP_ARCH_X86_64"},     {"386", "SCMP_ARCH_X86"},
      {"arm64", "SCMP_ARCH_AARCH64"},    {"arm", "SCMP_ARCH_ARM"},
      {"mips64", "SCMP_ARCH_MIPS64"},    {"mips64n32", "SCMP_ARCH_MIPS64N32"},
      {"mipsel64", "SCMP_ARCH_MIPSEL64"}, {"mipsel64n32", "SCMP_ARCH_MIPSEL64N32"},
      {"mips", "SCMP_ARCH_MIPS"},        {"mipsel", "SCMP_ARCH_MIPSEL"},
      {"ppc64le", "SCMP_ARCH_PPC64LE"},  {"s390x", "SCMP_ARCH_S390X"},
      {"riscv64", "SCMP_ARCH_RISCV64"},
  };
  for (auto [go, scmp] : kMap) {
    if (go == goarch) return scmp;
  }
  return "";
}

bool Contains(const Json& list, std::string_view s) {
  return std::any_of(list.begin(), list.end(),
                     [&](const Json& v) { return v.is_string() && v.get<std::string>() == s; });
}

bool HasCap(const SeccompTarget& t, const Json& c) {
  return c.is_string() &&
         std::find(t.caps.begin(), t.caps.end(), c.get<std::string>()) != t.caps.end();
}

// Whether the filter object (includes or excludes) matches the target in
// each of the parts it names. Each set names whether it applies, so an empty
// filter applies to no one as an exclusion and to everyone as an inclusion.
Result<bool> KernelAtLeast(const Json& filter, const SeccompTarget& t) {
  KernelVersion min = TRY(ParseKernelVersion(filter["minKernel"].get<std::string>()));
  return t.kernel >= min;
}

Result<bool> Included(const Json& inc, const SeccompTarget& t) {
  if (inc.contains("arches") && !inc["arches"].empty() && !Contains(inc["arches"], t.arch)) {
    return false;
  }
  if (inc.contains("caps")) {
    for (const Json& c : inc["caps"]) {
      if (!HasCap(t, c)) return false;
    }
  }
  if (inc.contains("minKernel") && inc["minKernel"].is_string()) return KernelAtLeast(inc, t);
  return true;
}

Result<bool> Excluded(const Json& exc, const SeccompTarget& t) {
  if (exc.contains("arches") && Contains(exc["arches"], t.arch)) return true;
  if (exc.contains("caps")) {
    for (const Json& c : exc["caps"]) {
      if (HasCap(t, c)) return true;
    }
  }
  if (exc.contains("minKernel") && exc["minKernel"].is_string()) return KernelAtLeast(exc, t);
  return false;
}

Json Architectures(const Json& profile, const SeccompTarget& t) {
  Json out = Json::array();
  std::string_view native = ScmpArch(t.arch);
  for (const Json& a : profile.value("archMap", Json::array())) {
    if (a.value("architecture", "") != native) continue;
    out.push_back(a["architecture"]);
    const Json& subs = a.value("subArchitectures", Json());
    if (subs.is_array()) out.insert(out.end(), subs.begin(), subs.end());
  }
  return out;
}

}  // namespace

Result<KernelVersion> ParseKernelVersion(std::string_view release) {
  KernelVersion v;
  const char* end = release.data() + release.size();
  auto [p, ec] = std::from_chars(release.data(), end, v.major);
  if (ec != std::errc() || p == end || *p != '.') {
    return MakeError(Code::kInvalidArgument, "invalid kernel version: " + std::string(release));
  }
  auto [q, ec2] = std::from_chars(p + 1, end, v.minor);
  if (ec2 != std::errc()) {
    return MakeError(Code::kInvalidArgument, "invalid kernel version: " + std::string(release));
  }
  return v;
}

Result<KernelVersion> HostKernelVersion() {
  struct utsname u;
  if (::uname(&u) != 0) return ErrnoError("uname");
  return ParseKernelVersion(u.release);
}

std::string_view NativeArch() {
#if defined(__x86_64__)
  return "amd64";
#elif defined(__aarch64__)
  return "arm64";
#elif defined(__i386__)
  return "386";
#elif defined(__arm__)
  return "arm";
#elif defined(__s390x__)
  return "s390x";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return "ppc64le";
#elif defined(__riscv) && __riscv_xlen == 64
  return "riscv64";
#else
  return "unknown";
#endif
}

Result<Json> ResolveSeccompProfile(const Json& profile, const SeccompTarget& target) {
  if (!profile.is_object() || !profile.value("syscalls", Json()).is_array()) {
    return MakeError(Code::kInvalidArgument, "invalid seccomp profile: no syscalls array");
  }
  Json out;
  out["defaultAction"] = profile.value("defaultAction", "SCMP_ACT_ERRNO");
  if (profile.contains("defaultErrnoRet")) out["defaultErrnoRet"] = profile["defaultErrnoRet"];
  Json arches = Architectures(profile, target);
  if (!arches.empty()) out["architectures"] = std::move(arches);
  Json rules = Json::array();
  for (const Json& r : profile["syscalls"]) {
    if (!r.is_object()) return MakeError(Code::kInvalidArgument, "invalid seccomp rule");
    if (r.contains("excludes") && TRY(Excluded(r["excludes"], target))) continue;
    if (r.contains("includes") && !TRY(Included(r["includes"], target))) continue;
    Json kept;
    for (const char* key : {"names", "action", "errnoRet", "args"}) {
      if (r.contains(key)) kept[key] = r[key];
    }
    rules.push_back(std::move(kept));
  }
  out["syscalls"] = std::move(rules);
  return out;
}

Result<Json> DefaultSeccompProfile(const std::vector<std::string>& caps) {
  Json profile = TRY(ParseJsonObject(kSeccompDefaultJson, "seccomp_default.json"));
  KernelVersion kernel = TRY(HostKernelVersion());
  return ResolveSeccompProfile(profile, {std::string(NativeArch()), caps, kernel});
}

}  // namespace berth::runtime
