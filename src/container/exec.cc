// exec reuses the process object of the bundle the monitor wrote at start,
// so an exec'd process gets exactly the container's confinement; only
// what the exec flags change is replaced, and the user is resolved in the
// running container's root (/proc/<pid>/root, confined with RESOLVE_IN_ROOT).
#include "container/exec.h"

#include <unistd.h>

#include "base/file.h"
#include "container/process.h"
#include "container/runc.h"
#include "container/state.h"
#include "oci/json_fields.h"
#include "runtime/spec.h"
#include "runtime/user.h"
#include "tar/root_fs.h"

namespace berth::container {
namespace {

// Adds or replaces KEY=VALUE entries in env, in place.
void SetEnv(Json& env, const std::vector<std::string>& extra) {
  for (const std::string& e : extra) {
    std::string key = e.substr(0, e.find('='));
    bool done = false;
    for (auto& have : env) {
      std::string h = have.get<std::string>();
      if (h.substr(0, h.find('=')) == key) {
        have = e;
        done = true;
        break;
      }
    }
    if (!done) env.push_back(e);
  }
}

Result<Json> ExecProcess(const Container& c, const ContainerDir& d, const State& s,
                         const ExecOptions& o) {
  Json spec = TRY(ParseJsonObject(TRY(ReadFile(d.bundle() + "/config.json")), "bundle config"));
  Json p = spec["process"];
  p["args"] = o.args;
  p["terminal"] = o.tty;
  if (!p["env"].is_array()) p["env"] = Json::array();
  if (o.tty) SetEnv(p["env"], {"TERM=xterm"});
  SetEnv(p["env"], o.env);
  if (!o.working_dir.empty()) {
    if (o.working_dir.front() != '/') {
      return MakeError(Code::kInvalidArgument,
                       "the working directory '" + o.working_dir + "' is invalid, it needs to be an absolute path");
    }
    p["cwd"] = o.working_dir;
  }
  if (o.user) {
    RootFs root = TRY(RootFs::Open("/proc/" + std::to_string(s.pid) + "/root"));
    runtime::ExecUser u = TRY(runtime::ResolveUserInRoot(root, *o.user));
    p["user"] = Json{{"uid", u.uid}, {"gid", u.gid}, {"additionalGids", u.additional_gids}};
  }
  (void)c;
  return p;
}

}  // namespace

Result<int> Exec(const store::Store& store, const Container& c, const ExecOptions& o) {
  ContainerDir d = ContainerDir::Of(store.root(), c.id);
  State s = TRY(CurrentState(d, c.id));
  if (!s.Running() || s.pid <= 0) {
    return MakeError(Code::kConflict, "Container " + c.id + " is not running");
  }
  if (s.status == "paused") {
    return MakeError(Code::kConflict, "Container " + c.id + " is paused, unpause the container before exec");
  }
  Json process = TRY(ExecProcess(c, d, s, o));
  std::string file = d.bundle() + "/exec-" + RandomName() + ".json";
  std::string log = d.bundle() + "/exec-" + RandomName() + ".log";
  TRY(ReplaceFile(file, DumpJson(process), 0600));
  std::string runtime = TRY(RuntimePath(c.host.runtime));
  std::vector<std::string> argv = RuntimeArgv(runtime);
  argv.insert(argv.end(), {"--log", log, "--log-format", "json", "exec", "--process", file});
  if (o.tty) argv.push_back("-t");
  if (o.detach) argv.push_back("-d");
  argv.push_back(c.id);
  auto pid = Spawn({.argv = argv, .fds = {o.interactive ? STDIN_FILENO : -1, STDOUT_FILENO, STDERR_FILENO}});
  Result<int> status = pid.ok() ? WaitExit(*pid) : Result<int>(pid.error());
  ::unlink(file.c_str());
  std::string errors = ReadFile(log).value_or("");
  ::unlink(log.c_str());
  if (!status.ok()) return status;
  std::string msg = CleanRuntimeError(errors);
  // runc's own failure (not the process's status): docker's 126/127.
  if (*status != 0 && errors.find("\"level\":\"error\"") != std::string::npos && !msg.empty()) {
    return StartFailureStatus(msg) == 125 ? 126 : StartFailureStatus(msg);
  }
  return status;
}

}  // namespace berth::container
