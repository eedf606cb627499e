// login, logout, pull and push all need the same answer to "which
// credentials for this registry?", and users expect `docker login` to work for
// berth and the other way round. So berth keeps no credentials of its own: it
// reads and writes Docker's config.json with Docker's rules (keys, helper
// precedence, base64 "auth", Docker Hub's legacy URL key, the Linux default
// helper), while editing the file as a guest: only the entry it changes,
// every other key kept, atomic and private (0600) writes, and a malformed
// file reported, never replaced.
#include "registry/credentials.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdlib>
#include <map>
#include <tuple>

#include "base/atomic_file.h"
#include "base/file.h"
#include "base/io.h"
#include "base/strings.h"
#include "registry/auth.h"

namespace berth::registry {
namespace {

// Members of an "auths" entry that hold credentials (Docker's AuthConfig
// fields other than "email").
constexpr std::array<std::string_view, 6> kSecretMembers = {
    "auth", "username", "password", "identitytoken", "registrytoken", "serveraddress"};

bool IsDockerHub(std::string_view host) {
  return host == "docker.io" || host == "index.docker.io" || host == "registry-1.docker.io";
}

// The member key of obj as a string ("" when absent or null).
std::string StringOf(const Json& obj, std::string_view key) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

// config.json as the docker CLI reads it; typed members checked (they are
// what berth relies on), everything else left alone.
Status CheckConfig(const Json& config) {
  JsonFields top(config, "");
  std::string store;
  TRY(top.String("credsStore", store));
  std::map<std::string, std::string> helpers;
  TRY(top.StringMap("credHelpers", helpers));
  const Json* auths = TRY(top.Object("auths"));
  if (!auths) return Ok();
  for (auto it = auths->begin(); it != auths->end(); ++it) {
    if (it->is_null()) continue;
    if (!it->is_object()) return top.FieldError("auths." + it.key(), "not an object");
    JsonFields entry(*it, "auths." + it.key());
    std::string value;
    for (std::string_view member : kSecretMembers) TRY(entry.String(member, value));
    TRY(entry.String("email", value));
    if (std::string auth = StringOf(*it, "auth"); !auth.empty()) {
      if (auto up = DecodeAuth(auth); !up.ok()) {
        return up.error().Wrap("auths." + it.key() + ".auth");
      }
    }
  }
  return Ok();
}

// Reads and checks config.json; {} when absent or empty. Errors name the file.
Result<Json> LoadConfig(const std::string& path) {
  std::string context = "loading config file " + path;
  auto text = ReadFile(path);
  if (!text.ok() && text.error().code == Code::kNotFound) return Json::object();
  if (!text.ok()) return text.error().Wrap(context);
  if (Trim(*text).empty()) return Json::object();
  Json config = TRY(ParseJsonObject(*text, context));
  TRY_CTX(CheckConfig(config), context);
  return config;
}

// Docker's ConfigFile.ContainsAuth.
bool ContainsAuth(const Json& config) {
  auto non_empty = [&](std::string_view key) {
    auto it = config.find(key);
    return it != config.end() && !it->is_null() && !it->empty();
  };
  return !StringOf(config, "credsStore").empty() || non_empty("credHelpers") || non_empty("auths");
}

// Docker's DetectDefaultStore on Linux.
std::string DetectDefaultStore() {
  std::string name = FindInPath("pass") ? "pass" : "secretservice";
  return FindInPath(std::string(kHelperPrefix) + name) ? name : "";
}

// The credentials of one "auths" entry (checked by CheckConfig).
AuthConfig ParseEntry(const Json& entry, std::string_view key) {
  AuthConfig a;
  a.server_address = std::string(key);
  if (!entry.is_object()) return a;
  a.username = StringOf(entry, "username");
  a.password = StringOf(entry, "password");
  if (std::string auth = StringOf(entry, "auth"); !auth.empty()) {
    if (auto up = DecodeAuth(auth); up.ok()) std::tie(a.username, a.password) = *up;
  }
  a.identity_token = StringOf(entry, "identitytoken");
  a.registry_token = StringOf(entry, "registrytoken");
  return a;
}

bool HasCredentials(const AuthConfig& a) {
  return !a.username.empty() || !a.password.empty() || !a.identity_token.empty() ||
         !a.registry_token.empty();
}

// An "auths" entry without its credential members (what Docker keeps beside
// a helper: {} or an old "email").
Json StripSecrets(const Json* old) {
  Json entry = old && old->is_object() ? *old : Json::object();
  for (std::string_view member : kSecretMembers) entry.erase(std::string(member));
  return entry;
}

void SetOrErase(Json& obj, const std::string& key, const std::string& value) {
  if (value.empty()) {
    obj.erase(key);
  } else {
    obj[key] = value;
  }
}

// config.json's "auths" object, created when missing or null.
Json& AuthsOf(Json& config) {
  Json& auths = config["auths"];
  if (!auths.is_object()) auths = Json::object();
  return auths;
}

// Where a write to path must go: the target of a symlinked config.json
// (dangling or not), else path.
std::string WriteTarget(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return path;
  if (char* real = ::realpath(path.c_str(), nullptr)) {
    std::string out = real;
    std::free(real);
    return out;
  }
  char buf[PATH_MAX];
  ssize_t n = ::readlink(path.c_str(), buf, sizeof buf - 1);
  if (n <= 0) return path;
  std::string link(buf, static_cast<size_t>(n));
  return link[0] == '/' ? link : JoinPath(DirName(path), link);
}

// Writes config atomically with mode 0600, tab-indented as Docker writes it.
// An existing file's owner is kept when berth runs as root (sudo berth login
// in a user's config dir), as Docker does.
Status WriteConfig(const std::string& dir, const std::string& path, const Json& config) {
  TRY(MkdirAll(dir, 0700));
  std::string target = WriteTarget(path);
  AtomicFile file = TRY(AtomicFile::Create(target, "config.json.", 0600));
  if (::fchmod(file.fd(), 0600) != 0) return ErrnoError("chmod " + file.temp_path());
  struct stat old;
  if (::stat(target.c_str(), &old) == 0 &&
      (old.st_uid != ::geteuid() || old.st_gid != ::getegid())) {
    (void)!::fchown(file.fd(), old.st_uid, old.st_gid);
  }
  FdWriter out(file.fd());
  TRY(out.Write(AsBytes(config.dump(1, '\t', false, Json::error_handler_t::replace))));
  return file.Commit();
}

}  // namespace

std::string ConvertToHostname(std::string_view url) {
  std::string_view s = url;
  if (s.starts_with("http://")) {
    s.remove_prefix(7);
  } else if (s.starts_with("https://")) {
    s.remove_prefix(8);
  }
  return std::string(s.substr(0, s.find('/')));
}

std::string CredentialKey(std::string_view registry_host) {
  std::string host = ConvertToHostname(registry_host);
  if (IsDockerHub(host)) return std::string(kDockerHubCredentialKey);
  return host;
}

std::string EncodeAuth(std::string_view username, std::string_view password) {
  if (username.empty() && password.empty()) return "";
  return Base64Encode(std::string(username) + ":" + std::string(password));
}

Result<std::pair<std::string, std::string>> DecodeAuth(std::string_view auth) {
  std::string decoded = TRY(Base64Decode(auth));
  auto cut = Cut(decoded, ':');
  if (!cut || cut->first.empty()) {
    return MakeError(Code::kInvalidArgument, "invalid auth configuration file");
  }
  // Go's strings.Trim(password, "\x00").
  std::string_view password = cut->second;
  while (!password.empty() && password.front() == '\0') password.remove_prefix(1);
  while (!password.empty() && password.back() == '\0') password.remove_suffix(1);
  return std::pair(cut->first, std::string(password));
}

Result<CredentialStore> CredentialStore::Open(std::string config_dir,
                                              CredentialStoreOptions options) {
  CredentialStore s;
  s.path_ = JoinPath(config_dir, "config.json");
  s.dir_ = std::move(config_dir);
  s.options_ = options;
  s.config_ = TRY(LoadConfig(s.path_));
  if (!ContainsAuth(s.config_)) s.detected_store_ = DetectDefaultStore();
  return s;
}

std::string CredentialStore::HelperForKey(std::string_view key) const {
  if (auto it = config_.find("credHelpers"); it != config_.end() && it->is_object()) {
    if (auto h = it->find(key); h != it->end() && h->is_string()) return h->get<std::string>();
  }
  std::string store = StringOf(config_, "credsStore");
  return store.empty() ? detected_store_ : store;
}

std::string CredentialStore::HelperFor(std::string_view host) const {
  return HelperForKey(CredentialKey(host));
}

std::string CredentialStore::Describe(std::string_view host) const {
  std::string helper = HelperFor(host);
  if (helper.empty()) return "config file " + path_;
  return "credential helper " + std::string(kHelperPrefix) + helper;
}

CredentialHelper CredentialStore::Helper(const std::string& name) const {
  return CredentialHelper(name, options_.helper);
}

Result<std::optional<AuthConfig>> CredentialStore::Get(std::string_view host) const {
  std::string key = CredentialKey(host);
  // 1. The file's entry: the exact key, else a legacy key with that hostname.
  AuthConfig auth;
  auth.server_address = key;
  if (auto auths = config_.find("auths"); auths != config_.end() && auths->is_object()) {
    if (auto it = auths->find(key); it != auths->end()) {
      auth = ParseEntry(*it, key);
    } else {
      for (auto e = auths->begin(); e != auths->end(); ++e) {
        if (CredentialKey(e.key()) == key) {
          auth = ParseEntry(*e, e.key());
          break;
        }
      }
    }
  }
  // 2. A helper's answer replaces the user and secret (Docker's nativeStore).
  if (std::string helper = HelperForKey(key); !helper.empty()) {
    auto creds = TRY(Helper(helper).Get(key));
    if (creds) {
      auth.username.clear();
      auth.password.clear();
      auth.identity_token.clear();
      if (creds->username == kTokenUsername) {
        auth.identity_token = creds->secret;
      } else {
        auth.username = creds->username;
        auth.password = creds->secret;
      }
      auth.server_address = key;
    }
  }
  if (!HasCredentials(auth)) return std::optional<AuthConfig>();
  return std::optional<AuthConfig>(std::move(auth));
}

Status CredentialStore::Update(const std::function<Status(Json&)>& edit) {
  Json config = TRY(LoadConfig(path_));
  Json before = config;
  TRY(edit(config));
  if (config != before) TRY(WriteConfig(dir_, path_, config));
  config_ = std::move(config);
  return Ok();
}

Status CredentialStore::Store(std::string_view host, const AuthConfig& auth) {
  std::string key = CredentialKey(host);
  std::string helper = HelperForKey(key);
  if (!helper.empty()) {
    HelperCredentials creds{auth.username, auth.password};
    if (!auth.identity_token.empty()) creds = {std::string(kTokenUsername), auth.identity_token};
    TRY(Helper(helper).Store(key, creds));
  }
  bool record_store = !detected_store_.empty() && helper == detected_store_;
  return Update([&](Json& config) -> Status {
    Json& auths = AuthsOf(config);
    auto old = auths.find(key);
    Json entry = StripSecrets(old != auths.end() ? &*old : nullptr);
    if (helper.empty()) {
      SetOrErase(entry, "auth", EncodeAuth(auth.username, auth.password));
      SetOrErase(entry, "identitytoken", auth.identity_token);
      SetOrErase(entry, "registrytoken", auth.registry_token);
    }
    auths[key] = std::move(entry);
    if (record_store && StringOf(config, "credsStore").empty()) {
      config["credsStore"] = detected_store_;
    }
    return Ok();
  });
}

Result<Credentials> CredentialStore::ClientCredentials(std::string_view host) const {
  std::optional<AuthConfig> auth = TRY(Get(host));
  if (!auth) return Credentials{};
  return Credentials{.username = auth->username,
                     .password = auth->password,
                     .identity_token = auth->identity_token};
}

std::vector<std::string> CredentialStore::KeysFor(std::string_view host) const {
  std::string key = CredentialKey(host);
  std::vector<std::string> keys = {key};
  auto add = [&](std::string k) {
    if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(std::move(k));
  };
  if (key != kDockerHubCredentialKey) {
    add("http://" + key);
    add("https://" + key);
  }
  if (auto auths = config_.find("auths"); auths != config_.end() && auths->is_object()) {
    for (auto e = auths->begin(); e != auths->end(); ++e) {
      if (CredentialKey(e.key()) == key) add(e.key());
    }
  }
  return keys;
}

Result<bool> CredentialStore::Erase(std::string_view host) {
  std::vector<std::string> keys = KeysFor(host);
  auto auths = config_.find("auths");
  auto recorded = [&](const std::string& k) {
    return auths != config_.end() && auths->is_object() && auths->contains(k);
  };
  bool had_entry = false;
  std::vector<std::string> erased;
  std::optional<Error> first_error;
  for (const std::string& k : keys) {
    bool in_file = recorded(k);
    had_entry = had_entry || in_file;
    // The helper is asked about the registry's own key, and about a legacy
    // form only when the file says it was used.
    if (std::string helper = HelperForKey(k); !helper.empty() && (in_file || k == keys[0])) {
      if (Status st = Helper(helper).Erase(k); !st.ok()) {
        if (!first_error) first_error = st.error();
        continue;
      }
    }
    if (in_file) erased.push_back(k);
  }
  if (!erased.empty()) {
    TRY(Update([&](Json& config) -> Status {
      Json& a = AuthsOf(config);
      for (const std::string& k : erased) a.erase(k);
      return Ok();
    }));
  }
  if (first_error) return *first_error;
  return had_entry;
}

}  // namespace berth::registry
