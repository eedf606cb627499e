// `berth system check|df|prune`: the store's own view of itself (df and
// prune in their own files).
#include <cstdio>

#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/output.h"
#include "format/units.h"

namespace berth::cli {

namespace {

int Check(Context& ctx, const std::vector<std::string>& args) {
  FlagSet fs(ctx.command_path(), "check [OPTIONS]",
             "Check every blob against its digest and every record against what the store holds");
  bool* quick = fs.Bool("quick", 0, false, "Check blob sizes only, without re-hashing their content");
  bool* repair = fs.Bool("repair", 0, false, "Remove what is damaged or incomplete and what depends on it");
  bool* force = fs.Bool("force", 'f', false, "Do not prompt for confirmation before repairing");
  int exit = 0;
  if (!ParseFlags(fs, args, &exit)) return exit;
  if (!fs.args().empty()) return ArgCountError(fs, "accepts no arguments");
  auto store = ctx.Store();
  if (!store.ok()) return Fail(store.error());
  auto report = (*store)->Check({.quick = *quick});
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
  if (!*repair || report->damage.empty()) {
    if (report->database_damaged) std::fprintf(stderr, "the database itself is damaged: --repair cannot mend it\n");
    Print(reclaimable + "\n");
    return 1;
  }
  if (!*force && !ConfirmPrune("WARNING! This will remove what is listed above as damaged or incomplete,\n"
                               "and every image and container that depends on it.\n",
                               /*zero_summary=*/false)) {
    return 1;
  }
  auto done = (*store)->Repair(*report);
  if (!done.ok()) return Fail(done.error());
  for (const std::string& line : *done) Print(line + "\n");
  return report->database_damaged ? 1 : 0;
}

}  // namespace

int CmdSystem(Context& ctx, const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    Print("\nUsage:  berth system COMMAND\n\nManage berth\n\nCommands:\n"
          "  check       Check the store's consistency\n"
          "  df          Show berth disk usage\n"
          "  prune       Remove unused data\n\n"
          "Run 'berth system COMMAND --help' for more information on a command.\n");
    return 0;
  }
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "check") {
    ctx.set_command_path("berth system check");
    return Check(ctx, rest);
  }
  if (args[0] == "df") {
    ctx.set_command_path("berth system df");
    return CmdSystemDf(ctx, rest);
  }
  if (args[0] == "prune") {
    ctx.set_command_path("berth system prune");
    return CmdSystemPrune(ctx, rest);
  }
  std::fprintf(stderr, "berth: 'system %s' is not a berth command.\nSee 'berth system --help'\n",
               args[0].c_str());
  return 1;
}

}  // namespace berth::cli
