// `berth build`: docker's classic builder's flags and output. berth reads
// the context where it lies, so docker's "Sending build context to Docker
// daemon" becomes an honest "Reading build context" with the same size.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "base/file.h"
#include "base/strings.h"
#include "build/builder.h"
#include "build/context.h"
#include "cli/build_context.h"
#include "cli/commands.h"
#include "cli/flags.h"
#include "format/units.h"
#include "image/resolve.h"
#include "oci/platform.h"

namespace berth::cli {
namespace {

// SOURCE_DATE_EPOCH: the last --build-arg naming it (a bare name takes the
// environment's value), else the environment variable; seconds since 1970.
Result<std::optional<int64_t>> SourceDateEpoch(const std::vector<std::string>& build_args) {
  std::optional<std::string> text;
  if (const char* env = std::getenv("SOURCE_DATE_EPOCH")) text = env;
  for (const std::string& a : build_args) {
    if (a.starts_with("SOURCE_DATE_EPOCH=")) text = a.substr(18);
  }
  if (!text || text->empty()) return std::optional<int64_t>();
  auto n = ParseInt(*text);
  if (!n || *n < 0) {
    return MakeError(Code::kInvalidArgument, "invalid SOURCE_DATE_EPOCH \"" + *text + "\": not a number of seconds");
  }
  return std::optional<int64_t>(*n);
}

// --platform: this machine's only ("linux", "linux/amd64", "amd64",
// "linux/amd64/v1" name it on x86-64), as berth runs no emulator.
Status CheckPlatform(const std::string& flag) {
  if (flag.empty()) return Ok();
  Platform host = HostPlatform();
  auto p = ParsePlatform(flag);
  if (!p.ok()) return p.error();
  bool baseline = p->variant.empty() || p->variant == host.variant ||
                  (p->architecture == "amd64" && p->variant == "v1");
  if (p->os == host.os && p->architecture == host.architecture && baseline) return Ok();
  return MakeError(Code::kInvalidArgument, "berth builds for this machine's platform only (" + host.String() +
                                               "), not " + p->String());
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
  std::string* platform = fs.String("platform", 0, "", "Set platform if server is multi-platform capable (this machine's only)");
  int exit = 0;
  if (!ParseFlags(fs, args, &exit)) return exit;
  if (fs.args().size() != 1) return ArgCountError(fs, "requires exactly 1 argument");
  if (Status st = CheckPlatform(*platform); !st.ok()) return Fail(st.error());
  auto epoch = SourceDateEpoch(*build_args);
  if (!epoch.ok()) return Fail(epoch.error());
  std::vector<Reference> refs;
  for (const std::string& t : *tags) {
    auto r = image::ParseTagTarget(t);
    if (!r.ok()) return Fail("invalid argument \"" + t + "\" for \"-t, --tag\" flag: " + r.error().message + "\nSee 'berth build --help'.");
    refs.push_back(*r);
  }
  auto store = ctx.Store();
  if (!store.ok()) return Fail(store.error());
  auto input = ReadBuildInput(**store, {.path = fs.args()[0], .file = *file});
  if (!input.ok()) {
    // docker's client-side wording has no "Error: " (berth's own messages do).
    const std::string& m = input.error().message;
    bool docker = m.starts_with("unable to ") || m.starts_with("invalid argument");
    return docker ? Fail(m) : Fail(input.error());
  }
  const std::string& dir = input->dir;
  auto context = build::Context::Open(dir);
  if (!context.ok()) return Fail(context.error());
  if (!*quiet) {
    std::printf("Reading build context  %s\n",
                HumanSizeWithPrecision(static_cast<double>(context->Size().value_or(0)), 4).c_str());
  }
  build::BuildOptions o{.context_dir = dir, .dockerfile = input->dockerfile, .build_args = *build_args,
                        .no_cache = *no_cache, .quiet = *quiet, .network = *network,
                        .remove = *rm, .force_rm = *force_rm, .always_pull = *pull, .target = *target,
                        .cache_from = *cache_from, .check_platform = CheckPlatform,
                        .source_date_epoch = *epoch};
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
