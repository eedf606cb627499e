// `berth logs`: a container's json-file log as docker prints it, stdout
// records to stdout and stderr records to stderr; -f follows until the
// container's monitor is gone.
#include <unistd.h>

#include <cstdio>

#include "base/clock.h"
#include "base/io.h"
#include "base/strings.h"
#include "cli/commands.h"
#include "cli/container_target.h"
#include "cli/flags.h"
#include "container/lifecycle.h"
#include "image/list.h"
#include "runtime/json_log.h"

namespace berth::cli {
namespace {

// Writes each record to its stream unbuffered (records may be many and
// small, but -f must show each at once).
class StdioSink : public runtime::LogSink {
 public:
  Status Write(runtime::LogStream stream, std::string_view bytes) override {
    return (stream == runtime::LogStream::kStdout ? out_ : err_).Write(AsBytes(bytes));
  }

 private:
  FdWriter out_{STDOUT_FILENO}, err_{STDERR_FILENO};
};

}  // namespace

int CmdLogs(Context& ctx, const std::vector<std::string>& args) {
  FlagSet fs(ctx.command_path(), "logs [OPTIONS] CONTAINER", "Fetch the logs of a container");
  fs.SetAliases({"berth container logs", "berth logs"});
  fs.Bool("details", 0, false, "Show extra details provided to logs (berth has none)");
  bool* follow = fs.Bool("follow", 'f', false, "Follow log output");
  std::string* since = fs.String("since", 0, "", "Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)");
  std::string* tail = fs.String("tail", 'n', "all", "Number of lines to show from the end of the logs");
  bool* timestamps = fs.Bool("timestamps", 't', false, "Show timestamps");
  std::string* until = fs.String("until", 0, "", "Show logs before a timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)");
  int exit = 0;
  if (!ParseFlags(fs, args, &exit)) return exit;
  if (fs.args().size() != 1) return ArgCountError(fs, "requires exactly 1 argument");
  int64_t now = NowNanos();
  runtime::LogReadOptions o{.timestamps = *timestamps};
  if (!since->empty()) {
    auto t = image::ParseTimeFilter(*since, now);
    if (!t.ok()) return Fail(t.error());
    o.since_ns = *t;
  }
  if (!until->empty()) {
    auto t = image::ParseTimeFilter(*until, now);
    if (!t.ok()) return Fail(t.error());
    o.until_ns = *t;
  }
  o.tail = ParseInt(*tail).value_or(-1);  // docker: "all" or anything not a number means all
  auto t = FindTarget(ctx, fs.args()[0]);
  if (!t.ok()) return Fail(t.error());
  const container::ContainerDir& d = t->dir;
  auto state = t->State();
  if (!state.ok()) return Fail(state.error());
  o.follow = *follow && state->Running();
  o.still_running = [d]() { return container::MonitorAlive(d); };
  StdioSink sink;
  Status st = runtime::ReadJsonLog(d.log(t->c.id), o, sink);
  if (!st.ok() && st.error().code != Code::kNotFound && st.error().code != Code::kCancelled) {
    return Fail(st.error());
  }
  return 0;
}

}  // namespace berth::cli
