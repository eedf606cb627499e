// `berth inspect` and `berth image inspect`: Docker's JSON, or a template
// over it, run as docker's client runs it (typed first, raw JSON second).
// Unknown names print `[]`/what was found and fail with exit 1.
#include <cstdio>
#include <optional>

#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/output.h"
#include "format/docker_types.h"
#include "format/template.h"
#include "image/resolve.h"
#include "image/views.h"

namespace berth::cli {

namespace {

int Inspect(Context& ctx, const std::vector<std::string>& args, bool images_only) {
  FlagSet fs(ctx.command_path(),
             images_only ? "inspect [OPTIONS] IMAGE [IMAGE...]" : "inspect [OPTIONS] NAME|ID [NAME|ID...]",
             images_only ? "Display detailed information on one or more images"
                         : "Return low-level information on objects");
  std::string* format = fs.String("format", 'f', "", "Format the output using the given Go template");
  fs.Bool("size", 's', false, "Display total file sizes if the type is container");
  std::string* type = images_only ? nullptr : fs.String("type", 0, "", "Return JSON for specified type");
  int exit = 0;
  if (!ParseFlags(fs, args, &exit)) return exit;
  if (fs.args().empty()) return ArgCountError(fs, "requires at least 1 argument");
  if (type && !type->empty() && *type != "image") {
    if (*type == "container" || *type == "network" || *type == "volume" || *type == "node" ||
        *type == "plugin" || *type == "secret" || *type == "service" || *type == "task" ||
        *type == "config") {
      return Fail("Error: berth has no " + *type + " objects yet");
    }
    return Fail("\"" + *type + "\" is not a valid value for --type");
  }
  auto store = ctx.Store();
  if (!store.ok()) return Fail(store.error());

  const char* not_found = images_only || (type && *type == "image") ? "No such image: " : "No such object: ";
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
    auto id = image::ResolveImage(**store, name);
    Result<Json> j = id.ok() ? image::InspectImage(**store, *id) : Result<Json>(id.error());
    if (!j.ok()) {
      // A name that is no reference at all ("BB:1") names no object either;
      // docker's image inspect passes the daemon's wording on.
      const std::string& why = j.error().message;
      bool bad_ref = why.starts_with("invalid reference format");
      if (bad_ref && (images_only || (type && *type == "image"))) {
        errors.push_back("Error: no such image: " + name + ": " + why);
      } else {
        errors.push_back("Error: " + (j.error().code == Code::kNotFound || bad_ref ? not_found + name : why));
      }
    } else if (!tmpl) {
      found.push_back(std::move(*j));
    } else {
      auto text = RenderInspect(*tmpl, *j, ImageInspectType());
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

int CmdInspect(Context& ctx, const std::vector<std::string>& args) { return Inspect(ctx, args, false); }
int CmdImageInspect(Context& ctx, const std::vector<std::string>& args) { return Inspect(ctx, args, true); }

}  // namespace berth::cli
