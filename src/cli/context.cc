// The shared plumbing of commands: lazy store opening and Docker's shapes
// for usage errors, so each cmd_*.cc holds only its own logic.
#include "cli/context.h"

#include <cstdlib>

#include <fcntl.h>
#include <sys/stat.h>

#include <cstdio>

#include "base/file.h"
#include "base/interrupt.h"
#include "registry/credentials.h"
#include "cli/flags.h"
#include "image/remove.h"

namespace berth::cli {

Result<store::Store*> Context::Store() {
  if (!store_) {
    store_ = TRY(store::Store::Open(globals_.root));
  }
  return store_.get();
}

int64_t Context::CollectGarbage(bool always) {
  if (!store_) return 0;
  store::GcStats stats = image::CollectGarbage(*store_, always);
  for (const std::string& problem : stats.errors) {
    std::fprintf(stderr, "Warning: garbage collection: %s (retried next time)\n", problem.c_str());
  }
  return stats.stray_bytes;
}

Result<registry::RegistryConfig> Context::RegistryConfig() const {
  bool named = !globals_.config_file.empty();
  std::string path = named ? globals_.config_file : std::string(registry::kDefaultConfigFile);
  registry::RegistryConfig c = TRY(registry::LoadRegistryConfig(path, !named));
  for (const std::string& m : globals_.registry_mirrors) TRY(registry::AddMirror(c, m));
  for (const std::string& h : globals_.insecure_registries) c.insecure.push_back(h);
  if (const char* d = std::getenv("BERTH_CERTS_D"); d && *d) c.certs_dir = d;
  return c;
}

registry::ClientOptions Context::ClientOptions() const {
  registry::ClientOptions o = registry::ClientOptionsFromEnv();
  std::string dir = globals_.config_dir;
  o.credentials = [dir](std::string_view host) -> Result<registry::Credentials> {
    auto store = TRY(registry::CredentialStore::Open(dir));
    return store.ClientCredentials(host);
  };
  return o;
}

Result<std::unique_ptr<Reader>> OpenInputFile(const std::string& path) {
  UniqueFd fd = TRY(OpenFile(path, O_RDONLY));
  struct stat st;
  if (::fstat(fd.get(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return MakeError(Code::kInvalidArgument, "read " + path + ": is a directory");
  }
  return std::unique_ptr<Reader>(std::make_unique<FdReader>(std::move(fd)));
}

int Fail(const std::string& msg) {
  std::fflush(stdout);
  std::fprintf(stderr, "%s\n", msg.c_str());
  return 1;
}

int Fail(const Error& e) {
  // An interrupt is one line whatever step it stopped ("save blob X: interrupted").
  if (e.code == Code::kCancelled && Interrupted()) return Fail(std::string("Error: interrupted"));
  return Fail("Error: " + e.message);
}

int UsageError(const FlagSet& fs, const std::string& msg) {
  std::fflush(stdout);
  std::fprintf(stderr, "%s\n%s\n", msg.c_str(), fs.SeeHelp().c_str());
  return 125;
}

bool ParseFlags(FlagSet& fs, const std::vector<std::string>& args, int* exit) {
  Status st = fs.Parse(args);
  if (!st.ok()) {
    *exit = UsageError(fs, st.error().message);
    return false;
  }
  if (fs.help()) {
    std::fputs(fs.Help().c_str(), stdout);
    *exit = 0;
    return false;
  }
  return true;
}

int ArgCountError(const FlagSet& fs, const std::string& requirement) {
  std::fflush(stdout);
  std::string usage = fs.use();
  std::string args = usage.find(' ') == std::string::npos ? "" : usage.substr(usage.find(' '));
  std::fprintf(stderr, "\"%s\" %s.\n%s\n\nUsage:  %s%s\n\n%s\n", fs.command_path().c_str(),
               requirement.c_str(), fs.SeeHelp().c_str(), fs.command_path().c_str(), args.c_str(),
               fs.summary().c_str());
  return 1;
}

}  // namespace berth::cli
