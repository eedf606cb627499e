// CNI, called directly: each plugin is a program that reads its config on
// stdin and takes the operation from CNI_* variables. berth has one
// network, so its config is built here rather than read from a file.
#include "container/network.h"

#include <cstdlib>

#include "base/file.h"
#include "base/strings.h"
#include "container/process.h"
#include "container/state.h"
#include "oci/json_fields.h"

namespace berth::container {
namespace {

Json BridgeConfig() {
  return Json{{"cniVersion", "1.0.0"},
              {"name", "berth"},
              {"type", "bridge"},
              {"bridge", kBridgeName},
              {"isGateway", true},
              {"ipMasq", true},
              {"hairpinMode", true},
              {"ipam", Json{{"type", "host-local"},
                            {"ranges", Json::array({Json::array({Json{{"subnet", kBridgeSubnet}}})})},
                            {"routes", Json::array({Json{{"dst", "0.0.0.0/0"}}})},
                            {"dataDir", "/run/berth/cni"}}}};
}

Json PortsJson(const std::vector<PortMapping>& ports) {
  Json out = Json::array();
  for (const PortMapping& p : ports) {
    out.push_back(Json{{"hostPort", p.host_port}, {"containerPort", p.container_port},
                       {"protocol", p.protocol}, {"hostIP", p.host_ip}});
  }
  return out;
}

Json PortmapConfig(const std::vector<PortMapping>& ports, const Json& prev) {
  Json c{{"cniVersion", "1.0.0"}, {"name", "berth"}, {"type", "portmap"},
         {"capabilities", Json{{"portMappings", true}}}, {"snat", true},
         {"runtimeConfig", Json{{"portMappings", PortsJson(ports)}}}};
  if (!prev.is_null()) c["prevResult"] = prev;
  return c;
}

// Runs one plugin; its stdout (the result) on success.
Result<std::string> Plugin(const std::string& type, const std::string& command, const std::string& id,
                           const std::string& netns, const Json& config) {
  std::string dir = TRY(CniPluginDir());
  std::vector<std::string> env{"CNI_COMMAND=" + command, "CNI_CONTAINERID=" + id,
                               "CNI_NETNS=" + netns, "CNI_IFNAME=eth0", "CNI_PATH=" + dir,
                               "PATH=/usr/sbin:/usr/bin:/sbin:/bin"};
  Output o = TRY(RunCapture({dir + "/" + type}, DumpJson(config), env));
  if (o.status != 0) {
    std::string msg = std::string(Trim(o.out));
    if (auto j = ParseJsonObject(msg, "cni error"); j.ok() && (*j)["msg"].is_string()) {
      msg = (*j)["msg"].get<std::string>();
      if ((*j)["details"].is_string()) msg += ": " + (*j)["details"].get<std::string>();
    }
    if (msg.empty()) msg = std::string(Trim(o.err));
    return MakeError(Code::kUnavailable, type + ": " + msg);
  }
  return o.out;
}

std::string CutPrefix(const std::string& cidr, int* prefix) {
  auto c = Cut(cidr, '/');
  if (!c) return cidr;
  *prefix = static_cast<int>(ParseInt(c->second).value_or(0));
  return c->first;
}

}  // namespace

Result<PortMapping> ParsePortMapping(std::string_view spec) {
  PortMapping p;
  std::string s(spec);
  if (auto proto = Cut(s, '/')) {
    s = proto->first;
    p.protocol = ToLower(proto->second);
    if (p.protocol != "tcp" && p.protocol != "udp" && p.protocol != "sctp") {
      return MakeError(Code::kInvalidArgument, "invalid proto: " + proto->second);
    }
  }
  std::vector<std::string> parts = Split(s, ':');
  if (parts.size() == 1) {
    return MakeError(Code::kInvalidArgument,
                     "-p " + std::string(spec) + ": berth needs a host port (-p HOST:CONTAINER)");
  }
  if (parts.size() > 3) return MakeError(Code::kInvalidArgument, "Invalid ip address: " + s);
  if (parts.size() == 3) p.host_ip = parts[0];
  auto port = [](const std::string& v, const char* what) -> Result<int> {
    auto n = ParseInt(v);
    if (!n || *n < 1 || *n > 65535) {
      return MakeError(Code::kInvalidArgument, std::string("Invalid ") + what + ": " + v);
    }
    return static_cast<int>(*n);
  };
  p.host_port = TRY(port(parts[parts.size() - 2], "hostPort"));
  p.container_port = TRY(port(parts.back(), "containerPort"));
  return p;
}

std::string PortMappingString(const PortMapping& p) {
  return (p.host_ip.empty() ? "" : p.host_ip + ":") + std::to_string(p.host_port) + ":" +
         std::to_string(p.container_port) + "/" + p.protocol;
}

Result<std::string> CniPluginDir() {
  for (const char* d : {"/usr/lib/cni", "/opt/cni/bin", "/usr/libexec/cni"}) {
    if (PathExists(std::string(d) + "/bridge") && PathExists(std::string(d) + "/host-local")) return std::string(d);
  }
  return MakeError(Code::kUnavailable,
                   "the bridge network needs the CNI plugins (apt-get install containernetworking-plugins)");
}

Result<Attachment> NetworkAdd(const std::string& id, const std::string& netns,
                              const std::vector<PortMapping>& ports) {
  auto fail = [](const Error& e) {
    return MakeError(Code::kUnavailable, "the bridge network cannot be set up on this host: " + e.message);
  };
  auto out = Plugin("bridge", "ADD", id, netns, BridgeConfig());
  if (!out.ok()) return fail(out.error());
  Json result = TRY(ParseJsonObject(*out, "bridge result"));
  Attachment a;
  a.ports = ports;
  try {
    const Json& ip = result.at("ips").at(0);
    a.ip = CutPrefix(ip.at("address").get<std::string>(), &a.prefix);
    a.gateway = ip.value("gateway", "");
    int iface = ip.value("interface", -1);
    if (iface >= 0) a.mac = result.at("interfaces").at(iface).value("mac", "");
  } catch (const std::exception& e) {
    (void)NetworkDel(id, netns, {});
    return MakeError(Code::kUnavailable, std::string("bridge: unexpected result: ") + e.what());
  }
  if (!ports.empty()) {
    auto pm = Plugin("portmap", "ADD", id, netns, PortmapConfig(ports, result));
    if (!pm.ok()) {
      (void)NetworkDel(id, netns, {});
      return fail(pm.error());
    }
  }
  return a;
}

Status NetworkDel(const std::string& id, const std::string& netns, const std::vector<PortMapping>& ports) {
  Status st = Ok();
  if (!ports.empty()) {
    auto pm = Plugin("portmap", "DEL", id, netns, PortmapConfig(ports, nullptr));
    if (!pm.ok()) st = pm.error();
  }
  auto br = Plugin("bridge", "DEL", id, netns, BridgeConfig());
  if (!br.ok() && st.ok()) st = br.error();
  return st;
}

Status SaveAttachment(const std::string& path, const Attachment& a) {
  Json ports = Json::array();
  for (const PortMapping& p : a.ports) ports.push_back(PortMappingString(p));
  Json j{{"IPAddress", a.ip}, {"IPPrefixLen", a.prefix}, {"Gateway", a.gateway},
         {"MacAddress", a.mac}, {"Ports", ports}};
  return ReplaceFile(path, DumpJson(j), 0600);
}

Result<Attachment> LoadAttachment(const std::string& path) {
  Json j = TRY(ParseJsonObject(TRY(ReadFile(path)), "network.json"));
  Attachment a;
  a.ip = j.value("IPAddress", "");
  a.prefix = j.value("IPPrefixLen", 0);
  a.gateway = j.value("Gateway", "");
  a.mac = j.value("MacAddress", "");
  if (j["Ports"].is_array()) {
    for (const auto& p : j["Ports"]) {
      if (p.is_string()) {
        if (auto m = ParsePortMapping(p.get<std::string>()); m.ok()) a.ports.push_back(*m);
      }
    }
  }
  return a;
}

}  // namespace berth::container
