// `berth import file|URL|- [REPOSITORY[:TAG]]`.
#include <fcntl.h>
#include <sys/stat.h>

#include <cstdio>
#include <memory>

#include "base/file.h"
#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/output.h"
#include "image/changes.h"
#include "image/import.h"
#include "image/resolve.h"
#include "net/http_reader.h"
#include "oci/platform.h"

namespace berth::cli {

int CmdImport(Context& ctx, const std::vector<std::string>& args) {
  FlagSet fs(ctx.command_path(), "import [OPTIONS] file|URL|- [REPOSITORY[:TAG]]",
             "Import the contents from a tarball to create a filesystem image");
  fs.SetAliases({"berth image import", "berth import"});
  auto* changes = fs.StringArray("change", 'c', "Apply Dockerfile instruction to the created image");
  std::string* message = fs.String("message", 'm', "", "Set commit message for imported image");
  std::string* platform = fs.String("platform", 0, "", "Set platform if server is multi-platform capable");
  int exit = 0;
  if (!ParseFlags(fs, args, &exit)) return exit;
  if (fs.args().empty() || fs.args().size() > 2) return ArgCountError(fs, "requires at least 1 and at most 2 arguments");

  // Checked in docker's order: the tag and the file (docker's client), then
  // the platform and the changes (its daemon), all before reading any input.
  image::ImportOptions opts{.changes = *changes, .message = *message};
  if (fs.args().size() == 2 && !fs.args()[1].empty()) {  // docker: '' imports untagged
    auto ref = image::ParseTagTarget(fs.args()[1]);
    if (!ref.ok()) return Fail(ref.error().message);
    opts.tag = *ref;
  }
  const std::string& src = fs.args()[0];
  std::unique_ptr<Reader> reader;
  if (src == "-") {
    reader = std::make_unique<FdReader>(UniqueFd(dup(0)));
  } else if (!net::IsUrl(src)) {
    auto f = OpenInputFile(src);
    if (!f.ok()) return Fail(f.error());
    reader = std::move(*f);
  }
  if (!platform->empty()) {
    auto p = ParsePlatform(*platform);
    if (!p.ok()) return Fail(p.error());
    // dockerd refuses an OS it cannot run (system.IsOSSupported).
    if (p->os != HostPlatform().os) return Fail(MakeError(Code::kInvalidArgument, "operating system is not supported"));
    opts.platform = *p;
  }
  ContainerConfig checked;  // refuse a bad -c before reading any input
  if (Status st = image::ApplyChanges(opts.changes, checked); !st.ok()) return Fail(st.error());
  auto store = ctx.Store();
  if (!store.ok()) return Fail(store.error());

  if (!reader) {  // a URL: streamed, the body goes straight into Import
    opts.source = src;
    auto http = net::OpenHttp(src);
    if (!http.ok()) return Fail(http.error());
    if (Status st = (*http)->Start(); !st.ok()) return Fail(st.error());
    reader = std::move(*http);
  }
  auto res = image::Import(**store, *reader, opts);
  if (!res.ok()) {
    int status = Fail(src == "-" ? res.error() : res.error().Wrap(src));
    ctx.CollectGarbage(true);  // what the failed import committed before failing
    return status;
  }
  Print(res->id.str() + "\n");
  ctx.CollectGarbage(false);
  return 0;
}

}  // namespace berth::cli
