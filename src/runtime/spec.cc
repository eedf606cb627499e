// berth runs containers through runc, so what Docker's daemon and containerd
// put into a bundle's config.json is what berth must write itself to behave
// like `docker run`. The values here were read from the config.json Docker
// 20.10 hands runc on this kind of host (and moby's oci/defaults.go and
// daemon/oci_linux.go): every default a container relies on — capabilities,
// masked paths, device rules, the seccomp profile — is reproduced, nothing
// more is granted. Building the spec is pure: the rootfs is only read, by the
// user resolution in user.cc, before this is called.
#include "runtime/spec.h"

#include <algorithm>

#include "base/strings.h"
#include "runtime/etc_files.h"
#include "runtime/seccomp.h"
#include "tar/root_fs.h"

namespace berth::runtime {

namespace {

const std::vector<std::string>& DefaultCapabilities() {
  static const std::vector<std::string> caps = {
      "CAP_CHOWN",  "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
      "CAP_MKNOD",  "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
      "CAP_SETFCAP", "CAP_SETPCAP",     "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
      "CAP_KILL",   "CAP_AUDIT_WRITE"};
  return caps;
}

Json Mount(std::string dst, std::string type, std::string src, std::vector<std::string> opts) {
  return Json{{"destination", std::move(dst)},
              {"type", std::move(type)},
              {"source", std::move(src)},
              {"options", std::move(opts)}};
}

std::vector<Json> DefaultMounts() {
  return {
      Mount("/proc", "proc", "proc", {"nosuid", "noexec", "nodev"}),
      Mount("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}),
      Mount("/dev/pts", "devpts", "devpts",
            {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}),
      Mount("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}),
      Mount("/sys/fs/cgroup", "cgroup", "cgroup", {"ro", "nosuid", "noexec", "nodev"}),
      Mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}),
      Mount("/dev/shm", "tmpfs", "shm",
            {"nosuid", "noexec", "nodev", "mode=1777", "size=67108864"}),
  };
}

std::string CleanAbs(std::string_view p) { return "/" + RootPathString(CleanRootPath(p)); }

// "/" -> 0, "/a/b" -> 2: Docker mounts shallower destinations first.
size_t Depth(const std::string& clean) { return CleanRootPath(clean).size(); }

Json Mounts(const RunOptions& opts) {
  std::vector<BindMount> binds = opts.binds;
  for (auto& b : binds) b.destination = CleanAbs(b.destination);
  std::stable_sort(binds.begin(), binds.end(), [](const BindMount& a, const BindMount& b) {
    return Depth(a.destination) < Depth(b.destination);
  });
  Json out = Json::array();
  for (Json& m : DefaultMounts()) {
    bool shadowed = std::any_of(binds.begin(), binds.end(), [&](const BindMount& b) {
      return b.destination == m["destination"].get<std::string>();
    });
    if (!shadowed) out.push_back(std::move(m));
  }
  for (const auto& b : binds) {
    std::vector<std::string> o = {"rbind"};
    if (b.read_only) o.push_back("ro");
    o.push_back(b.propagation);
    out.push_back(Mount(b.destination, "bind", b.source, o));
  }
  if (!opts.etc_dir.empty()) {
    for (std::string_view name : kEtcFiles) {
      std::string dst = "/etc/" + std::string(name);
      bool shadowed = std::any_of(binds.begin(), binds.end(),
                                  [&](const BindMount& b) { return b.destination == dst; });
      if (shadowed) continue;
      std::vector<std::string> o = {"rbind"};
      if (opts.read_only) o.push_back("ro");
      o.push_back("rprivate");
      out.push_back(Mount(dst, "bind", opts.etc_dir + "/" + std::string(name), o));
    }
  }
  return out;
}

Json DeviceRule(bool allow, int major, int minor) {
  return Json{{"allow", allow}, {"type", "c"}, {"major", major}, {"minor", minor},
              {"access", "rwm"}};
}

Json Resources() {
  Json devices = Json::array();
  devices.push_back(Json{{"allow", false}, {"access", "rwm"}});
  for (auto [maj, min] : {std::pair{1, 5}, {1, 3}, {1, 9}, {1, 8}, {5, 0}, {5, 1}}) {
    devices.push_back(DeviceRule(true, maj, min));  // zero null urandom random tty console
  }
  devices.push_back(DeviceRule(false, 10, 229));  // /dev/fuse
  return Json{{"devices", std::move(devices)}};
}

Json Namespaces(NetworkMode network) {
  Json ns = Json::array();
  for (const char* t : {"mount", "network", "uts", "pid", "ipc"}) {
    if (std::string_view(t) == "network" && network == NetworkMode::kHost) continue;
    ns.push_back(Json{{"type", t}});
  }
  return ns;
}

Result<Json> Linux(const RunOptions& opts) {
  Json l;
  if (opts.network != NetworkMode::kHost) {
    // Docker lets a container in its own network namespace bind low ports
    // and ping without extra capabilities.
    l["sysctl"] = Json{{"net.ipv4.ip_unprivileged_port_start", "0"},
                       {"net.ipv4.ping_group_range", "0 2147483647"}};
  }
  l["resources"] = Resources();
  l["namespaces"] = Namespaces(opts.network);
  l["seccomp"] = TRY(DefaultSeccompProfile(DefaultCapabilities()));
  l["maskedPaths"] = {"/proc/asound",        "/proc/acpi",        "/proc/kcore",
                      "/proc/keys",          "/proc/latency_stats", "/proc/timer_list",
                      "/proc/timer_stats",   "/proc/sched_debug", "/proc/scsi",
                      "/sys/firmware"};
  l["readonlyPaths"] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                        "/proc/sysrq-trigger"};
  return l;
}

std::string_view EnvKey(std::string_view kv) { return kv.substr(0, kv.find('=')); }

// Replaces the entry with kv's key in place, or appends kv.
void ReplaceOrAppend(std::vector<std::string>& env, const std::string& kv) {
  for (auto& e : env) {
    if (EnvKey(e) == EnvKey(kv)) {
      e = kv;
      return;
    }
  }
  env.push_back(kv);
}

}  // namespace

namespace {

// Applies one `-v` MODE; false when Docker would say "invalid mode".
bool ApplyBindMode(BindMount& b, std::string_view mode) {
  bool rw_set = false, propagation_set = false;
  for (const std::string& m : Split(mode, ',')) {
    if (m == "ro" || m == "rw") {
      if (rw_set) return false;
      rw_set = true;
      b.read_only = m == "ro";
    } else if (m == "private" || m == "rprivate" || m == "shared" || m == "rshared" ||
               m == "slave" || m == "rslave") {
      if (propagation_set) return false;
      propagation_set = true;
      b.propagation = m;
    } else if (m != "z" && m != "Z") {
      return false;
    }
  }
  return true;
}

}  // namespace

Result<BindMount> ParseBindMount(std::string_view spec) {
  std::vector<std::string> parts = Split(spec, ':');
  if (parts.size() == 1 && !spec.empty() && spec[0] == '/') {
    return MakeError(Code::kUnimplemented,
                     "anonymous volumes are not supported: '" + std::string(spec) + "'");
  }
  if (parts.size() < 2 || parts.size() > 3 || parts[0].empty() || parts[1].empty()) {
    return MakeError(Code::kInvalidArgument,
                     "invalid volume specification: '" + std::string(spec) + "'");
  }
  BindMount b{parts[0], parts[1]};
  if (parts.size() == 3 && !ApplyBindMode(b, parts[2])) {
    return MakeError(Code::kInvalidArgument, "invalid mode: " + parts[2]);
  }
  if (b.source[0] != '/') {
    return MakeError(Code::kUnimplemented,
                     "named volumes are not supported: '" + std::string(spec) + "'");
  }
  if (b.destination[0] != '/') {
    return MakeError(Code::kInvalidArgument,
                     "invalid volume specification: '" + std::string(spec) +
                         "': invalid mount config for type \"bind\": invalid mount path: '" +
                         b.destination + "' mount path must be absolute");
  }
  return b;
}

Result<std::vector<std::string>> ProcessArgs(const ContainerConfig& image,
                                             const RunOptions& opts) {
  std::vector<std::string> entrypoint, cmd = opts.args;
  if (opts.entrypoint) {
    if (!opts.entrypoint->empty()) entrypoint = {*opts.entrypoint};
  } else {
    entrypoint = image.entrypoint.value_or(std::vector<std::string>{});
    if (cmd.empty()) cmd = image.cmd.value_or(std::vector<std::string>{});
  }
  std::vector<std::string> args = entrypoint;
  args.insert(args.end(), cmd.begin(), cmd.end());
  if (args.empty()) return MakeError(Code::kInvalidArgument, "No command specified");
  return args;
}

std::vector<std::string> ProcessEnv(const ContainerConfig& image, const RunOptions& opts) {
  std::vector<std::string> env = {std::string(kDefaultPath)};
  if (!opts.hostname.empty()) env.push_back("HOSTNAME=" + opts.hostname);
  if (opts.tty) env.push_back("TERM=xterm");
  std::vector<std::string> merged = image.env;
  for (const auto& kv : opts.env) ReplaceOrAppend(merged, kv);
  for (const auto& kv : merged) ReplaceOrAppend(env, kv);
  return env;
}

Result<std::string> ProcessCwd(const ContainerConfig& image, const RunOptions& opts) {
  const std::string& dir = opts.working_dir.empty() ? image.working_dir : opts.working_dir;
  if (dir.empty()) return std::string("/");
  if (dir[0] != '/') {
    return MakeError(Code::kInvalidArgument, "the working directory '" + dir +
                                                 "' is invalid, it needs to be an absolute path");
  }
  return CleanAbs(dir);
}

std::string UserSpec(const ContainerConfig& image, const RunOptions& opts) {
  return opts.user.value_or(image.user);
}

Result<Json> BuildSpec(const ContainerConfig& image, const RunOptions& opts,
                       const ExecUser& user) {
  Json process;
  if (opts.tty) process["terminal"] = true;
  process["user"] = Json{{"uid", user.uid}, {"gid", user.gid},
                         {"additionalGids", user.additional_gids}};
  process["args"] = TRY(ProcessArgs(image, opts));
  process["env"] = ProcessEnv(image, opts);
  process["cwd"] = TRY(ProcessCwd(image, opts));
  const auto& caps = DefaultCapabilities();
  // No inheritable set: Docker dropped it (CVE-2022-24769).
  process["capabilities"] = Json{{"bounding", caps}, {"effective", caps}, {"permitted", caps}};
  process["oomScoreAdj"] = 0;

  Json spec;
  spec["ociVersion"] = "1.0.2-dev";
  spec["process"] = std::move(process);
  spec["root"] = Json{{"path", opts.rootfs}};
  if (opts.read_only) spec["root"]["readonly"] = true;
  if (!opts.hostname.empty()) spec["hostname"] = opts.hostname;
  spec["mounts"] = Mounts(opts);
  spec["linux"] = TRY(Linux(opts));
  return spec;
}

}  // namespace berth::runtime
