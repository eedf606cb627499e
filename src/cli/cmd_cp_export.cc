// `berth cp` and `berth export`: a container's files to and from the host.
// Both reach the container's root through RootAccess (its running root, or
// its overlay mounted privately while it cannot start) and never follow a
// link inside it (container/copy.h, tar/write_layer.h).
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "base/atomic_file.h"
#include "base/file.h"
#include "base/io.h"
#include "cli/commands.h"
#include "cli/container_target.h"
#include "cli/flags.h"
#include "container/access.h"
#include "container/copy.h"
#include "container/lifecycle.h"
#include "tar/write_layer.h"

namespace berth::cli {
namespace {

// "NAME:PATH" -> {NAME, PATH}; a local path (no ':' before any '/', or
// starting with '/' or '.') -> {"", path}.
std::pair<std::string, std::string> SplitCpArg(const std::string& arg) {
  if (arg.empty() || arg[0] == '/' || arg[0] == '.') return {"", arg};
  size_t colon = arg.find(':');
  size_t slash = arg.find('/');
  if (colon == std::string::npos || (slash != std::string::npos && slash < colon)) return {"", arg};
  return {arg.substr(0, colon), arg.substr(colon + 1)};
}

}  // namespace

int CmdCp(Context& ctx, const std::vector<std::string>& args) {
  FlagSet fs(ctx.command_path(), "cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tberth cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH",
             "Copy files/folders between a container and the local filesystem");
  fs.SetAliases({"berth container cp", "berth cp"});
  bool* archive = fs.Bool("archive", 'a', false, "Archive mode (copy all uid/gid information)");
  fs.Bool("follow-link", 'L', false, "Always follow symbol link in SRC_PATH (not supported)");
  int exit = 0;
  if (!ParseFlags(fs, args, &exit)) return exit;
  if (fs.args().size() != 2) return ArgCountError(fs, "requires exactly 2 arguments");
  if (fs.Changed("follow-link")) return Fail("Error: berth does not support cp -L yet");
  auto [src_c, src] = SplitCpArg(fs.args()[0]);
  auto [dst_c, dst] = SplitCpArg(fs.args()[1]);
  if (!src_c.empty() && !dst_c.empty()) return Fail("Error: copying between containers is not supported");
  if (src_c.empty() && dst_c.empty()) return Fail("Error: must specify at least one container source");
  if (src == "-" || dst == "-") return Fail("Error: berth does not support tar streams in cp yet");
  if (src.empty() || dst.empty()) return Fail("Error: filepath cannot be empty");
  auto t = FindTarget(ctx, src_c.empty() ? dst_c : src_c);
  if (!t.ok()) return Fail(t.error());
  auto root = container::RootAccess::Open(*t->store, t->c, /*writable=*/!dst_c.empty());
  if (!root.ok()) return Fail(root.error());
  Status st = src_c.empty() ? container::CopyToContainer(src, root->path(), dst, *archive)
                            : container::CopyFromContainer(root->path(), src, dst);
  if (!st.ok()) return Fail(st.error());
  return 0;
}

int CmdExport(Context& ctx, const std::vector<std::string>& args) {
  FlagSet fs(ctx.command_path(), "export [OPTIONS] CONTAINER",
             "Export a container's filesystem as a tar archive");
  fs.SetAliases({"berth container export", "berth export"});
  std::string* output = fs.String("output", 'o', "", "Write to a file, instead of STDOUT");
  int exit = 0;
  if (!ParseFlags(fs, args, &exit)) return exit;
  if (fs.args().size() != 1) return ArgCountError(fs, "requires exactly 1 argument");
  if (output->empty() && ::isatty(STDOUT_FILENO)) {
    return Fail("cowardly refusing to save to a terminal. Use the -o flag or redirect");
  }
  auto t = FindTarget(ctx, fs.args()[0]);
  if (!t.ok()) return Fail(t.error());
  auto root = container::RootAccess::Open(*t->store, t->c, /*writable=*/false);
  if (!root.ok()) return Fail(root.error());
  if (output->empty()) {
    FdWriter out(STDOUT_FILENO);
    Status st = WriteLayer(root->path(), out);
    if (!st.ok()) return Fail(st.error());
    return 0;
  }
  auto file = AtomicFile::Create(*output, "berth_temp_", 0600);
  if (!file.ok()) return Fail(file.error());
  FdWriter out(file->fd());
  Status st = WriteLayer(root->path(), out);
  if (st.ok()) st = file->Commit();
  if (!st.ok()) return Fail(st.error());
  return 0;
}

}  // namespace berth::cli
