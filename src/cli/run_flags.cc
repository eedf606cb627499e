// Docker's `run`/`create` flags and the merge of an image's config with
// them (moby's runconfig + daemon's merge): what the container record says
// is exactly what `inspect` shows and what the runtime runs.
#include "cli/run_flags.h"

#include <unistd.h>

#include <cstdlib>

#include "base/file.h"
#include "base/strings.h"
#include "container/network.h"
#include "runtime/spec.h"

namespace berth::cli {
namespace {

// Docker's ParseEnvFile: KEY=VALUE lines, '#' comments, a bare KEY takes the
// host's value (or is dropped), whitespace in a key is an error.
Result<std::vector<std::string>> ReadEnvFile(const std::string& path) {
  auto text = ReadFile(path);
  if (!text.ok()) return MakeError(Code::kInvalidArgument, "open " + path + ": no such file or directory");
  std::vector<std::string> out;
  int line_no = 0;
  for (std::string line : Split(*text, '\n')) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::string_view t = line;
    while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
    if (t.empty() || t.front() == '#') continue;
    auto kv = Cut(t, '=');
    std::string key = kv ? kv->first : std::string(t);
    if (key.find_first_of(" \t") != std::string::npos) {
      return MakeError(Code::kInvalidArgument, "variable '" + key + "' contains whitespaces");
    }
    if (key.empty()) {
      return MakeError(Code::kInvalidArgument,
                       "no variable name on line '" + line + "' (" + path + ":" + std::to_string(line_no) + ")");
    }
    if (kv) {
      out.push_back(key + "=" + kv->second);
    } else if (const char* v = std::getenv(key.c_str())) {
      out.push_back(key + "=" + v);
    }
  }
  return out;
}

// -e KEY=VALUE as given; -e KEY takes the host's value or is dropped.
std::vector<std::string> ExpandEnv(const std::vector<std::string>& given) {
  std::vector<std::string> out;
  for (const std::string& e : given) {
    if (e.find('=') != std::string::npos) {
      out.push_back(e);
    } else if (const char* v = std::getenv(e.c_str())) {
      out.push_back(e + "=" + v);
    }
  }
  return out;
}

// The image's Env with each KEY= of extra replacing in place, new keys appended.
std::vector<std::string> MergeEnv(std::vector<std::string> env, const std::vector<std::string>& extra) {
  for (const std::string& e : extra) {
    std::string key = e.substr(0, e.find('='));
    bool replaced = false;
    for (std::string& have : env) {
      if (have.substr(0, have.find('=')) == key) {
        have = e;
        replaced = true;
        break;
      }
    }
    if (!replaced) env.push_back(e);
  }
  return env;
}

}  // namespace

RunFlags AddRunFlags(FlagSet& fs) {
  RunFlags f{};
  f.interactive = fs.Bool("interactive", 'i', false, "Keep STDIN open even if not attached");
  f.tty = fs.Bool("tty", 't', false, "Allocate a pseudo-TTY");
  f.name = fs.String("name", 0, "", "Assign a name to the container");
  f.rm = fs.Bool("rm", 0, false, "Automatically remove the container when it exits");
  f.env = fs.StringArray("env", 'e', "Set environment variables");
  f.env_file = fs.StringArray("env-file", 0, "Read in a file of environment variables");
  f.volumes = fs.StringArray("volume", 'v', "Bind mount a volume (SRC:DST[:ro])");
  f.workdir = fs.String("workdir", 'w', "", "Working directory inside the container");
  f.user = fs.String("user", 'u', "", "Username or UID (format: <name|uid>[:<group|gid>])");
  f.entrypoint = fs.String("entrypoint", 0, "", "Overwrite the default ENTRYPOINT of the image");
  f.hostname = fs.String("hostname", 'h', "", "Container host name");
  f.network = fs.String("network", 0, "none", "Connect a container to a network (none, host or bridge)");
  f.publish = fs.StringArray("publish", 'p', "Publish a container's port(s) to the host");
  f.pull = fs.String("pull", 0, "missing", "Pull image before running (\"always\"|\"missing\"|\"never\")");
  f.labels = fs.StringArray("label", 'l', "Set meta data on a container");
  f.restart = fs.String("restart", 0, "no", "Restart policy to apply when a container exits (only \"no\")");
  f.read_only = fs.Bool("read-only", 0, false, "Mount the container's root filesystem as read only");
  f.runtime = fs.String("runtime", 0, "runc", "Runtime to use for this container (runc or crun)");
  f.stop_signal = fs.String("stop-signal", 0, "", "Signal to stop the container");
  f.platform = fs.String("platform", 0, "", "Set platform if server is multi-platform capable");
  for (const char* name : {"privileged", "publish-all", "init", "oom-kill-disable", "no-healthcheck"}) {
    fs.Bool(name, 0, false, "Not supported by berth");
    fs.Hide(name);
    f.unsupported.push_back(name);
  }
  for (const char* name : {"cap-add", "cap-drop", "mount", "volumes-from", "device", "dns", "add-host",
                           "memory", "cpus", "cpu-shares", "security-opt", "ulimit", "tmpfs",
                           "sysctl", "ipc", "pid", "uts", "userns", "cgroupns", "gpus",
                           "log-driver", "log-opt", "health-cmd", "expose", "link", "mac-address",
                           "ip", "network-alias", "group-add", "shm-size", "detach-keys"}) {
    fs.StringArray(name, 0, "Not supported by berth");
    fs.Hide(name);
    f.unsupported.push_back(name);
  }
  return f;
}

Status CheckRunFlags(const FlagSet& fs, const RunFlags& f) {
  for (const std::string& name : f.unsupported) {
    if (fs.Changed(name)) {
      return MakeError(Code::kUnimplemented, "berth does not support --" + name + " yet");
    }
  }
  if (*f.network != "none" && *f.network != "host" && *f.network != "bridge") {
    return MakeError(Code::kNotFound, "network " + *f.network + " not found");
  }
  if (!f.publish->empty() && *f.network == "none") {
    return MakeError(Code::kInvalidArgument,
                     "-p publishes ports on the bridge network: add --network bridge (the default "
                     "network, none, has no ports to publish)");
  }
  for (const std::string& p : *f.publish) (void)TRY(container::ParsePortMapping(p));
  if (*f.restart != "no") {
    return MakeError(Code::kUnimplemented,
                     "berth runs containers without a daemon, so nothing could restart them: "
                     "--restart supports only \"no\"");
  }
  if (*f.pull != "missing" && *f.pull != "always" && *f.pull != "never") {
    return MakeError(Code::kInvalidArgument, "invalid pull option: '" + *f.pull +
                                                 "': must be one of \"always\", \"missing\" or \"never\"");
  }
  return Ok();
}

Result<container::Container> ContainerFromFlags(const FlagSet& fs, const RunFlags& f,
                                                const ContainerConfig& image_config,
                                                const std::string& image_name,
                                                const std::vector<std::string>& args) {
  container::Container c;
  c.image = image_name;
  ContainerConfig& cfg = c.config;
  cfg = image_config;
  cfg.image = image_name;
  cfg.on_build.clear();
  std::vector<std::string> env;
  for (const std::string& file : *f.env_file) {
    auto more = TRY(ReadEnvFile(file));
    env.insert(env.end(), more.begin(), more.end());
  }
  auto given = ExpandEnv(*f.env);
  env.insert(env.end(), given.begin(), given.end());
  cfg.env = MergeEnv(image_config.env, env);
  runtime::RunOptions ro{.args = args};
  if (fs.Changed("entrypoint")) ro.entrypoint = *f.entrypoint;
  auto all = runtime::ProcessArgs(image_config, ro);
  if (!all.ok()) return all.error();
  if (fs.Changed("entrypoint")) {
    cfg.entrypoint = f.entrypoint->empty() ? std::nullopt
                                           : std::optional<std::vector<std::string>>({*f.entrypoint});
    cfg.cmd = args.empty() ? std::nullopt : std::optional<std::vector<std::string>>(args);
  } else if (!args.empty()) {
    cfg.cmd = args;
  }
  if (fs.Changed("workdir")) cfg.working_dir = *f.workdir;
  if (fs.Changed("user")) cfg.user = *f.user;
  if (fs.Changed("stop-signal")) cfg.stop_signal = *f.stop_signal;
  (void)TRY(runtime::ProcessCwd(cfg, {}));
  cfg.tty = *f.tty;
  cfg.open_stdin = *f.interactive;
  for (const std::string& l : *f.labels) {
    auto kv = Cut(l, '=');
    cfg.labels[kv ? kv->first : l] = kv ? kv->second : "";
  }
  c.host.network_mode = *f.network;
  if (*f.network == "bridge") {
    for (const std::string& p : *f.publish) {
      c.host.ports.push_back(container::PortMappingString(TRY(container::ParsePortMapping(p))));
    }
  }
  if (fs.Changed("hostname")) {
    cfg.hostname = *f.hostname;
  } else if (*f.network == "host") {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    cfg.hostname = host;
  }
  for (const std::string& v : *f.volumes) {
    (void)TRY(runtime::ParseBindMount(v));
    c.host.binds.push_back(v);
  }
  c.host.auto_remove = *f.rm;
  c.host.read_only = *f.read_only;
  c.host.runtime = *f.runtime;
  if (!fs.Changed("name")) return c;
  c.name = TRY(container::ValidateName(*f.name));
  return c;
}

}  // namespace berth::cli
