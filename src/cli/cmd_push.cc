// `berth push [OPTIONS] NAME[:TAG]`: Docker's push, its flags and its output
// ("The push refers to repository [...]", layer rows, "T: digest: D size: N").
#include <unistd.h>

#include <cstdio>
#include <map>
#include <mutex>

#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/output.h"
#include "cli/progress.h"
#include "cli/transfer.h"
#include "image/push.h"
#include "image/resolve.h"
#include "reference/reference.h"

namespace berth::cli {

namespace {

int PushOne(Context& ctx, store::Store& store, const Reference& ref, image::PushOptions opts, bool quiet) {
  std::fflush(stdout);  // the display writes to the fd directly
  std::unique_ptr<Progress> display = NewProgress(STDOUT_FILENO, quiet);
  opts.progress = TransferCallbacks(*display);
  auto res = image::Push(store, ref, opts);
  display->Finish();  // rows complete before anything else is printed
  if (!res.ok()) {
    int status = Fail(res.error());
    ctx.CollectGarbage(false);
    return status;
  }
  if (quiet) {
    std::printf("%s\n", ref.String().c_str());
  } else {
    std::printf("%s: digest: %s size: %lld\n", ref.tag.c_str(), res->digest.str().c_str(),
                static_cast<long long>(res->size));
  }
  return 0;
}

}  // namespace

int CmdPush(Context& ctx, const std::vector<std::string>& args) {
  FlagSet fs(ctx.command_path(), "push [OPTIONS] NAME[:TAG]", "Upload an image to a registry");
  fs.SetAliases({"berth image push", "berth push"});
  bool* all = fs.Bool("all-tags", 'a', false, "Push all tags of an image to the repository");
  bool* quiet = fs.Bool("quiet", 'q', false, "Suppress verbose output");
  int64_t* jobs = fs.Int("max-concurrent-uploads", 0, image::kDefaultConcurrentUploads,
                         "Maximum number of layers uploaded at once");
  fs.Bool("disable-content-trust", 0, true, "Skip image signing (always)");
  int exit = 0;
  if (!ParseFlags(fs, args, &exit)) return exit;
  if (fs.args().size() != 1) return ArgCountError(fs, "requires exactly 1 argument");
  auto parsed = ParseNormalizedNamed(fs.args()[0]);
  if (!parsed.ok()) return Fail("Error: " + parsed.error().message);
  Reference ref = *parsed;
  if (ref.HasDigest()) return Fail("Error: cannot push a digest reference");
  if (*all && ref.HasTag()) return Fail("Error: tag can't be used with --all-tags/-a");
  if (*jobs < 1) return Fail("Error: --max-concurrent-uploads must be at least 1");

  image::PushOptions opts{.max_concurrent = static_cast<int>(std::min<int64_t>(*jobs, 64))};
  auto config = ctx.RegistryConfig();
  if (!config.ok()) return Fail(config.error());
  opts.config = *config;
  opts.client = ctx.ClientOptions();
  auto store = ctx.Store();
  if (!store.ok()) return Fail(store.error());

  std::vector<Reference> targets;
  if (*all) {
    auto tags = (*store)->metadata().ListTags();
    if (!tags.ok()) return Fail(tags.error());
    for (const auto& t : *tags) {
      auto r = ParseNormalizedNamed(t.name);
      if (r.ok() && r->Name() == ref.Name() && r->HasTag()) targets.push_back(*r);
    }
    if (targets.empty()) {
      return Fail("Error: An image does not exist locally with the tag: " + ref.FamiliarName());
    }
  } else {
    if (!ref.HasTag()) {
      if (!*quiet) std::printf("Using default tag: latest\n");
      ref = WithDefaultTag(ref);
    }
    targets.push_back(ref);
  }
  for (const Reference& t : targets) {
    if (int rc = PushOne(ctx, **store, t, opts, *quiet); rc != 0) return rc;
  }
  ctx.CollectGarbage(false);
  return 0;
}

}  // namespace berth::cli
