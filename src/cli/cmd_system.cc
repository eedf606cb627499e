// `berth system check|df`: the store's own view of itself.
#include <cstdio>

#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/output.h"
#include "format/units.h"

namespace berth::cli {

namespace {

int Check(Context& ctx, const std::vector<std::string>& args) {
  FlagSet fs(ctx.command_path(), "check", "Check that every image's content is present and the database is sound");
  int exit = 0;
  if (!ParseFlags(fs, args, &exit)) return exit;
  if (!fs.args().empty()) return ArgCountError(fs, "accepts no arguments");
  auto store = ctx.Store();
  if (!store.ok()) return Fail(store.error());
  auto report = (*store)->Check();
  if (!report.ok()) return Fail(report.error());
  std::string reclaimable =
      HumanSizeWithPrecision(static_cast<double>(report->reclaimable_bytes), 4) + " reclaimable";
  if (report->reclaimable_bytes > 0) {
    reclaimable += " (freed by the next `berth image prune`, or by any command that deletes)";
  }
  if (report->problems.empty()) {
    Print("store is consistent; " + reclaimable + "\n");
    return 0;
  }
  std::fflush(stdout);
  for (const auto& p : report->problems) std::fprintf(stderr, "%s\n", p.c_str());
  Print(reclaimable + "\n");
  return 1;
}

}  // namespace

int CmdSystem(Context& ctx, const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    Print("\nUsage:  berth system COMMAND\n\nManage berth\n\nCommands:\n"
          "  check       Check the store's consistency\n\n"
          "Run 'berth system COMMAND --help' for more information on a command.\n");
    return 0;
  }
  if (args[0] == "check") {
    ctx.set_command_path("berth system check");
    return Check(ctx, std::vector<std::string>(args.begin() + 1, args.end()));
  }
  std::fprintf(stderr, "berth: 'system %s' is not a berth command.\nSee 'berth system --help'\n",
               args[0].c_str());
  return 1;
}

}  // namespace berth::cli
