// `inspect` of a container as docker 20.10 prints it, so scripts that read
// `docker inspect` output (`{{.State.Status}}`, `.HostConfig.Binds`,
// `.GraphDriver.Data.UpperDir`) work on berth's containers. Key order and
// defaults were checked against dockerd 20.10 for containers run with
// --network none and --network host (tests/integration/test_container_inspect.py);
// the bridge's fields follow docker's for its default bridge network.
#include "container/inspect.h"

#include <optional>
#include <vector>

#include "base/clock.h"
#include "base/file.h"
#include "base/strings.h"
#include "container/network.h"
#include "digest/digest.h"
#include "runtime/spec.h"

namespace berth::container {
namespace {

constexpr const char* kZeroTime = "0001-01-01T00:00:00Z";

std::string TimeOrZero(int64_t ns) { return ns != 0 ? FormatRfc3339Nano(ns) : kZeroTime; }

// A path that exists, else "": docker fills these in at the first start.
std::string IfExists(const std::string& path) { return PathExists(path) ? path : ""; }

Json StateJson(const State& s) {
  return Json{{"Status", s.status},
              {"Running", s.Running()},
              {"Paused", s.status == "paused"},
              {"Restarting", false},
              {"OOMKilled", false},
              {"Dead", s.status == "dead"},
              {"Pid", s.Running() ? s.pid : 0},
              {"ExitCode", s.exit_code},
              {"Error", s.error},
              {"StartedAt", TimeOrZero(s.started_at)},
              {"FinishedAt", TimeOrZero(s.finished_at)}};
}

// Docker's GraphDriver for overlay2, with berth's directories: the init
// layer and the image's snapshots (nearest first) as LowerDir, as the
// overlay is mounted (docker's starts with its "-init" layer too), the
// container's upper, work and rootfs dirs as UpperDir, WorkDir and MergedDir.
Result<Json> GraphDriverJson(const store::Store& store, const Container& c, const ContainerDir& d) {
  std::string lower = d.init();
  if (c.chain_id) {
    for (const std::string& dir : TRY(store.snapshots().LowerDirs(*c.chain_id))) lower += ":" + dir;
  }
  Json data{{"LowerDir", lower}, {"MergedDir", d.rootfs()}, {"UpperDir", d.upper()},
            {"WorkDir", d.work()}};
  return Json{{"Data", data}, {"Name", "overlay2"}};
}

// docker's nat.PortMap key for a mapping: "80/tcp".
std::string PortKey(const PortMapping& p) { return std::to_string(p.container_port) + "/" + p.protocol; }

// HostConfig.PortBindings from -p: {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}.
Json PortBindingsJson(const Container& c) {
  Json out = Json::object();
  for (const std::string& spec : c.host.ports) {
    auto p = ParsePortMapping(spec);
    if (!p.ok()) continue;
    std::string key = PortKey(*p);
    if (!out.contains(key)) out[key] = Json::array();
    out[key].push_back(Json{{"HostIp", p->host_ip}, {"HostPort", std::to_string(p->host_port)}});
  }
  return out;
}

// What docker shows for a container on the predefined "none", "host" or
// "bridge" network. berth makes no sandbox, so SandboxID and SandboxKey are
// empty; the network's id is a fixed digest of its name once the container
// has started (docker's is empty until then too). A running container on
// the bridge has its address, gateway, MAC and published ports (what its
// monitor recorded in network.json), as docker's has while connected.
Json NetworkSettingsJson(const Container& c, const State& s, const ContainerDir& d) {
  std::optional<Attachment> a;
  if (c.host.network_mode == "bridge" && s.Running()) {
    if (auto loaded = LoadAttachment(d.dir + "/network.json"); loaded.ok()) a = *loaded;
  }
  std::string network_id, endpoint_id, ip, gateway, mac;
  int prefix = 0;
  Json ports = Json::object();
  if (s.started_at != 0) network_id = Digest::Of("berth network " + c.host.network_mode).hex();
  if (a) {
    endpoint_id = Digest::Of("berth endpoint " + c.id).hex();
    ip = a->ip, gateway = a->gateway, mac = a->mac, prefix = a->prefix;
    for (const PortMapping& p : a->ports) {
      std::string key = PortKey(p);
      if (!ports.contains(key)) ports[key] = Json::array();
      ports[key].push_back(Json{{"HostIp", p.host_ip.empty() ? "0.0.0.0" : p.host_ip},
                                {"HostPort", std::to_string(p.host_port)}});
    }
  }
  Json endpoint{{"IPAMConfig", nullptr}, {"Links", nullptr},       {"Aliases", nullptr},
                {"NetworkID", network_id}, {"EndpointID", endpoint_id}, {"Gateway", gateway},
                {"IPAddress", ip},       {"IPPrefixLen", prefix},  {"IPv6Gateway", ""},
                {"GlobalIPv6Address", ""}, {"GlobalIPv6PrefixLen", 0}, {"MacAddress", mac},
                {"DriverOpts", nullptr}};
  return Json{{"Bridge", ""},
              {"SandboxID", ""},
              {"HairpinMode", false},
              {"LinkLocalIPv6Address", ""},
              {"LinkLocalIPv6PrefixLen", 0},
              {"Ports", ports},
              {"SandboxKey", ""},
              {"SecondaryIPAddresses", nullptr},
              {"SecondaryIPv6Addresses", nullptr},
              {"EndpointID", endpoint_id},
              {"Gateway", gateway},
              {"GlobalIPv6Address", ""},
              {"GlobalIPv6PrefixLen", 0},
              {"IPAddress", ip},
              {"IPPrefixLen", prefix},
              {"IPv6Gateway", ""},
              {"MacAddress", mac},
              {"Networks", Json{{c.host.network_mode, endpoint}}}};
}

// Docker's default cgroup namespace mode: private on a unified (v2)
// hierarchy, host otherwise.
const char* CgroupnsMode() {
  return PathExists("/sys/fs/cgroup/cgroup.controllers") ? "private" : "host";
}

}  // namespace

Json HostConfigJson(const Container& c) {
  const HostConfig& h = c.host;
  Json empty = Json::array();
  return Json{
      {"Binds", h.binds.empty() ? Json(nullptr) : Json(h.binds)},
      {"ContainerIDFile", ""},
      {"LogConfig", Json{{"Type", "json-file"}, {"Config", Json::object()}}},
      {"NetworkMode", h.network_mode},
      {"PortBindings", PortBindingsJson(c)},
      {"RestartPolicy", Json{{"Name", h.restart.empty() ? "no" : h.restart}, {"MaximumRetryCount", 0}}},
      {"AutoRemove", h.auto_remove},
      {"VolumeDriver", ""},
      {"VolumesFrom", nullptr},
      {"CapAdd", nullptr},
      {"CapDrop", nullptr},
      {"CgroupnsMode", CgroupnsMode()},
      {"Dns", empty},
      {"DnsOptions", empty},
      {"DnsSearch", empty},
      {"ExtraHosts", nullptr},
      {"GroupAdd", nullptr},
      {"IpcMode", "private"},
      {"Cgroup", ""},
      {"Links", nullptr},
      {"OomScoreAdj", 0},
      {"PidMode", ""},
      {"Privileged", false},
      {"PublishAllPorts", false},
      {"ReadonlyRootfs", h.read_only},
      {"SecurityOpt", nullptr},
      {"UTSMode", ""},
      {"UsernsMode", ""},
      {"ShmSize", 67108864},
      {"Runtime", h.runtime},
      {"ConsoleSize", Json::array({0, 0})},
      {"Isolation", ""},
      {"CpuShares", 0},
      {"Memory", 0},
      {"NanoCpus", 0},
      {"CgroupParent", ""},
      {"BlkioWeight", 0},
      {"BlkioWeightDevice", empty},
      {"BlkioDeviceReadBps", nullptr},
      {"BlkioDeviceWriteBps", nullptr},
      {"BlkioDeviceReadIOps", nullptr},
      {"BlkioDeviceWriteIOps", nullptr},
      {"CpuPeriod", 0},
      {"CpuQuota", 0},
      {"CpuRealtimePeriod", 0},
      {"CpuRealtimeRuntime", 0},
      {"CpusetCpus", ""},
      {"CpusetMems", ""},
      {"Devices", empty},
      {"DeviceCgroupRules", nullptr},
      {"DeviceRequests", nullptr},
      {"KernelMemory", 0},
      {"KernelMemoryTCP", 0},
      {"MemoryReservation", 0},
      {"MemorySwap", 0},
      {"MemorySwappiness", nullptr},
      {"OomKillDisable", false},
      {"PidsLimit", nullptr},
      {"Ulimits", nullptr},
      {"CpuCount", 0},
      {"CpuPercent", 0},
      {"IOMaximumIOps", 0},
      {"IOMaximumBandwidth", 0},
      {"MaskedPaths", Json::array({"/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys",
                                   "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                                   "/proc/sched_debug", "/proc/scsi", "/sys/firmware"})},
      {"ReadonlyPaths",
       Json::array({"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"})}};
}

Json MountsJson(const Container& c) {
  Json out = Json::array();
  for (const std::string& spec : c.host.binds) {
    auto b = runtime::ParseBindMount(spec);
    if (!b.ok()) continue;
    std::vector<std::string> parts = Split(spec, ':');
    out.push_back(Json{{"Type", "bind"},
                       {"Source", b->source},
                       {"Destination", b->destination},
                       {"Mode", parts.size() > 2 ? parts[2] : ""},
                       {"RW", !b->read_only},
                       {"Propagation", b->propagation}});
  }
  return out;
}

int64_t ContainerSizeRw(const store::Store& store, const Container& c) {
  return static_cast<int64_t>(DiskUsage(ContainerDir::Of(store.root(), c.id).upper()).value_or(0));
}

Result<Json> InspectContainer(const store::Store& store, const Container& c, const State& s,
                              bool size) {
  ContainerDir d = ContainerDir::Of(store.root(), c.id);
  Json j = Json::object();
  j["Id"] = c.id;
  j["Created"] = TimeOrZero(c.created);
  j["Path"] = c.Path();
  j["Args"] = c.Args();
  j["State"] = StateJson(s);
  j["Image"] = c.image_id.str();
  j["ResolvConfPath"] = IfExists(d.etc() + "/resolv.conf");
  j["HostnamePath"] = IfExists(d.etc() + "/hostname");
  j["HostsPath"] = IfExists(d.etc() + "/hosts");
  j["LogPath"] = IfExists(d.log(c.id));
  j["Name"] = "/" + c.name;
  j["RestartCount"] = 0;
  j["Driver"] = "overlay2";
  j["Platform"] = "linux";
  j["MountLabel"] = "";
  j["ProcessLabel"] = "";
  j["AppArmorProfile"] = "";
  j["ExecIDs"] = nullptr;
  j["HostConfig"] = HostConfigJson(c);
  j["GraphDriver"] = TRY(GraphDriverJson(store, c, d));
  if (size) {
    int64_t rw = ContainerSizeRw(store, c);
    int64_t image = 0;
    if (auto img = store.metadata().GetImage(c.image_id); img.ok() && *img) image = (*img)->size;
    j["SizeRw"] = rw;
    j["SizeRootFs"] = rw + image;
  }
  j["Mounts"] = MountsJson(c);
  j["Config"] = c.config.ToDockerJson();
  j["NetworkSettings"] = NetworkSettingsJson(c, s, d);
  return j;
}

}  // namespace berth::container
