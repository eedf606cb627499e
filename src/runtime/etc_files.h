// The three files Docker writes for each container and bind-mounts over the
// image's: /etc/hosts, /etc/hostname and /etc/resolv.conf, with the content
// Docker 20.10 gives them for --network none and --network host.
#pragma once

#include <string>
#include <string_view>

#include "runtime/spec.h"

namespace berth::runtime {

// /etc/hosts: for host networking the host's own file (host_hosts), else
// Docker's localhost and IPv6 entries (no line for the hostname: a container
// without a network has no address to give it).
std::string HostsFile(NetworkMode network, std::string_view host_hosts);

// /etc/hostname: the hostname and a newline.
std::string HostnameFile(std::string_view hostname);

// /etc/resolv.conf from the host's (host_resolv): unchanged for host
// networking; otherwise without nameservers on the loopback (unreachable from
// another network namespace), and with Google's public servers when none is
// left, as Docker does.
std::string ResolvConf(NetworkMode network, std::string_view host_resolv);

// The names, inside RunOptions::etc_dir, BuildSpec binds to these paths.
inline constexpr std::string_view kEtcFiles[] = {"resolv.conf", "hostname", "hosts"};

}  // namespace berth::runtime
