// `berth rmi` / `berth image rm` and `berth image prune`.
#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "container/state.h"
#include "cli/flags.h"
#include "cli/output.h"
#include "format/units.h"
#include "image/remove.h"

namespace berth::cli {

int CmdRmi(Context& ctx, const std::vector<std::string>& args) {
  FlagSet fs(ctx.command_path(), "rmi [OPTIONS] IMAGE [IMAGE...]", "Remove one or more images");
  fs.SetAliases({"berth image rm", "berth image remove", "berth rmi"});
  bool* force = fs.Bool("force", 'f', false, "Force removal of the image");
  bool* no_prune = fs.Bool("no-prune", 0, false, "Do not delete untagged parents");
  int exit = 0;
  if (!ParseFlags(fs, args, &exit)) return exit;
  if (fs.args().empty()) return ArgCountError(fs, "requires at least 1 argument");
  auto store = ctx.Store();
  if (!store.ok()) return Fail(store.error());
  // Marks the deletion as in progress: if this process dies before its GC
  // has run, the next berth command finds the dead lease and collects.
  auto marker = (*store)->NewLease("rmi");
  if (!marker.ok()) return Fail(marker.error());
  int status = 0;
  bool deleted_any = false;
  for (const auto& name : fs.args()) {
    std::string root = (*store)->root();
    auto running = [root](const std::string& id) {
      auto s = container::CurrentState(container::ContainerDir::Of(root, id), id);
      return s.ok() && s->Running();
    };
    auto items = image::RemoveImage(**store, name,
                                    {.force = *force, .prune = !*no_prune, .is_running = running});
    if (!items.ok()) {
      Fail(items.error());
      status = 1;
      continue;
    }
    std::string out;
    for (const auto& it : *items) {
      out += it.untagged.empty() ? "Deleted: " + it.deleted + "\n" : "Untagged: " + it.untagged + "\n";
      deleted_any = deleted_any || !it.deleted.empty();
    }
    Print(out);
  }
  ctx.CollectGarbage(deleted_any);
  return status;
}

int CmdPrune(Context& ctx, const std::vector<std::string>& args) {
  FlagSet fs(ctx.command_path(), "prune [OPTIONS]", "Remove unused images");
  bool* all = fs.Bool("all", 'a', false, "Remove all unused images, not just dangling ones");
  auto* filters = fs.Filter("filter", 0, "Provide filter values (e.g. 'until=<timestamp>')");
  bool* force = fs.Bool("force", 'f', false, "Do not prompt for confirmation");
  int exit = 0;
  if (!ParseFlags(fs, args, &exit)) return exit;
  if (!fs.args().empty()) return ArgCountError(fs, "accepts no arguments");
  if (!*force &&
      !ConfirmPrune(*all ? "WARNING! This will remove all images without at least one container associated to them.\n"
                         : "WARNING! This will remove all dangling images.\n")) {
    return 0;
  }
  auto store = ctx.Store();
  if (!store.ok()) return Fail(store.error());
  auto marker = (*store)->NewLease("image prune");  // as in rmi
  if (!marker.ok()) return Fail(marker.error());
  auto report = image::PruneImages(**store, {.all = *all, .filters = *filters});
  if (!report.ok()) return Fail(report.error());
  std::string out;
  if (!report->items.empty()) {
    out += "Deleted Images:\n";
    for (const auto& it : report->items) {
      out += it.untagged.empty() ? "deleted: " + it.deleted + "\n" : "untagged: " + it.untagged + "\n";
    }
    out += "\n";
  }
  // Docker counts the deleted images' layers; berth adds what interrupted
  // commands had left behind, which this prune frees too.
  int64_t leftovers = ctx.CollectGarbage(true);
  out += "Total reclaimed space: " +
         HumanSizeWithPrecision(static_cast<double>(report->reclaimed + leftovers), 4) + "\n";
  Print(out);
  return 0;
}

}  // namespace berth::cli
