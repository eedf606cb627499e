// `berth exec`: docker's flags; the process's exit status becomes berth's.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "cli/commands.h"
#include "cli/container_target.h"
#include "cli/flags.h"
#include "container/exec.h"
#include "container/lifecycle.h"

namespace berth::cli {

int CmdExec(Context& ctx, const std::vector<std::string>& args) {
  FlagSet fs(ctx.command_path(), "exec [OPTIONS] CONTAINER COMMAND [ARG...]",
             "Run a command in a running container");
  fs.SetAliases({"berth container exec", "berth exec"});
  fs.SetInterspersed(false);
  bool* detach = fs.Bool("detach", 'd', false, "Detached mode: run command in the background");
  auto* env = fs.StringArray("env", 'e', "Set environment variables");
  bool* interactive = fs.Bool("interactive", 'i', false, "Keep STDIN open even if not attached");
  bool* tty = fs.Bool("tty", 't', false, "Allocate a pseudo-TTY");
  std::string* user = fs.String("user", 'u', "", "Username or UID (format: <name|uid>[:<group|gid>])");
  std::string* workdir = fs.String("workdir", 'w', "", "Working directory inside the container");
  fs.Bool("privileged", 0, false, "Not supported by berth");
  fs.Hide("privileged");
  int exit = 0;
  if (!ParseFlags(fs, args, &exit)) return exit;
  if (fs.args().size() < 2) return ArgCountError(fs, "requires at least 2 arguments");
  if (fs.Changed("privileged")) return Fail("Error: berth does not support --privileged yet");
  if (*tty && *interactive && !::isatty(STDIN_FILENO)) {
    std::fprintf(stderr, "the input device is not a TTY\n");
    return 1;
  }
  auto t = FindTarget(ctx, fs.args()[0]);
  if (!t.ok()) return Fail(t.error());
  container::ExecOptions o{.args = {fs.args().begin() + 1, fs.args().end()},
                           .working_dir = *workdir, .interactive = *interactive,
                           .tty = *tty, .detach = *detach};
  for (const std::string& e : *env) {
    if (e.find('=') != std::string::npos) {
      o.env.push_back(e);
    } else if (const char* v = std::getenv(e.c_str())) {
      o.env.push_back(e + "=" + v);
    }
  }
  if (fs.Changed("user")) o.user = *user;
  std::fflush(stdout);
  auto rc = container::Exec(*t->store, t->c, o);
  if (!rc.ok()) return Fail(rc.error());
  return *rc;
}

}  // namespace berth::cli
