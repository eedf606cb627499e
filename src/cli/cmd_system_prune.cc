// `berth system prune [-a] [-f] [--filter] [--volumes]`: docker's prompt,
// then container prune and image prune with the same filters, one summary.
// berth has no networks, volumes or BuildKit cache of its own, so their
// lines in the prompt remove nothing (docker's prompt is kept as is).
#include <cstdio>

#include "base/clock.h"
#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/output.h"
#include "container/prune.h"
#include "format/units.h"
#include "image/remove.h"

namespace berth::cli {
namespace {

std::string Warning(bool all, bool volumes) {
  std::string w = "WARNING! This will remove:\n  - all stopped containers\n"
                  "  - all networks not used by at least one container\n";
  if (volumes) w += "  - all volumes not used by at least one container\n";
  w += all ? "  - all images without at least one container associated to them\n  - all build cache\n"
           : "  - all dangling images\n  - all dangling build cache\n";
  return w;
}

}  // namespace

int CmdSystemPrune(Context& ctx, const std::vector<std::string>& args) {
  FlagSet fs(ctx.command_path(), "prune [OPTIONS]", "Remove unused data");
  bool* all = fs.Bool("all", 'a', false, "Remove all unused images not just dangling ones");
  auto* filters = fs.Filter("filter", 0, "Provide filter values (e.g. 'label=<key>=<value>')");
  bool* force = fs.Bool("force", 'f', false, "Do not prompt for confirmation");
  bool* volumes = fs.Bool("volumes", 0, false, "Prune volumes");
  int exit = 0;
  if (!ParseFlags(fs, args, &exit)) return exit;
  if (!fs.args().empty()) return ArgCountError(fs, "accepts no arguments");
  if (!*force && !ConfirmPrune(Warning(*all, *volumes) + "\n", /*zero_summary=*/false)) return 0;
  auto store = ctx.Store();
  if (!store.ok()) return Fail(store.error());
  auto containers = container::PruneContainers(**store, *filters, NowNanos());
  if (!containers.ok()) return Fail(containers.error());
  std::string out;
  if (!containers->deleted.empty()) {
    out += "Deleted Containers:\n";
    for (const std::string& id : containers->deleted) out += id + "\n";
    out += "\n";
  }
  auto marker = (*store)->NewLease("system prune");  // as in image prune
  if (!marker.ok()) return Fail(marker.error());
  auto images = image::PruneImages(**store, {.all = *all, .filters = *filters});
  if (!images.ok()) {
    Print(out);
    return Fail(images.error());
  }
  if (!images->items.empty()) {
    out += "Deleted Images:\n";
    for (const auto& it : images->items) {
      out += it.untagged.empty() ? "deleted: " + it.deleted + "\n" : "untagged: " + it.untagged + "\n";
    }
    out += "\n";
  }
  int64_t leftovers = ctx.CollectGarbage(true);
  int64_t total = containers->reclaimed + images->reclaimed + leftovers;
  out += "Total reclaimed space: " + HumanSizeWithPrecision(static_cast<double>(total), 4) + "\n";
  Print(out);
  return 0;
}

}  // namespace berth::cli
