// A container needs a hostname, localhost and a resolver that work in its own
// network namespace, whatever its image ships; Docker writes them per
// container and binds them over the image's files, and berth does the same so
// that `cat /etc/hosts` reads alike under both.
#include "runtime/etc_files.h"

#include "base/strings.h"

namespace berth::runtime {

std::string HostsFile(NetworkMode network, std::string_view host_hosts) {
  if (network == NetworkMode::kHost) return std::string(host_hosts);
  return "127.0.0.1\tlocalhost\n"
         "::1\tlocalhost ip6-localhost ip6-loopback\n"
         "fe00::0\tip6-localnet\n"
         "ff00::0\tip6-mcastprefix\n"
         "ff02::1\tip6-allnodes\n"
         "ff02::2\tip6-allrouters\n";
}

std::string HostnameFile(std::string_view hostname) { return std::string(hostname) + "\n"; }

namespace {

// "nameserver 127.0.0.53" and "nameserver ::1": a loopback resolver.
bool IsLoopbackNameserver(std::string_view line) {
  line = Trim(line);
  if (!line.starts_with("nameserver")) return false;
  std::string_view addr = Trim(line.substr(10));
  return addr.starts_with("127.") || addr == "::1";
}

bool IsNameserver(std::string_view line) { return Trim(line).starts_with("nameserver"); }

}  // namespace

std::string ResolvConf(NetworkMode network, std::string_view host_resolv) {
  if (network == NetworkMode::kHost) return std::string(host_resolv);
  std::string out;
  bool any = false;
  for (const std::string& line : Split(host_resolv, '\n')) {
    if (IsLoopbackNameserver(line)) continue;
    any = any || IsNameserver(line);
    if (!line.empty()) out += line + "\n";
  }
  if (!any) out += "\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n";
  return out;
}

}  // namespace berth::runtime
