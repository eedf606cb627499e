// The lifecycle commands that take container names: start, stop, kill,
// restart, wait and rm. Like docker's, each handles its arguments one by
// one, prints each name as given on success, reports each failure on its
// own line and exits 1 if any failed.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <functional>

#include "cli/commands.h"
#include "cli/container_target.h"
#include "cli/flags.h"
#include "container/attach.h"
#include "container/lifecycle.h"

namespace berth::cli {
namespace {

using container::Container;

// Runs op on each named container; prints the name on success.
int ForEach(Context& ctx, const FlagSet& fs, const std::function<Status(store::Store&, const Container&)>& op,
            bool print = true) {
  auto store = ctx.Store();
  if (!store.ok()) return Fail(store.error());
  int rc = 0;
  for (const std::string& name : fs.args()) {
    auto c = container::FindContainer(**store, name);
    Status st = c.ok() ? op(**store, *c) : Status(c.error());
    if (!st.ok()) {
      std::fprintf(stderr, "Error: %s\n", st.error().message.c_str());
      rc = 1;
      continue;
    }
    if (print) std::printf("%s\n", name.c_str());
  }
  return rc;
}

bool Parse(FlagSet& fs, const std::vector<std::string>& args, int* exit) {
  if (!ParseFlags(fs, args, exit)) return false;
  if (fs.args().empty()) {
    *exit = ArgCountError(fs, "requires at least 1 argument");
    return false;
  }
  return true;
}

Status StartOne(store::Store& store, const Container& c) {
  container::ContainerDir d = container::ContainerDir::Of(store.root(), c.id);
  if (TRY(container::CurrentState(d, c.id)).Running()) return Ok();
  int status = 0;
  (void)TRY(container::StartContainer(store, c, &status));
  return Ok();
}

}  // namespace

int CmdStart(Context& ctx, const std::vector<std::string>& args) {
  FlagSet fs(ctx.command_path(), "start [OPTIONS] CONTAINER [CONTAINER...]", "Start one or more stopped containers");
  fs.SetAliases({"berth container start", "berth start"});
  bool* attach = fs.Bool("attach", 'a', false, "Attach STDOUT/STDERR and forward signals");
  bool* interactive = fs.Bool("interactive", 'i', false, "Attach container's STDIN");
  int exit = 0;
  if (!Parse(fs, args, &exit)) return exit;
  if (!*attach && !*interactive) {
    int rc = ForEach(ctx, fs, StartOne);
    if (rc != 0) std::fprintf(stderr, "Error: failed to start containers: %s\n", fs.args()[0].c_str());
    return rc;
  }
  if (fs.args().size() > 1) return Fail("Error: you cannot start and attach multiple containers at once");
  auto t = FindTarget(ctx, fs.args()[0]);
  if (!t.ok()) return Fail(t.error());
  int status = 0;
  auto sock = container::StartContainer(*t->store, t->c, &status);
  if (!sock.ok()) return Fail(sock.error());
  auto code = container::Relay(sock->get(), {.stdin_open = *interactive && t->c.config.open_stdin,
                                             .tty = t->c.config.tty});
  if (!code.ok()) return Fail(code.error());
  return *code;
}

int CmdStop(Context& ctx, const std::vector<std::string>& args) {
  FlagSet fs(ctx.command_path(), "stop [OPTIONS] CONTAINER [CONTAINER...]", "Stop one or more running containers");
  fs.SetAliases({"berth container stop", "berth stop"});
  int64_t* timeout = fs.Int("time", 't', 10, "Seconds to wait for stop before killing it");
  int exit = 0;
  if (!Parse(fs, args, &exit)) return exit;
  return ForEach(ctx, fs, [&](store::Store& s, const Container& c) {
    return container::StopContainer(s, c, static_cast<int>(*timeout));
  });
}

int CmdRestart(Context& ctx, const std::vector<std::string>& args) {
  FlagSet fs(ctx.command_path(), "restart [OPTIONS] CONTAINER [CONTAINER...]", "Restart one or more containers");
  fs.SetAliases({"berth container restart", "berth restart"});
  int64_t* timeout = fs.Int("time", 't', 10, "Seconds to wait for stop before killing the container");
  int exit = 0;
  if (!Parse(fs, args, &exit)) return exit;
  return ForEach(ctx, fs, [&](store::Store& s, const Container& c) -> Status {
    TRY(container::StopContainer(s, c, static_cast<int>(*timeout)));
    return StartOne(s, c);
  });
}

int CmdKill(Context& ctx, const std::vector<std::string>& args) {
  FlagSet fs(ctx.command_path(), "kill [OPTIONS] CONTAINER [CONTAINER...]", "Kill one or more running containers");
  fs.SetAliases({"berth container kill", "berth kill"});
  std::string* sig = fs.String("signal", 's', "KILL", "Signal to send to the container");
  int exit = 0;
  if (!Parse(fs, args, &exit)) return exit;
  auto num = container::ParseSignal(*sig);
  if (!num.ok()) return Fail(num.error());
  return ForEach(ctx, fs, [&](store::Store& s, const Container& c) -> Status {
    Status st = container::KillContainer(s, c, *num);
    if (!st.ok()) {
      return MakeError(st.error().code, "Cannot kill container: " + fs.args()[0] + ": " + st.error().message);
    }
    return st;
  });
}

int CmdWait(Context& ctx, const std::vector<std::string>& args) {
  FlagSet fs(ctx.command_path(), "wait CONTAINER [CONTAINER...]",
             "Block until one or more containers stop, then print their exit codes");
  fs.SetAliases({"berth container wait", "berth wait"});
  int exit = 0;
  if (!Parse(fs, args, &exit)) return exit;
  return ForEach(ctx, fs, [&](store::Store& s, const Container& c) -> Status {
    auto st = container::WaitContainer(s, c);
    if (!st.ok()) return st.error();
    std::printf("%d\n", st->exit_code);
    return Ok();
  }, /*print=*/false);
}

int CmdRm(Context& ctx, const std::vector<std::string>& args) {
  FlagSet fs(ctx.command_path(), "rm [OPTIONS] CONTAINER [CONTAINER...]", "Remove one or more containers");
  fs.SetAliases({"berth container rm", "berth container remove", "berth rm"});
  bool* force = fs.Bool("force", 'f', false, "Force the removal of a running container (uses SIGKILL)");
  fs.Bool("volumes", 'v', false, "Remove anonymous volumes associated with the container (berth has none)");
  fs.Bool("link", 'l', false, "Remove the specified link (not supported)");
  int exit = 0;
  if (!Parse(fs, args, &exit)) return exit;
  return ForEach(ctx, fs, [&](store::Store& s, const Container& c) {
    return container::RemoveContainer(s, c, *force);
  });
}

}  // namespace berth::cli
