// `berth pull [OPTIONS] NAME[:TAG|@DIGEST]`: Docker's pull, its flags and its
// output (layer rows, "Digest:", "Status:", the full reference).
#include <unistd.h>

#include <cstdio>
#include <map>
#include <mutex>

#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/output.h"
#include "cli/progress.h"
#include "cli/transfer.h"
#include "image/pull.h"
#include "oci/platform.h"
#include "reference/reference.h"
#include "registry/client.h"

namespace berth::cli {

namespace {

int PullOne(Context& ctx, const Reference& ref, image::PullOptions opts, bool quiet, bool all_tags_mode,
            FILE* out = stdout) {
  std::fflush(out);  // the display writes to the fd directly
  std::unique_ptr<Progress> display = NewProgress(::fileno(out), quiet);
  opts.progress = TransferCallbacks(*display);
  auto store = ctx.Store();
  if (!store.ok()) return Fail(store.error());
  auto res = image::Pull(**store, ref, opts);
  display->Finish();  // rows complete before anything else is printed
  if (!res.ok()) {
    int status = Fail(res.error());
    ctx.CollectGarbage(false);
    return status;
  }
  if (!quiet) {
    std::fprintf(out, "Digest: %s\n", res->digest.str().c_str());
    if (!all_tags_mode) {
      std::fprintf(out, "Status: %s for %s\n", res->updated ? "Downloaded newer image" : "Image is up to date",
                   ref.FamiliarString().c_str());
    }
  }
  if (!all_tags_mode && out == stdout) std::fprintf(out, "%s\n", ref.String().c_str());
  ctx.CollectGarbage(false);
  return 0;
}

}  // namespace

int PullForRun(Context& ctx, const Reference& ref, const std::string& platform) {
  image::PullOptions opts;
  if (!platform.empty()) {
    auto p = ParsePlatform(platform);
    if (!p.ok()) return Fail(p.error());
    opts.platform = NormalizePlatform(*p);
  }
  auto config = ctx.RegistryConfig();
  if (!config.ok()) return Fail(config.error());
  opts.config = *config;
  opts.client = ctx.ClientOptions();
  return PullOne(ctx, ref, opts, false, false, stderr);
}

int CmdPull(Context& ctx, const std::vector<std::string>& args) {
  FlagSet fs(ctx.command_path(), "pull [OPTIONS] NAME[:TAG|@DIGEST]", "Download an image from a registry");
  fs.SetAliases({"berth image pull", "berth pull"});
  bool* all = fs.Bool("all-tags", 'a', false, "Download all tagged images in the repository");
  bool* quiet = fs.Bool("quiet", 'q', false, "Suppress verbose output");
  std::string* platform = fs.String("platform", 0, "", "Set platform if server is multi-platform capable");
  int64_t* jobs = fs.Int("max-concurrent-downloads", 0, image::kDefaultConcurrentDownloads,
                         "Maximum number of layers downloaded at once");
  fs.Bool("disable-content-trust", 0, true, "Skip image verification (always: berth verifies digests)");
  int exit = 0;
  if (!ParseFlags(fs, args, &exit)) return exit;
  if (fs.args().size() != 1) return ArgCountError(fs, "requires exactly 1 argument");

  auto parsed = ParseNormalizedNamed(fs.args()[0]);
  if (!parsed.ok()) return Fail("Error: " + parsed.error().message);
  Reference ref = *parsed;
  if (*all && (ref.HasTag() || ref.HasDigest())) {
    return Fail("Error: tag can't be used with --all-tags/-a");
  }
  image::PullOptions opts;
  if (!platform->empty()) {
    auto p = ParsePlatform(*platform);
    if (!p.ok()) return Fail(p.error());
    opts.platform = NormalizePlatform(*p);
  }
  if (*jobs < 1) return Fail("Error: --max-concurrent-downloads must be at least 1");
  opts.max_concurrent = static_cast<int>(std::min<int64_t>(*jobs, 64));
  auto config = ctx.RegistryConfig();
  if (!config.ok()) return Fail(config.error());
  opts.config = *config;
  opts.client = ctx.ClientOptions();

  if (!*all) {
    if (!ref.HasTag() && !ref.HasDigest()) {
      if (!*quiet) std::printf("Using default tag: latest\n");
      ref = WithDefaultTag(ref);
    }
    return PullOne(ctx, ref, opts, *quiet, false);
  }
  // -a: every tag of the repository, one after the other.
  auto tags = registry::ListTags(opts.config, opts.client, ref);
  if (!tags.ok()) return Fail(tags.error());
  for (const std::string& t : *tags) {
    Reference tagged = ref;
    tagged.tag = t;
    if (int rc = PullOne(ctx, tagged, opts, *quiet, true); rc != 0) return rc;
  }
  if (!*quiet) std::printf("Status: Downloaded newer image for %s\n", ref.FamiliarName().c_str());
  std::printf("%s\n", ref.Name().c_str());
  return 0;
}

}  // namespace berth::cli
