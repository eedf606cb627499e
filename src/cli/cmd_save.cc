// `berth save [-o FILE] IMAGE...`: the archive goes to FILE through a
// temporary file beside it (renamed into place only when complete, so an
// interrupted or failed save never leaves a partial archive under that
// name), or to stdout when it is not a terminal.
#include <sys/stat.h>
#include <unistd.h>

#include "base/atomic_file.h"
#include "base/file.h"
#include "cli/commands.h"
#include "cli/flags.h"
#include "image/save.h"

namespace berth::cli {
namespace {

// Docker's check of -o before anything is written.
bool OutputDirExists(const std::string& path) {
  struct stat st;
  return ::stat(DirName(path).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Status SaveToFile(store::Store& store, const std::vector<image::SaveTarget>& targets,
                  const std::string& path) {
  AtomicFile file = TRY(AtomicFile::Create(path, "berth_temp_", 0600));
  FdWriter out(file.fd());
  TRY(image::Save(store, targets, out));
  return file.Commit();
}

}  // namespace

int CmdSave(Context& ctx, const std::vector<std::string>& args) {
  FlagSet fs(ctx.command_path(), "save [OPTIONS] IMAGE [IMAGE...]",
             "Save one or more images to a tar archive (streamed to STDOUT by default)");
  fs.SetAliases({"berth image save", "berth save"});
  std::string* output = fs.String("output", 'o', "", "Write to a file, instead of STDOUT");
  int exit = 0;
  if (!ParseFlags(fs, args, &exit)) return exit;
  if (fs.args().empty()) return ArgCountError(fs, "requires at least 1 argument");
  if (output->empty() && ::isatty(STDOUT_FILENO)) {
    return Fail("cowardly refusing to save to a terminal. Use the -o flag or redirect");
  }
  if (!output->empty() && !OutputDirExists(*output)) {
    return Fail("failed to save image: invalid output path: directory \"" + DirName(*output) +
                "\" does not exist");
  }
  auto store = ctx.Store();
  if (!store.ok()) return Fail(store.error());
  auto targets = image::ResolveSaveTargets(**store, fs.args());
  if (!targets.ok()) return Fail(targets.error());
  if (!output->empty()) {
    Status st = SaveToFile(**store, *targets, *output);
    if (!st.ok()) return Fail(st.error());
  } else {
    FdWriter out(STDOUT_FILENO);
    auto st = image::Save(**store, *targets, out);
    if (!st.ok()) return Fail(st.error());
  }
  ctx.CollectGarbage(false);  // only when a cheap check sees some (a dead lease, ...)
  return 0;
}

}  // namespace berth::cli
