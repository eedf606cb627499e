// Context: what every command gets — the global options, the output
// streams, and the store, opened once on first use.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "base/io.h"
#include "base/result.h"
#include "registry/client.h"
#include "registry/config.h"
#include "store/store.h"

namespace berth::cli {

struct GlobalOptions {
  std::string root;        // --root, BERTH_ROOT, default /var/lib/berth
  std::string config_dir;  // --config, DOCKER_CONFIG, default ~/.docker
  std::string log_level = "info";
  bool debug = false;
  std::string config_file;                       // --config-file, BERTH_CONFIG_FILE
  std::vector<std::string> registry_mirrors{};   // --registry-mirror
  std::vector<std::string> insecure_registries{};  // --insecure-registry
};

class Context {
 public:
  explicit Context(GlobalOptions g) : globals_(std::move(g)) {}

  const GlobalOptions& globals() const { return globals_; }
  // "berth images", "berth image ls": how help and errors name the command.
  const std::string& command_path() const { return command_path_; }
  void set_command_path(std::string p) { command_path_ = std::move(p); }
  // Opens the store on first call; later calls return the same one.
  Result<store::Store*> Store();
  // Ends a command that writes: collects garbage when the command may have
  // left some (always: it deleted something or failed after writing), and
  // prints what could not be freed as warnings on stderr. No-op when the
  // store was never opened. Returns the bytes freed that no image row
  // described (what interrupted commands left).
  int64_t CollectGarbage(bool always);
  // The registry settings: the config file (missing is fine unless named by
  // --config-file) plus the global flags.
  Result<registry::RegistryConfig> RegistryConfig() const;
  // Client options: retries from the environment, credentials from the
  // Docker config in config_dir.
  registry::ClientOptions ClientOptions() const;

  // Program name used in help and messages ("docker" for alias users reads
  // naturally, but berth names itself).
  static constexpr const char* kProg = "berth";

 private:
  GlobalOptions globals_;
  std::string command_path_;
  std::unique_ptr<store::Store> store_;
};

// Signature of every command: args are what follows the command name.
// Returns the process exit status; commands print their own output.
using CommandFn = int (*)(Context& ctx, const std::vector<std::string>& args);

struct CommandInfo {
  const char* name;     // "images"
  const char* summary;  // "List images"
  CommandFn fn;
  bool management = false;  // "image": takes a subcommand
};

// Opens a command's input file for reading (`import FILE`, `load -i FILE`);
// a directory is refused up front: "read PATH: is a directory".
Result<std::unique_ptr<Reader>> OpenInputFile(const std::string& path);

// Prints "msg" to stderr and returns 1 (Docker's generic failure status).
int Fail(const std::string& msg);
int Fail(const Error& e);

// Usage error (bad flag or argument count): message, "See '... --help'.", 125.
class FlagSet;
int UsageError(const FlagSet& fs, const std::string& msg);
// Parses flags; on --help prints help (returns 0 via *exit); on error prints a
// usage error (returns 125 via *exit). Returns true when the command should run.
bool ParseFlags(FlagSet& fs, const std::vector<std::string>& args, int* exit);
// Docker's argument-count errors: "\"berth tag\" <requirement>." + usage; exit 1.
// requirement: "requires exactly 2 arguments", "accepts no arguments".
int ArgCountError(const FlagSet& fs, const std::string& requirement);

}  // namespace berth::cli
