// `berth rename` and `berth container prune`: the container housekeeping
// commands, with docker's prompts, output and messages (dockerd's "Error
// response from daemon: " reads "Error: " here, as elsewhere in berth).
#include <cstdio>
#include <iostream>

#include "base/clock.h"
#include "base/strings.h"
#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/output.h"
#include "container/prune.h"
#include "format/units.h"

namespace berth::cli {

int CmdRename(Context& ctx, const std::vector<std::string>& args) {
  FlagSet fs(ctx.command_path(), "rename CONTAINER NEW_NAME", "Rename a container");
  int exit = 0;
  if (!ParseFlags(fs, args, &exit)) return exit;
  if (fs.args().size() != 2) return ArgCountError(fs, "requires exactly 2 arguments");
  std::string old_name(Trim(fs.args()[0])), new_name(Trim(fs.args()[1]));
  if (old_name.empty() || new_name.empty()) return Fail("Error: Neither old nor new names may be empty");
  auto store = ctx.Store();
  if (!store.ok()) return Fail(store.error());
  Status st = container::RenameContainer(**store, old_name, new_name);
  if (!st.ok()) {
    std::fprintf(stderr, "Error: %s\n", st.error().message.c_str());
    return Fail("Error: failed to rename container named " + old_name);
  }
  return 0;
}

int CmdContainerPrune(Context& ctx, const std::vector<std::string>& args) {
  FlagSet fs(ctx.command_path(), "prune [OPTIONS]", "Remove all stopped containers");
  auto* filters = fs.Filter("filter", 0, "Provide filter values (e.g. 'until=<timestamp>')");
  bool* force = fs.Bool("force", 'f', false, "Do not prompt for confirmation");
  int exit = 0;
  if (!ParseFlags(fs, args, &exit)) return exit;
  if (!fs.args().empty()) return ArgCountError(fs, "accepts no arguments");
  if (!*force && !ConfirmPrune("WARNING! This will remove all stopped containers.\n")) return 0;
  auto store = ctx.Store();
  if (!store.ok()) return Fail(store.error());
  auto report = container::PruneContainers(**store, *filters, NowNanos());
  if (!report.ok()) return Fail(report.error());
  std::string out;
  if (!report->deleted.empty()) {
    out += "Deleted Containers:\n";
    for (const std::string& id : report->deleted) out += id + "\n";
    out += "\n";
  }
  out += "Total reclaimed space: " + HumanSizeWithPrecision(static_cast<double>(report->reclaimed), 4) + "\n";
  Print(out);
  ctx.CollectGarbage(false);
  return 0;
}

}  // namespace berth::cli
