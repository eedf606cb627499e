// `berth tag SOURCE TARGET`: a second name for an image.
#include "cli/commands.h"
#include "cli/flags.h"
#include "image/resolve.h"

namespace berth::cli {

int CmdTag(Context& ctx, const std::vector<std::string>& args) {
  FlagSet fs(ctx.command_path(), "tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
             "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE");
  fs.SetAliases({"berth image tag", "berth tag"});
  int exit = 0;
  if (!ParseFlags(fs, args, &exit)) return exit;
  if (fs.args().size() != 2) return ArgCountError(fs, "requires exactly 2 arguments");
  const std::string& source = fs.args()[0];
  const std::string& target = fs.args()[1];
  auto ref = image::ParseTagTarget(target);
  if (!ref.ok() && ref.error().message == image::kAmbiguousTagError) return Fail(ref.error());
  if (!ref.ok()) {
    return Fail("Error parsing reference: \"" + target + "\" is not a valid repository/tag: " +
                ref.error().message);
  }
  auto store = ctx.Store();
  if (!store.ok()) return Fail(store.error());
  auto id = image::ResolveImage(**store, source);
  if (!id.ok()) return Fail(id.error());
  Status st = image::Tag(**store, *id, *ref);
  if (!st.ok()) return Fail(st.error());
  return 0;
}

}  // namespace berth::cli
