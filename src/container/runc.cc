// Thin wrappers around the runtime binary's subcommands. berth never keeps
// runtime state of its own beyond the container's state file: the runtime's
// view (is it running? which pid?) is asked for when needed.
#include "container/runc.h"

#include <signal.h>
#include <string.h>

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

}  // namespace

Result<std::string> RuntimePath(const std::string& name) {
  std::string path = FindProgram(name);
  if (path.empty()) {
    return MakeError(Code::kConflict,
                     "unknown or invalid runtime name: " + name + " (" + name +
                         " is not installed; apt-get install " + name + ")");
  }
  if (name == "crun" || path.ends_with("/crun")) {
    // crun refuses hosts whose cgroup v2 hierarchy is not the only one
    // (the hybrid layout): it fails even `crun --version`-independent
    // commands such as `crun list` there. Ask it once.
    auto o = RunCapture({path, "--root", kRuncRoot, "list"});
    if (!o.ok() || o->status != 0) {
      std::string why = o.ok() ? CleanRuntimeError(o->err + o->out) : o.error().message;
      return MakeError(Code::kConflict,
                       "the crun runtime cannot run containers on this host (" + why +
                           "); use --runtime runc");
    }
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
