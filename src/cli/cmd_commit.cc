// `berth commit` and `berth diff`: a container's changes (its overlay upper
// dir) as a new image, or as docker's list of changed paths.
#include <cstdio>

#include "cli/commands.h"
#include "cli/container_target.h"
#include "cli/flags.h"
#include "container/lifecycle.h"
#include "container/runc.h"
#include "image/commit.h"
#include "image/resolve.h"
#include "tar/overlay_changes.h"

namespace berth::cli {

int CmdCommit(Context& ctx, const std::vector<std::string>& args) {
  FlagSet fs(ctx.command_path(), "commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]",
             "Create a new image from a container's changes");
  fs.SetAliases({"berth container commit", "berth commit"});
  std::string* author = fs.String("author", 'a', "", "Author (e.g., \"John Hannibal Smith <hannibal@a-team.com>\")");
  auto* changes = fs.StringArray("change", 'c', "Apply Dockerfile instruction to the created image");
  std::string* message = fs.String("message", 'm', "", "Commit message");
  bool* pause = fs.Bool("pause", 'p', true, "Pause container during commit");
  int exit = 0;
  if (!ParseFlags(fs, args, &exit)) return exit;
  if (fs.args().empty() || fs.args().size() > 2) {
    return ArgCountError(fs, "requires at least 1 and at most 2 arguments");
  }
  std::optional<Reference> tag;
  if (fs.args().size() == 2) {
    auto t = image::ParseTagTarget(fs.args()[1]);
    if (!t.ok()) return Fail(t.error());
    tag = *t;
  }
  auto t = FindTarget(ctx, fs.args()[0]);
  if (!t.ok()) return Fail(t.error());
  const container::Container* c = &t->c;
  auto state = t->State();
  if (!state.ok()) return Fail(state.error());
  bool paused = false;
  if (*pause && state->status == "running") {
    Status st = container::RuncPause(c->id, true, c->host.runtime);
    if (!st.ok()) return Fail(st.error());
    paused = true;
  }
  auto res = image::Commit(*t->store, {.parent_image = c->image_id,
                                     .upper_dir = t->dir.upper(),
                                     .container_config = c->config,
                                     .container_id = c->id,
                                     .author = *author,
                                     .message = *message,
                                     .changes = *changes,
                                     .tag = tag});
  if (paused) (void)container::RuncPause(c->id, false, c->host.runtime);
  if (!res.ok()) {
    int rc = Fail(res.error());
    ctx.CollectGarbage(true);
    return rc;
  }
  std::printf("%s\n", res->id.str().c_str());
  return 0;
}

int CmdDiff(Context& ctx, const std::vector<std::string>& args) {
  FlagSet fs(ctx.command_path(), "diff CONTAINER", "Inspect changes to files or directories on a container's filesystem");
  fs.SetAliases({"berth container diff", "berth diff"});
  int exit = 0;
  if (!ParseFlags(fs, args, &exit)) return exit;
  if (fs.args().size() != 1) return ArgCountError(fs, "requires exactly 1 argument");
  auto t = FindTarget(ctx, fs.args()[0]);
  if (!t.ok()) return Fail(t.error());
  std::vector<std::string> lowers;
  if (t->c.chain_id) {
    auto l = t->store->snapshots().LowerDirs(*t->c.chain_id);
    if (!l.ok()) return Fail(l.error());
    lowers = *l;
  }
  auto changes = OverlayChanges(t->dir.upper(), lowers);
  if (!changes.ok()) return Fail(changes.error());
  std::string out;
  for (const Change& ch : *changes) out += std::string(ChangeKindLetter(ch.kind)) + " " + ch.path + "\n";
  std::fputs(out.c_str(), stdout);
  return 0;
}

}  // namespace berth::cli
