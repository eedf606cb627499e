// `berth version`: client facts in Docker's layout, or through --format.
#include <sys/utsname.h>

#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/output.h"
#include "cli/version.h"
#include "oci/platform.h"

namespace berth::cli {

int CmdVersion(Context& ctx, const std::vector<std::string>& args) {
  FlagSet fs(ctx.command_path(), "version [OPTIONS]", "Show the berth version information");
  std::string* format = fs.String("format", 'f', "", "Format the output using the given Go template");
  int exit = 0;
  if (!ParseFlags(fs, args, &exit)) return exit;
  if (!fs.args().empty()) return ArgCountError(fs, "accepts no arguments");
  Platform p = HostPlatform();
  std::string os_arch = p.os + "/" + p.architecture;
  Json client{{"Platform", Json{{"Name", "berth"}}},
              {"Version", kVersion},
              {"GitCommit", kGitCommit},
              {"Os", p.os},
              {"Arch", p.architecture},
              {"Root", ctx.globals().root}};
  if (!format->empty()) {
    auto out = RenderEach(*format, {Json{{"Client", client}}});
    if (!out.ok()) return TemplateFail(out.error());
    Print(*out);
    return 0;
  }
  Print("Client: berth\n"
        " Version:           " + std::string(kVersion) + "\n" +
        " Git commit:        " + kGitCommit + "\n" +
        " OS/Arch:           " + os_arch + "\n" +
        " Store:             " + ctx.globals().root + "\n" +
        " Daemon:            none (berth is daemonless)\n");
  return 0;
}

}  // namespace berth::cli
