// `berth images` / `berth image ls`: Docker's image table.
#include <map>

#include "base/clock.h"
#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/output.h"
#include "format/docker_types.h"
#include "format/units.h"
#include "image/list.h"

namespace berth::cli {

namespace {

constexpr const char* kDefault = "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}";
constexpr const char* kDigests =
    "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}";

// Go's time.Time.String() for a UTC instant: "2023-11-14 22:13:20 +0000 UTC".
std::string GoTimeString(int64_t ns) { return FormatUtc(ns, "%Y-%m-%d %H:%M:%S +0000 UTC"); }

struct RowKey {
  std::string repo, tag, digest;
};

// docker/cli's imageFormatTaggedAndDigest, with repositories in sorted order.
std::vector<RowKey> RowsOf(const image::ImageSummary& s, bool show_digests) {
  if (s.dangling) return {{"<none>", "<none>", "<none>"}};
  std::map<std::string, std::vector<std::string>> tags, digests;
  for (const auto& t : s.repo_tags) {
    size_t colon = t.rfind(':');
    tags[t.substr(0, colon)].push_back(t.substr(colon + 1));
  }
  for (const auto& d : s.repo_digests) {
    size_t at = d.find('@');
    digests[d.substr(0, at)].push_back(d.substr(at + 1));
  }
  std::vector<RowKey> rows;
  for (const auto& [repo, ts] : tags) {
    std::vector<std::string> ds = show_digests ? digests[repo] : std::vector<std::string>{};
    digests.erase(repo);
    for (const auto& tag : ts) {
      if (ds.empty()) rows.push_back({repo, tag, "<none>"});
      for (const auto& d : ds) rows.push_back({repo, tag, d});
    }
  }
  for (const auto& [repo, ds] : digests) {
    if (!show_digests) {
      rows.push_back({repo, "<none>", "<none>"});
      continue;
    }
    for (const auto& d : ds) rows.push_back({repo, "<none>", d});
  }
  return rows;
}

Json Headers() {
  return Json{{"Containers", "CONTAINERS"}, {"CreatedAt", "CREATED AT"}, {"CreatedSince", "CREATED"},
              {"Digest", "DIGEST"},         {"ID", "IMAGE ID"},          {"Repository", "REPOSITORY"},
              {"SharedSize", "SHARED SIZE"}, {"Size", "SIZE"},           {"Tag", "TAG"},
              {"UniqueSize", "UNIQUE SIZE"}, {"VirtualSize", "SIZE"}};
}

}  // namespace

int CmdImages(Context& ctx, const std::vector<std::string>& args) {
  FlagSet fs(ctx.command_path(), "images [OPTIONS] [REPOSITORY[:TAG]]", "List images");
  fs.SetAliases({"berth image ls", "berth image list", "berth images"});
  bool* all = fs.Bool("all", 'a', false, "Show all images (default hides intermediate images)");
  bool* digests = fs.Bool("digests", 0, false, "Show digests");
  auto* filters = fs.Filter("filter", 'f', "Filter output based on conditions provided");
  std::string* format = fs.String("format", 0, "", "Pretty-print images using a Go template");
  bool* no_trunc = fs.Bool("no-trunc", 0, false, "Don't truncate output");
  bool* quiet = fs.Bool("quiet", 'q', false, "Only show image IDs");
  int exit = 0;
  if (!ParseFlags(fs, args, &exit)) return exit;
  if (fs.args().size() > 1) return ArgCountError(fs, "requires at most 1 argument");

  auto store = ctx.Store();
  if (!store.ok()) return Fail(store.error());
  image::ListOptions opts{.all = *all, .filters = *filters};
  if (!fs.args().empty()) opts.filters.push_back("reference=" + fs.args()[0]);
  auto images = image::ListImages(**store, opts);
  if (!images.ok()) return Fail(images.error());

  int64_t now = NowNanos();
  std::vector<Json> rows;
  for (const auto& s : *images) {
    std::string id = *no_trunc ? s.id.str() : s.id.Short();
    // docker's imageContext: Size with 3 significant digits, VirtualSize
    // with units.HumanSize's 4 ("1.98MB" and "1.982MB").
    std::string size = HumanSize(static_cast<double>(s.size));
    std::string virtual_size = HumanSizeWithPrecision(static_cast<double>(s.size), 4);
    std::string created_at = GoTimeString(s.created), since = TimeAgo(s.created, now);
    for (const auto& k : RowsOf(s, *digests || (format->find("{{.Digest}}") != std::string::npos))) {
      rows.push_back(Json{{"Containers", "N/A"}, {"CreatedAt", created_at},
                          {"CreatedSince", since}, {"Digest", k.digest},
                          {"ID", id}, {"Repository", k.repo}, {"SharedSize", "N/A"},
                          {"Size", size}, {"Tag", k.tag}, {"UniqueSize", "N/A"},
                          {"VirtualSize", virtual_size}});
    }
  }
  std::string fmt = *quiet ? "{{.ID}}" : *format;
  auto out = RenderRows(fmt, *digests ? kDigests : kDefault, rows, Headers(),
                        {.row = ImageRowType(), .header = HeaderType()});
  if (!out.ok()) return RowsFail(out.error());
  Print(*out);
  return 0;
}

}  // namespace berth::cli
