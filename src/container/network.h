// The bridge network (`--network bridge`, `-p`): berth's own bridge,
// berth0, with addresses from 10.89.0.0/16, set up for each container by the
// CNI plugins Debian packages (containernetworking-plugins: bridge with
// host-local IPAM and IP masquerading, then portmap for -p). The monitor
// adds the container after `runc create` and removes it after the exit;
// what it added is kept in containers/<id>/network.json, so a monitor
// killed with SIGKILL is cleaned up by whoever notices (state.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"

namespace berth::container {

inline constexpr const char* kBridgeName = "berth0";
inline constexpr const char* kBridgeSubnet = "10.89.0.0/16";

// One -p mapping.
struct PortMapping {
  std::string host_ip{};   // "" = every address
  int host_port = 0;
  int container_port = 0;
  std::string protocol = "tcp";

  bool operator==(const PortMapping&) const = default;
};

// Parses docker's -p forms `[IP:]HOST:CONTAINER[/PROTO]`. A host port is
// required (berth picks none itself yet): InvalidArgument otherwise, and
// for docker's malformed cases ("Invalid containerPort: x", ...).
Result<PortMapping> ParsePortMapping(std::string_view spec);
std::string PortMappingString(const PortMapping& p);  // docker's form back

// What the bridge gave a container.
struct Attachment {
  std::string ip{};        // "10.89.0.5"
  int prefix = 0;          // 16
  std::string gateway{};   // "10.89.0.1"
  std::string mac{};
  std::vector<PortMapping> ports{};
};

// The directory holding the CNI plugins; Unavailable with an install hint
// when they are missing.
Result<std::string> CniPluginDir();

// Adds the container whose network namespace is netns_path to the bridge
// (and its port mappings). Unavailable "the bridge network cannot be set
// up on this host: ..." with the plugin's message when the host refuses.
Result<Attachment> NetworkAdd(const std::string& id, const std::string& netns_path,
                              const std::vector<PortMapping>& ports);
// Removes what NetworkAdd added (the address back to the pool, the port
// rules); the namespace may be gone. Best effort, errors reported.
Status NetworkDel(const std::string& id, const std::string& netns_path,
                  const std::vector<PortMapping>& ports);

// network.json in a container dir: the attachment, for inspect and cleanup.
Status SaveAttachment(const std::string& path, const Attachment& a);
Result<Attachment> LoadAttachment(const std::string& path);

}  // namespace berth::container
