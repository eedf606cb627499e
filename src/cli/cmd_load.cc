// `berth load [-i FILE] [-q] [--platform P]`: restores the images of an archive from a file
// or stdin, printing Docker's "Loaded image" lines (and, on a terminal without
// -q, a status line while it works).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "base/file.h"
#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/output.h"
#include "image/load.h"
#include "oci/platform.h"

namespace berth::cli {

int CmdLoad(Context& ctx, const std::vector<std::string>& args) {
  FlagSet fs(ctx.command_path(), "load [OPTIONS]", "Load an image from a tar archive or STDIN");
  fs.SetAliases({"berth image load", "berth load"});
  std::string* input = fs.String("input", 'i', "", "Read from tar archive file, instead of STDIN");
  bool* quiet = fs.Bool("quiet", 'q', false, "Suppress the load output");
  std::string* platform = fs.String("platform", 0, "",
                                    "Load only the given platform variant. Formatted as os[/arch[/variant]] "
                                    "(e.g., linux/amd64)");
  int exit = 0;
  if (!ParseFlags(fs, args, &exit)) return exit;
  if (!fs.args().empty()) return ArgCountError(fs, "accepts no arguments");

  image::LoadOptions opts{.from_stdin = input->empty()};
  if (!platform->empty()) {
    auto p = ParsePlatform(*platform);
    if (!p.ok()) return Fail(p.error());
    opts.platform = NormalizePlatform(*p);
  }
  std::unique_ptr<Reader> reader;
  if (opts.from_stdin) {
    if (::isatty(0)) return Fail("Error: requested load from stdin, but stdin is empty");
    reader = std::make_unique<FdReader>(UniqueFd(dup(0)));
  } else {
    auto f = OpenInputFile(*input);
    if (!f.ok()) return Fail(f.error());
    reader = std::move(*f);
  }
  bool show = !*quiet && ::isatty(2);
  if (show) {  // on a terminal, one status line rewritten in place (Docker shows none: moby#29993)
    opts.progress = [](const std::string& line) { std::fprintf(stderr, "\r\033[K%s", line.c_str()); };
  }
  auto clear = [&] {
    if (show) std::fprintf(stderr, "\r\033[K");
  };
  auto store = ctx.Store();
  if (!store.ok()) return Fail(store.error());
  auto res = image::Load(**store, *reader, opts);
  clear();
  if (!res.ok()) {
    int status = Fail(res.error());
    ctx.CollectGarbage(true);  // what the failed load committed before failing
    return status;
  }
  for (const auto& img : *res) {
    if (img.tags.empty()) Print("Loaded image ID: " + img.id.str() + "\n");
    for (size_t i = 0; i < img.tags.size(); ++i) {
      const std::string name = img.tags[i].FamiliarString();
      if (i < img.replaced.size() && img.replaced[i]) {
        Print("The image " + name + " already exists, renaming the old one with ID " + img.replaced[i]->str() +
              " to empty string\n");
      }
      Print("Loaded image: " + name + "\n");
    }
  }
  // An archive carries blobs no image row refers to (an OCI manifest of an
  // image that had none, legacy json files): collect them now.
  ctx.CollectGarbage(true);
  return 0;
}

}  // namespace berth::cli
