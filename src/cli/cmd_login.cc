// `berth login [SERVER]` and `berth logout [SERVER]`: Docker's flags,
// prompts and messages; credentials are checked against the registry
// before they are stored (config.json 0600, or the configured helper).
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>

#include "base/io.h"
#include "cli/commands.h"
#include "cli/flags.h"
#include "registry/client.h"
#include "registry/credentials.h"
#include "registry/endpoint.h"

namespace berth::cli {

namespace {

// "" / Docker Hub's names -> "docker.io"; "https://host:5000/" -> "host:5000".
std::string ServerDomain(const std::string& server) {
  if (server.empty()) return "docker.io";
  std::string key = registry::CredentialKey(server);
  if (key == registry::kDockerHubCredentialKey) return "docker.io";
  return registry::ConvertToHostname(server);
}

// What Docker prints for the server in messages.
std::string ServerName(const std::string& domain) {
  return domain == "docker.io" ? std::string(registry::kDockerHubCredentialKey) : domain;
}

// A line from the terminal; echo off for secrets.
Result<std::string> Prompt(const std::string& label, bool secret) {
  std::fprintf(stderr, "%s", label.c_str());
  std::fflush(stderr);
  termios old{};
  bool restore = secret && ::tcgetattr(0, &old) == 0;
  if (restore) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(0, TCSAFLUSH, &quiet);
  }
  std::string line;
  bool got = static_cast<bool>(std::getline(std::cin, line));
  if (restore) {
    ::tcsetattr(0, TCSAFLUSH, &old);
    std::fprintf(stderr, "\n");
  }
  if (!got) return MakeError(Code::kCancelled, "no input");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

Result<std::string> ReadPasswordStdin() {
  FdReader in(0);
  std::string s = TRY(ReadAll(in, 1 << 20));
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

}  // namespace

int CmdLogin(Context& ctx, const std::vector<std::string>& args) {
  FlagSet fs(ctx.command_path(), "login [OPTIONS] [SERVER]",
             "Log in to a registry.\nIf no server is specified, the default is defined by the daemon.");
  std::string* user = fs.String("username", 'u', "", "Username");
  std::string* pass = fs.String("password", 'p', "", "Password");
  bool* pass_stdin = fs.Bool("password-stdin", 0, false, "Take the password from stdin");
  int exit = 0;
  if (!ParseFlags(fs, args, &exit)) return exit;
  if (fs.args().size() > 1) return ArgCountError(fs, "requires at most 1 argument");
  std::string domain = ServerDomain(fs.args().empty() ? "" : fs.args()[0]);

  if (!pass->empty()) {
    std::fprintf(stderr, "WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n");
    if (*pass_stdin) return Fail("Error: --password and --password-stdin are mutually exclusive");
  }
  if (*pass_stdin) {
    if (user->empty()) return Fail("Error: Must provide --username with --password-stdin");
    auto p = ReadPasswordStdin();
    if (!p.ok()) return Fail(p.error());
    *pass = *p;
  }
  auto store = registry::CredentialStore::Open(ctx.globals().config_dir);
  if (!store.ok()) return Fail(store.error());
  auto config = ctx.RegistryConfig();
  if (!config.ok()) return Fail(config.error());
  auto endpoint = registry::RegistryEndpoint(*config, domain);
  if (!endpoint.ok()) return Fail(endpoint.error());
  registry::ClientOptions options = ctx.ClientOptions();

  registry::AuthConfig auth{.username = *user, .password = *pass};
  if (user->empty() && pass->empty()) {  // stored credentials first, as Docker does
    auto stored = store->Get(domain);
    if (!stored.ok()) return Fail(stored.error());
    if (*stored && !(*stored)->username.empty()) {
      std::printf("Authenticating with existing credentials...\n");
      std::fflush(stdout);
      registry::Credentials c{.username = (*stored)->username, .password = (*stored)->password,
                              .identity_token = (*stored)->identity_token};
      if (registry::CheckLogin(*endpoint, c, options).ok()) {
        std::printf("Login Succeeded\n");
        return 0;
      }
    }
  }
  if (auth.username.empty() || auth.password.empty()) {
    if (!::isatty(0)) return Fail("Error: Cannot perform an interactive login from a non TTY device");
    if (auth.username.empty()) {
      auto u = Prompt("Username: ", false);
      if (!u.ok() || u->empty()) return Fail("Error: Username is required");
      auth.username = *u;
    }
    if (auth.password.empty()) {
      auto p = Prompt("Password: ", true);
      if (!p.ok() || p->empty()) return Fail("Error: Password is required");
      auth.password = *p;
    }
  }
  Status st = registry::CheckLogin(*endpoint,
                                   {.username = auth.username, .password = auth.password}, options);
  if (!st.ok()) return Fail("Error: " + st.error().message);
  Status saved = store->Store(domain, auth);
  if (!saved.ok()) return Fail("Error: saving credentials: " + saved.error().message);
  if (store->HelperFor(domain).empty()) {
    std::fprintf(stderr,
                 "WARNING! Your password will be stored unencrypted in %s.\n"
                 "Configure a credential helper to remove this warning. See\n"
                 "https://docs.docker.com/engine/reference/commandline/login/#credentials-store\n\n",
                 store->path().c_str());
  }
  std::printf("Login Succeeded\n");
  return 0;
}

int CmdLogout(Context& ctx, const std::vector<std::string>& args) {
  FlagSet fs(ctx.command_path(), "logout [SERVER]",
             "Log out from a registry.\nIf no server is specified, the default is defined by the daemon.");
  int exit = 0;
  if (!ParseFlags(fs, args, &exit)) return exit;
  if (fs.args().size() > 1) return ArgCountError(fs, "requires at most 1 argument");
  std::string domain = ServerDomain(fs.args().empty() ? "" : fs.args()[0]);
  std::string server = ServerName(domain);
  auto store = registry::CredentialStore::Open(ctx.globals().config_dir);
  if (!store.ok()) return Fail(store.error());
  auto erased = store->Erase(domain);
  if (!erased.ok()) return Fail(erased.error());
  if (!*erased) {
    std::printf("Not logged in to %s\n", server.c_str());
    return 0;
  }
  std::printf("Removing login credentials for %s\n", server.c_str());
  return 0;
}

}  // namespace berth::cli
