// Mapping of Docker's container.Config. berth reads it from every image
// config, edits it for commit/build, and prints it in `inspect`, where Docker
// users expect exactly Docker's keys, order and nulls.
#include "oci/container_config.h"

#include <limits>

namespace berth {
namespace {

// Docker's strslice.StrSlice: an array of strings, or one string.
Status ReadStrSlice(const JsonFields& f, std::string_view key,
                    std::optional<std::vector<std::string>>& out) {
  const Json* v = f.Find(key);
  if (v && v->is_string()) {
    out = std::vector<std::string>{v->get<std::string>()};
    return Ok();
  }
  return f.OptionalStringList(key, out);
}

}  // namespace

Result<ContainerConfig> ContainerConfig::FromJson(const Json& j, std::string path) {
  if (!j.is_object()) {
    return MakeError(Code::kInvalidArgument, (path.empty() ? "" : path + ": ") + "not an object");
  }
  JsonFields f(j, std::move(path));
  ContainerConfig c;
  TRY(f.String("Hostname", c.hostname));
  TRY(f.String("Domainname", c.domainname));
  TRY(f.String("User", c.user));
  TRY(f.Bool("AttachStdin", c.attach_stdin));
  TRY(f.Bool("AttachStdout", c.attach_stdout));
  TRY(f.Bool("AttachStderr", c.attach_stderr));
  TRY(f.KeySet("ExposedPorts", c.exposed_ports));
  TRY(f.Bool("Tty", c.tty));
  TRY(f.Bool("OpenStdin", c.open_stdin));
  TRY(f.Bool("StdinOnce", c.stdin_once));
  TRY(f.StringList("Env", c.env));
  TRY(ReadStrSlice(f, "Cmd", c.cmd));
  if (const Json* h = TRY(f.Object("Healthcheck"))) c.healthcheck = *h;
  TRY(f.Bool("ArgsEscaped", c.args_escaped));
  TRY(f.String("Image", c.image));
  TRY(f.KeySet("Volumes", c.volumes));
  TRY(f.String("WorkingDir", c.working_dir));
  TRY(ReadStrSlice(f, "Entrypoint", c.entrypoint));
  TRY(f.StringList("OnBuild", c.on_build));
  TRY(f.StringMap("Labels", c.labels));
  TRY(f.String("StopSignal", c.stop_signal));
  std::optional<int64_t> timeout;
  TRY(f.OptionalInt("StopTimeout", timeout));
  if (timeout) {
    if (*timeout < std::numeric_limits<int>::min() || *timeout > std::numeric_limits<int>::max()) {
      return f.FieldError("StopTimeout", "integer out of range");
    }
    c.stop_timeout = static_cast<int>(*timeout);
  }
  std::optional<std::vector<std::string>> shell;
  TRY(ReadStrSlice(f, "Shell", shell));
  if (shell) c.shell = std::move(*shell);
  return c;
}

Result<ContainerConfig> ContainerConfig::Parse(std::string_view json) {
  Json j = TRY(ParseJsonObject(json, "invalid container config"));
  return TRY_CTX(FromJson(j, ""), "invalid container config");
}

Json ContainerConfig::ToDockerJson() const {
  auto optional_list = [](const std::optional<std::vector<std::string>>& v) -> Json {
    if (!v) return nullptr;
    return Json(*v);
  };
  Json j = Json::object();
  j["Hostname"] = hostname;
  j["Domainname"] = domainname;
  j["User"] = user;
  j["AttachStdin"] = attach_stdin;
  j["AttachStdout"] = attach_stdout;
  j["AttachStderr"] = attach_stderr;
  if (!exposed_ports.empty()) j["ExposedPorts"] = KeySetOrNull(exposed_ports);
  j["Tty"] = tty;
  j["OpenStdin"] = open_stdin;
  j["StdinOnce"] = stdin_once;
  j["Env"] = StringListOrNull(env);
  j["Cmd"] = optional_list(cmd);
  if (!healthcheck.is_null()) j["Healthcheck"] = healthcheck;
  if (args_escaped) j["ArgsEscaped"] = true;
  j["Image"] = image;
  j["Volumes"] = KeySetOrNull(volumes);
  j["WorkingDir"] = working_dir;
  j["Entrypoint"] = optional_list(entrypoint);
  j["OnBuild"] = StringListOrNull(on_build);
  j["Labels"] = StringMapOrNull(labels);
  if (!stop_signal.empty()) j["StopSignal"] = stop_signal;
  if (stop_timeout) j["StopTimeout"] = *stop_timeout;
  if (!shell.empty()) j["Shell"] = shell;
  return j;
}

std::string ContainerConfig::ToJson() const { return DumpJson(ToDockerJson()); }

}  // namespace berth
