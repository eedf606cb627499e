// berth's front door: parses the global flags (docker's, plus --root), picks
// the command or management subcommand, and maps failures to exit codes. It
// also installs the interrupt handlers, so that Ctrl-C or SIGTERM unwinds the
// command (cleaning up what was in flight) and berth exits 128+signal.
#include "cli/main.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "base/interrupt.h"
#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/version.h"
#include "container/monitor.h"

namespace berth::cli {
namespace {

// Each command once; the tables below list them (an alias is a second
// name for the same summary and function).
constexpr CommandInfo kBuildInfo{"build", "Build an image from a Dockerfile", CmdBuild};
constexpr CommandInfo kCommitInfo{"commit", "Create a new image from a container's changes", CmdCommit};
constexpr CommandInfo kCpInfo{"cp", "Copy files/folders between a container and the local filesystem", CmdCp};
constexpr CommandInfo kCreateInfo{"create", "Create a new container", CmdCreate};
constexpr CommandInfo kDiffInfo{"diff", "Inspect changes to files or directories on a container's filesystem", CmdDiff};
constexpr CommandInfo kExecInfo{"exec", "Run a command in a running container", CmdExec};
constexpr CommandInfo kExportInfo{"export", "Export a container's filesystem as a tar archive", CmdExport};
constexpr CommandInfo kHistoryInfo{"history", "Show the history of an image", CmdHistory};
constexpr CommandInfo kImagesInfo{"images", "List images", CmdImages};
constexpr CommandInfo kImportInfo{"import", "Import the contents from a tarball to create a filesystem image", CmdImport};
constexpr CommandInfo kInspectInfo{"inspect", "Return low-level information on objects", CmdInspect};
constexpr CommandInfo kKillInfo{"kill", "Kill one or more running containers", CmdKill};
constexpr CommandInfo kLoadInfo{"load", "Load an image from a tar archive or STDIN", CmdLoad};
constexpr CommandInfo kLoginInfo{"login", "Log in to a registry", CmdLogin};
constexpr CommandInfo kLogoutInfo{"logout", "Log out from a registry", CmdLogout};
constexpr CommandInfo kLogsInfo{"logs", "Fetch the logs of a container", CmdLogs};
constexpr CommandInfo kPsInfo{"ps", "List containers", CmdPs};
constexpr CommandInfo kPullInfo{"pull", "Download an image from a registry", CmdPull};
constexpr CommandInfo kPushInfo{"push", "Upload an image to a registry", CmdPush};
constexpr CommandInfo kRenameInfo{"rename", "Rename a container", CmdRename};
constexpr CommandInfo kRestartInfo{"restart", "Restart one or more containers", CmdRestart};
constexpr CommandInfo kRmInfo{"rm", "Remove one or more containers", CmdRm};
constexpr CommandInfo kRmiInfo{"rmi", "Remove one or more images", CmdRmi};
constexpr CommandInfo kRunInfo{"run", "Run a command in a new container", CmdRun};
constexpr CommandInfo kSaveInfo{"save", "Save one or more images to a tar archive (streamed to STDOUT by default)", CmdSave};
constexpr CommandInfo kSearchInfo{"search", "Search Docker Hub for images", CmdSearch};
constexpr CommandInfo kStartInfo{"start", "Start one or more stopped containers", CmdStart};
constexpr CommandInfo kStopInfo{"stop", "Stop one or more running containers", CmdStop};
constexpr CommandInfo kTagInfo{"tag", "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE", CmdTag};
constexpr CommandInfo kTopInfo{"top", "Display the running processes of a container", CmdTop};
constexpr CommandInfo kVersionInfo{"version", "Show the berth version information", CmdVersion};
constexpr CommandInfo kWaitInfo{"wait", "Block until one or more containers stop, then print their exit codes", CmdWait};
constexpr CommandInfo kContainerInspectInfo{"inspect", "Display detailed information on one or more containers", CmdContainerInspect};
constexpr CommandInfo kContainerPruneInfo{"prune", "Remove all stopped containers", CmdContainerPrune};
constexpr CommandInfo kImageInspectInfo{"inspect", "Display detailed information on one or more images", CmdImageInspect};
constexpr CommandInfo kPruneInfo{"prune", "Remove unused images", CmdPrune};

const CommandInfo kTop[] = {
    kBuildInfo,
    kCommitInfo,
    kCpInfo,
    kCreateInfo,
    kDiffInfo,
    kExecInfo,
    kExportInfo,
    kHistoryInfo,
    kImagesInfo,
    kImportInfo,
    kInspectInfo,
    kKillInfo,
    kLoadInfo,
    kLoginInfo,
    kLogoutInfo,
    kLogsInfo,
    kPsInfo,
    kPullInfo,
    kPushInfo,
    kRenameInfo,
    kRestartInfo,
    kRmInfo,
    kRmiInfo,
    kRunInfo,
    kSaveInfo,
    kSearchInfo,
    kStartInfo,
    kStopInfo,
    kTagInfo,
    kTopInfo,
    kVersionInfo,
    kWaitInfo,
};

const CommandInfo kContainer[] = {
    kCommitInfo,
    kCpInfo,
    kCreateInfo,
    kDiffInfo,
    kExecInfo,
    kExportInfo,
    kContainerInspectInfo,
    kKillInfo,
    kLogsInfo,
    {"ls", kPsInfo.summary, kPsInfo.fn},
    {"list", kPsInfo.summary, kPsInfo.fn},
    kPsInfo,
    kContainerPruneInfo,
    kRenameInfo,
    kRestartInfo,
    kRmInfo,
    {"remove", kRmInfo.summary, kRmInfo.fn},
    kRunInfo,
    kStartInfo,
    kStopInfo,
    kTopInfo,
    kWaitInfo,
};

const CommandInfo kImage[] = {
    kBuildInfo,
    kHistoryInfo,
    kImportInfo,
    kImageInspectInfo,
    {"ls", kImagesInfo.summary, kImagesInfo.fn},
    kLoadInfo,
    {"list", kImagesInfo.summary, kImagesInfo.fn},
    kPruneInfo,
    kPullInfo,
    kPushInfo,
    {"rm", kRmiInfo.summary, kRmiInfo.fn},
    {"remove", kRmiInfo.summary, kRmiInfo.fn},
    kSaveInfo,
    kTagInfo,
};

std::string DefaultConfigDir() {
  if (const char* d = std::getenv("DOCKER_CONFIG"); d && *d) return d;
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : "/root") + "/.docker";
}

std::string CommandList(std::span<const CommandInfo> cmds, bool skip_aliases) {
  std::string out;
  for (const auto& c : cmds) {
    std::string name = c.name;
    if (skip_aliases && (name == "list" || name == "remove")) continue;
    out += "  " + name + std::string(name.size() < 12 ? 12 - name.size() : 1, ' ') + c.summary +
           "\n";
  }
  return out;
}

int PrintManagementHelp(const std::string& group, const char* summary,
                        std::span<const CommandInfo> cmds, FILE* out) {
  std::fprintf(out, "\nUsage:  berth %s COMMAND\n\n%s\n\nCommands:\n%s\n"
                    "Run 'berth %s COMMAND --help' for more information on a command.\n",
               group.c_str(), summary, CommandList(cmds, true).c_str(), group.c_str());
  return 0;
}

// `berth image ...`, `berth container ...`: a management command's subcommands.
int RunManagement(Context& ctx, const std::string& group, const char* summary,
                  std::span<const CommandInfo> cmds, const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    return PrintManagementHelp(group, summary, cmds, stdout);
  }
  for (const auto& c : cmds) {
    if (args[0] == c.name) {
      ctx.set_command_path("berth " + group + " " + c.name);
      return c.fn(ctx, std::vector<std::string>(args.begin() + 1, args.end()));
    }
  }
  if (args[0][0] == '-') {
    std::fprintf(stderr, "unknown flag: %s\nSee 'berth %s --help'.\n", args[0].c_str(), group.c_str());
    return 125;
  }
  std::fprintf(stderr, "berth: '%s %s' is not a berth command.\nSee 'berth %s --help'\n",
               group.c_str(), args[0].c_str(), group.c_str());
  return 1;
}

}  // namespace

std::span<const CommandInfo> TopLevelCommands() { return kTop; }
std::span<const CommandInfo> ImageCommands() { return kImage; }

namespace {

// Everything Main does but the signal handling: flags, dispatch, exit code.
int Run(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  FlagSet fs("berth", "berth [OPTIONS] COMMAND", "A fast, safe, daemonless container image manager");
  const char* env_root = std::getenv("BERTH_ROOT");
  std::string* root = fs.String("root", 0, env_root && *env_root ? env_root : "/var/lib/berth",
                                "Root directory of the image store (env BERTH_ROOT)");
  std::string* config = fs.String("config", 0, DefaultConfigDir(), "Location of client config files");
  std::string* log_level = fs.String("log-level", 'l', "info",
                                     "Set the logging level (\"debug\"|\"info\"|\"warn\"|\"error\"|\"fatal\")");
  bool* debug = fs.Bool("debug", 'D', false, "Enable debug mode");
  const char* env_cf = std::getenv("BERTH_CONFIG_FILE");
  std::string* config_file = fs.String("config-file", 0, env_cf ? env_cf : "",
                                       "Registry settings file (default /etc/berth/daemon.json; env BERTH_CONFIG_FILE)");
  auto* mirrors = fs.StringArray("registry-mirror", 0, "Preferred registry mirror: URL for Docker Hub, HOST=URL for another registry");
  auto* insecure = fs.StringArray("insecure-registry", 0, "Registry (host:port or CIDR) that may use plain HTTP or unverified TLS");
  bool* version = fs.Bool("version", 'v', false, "Print version information and quit");
  fs.SetInterspersed(false);
  Status st = fs.Parse(args);
  if (!st.ok()) {
    std::fprintf(stderr, "%s\nSee 'berth --help'.\n", st.error().message.c_str());
    return 125;
  }
  if (*version) {
    std::printf("berth version %s, build %s\n", kVersion, kGitCommit);
    return 0;
  }
  const auto& rest = fs.args();
  if (fs.help() || rest.empty()) {
    std::string help = fs.Help();
    help += "\nManagement Commands:\n  container   Manage containers\n  image       Manage images\n  system      Manage berth\n\nCommands:\n" +
            CommandList(TopLevelCommands(), true) +
            "\nRun 'berth COMMAND --help' for more information on a command.\n";
    std::fputs(help.c_str(), rest.empty() && !fs.help() ? stderr : stdout);
    return rest.empty() && !fs.help() ? 1 : 0;
  }
  if (*log_level != "debug" && *log_level != "info" && *log_level != "warn" &&
      *log_level != "error" && *log_level != "fatal") {
    std::fprintf(stderr, "Unable to parse logging level: %s\n", log_level->c_str());
    return 1;
  }
  Context ctx(GlobalOptions{.root = *root, .config_dir = *config, .log_level = *log_level,
                            .debug = *debug, .config_file = *config_file,
                            .registry_mirrors = *mirrors, .insecure_registries = *insecure});
  std::vector<std::string> cmd_args(rest.begin() + 1, rest.end());
  if (rest[0] == "image") return RunManagement(ctx, "image", "Manage images", ImageCommands(), cmd_args);
  if (rest[0] == "container") {
    return RunManagement(ctx, "container", "Manage containers", kContainer, cmd_args);
  }
  if (rest[0] == container::kMonitorCommand && cmd_args.size() == 1) {
    return container::MonitorMain(*root, cmd_args[0]);
  }
  if (rest[0] == "system") return CmdSystem(ctx, cmd_args);
  for (const auto& c : TopLevelCommands()) {
    if (rest[0] == c.name) {
      ctx.set_command_path(std::string("berth ") + c.name);
      return c.fn(ctx, cmd_args);
    }
  }
  std::fprintf(stderr, "berth: '%s' is not a berth command.\nSee 'berth --help'\n", rest[0].c_str());
  return 1;
}

}  // namespace

int Main(int argc, char** argv) {
  InstallInterruptHandlers();
  int code = Run(argc, argv);  // an interrupt unwinds it: its destructors clean up
  if (Interrupted()) return 128 + InterruptSignal();
  return code;
}

}  // namespace berth::cli
