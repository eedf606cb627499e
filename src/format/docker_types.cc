// docker's Go structs, field by field, so templates see berth's documents as
// docker's client sees its own: a struct prints all its fields (empty ones
// too) in declaration order, and fields docker always has are there even
// when berth's JSON leaves them out. Source: github.com/docker/docker
// v20.10 api/types (ImageInspect, RootFS, GraphDriverData, ImageMetadata),
// api/types/container (Config, HealthConfig, HostConfig), ContainerJSON and
// what it holds, and docker/cli v20.10's imageContext, historyContext,
// searchContext and ContainerContext.
#include "format/docker_types.h"

#include <initializer_list>
#include <vector>

namespace berth {
namespace {

const GoType* StrSlice() {
  static const GoType* t = GoSliceType(GoStringType(), "strslice.StrSlice");
  return t;
}

const GoType* StringSlice() {
  static const GoType* t = GoSliceType(GoStringType());
  return t;
}

const GoType* StringMap() {
  static const GoType* t = GoMapType(GoStringType(), GoStringType());
  return t;
}

const GoType* HealthConfig() {
  static const GoType* t = GoStructType(
      "container.HealthConfig", {
                                    {.name = "Test", .type = StringSlice(), .omitempty = true},
                                    {.name = "Interval", .type = GoDurationType(), .omitempty = true},
                                    {.name = "Timeout", .type = GoDurationType(), .omitempty = true},
                                    {.name = "StartPeriod", .type = GoDurationType(), .omitempty = true},
                                    {.name = "Retries", .type = GoIntType(), .omitempty = true},
                                });
  return t;
}

const GoType* ContainerConfig() {
  static const GoType* port = GoBasicType(GoKind::kString, "nat.Port");
  static const GoType* port_set = GoMapType(port, GoEmptyStructType(), "nat.PortSet");
  static const GoType* volumes = GoMapType(GoStringType(), GoEmptyStructType());
  static const GoType* t = GoStructType(
      "container.Config",
      {
          {.name = "Hostname", .type = GoStringType()},
          {.name = "Domainname", .type = GoStringType()},
          {.name = "User", .type = GoStringType()},
          {.name = "AttachStdin", .type = GoBoolType()},
          {.name = "AttachStdout", .type = GoBoolType()},
          {.name = "AttachStderr", .type = GoBoolType()},
          {.name = "ExposedPorts", .type = port_set, .omitempty = true},
          {.name = "Tty", .type = GoBoolType()},
          {.name = "OpenStdin", .type = GoBoolType()},
          {.name = "StdinOnce", .type = GoBoolType()},
          {.name = "Env", .type = StringSlice()},
          {.name = "Cmd", .type = StrSlice()},
          {.name = "Healthcheck", .type = GoPointerType(HealthConfig()), .omitempty = true},
          {.name = "ArgsEscaped", .type = GoBoolType(), .omitempty = true},
          {.name = "Image", .type = GoStringType()},
          {.name = "Volumes", .type = volumes},
          {.name = "WorkingDir", .type = GoStringType()},
          {.name = "Entrypoint", .type = StrSlice()},
          {.name = "NetworkDisabled", .type = GoBoolType(), .omitempty = true},
          {.name = "MacAddress", .type = GoStringType(), .omitempty = true},
          {.name = "OnBuild", .type = StringSlice()},
          {.name = "Labels", .type = StringMap()},
          {.name = "StopSignal", .type = GoStringType(), .omitempty = true},
          {.name = "StopTimeout", .type = GoPointerType(GoIntType()), .omitempty = true},
          {.name = "Shell", .type = StrSlice(), .omitempty = true},
      });
  return t;
}

// A struct of string fields, as docker's listing contexts present their
// columns (methods returning strings), behind a pointer. Their MarshalJSON
// uses json.Marshal, so `{{json .}}` escapes "<none>" as "\u003cnone\u003e".
const GoType* StringContext(const char* name, std::initializer_list<const char*> columns,
                            std::vector<GoMethod> methods = {}) {
  std::vector<GoField> fields;
  for (const char* c : columns) fields.push_back({.name = c, .type = GoStringType()});
  // Fresh from GoStructType: finished in place (a copy would leave the
  // original unreferenced, which LSan reports), and it lives for the program.
  auto* t = const_cast<GoType*>(GoStructType(name, std::move(fields), /*json_escapes_html=*/true));
  t->fields_are_methods = true;
  t->methods = std::move(methods);
  return GoPointerType(t);
}

// A struct whose fields are all nullable slices of structs berth never
// fills: typed as slices of interface {} under docker's names.
const GoType* OpaqueSlice(const char* name) { return GoSliceType(GoInterfaceType(), name); }

const GoType* RestartPolicy() {
  static const GoType* t = GoStructType("container.RestartPolicy",
                                        {{.name = "Name", .type = GoStringType()},
                                         {.name = "MaximumRetryCount", .type = GoIntType()}});
  return t;
}

const GoType* PortMap() {
  static const GoType* binding = GoStructType(
      "nat.PortBinding", {{.name = "HostIP", .json = "HostIp", .type = GoStringType()},
                          {.name = "HostPort", .type = GoStringType()}});
  static const GoType* t = GoMapType(GoBasicType(GoKind::kString, "nat.Port"),
                                     GoSliceType(binding), "nat.PortMap");
  return t;
}

// container.Resources, embedded in HostConfig.
const GoType* Resources() {
  static const GoType* int64_ptr = GoPointerType(GoInt64Type());
  static const GoType* t = GoStructType(
      "container.Resources",
      {
          {.name = "CPUShares", .json = "CpuShares", .type = GoInt64Type()},
          {.name = "Memory", .type = GoInt64Type()},
          {.name = "NanoCPUs", .json = "NanoCpus", .type = GoInt64Type()},
          {.name = "CgroupParent", .type = GoStringType()},
          {.name = "BlkioWeight", .type = GoBasicType(GoKind::kInt, "uint16")},
          {.name = "BlkioWeightDevice", .type = OpaqueSlice("[]*blkiodev.WeightDevice")},
          {.name = "BlkioDeviceReadBps", .type = OpaqueSlice("[]*blkiodev.ThrottleDevice")},
          {.name = "BlkioDeviceWriteBps", .type = OpaqueSlice("[]*blkiodev.ThrottleDevice")},
          {.name = "BlkioDeviceReadIOps", .type = OpaqueSlice("[]*blkiodev.ThrottleDevice")},
          {.name = "BlkioDeviceWriteIOps", .type = OpaqueSlice("[]*blkiodev.ThrottleDevice")},
          {.name = "CPUPeriod", .json = "CpuPeriod", .type = GoInt64Type()},
          {.name = "CPUQuota", .json = "CpuQuota", .type = GoInt64Type()},
          {.name = "CPURealtimePeriod", .json = "CpuRealtimePeriod", .type = GoInt64Type()},
          {.name = "CPURealtimeRuntime", .json = "CpuRealtimeRuntime", .type = GoInt64Type()},
          {.name = "CpusetCpus", .type = GoStringType()},
          {.name = "CpusetMems", .type = GoStringType()},
          {.name = "Devices", .type = OpaqueSlice("[]container.DeviceMapping")},
          {.name = "DeviceCgroupRules", .type = StringSlice()},
          {.name = "DeviceRequests", .type = OpaqueSlice("[]container.DeviceRequest")},
          {.name = "KernelMemory", .type = GoInt64Type()},
          {.name = "KernelMemoryTCP", .type = GoInt64Type()},
          {.name = "MemoryReservation", .type = GoInt64Type()},
          {.name = "MemorySwap", .type = GoInt64Type()},
          {.name = "MemorySwappiness", .type = int64_ptr},
          {.name = "OomKillDisable", .type = GoPointerType(GoBoolType())},
          {.name = "PidsLimit", .type = int64_ptr},
          {.name = "Ulimits", .type = OpaqueSlice("[]*units.Ulimit")},
          {.name = "CPUCount", .json = "CpuCount", .type = GoInt64Type()},
          {.name = "CPUPercent", .json = "CpuPercent", .type = GoInt64Type()},
          {.name = "IOMaximumIOps", .type = GoBasicType(GoKind::kInt, "uint64")},
          {.name = "IOMaximumBandwidth", .type = GoBasicType(GoKind::kInt, "uint64")},
      });
  return t;
}

const GoType* HostConfig() {
  static const GoType* log_config = GoStructType(
      "container.LogConfig",
      {{.name = "Type", .type = GoStringType()}, {.name = "Config", .type = StringMap()}});
  static const GoType* t = GoStructType(
      "container.HostConfig",
      {
          {.name = "Binds", .type = StringSlice()},
          {.name = "ContainerIDFile", .type = GoStringType()},
          {.name = "LogConfig", .type = log_config},
          {.name = "NetworkMode", .type = GoBasicType(GoKind::kString, "container.NetworkMode")},
          {.name = "PortBindings", .type = PortMap()},
          {.name = "RestartPolicy", .type = RestartPolicy()},
          {.name = "AutoRemove", .type = GoBoolType()},
          {.name = "VolumeDriver", .type = GoStringType()},
          {.name = "VolumesFrom", .type = StringSlice()},
          {.name = "CapAdd", .type = StrSlice()},
          {.name = "CapDrop", .type = StrSlice()},
          {.name = "CgroupnsMode", .type = GoBasicType(GoKind::kString, "container.CgroupnsMode")},
          {.name = "DNS", .json = "Dns", .type = StringSlice()},
          {.name = "DNSOptions", .json = "DnsOptions", .type = StringSlice()},
          {.name = "DNSSearch", .json = "DnsSearch", .type = StringSlice()},
          {.name = "ExtraHosts", .type = StringSlice()},
          {.name = "GroupAdd", .type = StringSlice()},
          {.name = "IpcMode", .type = GoBasicType(GoKind::kString, "container.IpcMode")},
          {.name = "Cgroup", .type = GoBasicType(GoKind::kString, "container.CgroupSpec")},
          {.name = "Links", .type = StringSlice()},
          {.name = "OomScoreAdj", .type = GoIntType()},
          {.name = "PidMode", .type = GoBasicType(GoKind::kString, "container.PidMode")},
          {.name = "Privileged", .type = GoBoolType()},
          {.name = "PublishAllPorts", .type = GoBoolType()},
          {.name = "ReadonlyRootfs", .type = GoBoolType()},
          {.name = "SecurityOpt", .type = StringSlice()},
          {.name = "StorageOpt", .type = StringMap(), .omitempty = true},
          {.name = "Tmpfs", .type = StringMap(), .omitempty = true},
          {.name = "UTSMode", .type = GoBasicType(GoKind::kString, "container.UTSMode")},
          {.name = "UsernsMode", .type = GoBasicType(GoKind::kString, "container.UsernsMode")},
          {.name = "ShmSize", .type = GoInt64Type()},
          {.name = "Sysctls", .type = StringMap(), .omitempty = true},
          {.name = "Runtime", .type = GoStringType(), .omitempty = true},
          {.name = "ConsoleSize", .type = GoSliceType(GoBasicType(GoKind::kInt, "uint"), "[2]uint")},
          {.name = "Isolation", .type = GoBasicType(GoKind::kString, "container.Isolation")},
          {.name = "Resources", .type = Resources(), .embedded = true},
          {.name = "Mounts", .type = OpaqueSlice("[]mount.Mount"), .omitempty = true},
          {.name = "MaskedPaths", .type = StringSlice()},
          {.name = "ReadonlyPaths", .type = StringSlice()},
          {.name = "Init", .type = GoPointerType(GoBoolType()), .omitempty = true},
      });
  return t;
}

const GoType* ContainerState() {
  static const GoType* health = GoStructType(
      "types.Health", {{.name = "Status", .type = GoStringType()},
                       {.name = "FailingStreak", .type = GoIntType()},
                       {.name = "Log", .type = OpaqueSlice("[]*types.HealthcheckResult")}});
  static const GoType* t = GoStructType(
      "types.ContainerState", {
                                  {.name = "Status", .type = GoStringType()},
                                  {.name = "Running", .type = GoBoolType()},
                                  {.name = "Paused", .type = GoBoolType()},
                                  {.name = "Restarting", .type = GoBoolType()},
                                  {.name = "OOMKilled", .type = GoBoolType()},
                                  {.name = "Dead", .type = GoBoolType()},
                                  {.name = "Pid", .type = GoIntType()},
                                  {.name = "ExitCode", .type = GoIntType()},
                                  {.name = "Error", .type = GoStringType()},
                                  {.name = "StartedAt", .type = GoStringType()},
                                  {.name = "FinishedAt", .type = GoStringType()},
                                  {.name = "Health", .type = GoPointerType(health), .omitempty = true},
                              });
  return t;
}

const GoType* MountPoint() {
  static const GoType* t = GoStructType(
      "types.MountPoint",
      {
          {.name = "Type", .type = GoBasicType(GoKind::kString, "mount.Type"), .omitempty = true},
          {.name = "Name", .type = GoStringType(), .omitempty = true},
          {.name = "Source", .type = GoStringType()},
          {.name = "Destination", .type = GoStringType()},
          {.name = "Driver", .type = GoStringType(), .omitempty = true},
          {.name = "Mode", .type = GoStringType()},
          {.name = "RW", .type = GoBoolType()},
          {.name = "Propagation", .type = GoBasicType(GoKind::kString, "mount.Propagation")},
      });
  return t;
}

const GoType* NetworkSettings() {
  static const GoType* address = GoStructType(
      "network.Address",
      {{.name = "Addr", .type = GoStringType()}, {.name = "PrefixLen", .type = GoIntType()}});
  static const GoType* ipam = GoStructType(
      "network.EndpointIPAMConfig",
      {{.name = "IPv4Address", .type = GoStringType(), .omitempty = true},
       {.name = "IPv6Address", .type = GoStringType(), .omitempty = true},
       {.name = "LinkLocalIPs", .type = StringSlice(), .omitempty = true}});
  static const GoType* endpoint = GoStructType(
      "network.EndpointSettings", {
                                      {.name = "IPAMConfig", .type = GoPointerType(ipam)},
                                      {.name = "Links", .type = StringSlice()},
                                      {.name = "Aliases", .type = StringSlice()},
                                      {.name = "NetworkID", .type = GoStringType()},
                                      {.name = "EndpointID", .type = GoStringType()},
                                      {.name = "Gateway", .type = GoStringType()},
                                      {.name = "IPAddress", .type = GoStringType()},
                                      {.name = "IPPrefixLen", .type = GoIntType()},
                                      {.name = "IPv6Gateway", .type = GoStringType()},
                                      {.name = "GlobalIPv6Address", .type = GoStringType()},
                                      {.name = "GlobalIPv6PrefixLen", .type = GoIntType()},
                                      {.name = "MacAddress", .type = GoStringType()},
                                      {.name = "DriverOpts", .type = StringMap()},
                                  });
  static const GoType* addresses = GoSliceType(address);
  static const GoType* base = GoStructType(
      "types.NetworkSettingsBase", {
                                       {.name = "Bridge", .type = GoStringType()},
                                       {.name = "SandboxID", .type = GoStringType()},
                                       {.name = "HairpinMode", .type = GoBoolType()},
                                       {.name = "LinkLocalIPv6Address", .type = GoStringType()},
                                       {.name = "LinkLocalIPv6PrefixLen", .type = GoIntType()},
                                       {.name = "Ports", .type = PortMap()},
                                       {.name = "SandboxKey", .type = GoStringType()},
                                       {.name = "SecondaryIPAddresses", .type = addresses},
                                       {.name = "SecondaryIPv6Addresses", .type = addresses},
                                   });
  static const GoType* defaults = GoStructType(
      "types.DefaultNetworkSettings", {
                                          {.name = "EndpointID", .type = GoStringType()},
                                          {.name = "Gateway", .type = GoStringType()},
                                          {.name = "GlobalIPv6Address", .type = GoStringType()},
                                          {.name = "GlobalIPv6PrefixLen", .type = GoIntType()},
                                          {.name = "IPAddress", .type = GoStringType()},
                                          {.name = "IPPrefixLen", .type = GoIntType()},
                                          {.name = "IPv6Gateway", .type = GoStringType()},
                                          {.name = "MacAddress", .type = GoStringType()},
                                      });
  static const GoType* t = GoPointerType(GoStructType(
      "types.NetworkSettings",
      {
          {.name = "NetworkSettingsBase", .type = base, .embedded = true},
          {.name = "DefaultNetworkSettings", .type = defaults, .embedded = true},
          {.name = "Networks", .type = GoMapType(GoStringType(), GoPointerType(endpoint))},
      }));
  return t;
}

const GoType* GraphDriverData() {
  static const GoType* t = GoStructType(
      "types.GraphDriverData", {
                                   {.name = "Data", .type = StringMap()},
                                   {.name = "Name", .type = GoStringType()},
                               });
  return t;
}

}  // namespace

const GoType* ImageInspectType() {
  static const GoType* config = GoPointerType(ContainerConfig());
  static const GoType* root_fs = GoStructType(
      "types.RootFS", {
                          {.name = "Type", .type = GoStringType()},
                          {.name = "Layers", .type = StringSlice(), .omitempty = true},
                          {.name = "BaseLayer", .type = GoStringType(), .omitempty = true},
                      });
  static const GoType* graph_driver = GraphDriverData();
  static const GoType* metadata = GoStructType(
      "types.ImageMetadata", {{.name = "LastTagTime", .type = GoTimeType(), .omitempty = true}});
  static const GoType* t = GoStructType(
      "types.ImageInspect",
      {
          {.name = "ID", .json = "Id", .type = GoStringType()},
          {.name = "RepoTags", .type = StringSlice()},
          {.name = "RepoDigests", .type = StringSlice()},
          {.name = "Parent", .type = GoStringType()},
          {.name = "Comment", .type = GoStringType()},
          {.name = "Created", .type = GoStringType()},
          {.name = "Container", .type = GoStringType()},
          {.name = "ContainerConfig", .type = config},
          {.name = "DockerVersion", .type = GoStringType()},
          {.name = "Author", .type = GoStringType()},
          {.name = "Config", .type = config},
          {.name = "Architecture", .type = GoStringType()},
          {.name = "Variant", .type = GoStringType(), .omitempty = true},
          {.name = "Os", .type = GoStringType()},
          {.name = "OsVersion", .type = GoStringType(), .omitempty = true},
          {.name = "Size", .type = GoInt64Type()},
          {.name = "VirtualSize", .type = GoInt64Type()},
          {.name = "GraphDriver", .type = graph_driver},
          {.name = "RootFS", .type = root_fs},
          {.name = "Metadata", .type = metadata},
      });
  return t;
}

const GoType* ContainerInspectType() {
  static const GoType* string_slice = StringSlice();
  static const GoType* base = GoStructType(
      "types.ContainerJSONBase",
      {
          {.name = "ID", .json = "Id", .type = GoStringType()},
          {.name = "Created", .type = GoStringType()},
          {.name = "Path", .type = GoStringType()},
          {.name = "Args", .type = string_slice},
          {.name = "State", .type = GoPointerType(ContainerState())},
          {.name = "Image", .type = GoStringType()},
          {.name = "ResolvConfPath", .type = GoStringType()},
          {.name = "HostnamePath", .type = GoStringType()},
          {.name = "HostsPath", .type = GoStringType()},
          {.name = "LogPath", .type = GoStringType()},
          {.name = "Node", .type = GoPointerType(GoStructType("types.ContainerNode", {
                                                     {.name = "ID", .type = GoStringType()},
                                                     {.name = "IPAddress", .json = "IP", .type = GoStringType()},
                                                     {.name = "Addr", .type = GoStringType()},
                                                     {.name = "Name", .type = GoStringType()},
                                                     {.name = "Cpus", .type = GoIntType()},
                                                     {.name = "Memory", .type = GoInt64Type()},
                                                     {.name = "Labels", .type = StringMap()},
                                                 })),
           .omitempty = true},
          {.name = "Name", .type = GoStringType()},
          {.name = "RestartCount", .type = GoIntType()},
          {.name = "Driver", .type = GoStringType()},
          {.name = "Platform", .type = GoStringType()},
          {.name = "MountLabel", .type = GoStringType()},
          {.name = "ProcessLabel", .type = GoStringType()},
          {.name = "AppArmorProfile", .type = GoStringType()},
          {.name = "ExecIDs", .type = string_slice},
          {.name = "HostConfig", .type = GoPointerType(HostConfig())},
          {.name = "GraphDriver", .type = GraphDriverData()},
          {.name = "SizeRw", .type = GoPointerType(GoInt64Type()), .omitempty = true},
          {.name = "SizeRootFs", .type = GoPointerType(GoInt64Type()), .omitempty = true},
      });
  static const GoType* t = GoStructType(
      "types.ContainerJSON", {
                                 {.name = "ContainerJSONBase", .type = GoPointerType(base), .embedded = true},
                                 {.name = "Mounts", .type = GoSliceType(MountPoint())},
                                 {.name = "Config", .type = GoPointerType(ContainerConfig())},
                                 {.name = "NetworkSettings", .type = NetworkSettings()},
                             });
  return t;
}

const GoType* ContainerRowType() {
  static const GoType* t = StringContext(
      "formatter.ContainerContext",
      {"Command", "CreatedAt", "ID", "Image", "Labels", "LocalVolumes", "Mounts", "Names",
       "Networks", "Ports", "RunningFor", "Size", "State", "Status"},
      {{.name = "Label",
        .params = 1,
        .call = [](const nlohmann::ordered_json& row, const std::vector<std::string>& args) {
          auto labels = row.find(kContainerRowLabels);
          if (labels == row.end() || !labels->is_object()) return std::string();
          auto it = labels->find(args[0]);
          return it != labels->end() && it->is_string() ? it->get<std::string>() : std::string();
        }}});
  return t;
}

const GoType* ImageRowType() {
  static const GoType* t =
      StringContext("formatter.imageContext",
                    {"Containers", "CreatedAt", "CreatedSince", "Digest", "ID", "Repository",
                     "SharedSize", "Size", "Tag", "UniqueSize", "VirtualSize"});
  return t;
}

const GoType* HistoryRowType() {
  static const GoType* t = StringContext(
      "image.historyContext", {"Comment", "CreatedAt", "CreatedBy", "CreatedSince", "ID", "Size"});
  return t;
}

const GoType* SearchRowType() {
  static const GoType* t = StringContext(
      "registry.searchContext", {"Description", "IsAutomated", "IsOfficial", "Name", "StarCount"});
  return t;
}

const GoType* HeaderType() {
  static const GoType* t = GoWithMethods(
      GoMapType(GoStringType(), GoStringType(), "formatter.SubHeaderContext"),
      {{.name = "Label",
        .params = 1,
        .call = [](const nlohmann::ordered_json&, const std::vector<std::string>& args) {
          std::string h = args[0].substr(args[0].rfind('.') + 1);  // npos + 1 == 0
          for (char& c : h) {
            if (c == '-' || c == '_') c = ' ';
          }
          return h;
        }}});
  return t;
}

}  // namespace berth
