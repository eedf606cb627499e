// `berth inspect`, `berth image inspect` and `berth container inspect`:
// Docker's JSON, or a template over it, run as docker's client runs it
// (typed first, raw JSON second). `inspect` tries a container first, then
// an image, as docker does.
// Unknown names print `[]`/what was found and fail with exit 1.
#include <cstdio>
#include <optional>

#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/output.h"
#include "container/inspect.h"
#include "container/lifecycle.h"
#include "format/docker_types.h"
#include "format/template.h"
#include "image/resolve.h"
#include "image/views.h"

namespace berth::cli {

namespace {

enum class Kind { kAny, kImage, kContainer };

// One object's document and Go type, or the stderr line for it.
struct Found {
  Result<Json> doc = Json();
  const GoType* type = nullptr;
};

// A container by name: nullopt when there is none (so an image may be tried).
std::optional<Found> FindContainerDoc(store::Store& store, const std::string& name, bool size) {
  auto c = container::FindContainer(store, name);
  if (!c.ok() && c.error().code == Code::kNotFound) return std::nullopt;
  if (!c.ok()) return Found{.doc = c.error()};
  auto s = container::CurrentState(container::ContainerDir::Of(store.root(), c->id), c->id);
  if (!s.ok()) return Found{.doc = s.error()};
  return Found{.doc = container::InspectContainer(store, *c, *s, size), .type = ContainerInspectType()};
}

// docker's inspect: a container first, then an image (per --type).
Found FindObject(store::Store& store, const std::string& name, Kind kind, bool size) {
  if (kind != Kind::kImage) {
    if (auto c = FindContainerDoc(store, name, size)) return std::move(*c);
    if (kind == Kind::kContainer) return Found{.doc = MakeError(Code::kNotFound, "No such container: " + name)};
  }
  auto id = image::ResolveImage(store, name);
  return Found{.doc = id.ok() ? image::InspectImage(store, *id) : Result<Json>(id.error()),
               .type = ImageInspectType()};
}

int Inspect(Context& ctx, const std::vector<std::string>& args, Kind only) {
  const char* usage = only == Kind::kImage       ? "inspect [OPTIONS] IMAGE [IMAGE...]"
                      : only == Kind::kContainer ? "inspect [OPTIONS] CONTAINER [CONTAINER...]"
                                                 : "inspect [OPTIONS] NAME|ID [NAME|ID...]";
  const char* summary = only == Kind::kImage       ? "Display detailed information on one or more images"
                        : only == Kind::kContainer ? "Display detailed information on one or more containers"
                                                   : "Return low-level information on objects";
  FlagSet fs(ctx.command_path(), usage, summary);
  std::string* format = fs.String("format", 'f', "", "Format the output using the given Go template");
  bool* size = fs.Bool("size", 's', false,
                       only == Kind::kContainer ? "Display total file sizes"
                                                : "Display total file sizes if the type is container");
  std::string* type = only != Kind::kAny ? nullptr : fs.String("type", 0, "", "Return JSON for specified type");
  int exit = 0;
  if (!ParseFlags(fs, args, &exit)) return exit;
  if (fs.args().empty()) return ArgCountError(fs, "requires at least 1 argument");
  Kind kind = only;
  if (type && *type == "image") kind = Kind::kImage;
  if (type && *type == "container") kind = Kind::kContainer;
  if (type && !type->empty() && *type != "image" && *type != "container") {
    if (*type == "network" || *type == "volume" || *type == "node" || *type == "plugin" ||
        *type == "secret" || *type == "service" || *type == "task" || *type == "config") {
      return Fail("Error: berth has no " + *type + " objects yet");
    }
    return Fail("\"" + *type + "\" is not a valid value for --type");
  }
  auto store = ctx.Store();
  if (!store.ok()) return Fail(store.error());

  const char* not_found = kind == Kind::kImage ? "No such image: " : "No such object: ";
  std::vector<Json> found;
  std::vector<std::string> errors;  // whole stderr lines, in argument order
  std::optional<Template> tmpl;
  if (!format->empty()) {
    // docker parses the template as given: no "\t" expansion, no table.
    auto t = Template::Parse(*format == "json" ? "{{json .}}" : *format);
    if (!t.ok()) return TemplateFail(MakeError(Code::kInvalidArgument, "template parsing error: " + t.error().message));
    tmpl = std::move(*t);
  }
  std::string out;
  for (const auto& name : fs.args()) {
    Found f = FindObject(**store, name, kind, *size);
    Result<Json>& j = f.doc;
    if (!j.ok()) {
      // A name that is no reference at all ("BB:1") names no object either;
      // docker's image inspect passes the daemon's wording on.
      const std::string& why = j.error().message;
      bool bad_ref = why.starts_with("invalid reference format");
      if (bad_ref && kind == Kind::kImage) {
        errors.push_back("Error: no such image: " + name + ": " + why);
      } else if (kind == Kind::kContainer || j.error().code != Code::kNotFound) {
        errors.push_back("Error: " + (bad_ref ? not_found + name : why));
      } else {
        errors.push_back(std::string("Error: ") + not_found + name);
      }
    } else if (!tmpl) {
      found.push_back(std::move(*j));
    } else {
      auto text = RenderInspect(*tmpl, *j, f.type);
      if (text.ok()) {
        out += *text + "\n";
      } else {
        errors.push_back(text.error().message);
      }
    }
  }
  if (!tmpl) {
    Json arr = Json::array();
    for (auto& f : found) arr.push_back(std::move(f));
    out = DumpJson(arr, 4) + "\n";  // Go's escaping of <, >, &, as docker prints
  } else if (out.empty()) {
    out = "\n";  // docker's inspector flushes an empty line when nothing was printed
  }
  Print(out);
  std::fflush(stdout);
  for (const auto& e : errors) std::fprintf(stderr, "%s\n", e.c_str());
  return errors.empty() ? 0 : 1;
}

}  // namespace

int CmdInspect(Context& ctx, const std::vector<std::string>& args) { return Inspect(ctx, args, Kind::kAny); }
int CmdImageInspect(Context& ctx, const std::vector<std::string>& args) {
  return Inspect(ctx, args, Kind::kImage);
}
int CmdContainerInspect(Context& ctx, const std::vector<std::string>& args) {
  return Inspect(ctx, args, Kind::kContainer);
}

}  // namespace berth::cli
