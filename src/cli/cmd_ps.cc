// `berth ps`: docker's container listing. The state of each container is
// read through CurrentState, so a container whose monitor died shows as
// exited, never "Up" forever.
#include <cstdio>
#include <functional>

#include "base/clock.h"
#include "base/file.h"
#include "base/strings.h"
#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/ps_status.h"
#include "cli/output.h"
#include "container/lifecycle.h"
#include "container/network.h"
#include "format/docker_types.h"
#include "format/template.h"
#include "format/units.h"

namespace berth::cli {
namespace {

using container::Container;
using container::State;

const char kDefault[] =
    "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}";
// docker/cli's containerRawFormat.
const char kRaw[] =
    "container_id: {{.ID}}\nimage: {{.Image}}\ncommand: {{.Command}}\ncreated_at: {{.CreatedAt}}\n"
    "state: {{- pad .State 1 0}}\nstatus: {{- pad .Status 1 0}}\nnames: {{.Names}}\n"
    "labels: {{- pad .Labels 1 0}}\nports: {{- pad .Ports 1 0}}\n";

Json Headers() {
  return Json{{"Command", "COMMAND"}, {"CreatedAt", "CREATED AT"}, {"ID", "CONTAINER ID"},
              {"Image", "IMAGE"},     {"Labels", "LABELS"},        {"LocalVolumes", "LOCAL VOLUMES"},
              {"Mounts", "MOUNTS"},   {"Names", "NAMES"},          {"Networks", "NETWORKS"},
              {"Ports", "PORTS"},     {"RunningFor", "CREATED"},   {"Size", "SIZE"},
              {"State", "STATE"},     {"Status", "STATUS"}};
}

}  // namespace

std::string ContainerStatus(const State& s, int64_t now) {
  if (s.status == "running") return "Up " + HumanDuration(now - s.started_at);
  if (s.status == "paused") return "Up " + HumanDuration(now - s.started_at) + " (Paused)";
  if (s.status == "exited") {
    if (s.finished_at == 0) return "";
    return "Exited (" + std::to_string(s.exit_code) + ") " + TimeAgo(s.finished_at, now);
  }
  if (s.status == "dead") return "Dead";
  return "Created";
}

namespace {

struct Filters {
  std::vector<std::string> status, name, id, label, exited, ancestor;
};

Result<Filters> ParseFilters(const std::vector<std::string>& given) {
  Filters f;
  for (const std::string& g : given) {
    auto kv = Cut(g, '=');
    const std::string& k = kv->first;
    if (k == "status") {
      static const char* kValid[] = {"created", "restarting", "running", "removing", "paused", "exited", "dead"};
      bool ok = false;
      for (const char* v : kValid) ok = ok || kv->second == v;
      if (!ok) return MakeError(Code::kInvalidArgument, "Invalid filter 'status=" + kv->second + "'");
      f.status.push_back(kv->second);
    } else if (k == "name") {
      f.name.push_back(kv->second);
    } else if (k == "id") {
      f.id.push_back(kv->second);
    } else if (k == "label") {
      f.label.push_back(kv->second);
    } else if (k == "exited") {
      f.exited.push_back(kv->second);
    } else if (k == "ancestor") {
      f.ancestor.push_back(kv->second);
    } else {
      return MakeError(Code::kInvalidArgument, "Invalid filter '" + k + "'");
    }
  }
  return f;
}

bool AnyOf(const std::vector<std::string>& want, const std::function<bool(const std::string&)>& pred) {
  if (want.empty()) return true;
  for (const std::string& w : want) {
    if (pred(w)) return true;
  }
  return false;
}

bool Matches(const Filters& f, const Container& c, const State& s) {
  return AnyOf(f.status, [&](const std::string& v) { return v == s.status; }) &&
         AnyOf(f.name, [&](const std::string& v) { return c.name.find(v) != std::string::npos; }) &&
         AnyOf(f.id, [&](const std::string& v) { return c.id.starts_with(v); }) &&
         AnyOf(f.exited, [&](const std::string& v) {
           return s.status == "exited" && std::to_string(s.exit_code) == v;
         }) &&
         AnyOf(f.ancestor, [&](const std::string& v) {
           return c.image == v || c.image_id.str() == v || c.image_id.hex().starts_with(v);
         }) &&
         AnyOf(f.label, [&](const std::string& v) {
           auto kv = Cut(v, '=');
           auto it = c.config.labels.find(kv ? kv->first : v);
           return it != c.config.labels.end() && (!kv || it->second == kv->second);
         });
}

// docker's PORTS: "0.0.0.0:8080->80/tcp, ..." (published ports only).
// docker's MOUNTS: each mount's volume name, or its source for a bind,
// cut to 15 characters unless --no-trunc.
std::string MountsText(const Container& c, bool trunc) {
  std::vector<std::string> names;
  for (const std::string& b : c.host.binds) {
    std::string source = Split(b, ':')[0];
    names.push_back(trunc ? Ellipsis(source, 15) : source);
  }
  return Join(names, ",");
}

std::string PortsText(const Container& c) {
  std::vector<std::string> parts;
  for (const std::string& p : c.host.ports) {
    auto m = container::ParsePortMapping(p);
    if (!m.ok()) continue;
    parts.push_back((m->host_ip.empty() ? "0.0.0.0" : m->host_ip) + ":" + std::to_string(m->host_port) +
                    "->" + std::to_string(m->container_port) + "/" + m->protocol);
  }
  return Join(parts, ", ");
}

std::string LabelsText(const Container& c) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : c.config.labels) parts.push_back(k + "=" + v);
  return Join(parts, ",");
}

// docker/cli's NewContainerFormat: -q and --size shape only the "table" and
// "raw" formats (and the default); a template of the user's is used as is.
std::string RowFormat(const std::string& format, bool quiet, bool size) {
  if (format.empty() || format == "table") {
    if (quiet) return "{{.ID}}";
    return std::string(kDefault) + (size ? "\t{{.Size}}" : "");
  }
  if (format == "raw") {
    if (quiet) return "container_id: {{.ID}}";
    return std::string(kRaw) + (size ? "size: {{.Size}}\n" : "");
  }
  return format;
}

// docker ps runs a user's template once on an empty row before listing (to
// learn whether it uses .Size): its errors come first, worded as there, and
// exit 1.
Status PreExecute(const std::string& format) {
  auto t = Template::Parse(format);
  if (!t.ok()) return MakeError(Code::kInvalidArgument, "failed to parse template: " + t.error().message);
  Json empty = Json::object();
  auto r = t->Execute(empty, {.missing_key_error = false, .type = ContainerRowType()});
  if (!r.ok()) return MakeError(Code::kInvalidArgument, "failed to execute template: " + r.error().message);
  return Ok();
}

}  // namespace

int CmdPs(Context& ctx, const std::vector<std::string>& args) {
  FlagSet fs(ctx.command_path(), "ps [OPTIONS]", "List containers");
  fs.SetAliases({"berth container ls", "berth container list", "berth container ps", "berth ps"});
  bool* all = fs.Bool("all", 'a', false, "Show all containers (default shows just running)");
  auto* filters = fs.Filter("filter", 'f', "Filter output based on conditions provided");
  std::string* format = fs.String("format", 0, "", "Pretty-print containers using a Go template");
  int64_t* last = fs.Int("last", 'n', -1, "Show n last created containers (includes all states)");
  bool* latest = fs.Bool("latest", 'l', false, "Show the latest created container (includes all states)");
  bool* no_trunc = fs.Bool("no-trunc", 0, false, "Don't truncate output");
  bool* quiet = fs.Bool("quiet", 'q', false, "Only display container IDs");
  bool* size = fs.Bool("size", 's', false, "Display total file sizes");
  int exit = 0;
  if (!ParseFlags(fs, args, &exit)) return exit;
  if (!fs.args().empty()) return ArgCountError(fs, "accepts no arguments");
  if (!format->empty()) {
    Status pre = PreExecute(*format);
    if (!pre.ok()) return RowsFail(pre.error());
    // docker's FieldsUsed["Size"]: the template asks for sizes, by name or
    // through `json .` (its MarshalJSON calls every method, Size too).
    if (format->find(".Size") != std::string::npos || format->find("json .") != std::string::npos ||
        *format == "json") {
      *size = true;
    }
  }
  auto f = ParseFilters(*filters);
  if (!f.ok()) return Fail(f.error());
  auto store = ctx.Store();
  if (!store.ok()) return Fail(store.error());
  auto list = container::ListContainers(**store);
  if (!list.ok()) return Fail(list.error());
  int64_t limit = *latest ? 1 : *last;
  bool show_all = *all || limit > 0 || !f->status.empty() || !f->exited.empty();
  int64_t now = NowNanos();
  std::vector<Json> rows;
  for (const Container& c : *list) {
    if (limit >= 0 && static_cast<int64_t>(rows.size()) >= limit) break;
    container::ContainerDir d = container::ContainerDir::Of((*store)->root(), c.id);
    auto s = container::CurrentState(d, c.id);
    if (!s.ok()) return Fail(s.error());
    if (!show_all && !s->Running()) continue;
    if (!Matches(*f, c, *s)) continue;
    std::string command = c.Command();
    if (!*no_trunc) command = Ellipsis(command, 20);
    std::string size_text;
    if (*size) {
      uint64_t rw = DiskUsage(d.upper()).value_or(0);
      size_text = HumanSize(static_cast<double>(rw)) + " (virtual " +
                  HumanSize(static_cast<double>(rw)) + ")";
      if (auto img = (*store)->metadata().GetImage(c.image_id); img.ok() && *img) {
        size_text = HumanSize(static_cast<double>(rw)) + " (virtual " +
                    HumanSize(static_cast<double>(rw + static_cast<uint64_t>((*img)->size))) + ")";
      }
    }
    rows.push_back(Json{{"Command", Quote(command)},
                        {"CreatedAt", FormatUtc(c.created, "%Y-%m-%d %H:%M:%S +0000 UTC")},
                        {"ID", *no_trunc ? c.id : c.id.substr(0, 12)},
                        {"Image", c.image},
                        {"Labels", LabelsText(c)},
                        {"LocalVolumes", "0"},
                        {"Mounts", MountsText(c, !*no_trunc)},
                        {"Names", c.name},
                        {"Networks", c.host.network_mode},
                        {"Ports", PortsText(c)},
                        {"RunningFor", TimeAgo(c.created, now)},
                        {"Size", size_text},
                        {"State", s->status},
                        {"Status", ContainerStatus(*s, now)},
                        {kContainerRowLabels, c.config.labels}});
  }
  std::string fmt = RowFormat(*format, *quiet, *size);
  auto out = RenderRows(fmt, fmt, rows, Headers(), {.row = ContainerRowType(), .header = HeaderType()});
  if (!out.ok()) return RowsFail(out.error());
  Print(*out);
  return 0;
}

}  // namespace berth::cli
