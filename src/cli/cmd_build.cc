// `berth build`: docker's classic builder's flags and output. berth reads
// the context where it lies, so docker's "Sending build context to Docker
// daemon" becomes an honest "Reading build context" with the same size.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>

#include "base/file.h"
#include "base/strings.h"
#include "build/builder.h"
#include "build/context.h"
#include "cli/commands.h"
#include "cli/flags.h"
#include "format/units.h"
#include "image/resolve.h"

namespace berth::cli {
namespace {

std::string ReadAll(FILE* f) {
  std::string out;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  return out;
}

}  // namespace

int CmdBuild(Context& ctx, const std::vector<std::string>& args) {
  FlagSet fs(ctx.command_path(), "build [OPTIONS] PATH | URL | -", "Build an image from a Dockerfile");
  fs.SetAliases({"berth image build", "berth build"});
  auto* tags = fs.StringArray("tag", 't', "Name and optionally a tag in the 'name:tag' format");
  std::string* file = fs.String("file", 'f', "", "Name of the Dockerfile (Default is 'PATH/Dockerfile')");
  auto* build_args = fs.StringArray("build-arg", 0, "Set build-time variables");
  bool* no_cache = fs.Bool("no-cache", 0, false, "Do not use cache when building the image");
  bool* quiet = fs.Bool("quiet", 'q', false, "Suppress the build output and print image ID on success");
  std::string* iidfile = fs.String("iidfile", 0, "", "Write the image ID to the file");
  auto* labels = fs.StringArray("label", 0, "Set metadata for an image");
  std::string* network = fs.String("network", 0, "none", "Networking mode for the RUN instructions (none, host or bridge)");
  bool* rm = fs.Bool("rm", 0, true, "Remove intermediate containers after a successful build");
  bool* force_rm = fs.Bool("force-rm", 0, false, "Always remove intermediate containers");
  bool* pull = fs.Bool("pull", 0, false, "Always attempt to pull a newer version of the image");
  std::string* target = fs.String("target", 0, "", "Set the target build stage to build.");
  auto* cache_from = fs.StringArray("cache-from", 0, "Images to consider as cache sources");
  int exit = 0;
  if (!ParseFlags(fs, args, &exit)) return exit;
  if (fs.args().size() != 1) return ArgCountError(fs, "requires exactly 1 argument");
  const std::string& path = fs.args()[0];
  if (path == "-" || path.find("://") != std::string::npos || path.starts_with("git@")) {
    return Fail("Error: berth builds from a context directory only (not from stdin or a URL) yet");
  }
  std::vector<Reference> refs;
  for (const std::string& t : *tags) {
    auto r = image::ParseTagTarget(t);
    if (!r.ok()) return Fail("invalid argument \"" + t + "\" for \"-t, --tag\" flag: " + r.error().message + "\nSee 'berth build --help'.");
    refs.push_back(*r);
  }
  char cwd[4096];
  std::string dir = path.starts_with("/") ? path : std::string(::getcwd(cwd, sizeof cwd) ? cwd : ".") + "/" + path;
  if (!PathExists(dir)) return Fail("unable to prepare context: path \"" + path + "\" not found");
  std::string dockerfile;
  if (*file == "-") {
    dockerfile = ReadAll(stdin);
  } else {
    std::string f = file->empty() ? JoinPath(dir, "Dockerfile") : *file;
    if (!file->empty() && !PathExists(f)) f = JoinPath(dir, *file);
    auto text = ReadFile(f);
    if (!text.ok()) {
      return Fail("unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat " + f +
                  ": no such file or directory");
    }
    dockerfile = *text;
  }
  auto context = build::Context::Open(dir);
  if (!context.ok()) return Fail(context.error());
  if (!*quiet) {
    std::printf("Reading build context  %s\n",
                HumanSizeWithPrecision(static_cast<double>(context->Size().value_or(0)), 4).c_str());
  }
  auto store = ctx.Store();
  if (!store.ok()) return Fail(store.error());
  build::BuildOptions o{.context_dir = dir, .dockerfile = dockerfile, .build_args = *build_args,
                        .no_cache = *no_cache, .quiet = *quiet, .network = *network,
                        .remove = *rm, .force_rm = *force_rm, .always_pull = *pull, .target = *target,
                        .cache_from = *cache_from};
  for (const std::string& l : *labels) {
    auto kv = Cut(l, '=');
    o.labels[kv ? kv->first : l] = kv ? kv->second : "";
  }
  o.pull = [&ctx](const Reference& ref) { return PullForRun(ctx, ref, ""); };
  int status = 1;
  auto res = build::Build(**store, o, &status);
  if (!res.ok()) {
    if (res.error().code == Code::kCancelled && res.error().message.empty()) return status;
    std::fflush(stdout);
    std::fprintf(stderr, "%s\n", res.error().message.c_str());
    ctx.CollectGarbage(true);
    return status;
  }
  for (const Reference& r : refs) {
    Status st = image::Tag(**store, res->id, r);
    if (!st.ok()) return Fail(st.error());
  }
  if (!iidfile->empty()) {
    Status st = WriteFileAtomic(*iidfile, res->id.str(), 0644);
    if (!st.ok()) return Fail(st.error());
  }
  if (*quiet) {
    std::printf("%s\n", res->id.str().c_str());
    return 0;
  }
  std::printf("Successfully built %s\n", res->id.Short().c_str());
  for (const Reference& r : refs) std::printf("Successfully tagged %s\n", r.FamiliarString().c_str());
  return 0;
}

}  // namespace berth::cli
