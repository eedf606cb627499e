// `berth system df [-v]`: docker's disk usage table. Images count each
// layer once however many images share it (docker's LayersSize); an image
// is active while a container uses it; what is reclaimable is what removing
// every unused image would free (docker's formula: the total minus the
// unique size of the images in use). Containers are their writable layers.
// berth keeps no named volumes and no BuildKit cache: those rows are 0.
#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "base/clock.h"
#include "base/strings.h"
#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/output.h"
#include "cli/ps_status.h"
#include "container/inspect.h"
#include "container/lifecycle.h"
#include "container/state.h"
#include "format/tabwriter.h"
#include "image/list.h"
#include "format/units.h"

namespace berth::cli {
namespace {

struct ImageUsage {
  image::ImageSummary summary;
  int64_t shared = 0;  // bytes of its layers other listed images use too
  int containers = 0;
};

struct ContainerUsage {
  container::Container c;
  container::State state;
  int64_t size = 0;
};

std::string Percent(int64_t part, int64_t total) {
  std::string s = HumanSize(static_cast<double>(part));
  if (total > 0) s += " (" + std::to_string(part * 100 / total) + "%)";
  return s;
}

// The images `images` lists (intermediate ones hidden, as docker's df),
// their shared sizes, and every layer's size counted once.
Result<std::vector<ImageUsage>> Images(store::Store& store, const std::vector<ContainerUsage>& cs,
                                       int64_t* layers_size) {
  std::vector<ImageUsage> out;
  std::map<std::string, int> users;       // chain id -> listed images using it
  std::map<std::string, int64_t> sizes;   // chain id -> its own size
  std::map<std::string, std::vector<std::string>> chains;  // image id -> its chain ids
  for (const store::ImageRecord& rec : TRY(store.metadata().ListImages())) {
    for (const store::LayerRecord& l : rec.layers) {
      chains[rec.id.str()].push_back(l.chain_id.str());
      if (sizes.count(l.chain_id.str())) continue;
      auto snap = TRY(store.snapshots().Get(l.chain_id));
      sizes[l.chain_id.str()] = snap ? snap->size : 0;
    }
  }
  *layers_size = 0;
  for (const auto& [k, v] : sizes) *layers_size += v;
  for (image::ImageSummary& s : TRY(image::ListImages(store, {}))) {
    for (const std::string& chain : chains[s.id.str()]) users[chain]++;
    out.push_back(ImageUsage{.summary = std::move(s)});
  }
  for (ImageUsage& u : out) {
    for (const std::string& chain : chains[u.summary.id.str()]) {
      if (users[chain] > 1) u.shared += sizes[chain];
    }
    for (const ContainerUsage& c : cs) u.containers += c.c.image_id == u.summary.id;
  }
  return out;
}

Result<std::vector<ContainerUsage>> Containers(store::Store& store) {
  std::vector<ContainerUsage> out;
  for (container::Container& c : TRY(container::ListContainers(store))) {
    auto d = container::ContainerDir::Of(store.root(), c.id);
    container::State s = TRY(container::CurrentState(d, c.id));
    int64_t size = container::ContainerSizeRw(store, c);
    out.push_back(ContainerUsage{.c = std::move(c), .state = std::move(s), .size = size});
  }
  return out;
}

void Summary(const std::vector<ImageUsage>& images, int64_t layers_size, const std::vector<ContainerUsage>& cs) {
  int active = 0;
  int64_t used = 0;
  for (const ImageUsage& i : images) {
    if (i.containers == 0) continue;
    ++active;
    used += i.summary.size - i.shared;
  }
  int running = 0;
  int64_t csize = 0, creclaim = 0;
  for (const ContainerUsage& c : cs) {
    running += c.state.Running();
    csize += c.size;
    if (!c.state.Running()) creclaim += c.size;
  }
  TabWriter t;
  t.Write("TYPE\tTOTAL\tACTIVE\tSIZE\tRECLAIMABLE\n");
  t.Write("Images\t" + std::to_string(images.size()) + "\t" + std::to_string(active) + "\t" +
          HumanSize(static_cast<double>(layers_size)) + "\t" + Percent(layers_size - used, layers_size) + "\n");
  t.Write("Containers\t" + std::to_string(cs.size()) + "\t" + std::to_string(running) + "\t" +
          HumanSize(static_cast<double>(csize)) + "\t" + Percent(creclaim, csize) + "\n");
  t.Write("Local Volumes\t0\t0\t0B\t0B\n");
  t.Write("Build Cache\t0\t0\t0B\t0B\n");
  Print(t.Flush());
}

// docker's `system df -v`: the images (first tag only), the containers,
// no volumes, no build cache.
void Verbose(const std::vector<ImageUsage>& images, const std::vector<ContainerUsage>& cs) {
  int64_t now = NowNanos();
  TabWriter t;
  t.Write("REPOSITORY\tTAG\tIMAGE ID\tCREATED\tSIZE\tSHARED SIZE\tUNIQUE SIZE\tCONTAINERS\n");
  for (const ImageUsage& i : images) {
    std::string repo = "<none>", tag = "<none>";
    if (!i.summary.repo_tags.empty() && !i.summary.dangling) {
      const std::string& rt = i.summary.repo_tags[0];
      size_t colon = rt.rfind(':');
      repo = rt.substr(0, colon);
      tag = rt.substr(colon + 1);
    }
    t.Write(repo + "\t" + tag + "\t" + i.summary.id.Short() + "\t" + TimeAgo(i.summary.created, now) + "\t" +
            HumanSize(static_cast<double>(i.summary.size)) + "\t" + HumanSize(static_cast<double>(i.shared)) +
            "\t" + HumanSize(static_cast<double>(i.summary.size - i.shared)) + "\t" +
            std::to_string(i.containers) + "\n");
  }
  Print("Images space usage:\n\n" + t.Flush());
  t.Write("CONTAINER ID\tIMAGE\tCOMMAND\tLOCAL VOLUMES\tSIZE\tCREATED\tSTATUS\tNAMES\n");
  for (const ContainerUsage& c : cs) {
    t.Write(c.c.id.substr(0, 12) + "\t" + c.c.image + "\t" + Quote(Ellipsis(c.c.Command(), 20)) + "\t0\t" +
            HumanSize(static_cast<double>(c.size)) + "\t" + TimeAgo(c.c.created, now) + "\t" +
            ContainerStatus(c.state, now) + "\t" + c.c.name + "\n");
  }
  Print("\nContainers space usage:\n\n" + t.Flush());
  t.Write("VOLUME NAME\tLINKS\tSIZE\n");
  Print("\nLocal Volumes space usage:\n\n" + t.Flush());
  Print("\nBuild cache usage: 0B\n\n");
  t.Write("CACHE ID\tCACHE TYPE\tSIZE\tCREATED\tLAST USED\tUSAGE\tSHARED\n");
  Print(t.Flush());
}

}  // namespace

int CmdSystemDf(Context& ctx, const std::vector<std::string>& args) {
  FlagSet fs(ctx.command_path(), "df [OPTIONS]", "Show berth disk usage");
  bool* verbose = fs.Bool("verbose", 'v', false, "Show detailed information on space usage");
  int exit = 0;
  if (!ParseFlags(fs, args, &exit)) return exit;
  if (!fs.args().empty()) return ArgCountError(fs, "accepts no arguments");
  auto store = ctx.Store();
  if (!store.ok()) return Fail(store.error());
  auto cs = Containers(**store);
  if (!cs.ok()) return Fail(cs.error());
  int64_t layers_size = 0;
  auto images = Images(**store, *cs, &layers_size);
  if (!images.ok()) return Fail(images.error());
  if (*verbose) {
    Verbose(*images, *cs);
  } else {
    Summary(*images, layers_size, *cs);
  }
  return 0;
}

}  // namespace berth::cli
