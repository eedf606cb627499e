// `berth top CONTAINER [ps OPTIONS]`: the container's processes, as docker
// shows them: the runtime lists them (`runc ps`, which runs the host's ps
// with the options, default -ef, and keeps the container's), and the table
// is re-aligned the way docker's client prints its daemon's answer.
#include <cstdio>

#include "base/strings.h"
#include "cli/commands.h"
#include "cli/container_target.h"
#include "cli/flags.h"
#include "container/lifecycle.h"
#include "container/process.h"
#include "container/runc.h"
#include "format/tabwriter.h"

namespace berth::cli {
namespace {

// Splits ps output as moby's parsePSOutput: the header's fields are the
// titles, and a row's last column takes the rest of its fields.
std::string Realign(const std::string& ps) {
  std::vector<std::string> lines = Split(ps, '\n');
  if (lines.empty()) return "";
  std::vector<std::string> titles;
  for (const std::string& f : Split(lines[0], ' ')) {
    if (!f.empty()) titles.push_back(f);
  }
  TabWriter w(20, 1, 3, ' ');
  w.Write(Join(titles, "\t") + "\n");
  for (size_t i = 1; i < lines.size(); ++i) {
    std::vector<std::string> fields;
    for (const std::string& f : Split(lines[i], ' ')) {
      if (!f.empty()) fields.push_back(f);
    }
    if (fields.empty() || titles.empty()) continue;
    std::vector<std::string> row;
    for (size_t k = 0; k < fields.size(); ++k) {
      if (row.size() < titles.size() - 1) {
        row.push_back(fields[k]);
      } else if (row.size() == titles.size() - 1) {
        row.push_back(fields[k]);
      } else {
        row.back() += " " + fields[k];
      }
    }
    w.Write(Join(row, "\t") + "\n");
  }
  return w.Flush();
}

}  // namespace

int CmdTop(Context& ctx, const std::vector<std::string>& args) {
  FlagSet fs(ctx.command_path(), "top CONTAINER [ps OPTIONS]", "Display the running processes of a container");
  fs.SetAliases({"berth container top", "berth top"});
  fs.SetInterspersed(false);
  int exit = 0;
  if (!ParseFlags(fs, args, &exit)) return exit;
  if (fs.args().empty()) return ArgCountError(fs, "requires at least 1 argument");
  auto t = FindTarget(ctx, fs.args()[0]);
  if (!t.ok()) return Fail(t.error());
  const container::Container* c = &t->c;
  auto state = t->State();
  if (!state.ok()) return Fail(state.error());
  if (!state->Running()) return Fail("Error: Container " + c->id + " is not running");
  auto runtime = container::RuntimePath(c->host.runtime);
  if (!runtime.ok()) return Fail(runtime.error());
  std::vector<std::string> argv = container::RuntimeArgv(*runtime);
  argv.insert(argv.end(), {"ps", c->id});
  if (fs.args().size() > 1) {
    argv.insert(argv.end(), fs.args().begin() + 1, fs.args().end());
  }
  auto out = container::RunCapture(argv);
  if (!out.ok()) return Fail(out.error());
  if (out->status != 0) {
    return Fail("Error: ps: " + std::string(Trim(out->err.empty() ? out->out : out->err)));
  }
  std::fputs(Realign(out->out).c_str(), stdout);
  return 0;
}

}  // namespace berth::cli
