// `berth history`: one row per layer, newest first.
#include "base/clock.h"
#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/output.h"
#include "format/docker_types.h"
#include "format/units.h"
#include "image/resolve.h"
#include "image/views.h"

namespace berth::cli {

namespace {

constexpr const char* kDefault =
    "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}";
// docker's default with -H=false: the CREATED AT column.
constexpr const char* kNonHuman =
    "table {{.ID}}\t{{.CreatedAt}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}";

std::string Rfc3339Seconds(int64_t ns) { return FormatUtc(ns, "%Y-%m-%dT%H:%M:%SZ"); }

}  // namespace

int CmdHistory(Context& ctx, const std::vector<std::string>& args) {
  FlagSet fs(ctx.command_path(), "history [OPTIONS] IMAGE", "Show the history of an image");
  fs.SetAliases({"berth image history", "berth history"});
  std::string* format = fs.String("format", 0, "", "Pretty-print images using a Go template");
  bool* human = fs.Bool("human", 'H', true, "Print sizes and dates in human readable format");
  bool* no_trunc = fs.Bool("no-trunc", 0, false, "Don't truncate output");
  bool* quiet = fs.Bool("quiet", 'q', false, "Only show image IDs");
  int exit = 0;
  if (!ParseFlags(fs, args, &exit)) return exit;
  if (fs.args().size() != 1) return ArgCountError(fs, "requires exactly 1 argument");
  auto store = ctx.Store();
  if (!store.ok()) return Fail(store.error());
  auto id = image::ResolveImage(**store, fs.args()[0]);
  if (!id.ok()) return Fail(id.error());
  auto hist = image::ImageHistory(**store, *id);
  if (!hist.ok()) return Fail(hist.error());

  int64_t now = NowNanos();
  std::vector<Json> rows;
  for (const auto& h : *hist) {
    std::string row_id = h.id;
    if (!*no_trunc && row_id != "<missing>") row_id = row_id.substr(7, 12);
    std::string created_by = h.created_by;
    for (char& c : created_by) {
      if (c == '\t') c = ' ';
    }
    if (!*no_trunc) created_by = Ellipsis(created_by, 45);
    std::string since = h.created == 0 ? "N/A"
                        : *human       ? TimeAgo(h.created, now)
                                       : Rfc3339Seconds(h.created);
    rows.push_back(Json{{"Comment", h.comment}, {"CreatedAt", Rfc3339Seconds(h.created)},
                        {"CreatedBy", created_by}, {"CreatedSince", since}, {"ID", row_id},
                        {"Size", *human ? HumanSize(static_cast<double>(h.size)) : std::to_string(h.size)}});
  }
  Json headers{{"Comment", "COMMENT"}, {"CreatedAt", "CREATED AT"}, {"CreatedBy", "CREATED BY"},
               {"CreatedSince", "CREATED"}, {"ID", "IMAGE"}, {"Size", "SIZE"}};
  auto out = RenderRows(*quiet ? "{{.ID}}" : *format, *human ? kDefault : kNonHuman, rows, headers,
                        {.row = HistoryRowType(), .header = HeaderType()});
  if (!out.ok()) return RowsFail(out.error());
  Print(*out);
  return 0;
}

}  // namespace berth::cli
