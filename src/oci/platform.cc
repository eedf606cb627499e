// Platform parsing and matching. Pulling a multi-arch image means picking one
// entry of an index, and users name platforms in several spellings
// (aarch64, arm64/v8, armhf); everything is normalized here first, following
// containerd's rules so berth picks what docker picks.
#include "oci/platform.h"

#include <sys/utsname.h>

#include <algorithm>
#include <array>

#include "base/strings.h"

namespace berth {
namespace {

constexpr std::array<std::string_view, 16> kKnownOs = {
    "aix", "android", "darwin", "dragonfly", "freebsd", "hurd",    "illumos", "ios",
    "js",  "linux",   "netbsd", "openbsd",   "plan9",   "solaris", "windows", "zos"};

constexpr std::array<std::string_view, 24> kKnownArch = {
    "386",     "amd64",  "amd64p32", "arm",      "armbe",     "arm64",       "arm64be", "loong64",
    "mips",    "mipsle", "mips64",   "mips64le", "mips64p32", "mips64p32le", "ppc",     "ppc64",
    "ppc64le", "riscv",  "riscv64",  "s390",     "s390x",     "sparc",       "sparc64", "wasm"};

bool Known(std::string_view v, const auto& list) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

bool IsSpecifierComponent(std::string_view c) {
  if (c.empty()) return false;
  for (char ch : c) {
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
          ch == '_' || ch == '-')) {
      return false;
    }
  }
  return true;
}

std::string NormalizeOs(std::string_view os) {
  std::string o = ToLower(os);
  if (o == "macos") o = "darwin";
  return o;
}

void NormalizeArch(std::string& arch, std::string& variant) {
  arch = ToLower(arch);
  variant = ToLower(variant);
  if (arch == "i386" || arch == "i486" || arch == "i586" || arch == "i686") {
    arch = "386";
    variant = "";
  } else if (arch == "x86_64" || arch == "x86-64" || arch == "amd64") {
    arch = "amd64";
    if (variant == "v1") variant = "";
  } else if (arch == "aarch64" || arch == "arm64") {
    arch = "arm64";
    if (variant == "8" || variant == "v8.0") variant = "v8";
    if (variant == "9" || variant == "9.0" || variant == "v9.0") variant = "v9";
  } else if (arch == "armhf") {
    arch = "arm";
    variant = "v7";
  } else if (arch == "armel") {
    arch = "arm";
    variant = "v6";
  } else if (arch.starts_with("armv") && arch.size() >= 5 && arch[4] >= '5' && arch[4] <= '8') {
    // uname spellings: armv7l, armv6l, armv5tel, armv8l (32-bit userland).
    variant = std::string("v") + arch[4];
    arch = "arm";
  } else if (arch == "arm") {
    if (variant.empty() || variant == "7") variant = "v7";
    if (variant == "5" || variant == "6" || variant == "8") variant = "v" + variant;
  }
}

Error InvalidPlatform(std::string_view s, std::string_view why) {
  return MakeError(Code::kInvalidArgument,
                   "invalid platform: " + std::string(s) + ": " + std::string(why));
}

}  // namespace

std::string Platform::String() const {
  std::string s = os + "/" + architecture;
  if (!variant.empty()) s += "/" + variant;
  return s;
}

Json Platform::ToJsonValue() const {
  Json j = Json::object();
  j["architecture"] = architecture;
  j["os"] = os;
  if (!os_version.empty()) j["os.version"] = os_version;
  if (!os_features.empty()) j["os.features"] = os_features;
  if (!variant.empty()) j["variant"] = variant;
  return j;
}

Result<Platform> Platform::FromJson(const Json& j, std::string path) {
  if (!j.is_object()) return MakeError(Code::kInvalidArgument, path + ": not an object");
  JsonFields f(j, std::move(path));
  Platform p;
  TRY(f.String("architecture", p.architecture));
  TRY(f.String("os", p.os));
  TRY(f.String("os.version", p.os_version));
  TRY(f.StringList("os.features", p.os_features));
  TRY(f.String("variant", p.variant));
  return p;
}

Platform NormalizePlatform(Platform p) {
  p.os = NormalizeOs(p.os);
  NormalizeArch(p.architecture, p.variant);
  return p;
}

Result<Platform> ParsePlatform(std::string_view s) {
  if (s.empty()) return InvalidPlatform(s, "empty specifier");
  std::vector<std::string> parts = Split(s, '/');
  if (parts.size() > 3) return InvalidPlatform(s, "too many components");
  for (const std::string& p : parts) {
    if (!IsSpecifierComponent(p)) {
      return InvalidPlatform(s, "component \"" + p + "\" must match [A-Za-z0-9_-]+");
    }
  }
  Platform p;
  if (parts.size() == 1) {
    std::string os = NormalizeOs(parts[0]);
    if (Known(os, kKnownOs)) {
      Platform host = HostPlatform();
      p.os = os;
      p.architecture = host.architecture;
      p.variant = host.variant;
      return p;
    }
    p.os = "linux";
    p.architecture = parts[0];
    NormalizeArch(p.architecture, p.variant);
    if (!Known(p.architecture, kKnownArch)) {
      return InvalidPlatform(s, "unknown operating system or architecture");
    }
    return p;
  }
  p.os = NormalizeOs(parts[0]);
  p.architecture = parts[1];
  if (parts.size() == 3) p.variant = parts[2];
  NormalizeArch(p.architecture, p.variant);
  if (!Known(p.os, kKnownOs))
    return InvalidPlatform(s, "unknown operating system \"" + p.os + "\"");
  if (!Known(p.architecture, kKnownArch)) {
    return InvalidPlatform(s, "unknown architecture \"" + p.architecture + "\"");
  }
  return p;
}

Platform HostPlatform() {
  Platform p;
  p.os = "linux";
  struct utsname u;
  if (uname(&u) == 0) {
    p.architecture = u.machine;
  } else {
    p.architecture = "amd64";
  }
  NormalizeArch(p.architecture, p.variant);
  if (p.architecture == "arm64" && p.variant.empty()) p.variant = "v8";
  return p;
}

bool Matches(const Platform& want, const Platform& have) {
  Platform w = NormalizePlatform(want);
  Platform h = NormalizePlatform(have);
  if (w.os != h.os || w.architecture != h.architecture) return false;
  if (!w.os_version.empty() && w.os_version != h.os_version) return false;
  if (w.variant.empty() || w.variant == h.variant) return true;
  if (w.architecture == "arm64") {
    auto v8 = [](const std::string& v) { return v.empty() || v == "v8"; };
    return v8(w.variant) && v8(h.variant);
  }
  return false;
}

}  // namespace berth
