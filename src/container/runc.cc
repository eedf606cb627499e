// Thin wrappers around the runtime binary's subcommands. berth never keeps
// runtime state of its own beyond the container's state file: the runtime's
// view (is it running? which pid?) is asked for when needed.
#include "container/runc.h"

#include <signal.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/vfs.h>

#include "base/file.h"
#include "base/strings.h"
#include "container/process.h"
#include "oci/json_fields.h"

namespace berth::container {
namespace {

Status RunRuntime(const std::string& runtime, std::vector<std::string> args, const std::string& what) {
  std::string path = TRY(RuntimePath(runtime));
  std::vector<std::string> argv = RuntimeArgv(path);
  argv.insert(argv.end(), args.begin(), args.end());
  Output o = TRY(RunCapture(argv));
  if (o.status == 0) return Ok();
  std::string msg = CleanRuntimeError(o.err.empty() ? o.out : o.err);
  Code code = msg.find("not exist") != std::string::npos || msg.find("not running") != std::string::npos
                  ? Code::kNotFound
                  : Code::kInternal;
  return MakeError(code, what + ": " + msg);
}

// crun refuses ("cgroups in hybrid mode not supported, drop all controllers
// from cgroupv2") a host whose /sys/fs/cgroup is the v1 tmpfs while the
// unified (v2) hierarchy beside it has controllers enabled. runc copes.
bool HybridCgroupsWithV2Controllers() {
  struct statfs root, unified;
  if (::statfs("/sys/fs/cgroup", &root) != 0 || root.f_type == CGROUP2_SUPER_MAGIC) return false;
  if (::statfs("/sys/fs/cgroup/unified", &unified) != 0 || unified.f_type != CGROUP2_SUPER_MAGIC) {
    return false;
  }
  auto controllers = ReadFile("/sys/fs/cgroup/unified/cgroup.controllers");
  return controllers.ok() && !Trim(*controllers).empty();
}

}  // namespace

Result<std::string> RuntimePath(const std::string& name) {
  std::string path = FindProgram(name);
  if (path.empty()) {
    std::string hint = name == "runc" || name == "crun" ? " (apt-get install " + name + ")" : "";
    return MakeError(Code::kNotFound, "Unknown runtime specified " + name + hint);
  }
  if ((name == "crun" || path.ends_with("/crun")) && HybridCgroupsWithV2Controllers()) {
    return MakeError(Code::kUnavailable,
                     "the crun runtime cannot run containers on this host: its cgroups are in the "
                     "hybrid layout (v1 hierarchies, with controllers also on the cgroup v2 "
                     "hierarchy at /sys/fs/cgroup/unified), which crun refuses; use --runtime runc "
                     "(the default)");
  }
  return path;
}

std::vector<std::string> RuntimeArgv(const std::string& path) { return {path, "--root", kRuncRoot}; }

Status RuncKill(const std::string& id, int signal, const std::string& runtime) {
  return RunRuntime(runtime, {"kill", id, std::to_string(signal)}, "kill " + id.substr(0, 12));
}

Status RuncDelete(const std::string& id, bool force, const std::string& runtime) {
  std::vector<std::string> args{"delete"};
  if (force) args.push_back("--force");
  args.push_back(id);
  Status st = RunRuntime(runtime, args, "delete " + id.substr(0, 12));
  if (!st.ok() && st.error().code == Code::kNotFound) return Ok();
  return st;
}

Status RuncPause(const std::string& id, bool pause, const std::string& runtime) {
  return RunRuntime(runtime, {pause ? "pause" : "resume", id},
                    std::string(pause ? "pause " : "resume ") + id.substr(0, 12));
}

int StartFailureStatus(const std::string& message) {
  if (message.find("executable file not found") != std::string::npos ||
      message.find("no such file or directory") != std::string::npos) {
    return 127;
  }
  if (message.find("permission denied") != std::string::npos) return 126;
  return 125;
}

std::string CleanRuntimeError(const std::string& text) {
  // runc's --log-format json lines: the last error's "msg".
  std::string msg;
  for (const std::string& line : Split(text, '\n')) {
    auto j = ParseJsonObject(line, "runtime log");
    if (!j.ok() || !(*j)["msg"].is_string()) continue;
    if ((*j).value("level", "") == "error") msg = (*j)["msg"].get<std::string>();
  }
  if (msg.empty()) {
    std::string_view t = Trim(text);
    size_t nl = t.rfind('\n');
    msg = std::string(nl == std::string_view::npos ? t : t.substr(nl + 1));
  }
  for (std::string_view noise : {"runc run failed: ", "runc create failed: ", "runc exec failed: "}) {
    if (msg.starts_with(noise)) msg = msg.substr(noise.size());
  }
  return msg;
}

}  // namespace berth::container
