// Docker's default seccomp profile (seccomp_default.json, moby's
// profiles/seccomp/default.json format as of Docker 20.10) and its resolution
// into the OCI spec's linux.seccomp for one architecture, capability set and
// kernel, as moby's setupSeccomp does.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "oci/json_fields.h"

namespace berth::runtime {

// A kernel release's major.minor ("6.1.0-18-amd64" -> {6, 1}).
struct KernelVersion {
  int major = 0;
  int minor = 0;
  auto operator<=>(const KernelVersion&) const = default;
};

// Parses "major.minor[...]". InvalidArgument when it does not start that way.
Result<KernelVersion> ParseKernelVersion(std::string_view release);

// The running kernel's version (uname).
Result<KernelVersion> HostKernelVersion();

// What a profile is resolved for.
struct SeccompTarget {
  std::string arch;               // Go's GOARCH name: amd64, arm64, s390x...
  std::vector<std::string> caps;  // the process's bounding capabilities
  KernelVersion kernel;
};

// The GOARCH of the architecture berth was built for ("amd64" on x86_64).
std::string_view NativeArch();

// Resolves a moby-format profile: a rule is kept when its includes all hold
// (arches contain target.arch, caps are all held, kernel >= minKernel) and
// none of its excludes does; kept rules lose includes, excludes and comment.
// architectures are the archMap entry for target.arch with its
// subarchitectures (none when the map has no entry). InvalidArgument when the
// profile is malformed.
Result<Json> ResolveSeccompProfile(const Json& profile, const SeccompTarget& target);

// Docker's default profile resolved for this host (NativeArch, the running
// kernel) and the given capabilities.
Result<Json> DefaultSeccompProfile(const std::vector<std::string>& caps);

}  // namespace berth::runtime
