// `berth run` and `berth create`: Docker's flags, the image pulled when
// missing, the container recorded, and (run) started by its monitor, with
// the terminal attached unless -d. The container's exit status becomes
// berth's; berth's own failures are 125, and a command that cannot be run
// 126 or 127, as with docker.
#include <unistd.h>

#include <cstdio>

#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/run_flags.h"
#include "container/attach.h"
#include "container/lifecycle.h"
#include "container/runc.h"
#include "image/resolve.h"
#include "oci/image_config.h"
#include "reference/reference.h"

namespace berth::cli {
namespace {

// docker run's error shape: "docker: Error response from daemon: X." and a
// help pointer; berth has no daemon, so "berth: Error: X.".
int RunFail(const FlagSet& fs, const std::string& msg, int status = 125) {
  std::string m = msg;
  if (!m.empty() && m.back() != '.') m += '.';
  std::fprintf(stderr, "berth: Error: %s\nSee '%s --help'.\n", m.c_str(), fs.command_path().c_str());
  return status;
}

// The image to run, pulled first as --pull says.
Result<Digest> FindOrPull(Context& ctx, const RunFlags& f, const std::string& name, int* status) {
  *status = 125;
  store::Store* store = TRY(ctx.Store());
  auto parsed = ParseNormalizedNamed(name);
  bool is_ref = parsed.ok() && !name.starts_with("sha256:");
  if (*f.pull != "always" || !is_ref) {
    auto id = image::ResolveImage(*store, name);
    if (id.ok() || id.error().code != Code::kNotFound || *f.pull == "never" || !is_ref) return id;
  }
  Reference ref = WithDefaultTag(*parsed);
  if (*f.pull != "always") {
    std::fprintf(stderr, "Unable to find image '%s' locally\n", ref.FamiliarString().c_str());
  }
  if (int rc = PullForRun(ctx, ref, *f.platform); rc != 0) {
    *status = rc;
    return MakeError(Code::kCancelled, "");
  }
  return image::ResolveImage(*store, name);
}

// Parses, pulls and records the container; *status is set on failure.
Result<container::Container> Create(Context& ctx, FlagSet& fs, const RunFlags& f, bool detach,
                                    int* status) {
  *status = 125;
  if (Status st = CheckRunFlags(fs, f); !st.ok()) return st.error();
  TRY(container::RuntimePath(*f.runtime));
  const std::string& name = fs.args()[0];
  std::vector<std::string> args(fs.args().begin() + 1, fs.args().end());
  Digest id = TRY(FindOrPull(ctx, f, name, status));
  store::Store* store = TRY(ctx.Store());
  ImageConfig image = TRY(ImageConfig::Parse(TRY(store->content().ReadSmall(id))));
  container::Container c = TRY(ContainerFromFlags(fs, f, image.config, name, args));
  c.image_id = id;
  c.config.attach_stdin = *f.interactive && !detach;
  c.config.attach_stdout = !detach;
  c.config.attach_stderr = !detach;
  c.config.stdin_once = *f.interactive && !detach;
  return container::CreateContainer(*store, std::move(c));
}

int RunOrCreate(Context& ctx, const std::vector<std::string>& args, bool run) {
  FlagSet fs(ctx.command_path(),
             std::string(run ? "run" : "create") + " [OPTIONS] IMAGE [COMMAND] [ARG...]",
             run ? "Run a command in a new container" : "Create a new container");
  fs.SetAliases({run ? "berth container run" : "berth container create", run ? "berth run" : "berth create"});
  fs.SetInterspersed(false);
  RunFlags f = AddRunFlags(fs);
  bool* detach = run ? fs.Bool("detach", 'd', false, "Run container in background and print container ID")
                     : nullptr;
  bool* sig_proxy = run ? fs.Bool("sig-proxy", 0, true, "Proxy received signals to the process") : nullptr;
  int exit = 0;
  if (!ParseFlags(fs, args, &exit)) return exit;
  if (fs.args().empty()) {
    std::fprintf(stderr, "\"%s\" requires at least 1 argument.\nSee '%s --help'.\n\nUsage:  berth %s\n\n%s\n",
                 fs.command_path().c_str(), fs.command_path().c_str(), fs.use().c_str(),
                 fs.summary().c_str());
    return 125;
  }
  bool bg = run && *detach;
  if (run && !bg && *f.tty && *f.interactive && !::isatty(STDIN_FILENO)) {
    std::fprintf(stderr, "the input device is not a TTY\n");
    return 1;
  }
  if (!f.publish->empty() && *f.network == "host") {
    std::fprintf(stderr, "WARNING: Published ports are discarded when using host network mode\n");
  }
  int status = 125;
  auto c = Create(ctx, fs, f, bg || !run, &status);
  if (!c.ok()) {
    if (c.error().code == Code::kCancelled && c.error().message.empty()) return status;
    return RunFail(fs, c.error().message, status);
  }
  if (!run) {
    std::printf("%s\n", c->id.c_str());
    return 0;
  }
  auto store = ctx.Store();
  if (!store.ok()) return RunFail(fs, store.error().message);
  auto sock = container::StartContainer(**store, *c, &status);
  if (!sock.ok()) return RunFail(fs, sock.error().message, status);
  if (bg) {
    std::printf("%s\n", c->id.c_str());
    return 0;
  }
  std::fflush(stdout);
  auto code = container::Relay(sock->get(), {.stdin_open = *f.interactive, .tty = *f.tty,
                                             .sig_proxy = *sig_proxy});
  if (!code.ok()) return Fail("Error: " + code.error().message);
  return *code;
}

}  // namespace

int CmdRun(Context& ctx, const std::vector<std::string>& args) { return RunOrCreate(ctx, args, true); }
int CmdCreate(Context& ctx, const std::vector<std::string>& args) { return RunOrCreate(ctx, args, false); }

}  // namespace berth::cli
