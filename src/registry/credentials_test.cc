#include "registry/credentials.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <csignal>
#include <cstdlib>
#include <thread>

#include "base/file.h"
#include "base/interrupt.h"
#include "base/strings.h"

namespace berth::registry {
namespace {

using namespace std::chrono_literals;

// A fake docker-credential helper keeping each server's credentials in a
// file of STORE (named after the server URL), logging its arguments (never
// its stdin) to STORE/calls. Only shell builtins and absolute paths: the
// tests run with $PATH holding nothing but the fake helpers.
constexpr std::string_view kFakeHelper = R"SH(#!/bin/sh
store=STORE
echo "$# $*" >> "$store/calls"
case "$1" in
get)
  read -r url
  f="$store/$(printf %s "$url" | /usr/bin/tr -c 'A-Za-z0-9.' '_')"
  if [ -f "$f" ]; then /usr/bin/cat "$f"; exit 0; fi
  echo "credentials not found in native keychain"; exit 1 ;;
store)
  json=$(/usr/bin/cat)
  url=$(printf %s "$json" | /usr/bin/sed -n 's/.*"ServerURL":"\([^"]*\)".*/\1/p')
  f="$store/$(printf %s "$url" | /usr/bin/tr -c 'A-Za-z0-9.' '_')"
  printf %s "$json" > "$f" ;;
erase)
  read -r url
  f="$store/$(printf %s "$url" | /usr/bin/tr -c 'A-Za-z0-9.' '_')"
  if [ -f "$f" ]; then /usr/bin/rm "$f"; exit 0; fi
  echo "credentials not found in native keychain"; exit 1 ;;
*) echo "unknown action"; exit 1 ;;
esac
)SH";

class CredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* base = std::getenv("BERTH_TEST_TMP");
    std::string parent = base ? base : "/tmp";
    ASSERT_TRUE(MkdirAll(parent).ok());
    tmp_ = *MakeTempDir(parent, "credentials-");
    dir_ = tmp_ + "/docker";
    bin_ = tmp_ + "/bin";
    store_ = tmp_ + "/helper-store";
    ASSERT_TRUE(MkdirAll(bin_).ok());
    ASSERT_TRUE(MkdirAll(store_).ok());
    if (const char* p = std::getenv("PATH")) old_path_ = p;
    ::setenv("PATH", bin_.c_str(), 1);
  }
  void TearDown() override {
    ::setenv("PATH", old_path_.c_str(), 1);
    (void)RemoveAll(tmp_);
  }

  void WriteScript(const std::string& name, std::string_view body) {
    ASSERT_TRUE(WriteFileAtomic(bin_ + "/" + name, body, 0755).ok());
  }
  void InstallFake(const std::string& name = "fake") {
    std::string body(kFakeHelper);
    body.replace(body.find("STORE"), 5, store_);
    WriteScript("docker-credential-" + name, body);
  }
  void WriteConfig(std::string_view text) {
    ASSERT_TRUE(MkdirAll(dir_, 0700).ok());
    ASSERT_TRUE(WriteFileAtomic(dir_ + "/config.json", text, 0600).ok());
  }
  std::string Config() { return ReadFile(dir_ + "/config.json").value(); }
  Json ConfigJson() { return Json::parse(Config()); }
  CredentialStore Open(CredentialStoreOptions opts = {}) {
    auto s = CredentialStore::Open(dir_, opts);
    EXPECT_TRUE(s.ok()) << s.error().message;
    return std::move(s).value();
  }
  std::string Calls() {
    auto c = ReadFile(store_ + "/calls");
    return c.ok() ? *c : "";
  }
  static int Mode(const std::string& path) {
    struct stat st;
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    return st.st_mode & 07777;
  }

  // docker-credential-slow: records its pid, then sleeps for 30 s.
  void WriteSlowHelper() {
    WriteScript("docker-credential-slow",
                "#!/bin/sh\necho $$ > " + tmp_ + "/slow.pid\nexec /usr/bin/sleep 30\n");
  }
  // Whether the slow helper's process still exists (not when it was killed
  // before it wrote its pid).
  bool SlowHelperAlive() {
    auto text = ReadFile(tmp_ + "/slow.pid");
    if (!text.ok()) return false;
    auto pid = ParseInt(Trim(*text));
    EXPECT_TRUE(pid.has_value());
    return pid && ::kill(static_cast<pid_t>(*pid), 0) == 0;
  }

  std::string tmp_, dir_, bin_, store_, old_path_;
};

TEST(CredentialKeyTest, DockerHubAndOtherHosts) {
  EXPECT_EQ(CredentialKey("docker.io"), "https://index.docker.io/v1/");
  EXPECT_EQ(CredentialKey("index.docker.io"), "https://index.docker.io/v1/");
  EXPECT_EQ(CredentialKey("registry-1.docker.io"), "https://index.docker.io/v1/");
  EXPECT_EQ(CredentialKey("https://index.docker.io/v1/"), "https://index.docker.io/v1/");
  EXPECT_EQ(CredentialKey("localhost:5000"), "localhost:5000");
  EXPECT_EQ(CredentialKey("https://localhost:5000/"), "localhost:5000");
  EXPECT_EQ(CredentialKey("ghcr.io"), "ghcr.io");
}

TEST(CredentialKeyTest, ConvertToHostnameStripsSchemeAndPath) {
  EXPECT_EQ(ConvertToHostname("http://host:5000/v2/"), "host:5000");
  EXPECT_EQ(ConvertToHostname("https://host"), "host");
  EXPECT_EQ(ConvertToHostname("host/path"), "host");
  EXPECT_EQ(ConvertToHostname("host"), "host");
}

TEST(AuthEncodingTest, RoundTripAndDockerQuirks) {
  EXPECT_EQ(EncodeAuth("user", "pass"), "dXNlcjpwYXNz");
  EXPECT_EQ(EncodeAuth("", ""), "");
  EXPECT_EQ(EncodeAuth("a", "b:c"), "YTpiOmM=");
  auto up = DecodeAuth("YTpiOmM=");
  ASSERT_TRUE(up.ok()) << up.error().message;
  EXPECT_EQ(up->first, "a");
  EXPECT_EQ(up->second, "b:c");  // cut at the first ':'
  for (std::string pass : {"", "p", "pa", "pas", "pass!"}) {
    auto r = DecodeAuth(EncodeAuth("user", pass));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->second, pass);
  }
  EXPECT_EQ(DecodeAuth(EncodeAuth("u", std::string("p\0\0", 3)))->second, "p");
  EXPECT_EQ(DecodeAuth("!!!!").error().code, Code::kInvalidArgument);
  EXPECT_FALSE(DecodeAuth("bm9jb2xvbg==").ok());          // "nocolon"
  EXPECT_FALSE(DecodeAuth(EncodeAuth("", "pass")).ok());  // no username
}

TEST_F(CredentialsTest, MissingConfigIsEmpty) {
  CredentialStore s = Open();
  EXPECT_EQ(s.path(), dir_ + "/config.json");
  EXPECT_EQ(s.HelperFor("docker.io"), "");
  EXPECT_EQ(s.Describe("docker.io"), "config file " + dir_ + "/config.json");
  auto got = s.Get("docker.io");
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_FALSE(got->has_value());
  EXPECT_FALSE(PathExists(dir_));  // reading never creates anything
}

TEST_F(CredentialsTest, ReadsAuthsLikeDocker) {
  WriteConfig(R"({
    "auths": {
      "https://index.docker.io/v1/": {"auth": "dXNlcjpwYXNz"},
      "tokens.example": {"auth": "dXNlcjo=", "identitytoken": "refresh", "registrytoken": "bearer"},
      "plain.example": {"username": "pu", "password": "pp"},
      "https://legacy.example:5000/v1/": {"auth": "bGVnOmFjeQ=="},
      "empty.example": {}
    }
  })");
  EXPECT_EQ(CredentialStore::Open(dir_)->HelperFor("docker.io"), "");
  CredentialStore s = Open();
  auto hub = s.Get("docker.io");
  ASSERT_TRUE(hub.ok() && hub->has_value());
  EXPECT_EQ(**hub, (AuthConfig{.username = "user",
                               .password = "pass",
                               .server_address = "https://index.docker.io/v1/"}));
  EXPECT_EQ((*s.Get("index.docker.io"))->username, "user");

  auto tok = *s.Get("tokens.example");
  ASSERT_TRUE(tok.has_value());
  EXPECT_EQ(tok->username, "user");
  EXPECT_EQ(tok->password, "");
  EXPECT_EQ(tok->identity_token, "refresh");
  EXPECT_EQ(tok->registry_token, "bearer");

  auto plain = *s.Get("plain.example");
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(plain->username, "pu");
  EXPECT_EQ(plain->password, "pp");

  // A key written as a URL is found by its hostname.
  auto legacy = *s.Get("legacy.example:5000");
  ASSERT_TRUE(legacy.has_value());
  EXPECT_EQ(legacy->username, "leg");
  EXPECT_EQ(legacy->password, "acy");
  EXPECT_EQ(legacy->server_address, "https://legacy.example:5000/v1/");

  EXPECT_FALSE(s.Get("empty.example")->has_value());
  EXPECT_FALSE(s.Get("other.example")->has_value());

  auto client = s.ClientCredentials("tokens.example");
  ASSERT_TRUE(client.ok());
  EXPECT_EQ(client->username, "user");
  EXPECT_EQ(client->identity_token, "refresh");
  EXPECT_TRUE(s.ClientCredentials("other.example")->empty());
}

TEST_F(CredentialsTest, StoreCreatesPrivateDirAndFile) {
  CredentialStore s = Open();
  ASSERT_TRUE(s.Store("localhost:5000", {.username = "u", .password = "p"}).ok());
  EXPECT_EQ(Mode(dir_), 0700);
  EXPECT_EQ(Mode(dir_ + "/config.json"), 0600);
  Json j = ConfigJson();
  EXPECT_EQ(j["auths"]["localhost:5000"], Json({{"auth", "dTpw"}}));
  EXPECT_NE(Config().find("\n\t\"auths\": {"), std::string::npos) << Config();  // Docker's tabs
  EXPECT_EQ(*ListDir(dir_), std::vector<std::string>{"config.json"});           // no temp left

  auto again = CredentialStore::Open(dir_);
  ASSERT_TRUE(again.ok());
  auto got = *again->Get("https://localhost:5000/");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got,
            (AuthConfig{.username = "u", .password = "p", .server_address = "localhost:5000"}));
}

TEST_F(CredentialsTest, StoreKeepsEveryOtherKeyAndTightensMode) {
  WriteConfig(R"({
  "psFormat": "table {{.ID}}",
  "auths": {
    "other.example": {"auth": "bzpw", "email": "o@example.com"},
    "docker.io-like": {"x-extra": [1, 2]},
    "https://index.docker.io/v1/": {"auth": "b2xkOm9sZA==", "email": "me@example.com", "password": "stale"}
  },
  "proxies": {"default": {"httpProxy": "http://proxy:3128"}},
  "unknownKey": {"nested": [1, "two", null, true]}
})");
  ASSERT_EQ(::chmod((dir_ + "/config.json").c_str(), 0644), 0);
  CredentialStore s = Open();
  ASSERT_TRUE(
      s.Store("docker.io", {.username = "new", .password = "secret", .identity_token = "idt"})
          .ok());
  EXPECT_EQ(Mode(dir_ + "/config.json"), 0600);
  Json j = ConfigJson();
  EXPECT_EQ(j["psFormat"], "table {{.ID}}");
  EXPECT_EQ(j["proxies"]["default"]["httpProxy"], "http://proxy:3128");
  EXPECT_EQ(j["unknownKey"], Json::parse(R"({"nested": [1, "two", null, true]})"));
  EXPECT_EQ(j["auths"]["other.example"],
            Json::parse(R"({"auth": "bzpw", "email": "o@example.com"})"));
  EXPECT_EQ(j["auths"]["docker.io-like"], Json::parse(R"({"x-extra": [1, 2]})"));
  EXPECT_EQ(
      j["auths"]["https://index.docker.io/v1/"],
      Json::parse(
          R"({"email": "me@example.com", "auth": "bmV3OnNlY3JldA==", "identitytoken": "idt"})"));
  // Key order is the file's.
  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"psFormat", "auths", "proxies", "unknownKey"}));
}

TEST_F(CredentialsTest, StoreWithoutChangeDoesNotRewrite) {
  CredentialStore s = Open();
  ASSERT_TRUE(s.Store("localhost:5000", {.username = "u", .password = "p"}).ok());
  struct stat before, after;
  ASSERT_EQ(::stat((dir_ + "/config.json").c_str(), &before), 0);
  ASSERT_TRUE(s.Store("localhost:5000", {.username = "u", .password = "p"}).ok());
  ASSERT_EQ(::stat((dir_ + "/config.json").c_str(), &after), 0);
  EXPECT_EQ(before.st_ino, after.st_ino);
}

TEST_F(CredentialsTest, StoreSeesChangesMadeSinceOpen) {
  CredentialStore a = Open();
  CredentialStore b = Open();
  ASSERT_TRUE(a.Store("one.example", {.username = "u1", .password = "p1"}).ok());
  ASSERT_TRUE(b.Store("two.example", {.username = "u2", .password = "p2"}).ok());
  Json j = ConfigJson();
  EXPECT_TRUE(j["auths"].contains("one.example"));
  EXPECT_TRUE(j["auths"].contains("two.example"));
}

TEST_F(CredentialsTest, WritesThroughASymlinkedConfig) {
  ASSERT_TRUE(MkdirAll(dir_, 0700).ok());
  ASSERT_TRUE(WriteFileAtomic(tmp_ + "/dotfiles-config.json", R"({"psFormat": "x"})", 0600).ok());
  ASSERT_EQ(::symlink("../dotfiles-config.json", (dir_ + "/config.json").c_str()), 0);
  CredentialStore s = Open();
  ASSERT_TRUE(s.Store("localhost:5000", {.username = "u", .password = "p"}).ok());
  struct stat st;
  ASSERT_EQ(::lstat((dir_ + "/config.json").c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  Json j = Json::parse(*ReadFile(tmp_ + "/dotfiles-config.json"));
  EXPECT_EQ(j["psFormat"], "x");
  EXPECT_TRUE(j["auths"].contains("localhost:5000"));
}

TEST_F(CredentialsTest, MalformedConfigIsAnErrorAndLeftAlone) {
  std::string path = dir_ + "/config.json";
  for (std::string_view bad :
       {R"({"auths": {)", R"([1, 2])", R"({"auths": []})", R"({"auths": {"h": {"auth": "%%%"}}})",
        R"({"auths": {"h": {"auth": "bm9jb2xvbg=="}}})", R"({"auths": {"h": 3}})",
        R"({"credsStore": 1})", R"({"credHelpers": {"h": true}})"}) {
    WriteConfig(bad);
    auto s = CredentialStore::Open(dir_);
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.error().code, Code::kInvalidArgument) << bad;
    EXPECT_TRUE(s.error().message.starts_with("loading config file " + path + ": "))
        << s.error().message;
    EXPECT_EQ(Config(), bad);
  }
  // Broken after Open: Store refuses to replace it.
  WriteConfig("{}");
  CredentialStore s = Open();
  WriteConfig("{not json");
  Status st = s.Store("localhost:5000", {.username = "u", .password = "p"});
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find(path), std::string::npos);
  EXPECT_EQ(Config(), "{not json");
  // Empty and whitespace-only files are an empty config, as for Docker.
  WriteConfig(" \n");
  EXPECT_TRUE(CredentialStore::Open(dir_).ok());
}

TEST_F(CredentialsTest, EraseRemovesTheEntryAndLegacyForms) {
  WriteConfig(R"({"auths": {
    "localhost:5000": {"auth": "dTpw"},
    "https://localhost:5000/v2/": {"auth": "dTpw"},
    "http://localhost:5000": {"auth": "dTpw"},
    "keep.example": {"auth": "dTpw"}
  }, "other": 1})");
  CredentialStore s = Open();
  auto erased = s.Erase("localhost:5000");
  ASSERT_TRUE(erased.ok()) << erased.error().message;
  EXPECT_TRUE(*erased);
  Json j = ConfigJson();
  EXPECT_EQ(j["auths"], Json::parse(R"({"keep.example": {"auth": "dTpw"}})"));
  EXPECT_EQ(j["other"], 1);
  EXPECT_FALSE(s.Get("localhost:5000")->has_value());

  struct stat before, after;
  ASSERT_EQ(::stat((dir_ + "/config.json").c_str(), &before), 0);
  auto again = s.Erase("localhost:5000");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);  // "Not logged in"
  ASSERT_EQ(::stat((dir_ + "/config.json").c_str(), &after), 0);
  EXPECT_EQ(before.st_ino, after.st_ino);  // nothing written

  EXPECT_FALSE(*s.Erase("docker.io"));
}

TEST_F(CredentialsTest, DockerHubEntriesUnderOtherNamesAreFoundAndErased) {
  WriteConfig(R"({"auths": {"index.docker.io": {"auth": "aHViOnB3"}, "keep.example": {}}})");
  CredentialStore s = Open();
  auto got = *s.Get("docker.io");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->username, "hub");
  EXPECT_EQ(got->server_address, "index.docker.io");
  EXPECT_TRUE(*s.Erase("registry-1.docker.io"));
  EXPECT_EQ(ConfigJson()["auths"], Json::parse(R"({"keep.example": {}})"));
}

TEST_F(CredentialsTest, CredsStoreRoundTripThroughTheHelper) {
  InstallFake();
  WriteConfig(R"({"credsStore": "fake", "psFormat": "x"})");
  CredentialStore s = Open();
  EXPECT_EQ(s.HelperFor("localhost:5000"), "fake");
  EXPECT_EQ(s.Describe("localhost:5000"), "credential helper docker-credential-fake");
  EXPECT_FALSE(s.Get("localhost:5000")->has_value());  // "credentials not found"

  ASSERT_TRUE(s.Store("localhost:5000", {.username = "alice", .password = "s3cret\"x"}).ok());
  // The file records the key, not the secret.
  Json j = ConfigJson();
  EXPECT_EQ(j["auths"], Json::parse(R"({"localhost:5000": {}})"));
  EXPECT_EQ(j["credsStore"], "fake");
  EXPECT_EQ(j["psFormat"], "x");
  EXPECT_EQ(Config().find("s3cret"), std::string::npos);
  EXPECT_EQ(Mode(dir_ + "/config.json"), 0600);

  auto got = CredentialStore::Open(dir_)->Get("localhost:5000");
  ASSERT_TRUE(got.ok()) << got.error().message;
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got,
            (AuthConfig{
                .username = "alice", .password = "s3cret\"x", .server_address = "localhost:5000"}));

  // Docker Hub: the helper sees Docker's key; an identity token travels as "<token>".
  ASSERT_TRUE(s.Store("docker.io", {.username = "bob", .identity_token = "refresh"}).ok());
  auto hub = *s.Get("registry-1.docker.io");
  ASSERT_TRUE(hub.has_value());
  EXPECT_EQ(hub->username, "");
  EXPECT_EQ(hub->identity_token, "refresh");
  EXPECT_EQ(hub->server_address, "https://index.docker.io/v1/");
  EXPECT_TRUE(ConfigJson()["auths"].contains("https://index.docker.io/v1/"));

  auto erased = s.Erase("localhost:5000");
  ASSERT_TRUE(erased.ok()) << erased.error().message;
  EXPECT_TRUE(*erased);
  EXPECT_FALSE(s.Get("localhost:5000")->has_value());
  EXPECT_FALSE(ConfigJson()["auths"].contains("localhost:5000"));

  // Secrets never appear on the helper's command line: one argument each time.
  std::string calls = Calls();
  EXPECT_EQ(calls.find("s3cret"), std::string::npos);
  EXPECT_EQ(calls.find("refresh"), std::string::npos);
  for (const std::string& line : Split(Trim(calls), '\n')) {
    EXPECT_TRUE(line == "1 get" || line == "1 store" || line == "1 erase") << line;
  }
}

TEST_F(CredentialsTest, CredHelpersWinOverCredsStore) {
  InstallFake();
  WriteConfig(R"({"credsStore": "missing", "credHelpers": {"localhost:5000": "fake"}})");
  CredentialStore s = Open();
  EXPECT_EQ(s.HelperFor("localhost:5000"), "fake");
  EXPECT_EQ(s.HelperFor("ghcr.io"), "missing");
  ASSERT_TRUE(s.Store("localhost:5000", {.username = "u", .password = "p"}).ok());
  EXPECT_EQ((*s.Get("localhost:5000"))->password, "p");
}

TEST_F(CredentialsTest, MissingHelperIsAnErrorNamingIt) {
  WriteConfig(R"({"auths": {"ghcr.io": {"auth": "dTpw"}}, "credHelpers": {"ghcr.io": "nothere"}})");
  std::string before = Config();
  CredentialStore s = Open();
  auto got = s.Get("ghcr.io");
  ASSERT_FALSE(got.ok());  // never the file's "u:p" instead
  EXPECT_EQ(got.error().code, Code::kNotFound);
  EXPECT_NE(got.error().message.find("docker-credential-nothere"), std::string::npos)
      << got.error().message;
  Status st = s.Store("ghcr.io", {.username = "u2", .password = "p2"});
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("docker-credential-nothere"), std::string::npos);
  EXPECT_EQ(Config(), before);  // nothing recorded
  EXPECT_FALSE(s.Erase("ghcr.io").ok());
  EXPECT_EQ(Config(), before);
}

TEST_F(CredentialsTest, HelperFailuresAreErrors) {
  WriteScript("docker-credential-boom", "#!/bin/sh\necho 'keychain is locked'\nexit 3\n");
  WriteScript("docker-credential-garbage", "#!/bin/sh\necho 'not json'\n");
  WriteScript("docker-credential-badtype", "#!/bin/sh\necho '{\"Username\": 5}'\n");
  WriteScript("docker-credential-flood", "#!/bin/sh\nexec /usr/bin/head -c 2000000 /dev/zero\n");
  WriteSlowHelper();
  WriteScript(
      "docker-credential-lower",
      "#!/bin/sh\necho '{\"serverurl\": \"x\", \"username\": \"lu\", \"secret\": \"ls\"}'\n");
  WriteConfig(R"({"credHelpers": {"boom": "boom", "garbage": "garbage", "badtype": "badtype",
      "flood": "flood", "slow": "slow", "lower": "lower"}})");
  CredentialStore s = Open();

  auto boom = s.Get("boom");
  ASSERT_FALSE(boom.ok());
  EXPECT_EQ(boom.error().code, Code::kUnavailable);
  EXPECT_EQ(boom.error().message,
            "error getting credentials - err: docker-credential-boom: exit status 3, "
            "out: `keychain is locked`");
  Status st = s.Store("boom", {.username = "u", .password = "p"});
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(st.error().message.starts_with("error storing credentials")) << st.error().message;

  EXPECT_EQ(s.Get("garbage").error().code, Code::kInvalidArgument);
  EXPECT_EQ(s.Get("badtype").error().code, Code::kInvalidArgument);

  auto flood = s.Get("flood");
  ASSERT_FALSE(flood.ok());
  EXPECT_EQ(flood.error().code, Code::kDataLoss);
  EXPECT_NE(flood.error().message.find("1048576"), std::string::npos) << flood.error().message;

  auto start = std::chrono::steady_clock::now();
  auto slow = Open({.helper = {.timeout = 300ms}}).Get("slow");
  ASSERT_FALSE(slow.ok());
  EXPECT_EQ(slow.error().code, Code::kUnavailable);
  EXPECT_NE(slow.error().message.find("timed out after 300ms"), std::string::npos)
      << slow.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  EXPECT_FALSE(SlowHelperAlive());  // killed and reaped

  // Go decodes the answer's field names ignoring case.
  auto lower = s.Get("lower");
  ASSERT_TRUE(lower.ok()) << lower.error().message;
  EXPECT_EQ((*lower)->username, "lu");
  EXPECT_EQ((*lower)->password, "ls");
}

TEST_F(CredentialsTest, InterruptKillsTheHelper) {
  WriteSlowHelper();
  WriteConfig(R"({"credsStore": "slow"})");
  CredentialStore s = Open();
  struct sigaction saved = {};
  ::sigaction(SIGINT, nullptr, &saved);
  ResetInterruptForTesting();
  InstallInterruptHandlers();
  pthread_t self = ::pthread_self();
  std::thread later([self] {
    std::this_thread::sleep_for(300ms);
    ::pthread_kill(self, SIGINT);
  });
  auto start = std::chrono::steady_clock::now();
  auto got = s.Get("localhost:5000");
  later.join();
  ::sigaction(SIGINT, &saved, nullptr);
  ResetInterruptForTesting();
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, Code::kCancelled);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  EXPECT_FALSE(SlowHelperAlive());
}

TEST_F(CredentialsTest, HelperNotFoundFallsBackToTheFileEntryLikeDocker) {
  InstallFake();
  WriteConfig(R"({"credsStore": "fake", "auths": {"old.example": {"auth": "dTpw"}}})");
  auto got = *Open().Get("old.example");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->username, "u");
}

TEST_F(CredentialsTest, DetectsDockersDefaultStoreOnlyWithoutAuthConfigured) {
  InstallFake("secretservice");
  {
    CredentialStore s = Open();
    EXPECT_EQ(s.HelperFor("docker.io"), "secretservice");
    ASSERT_TRUE(s.Store("docker.io", {.username = "u", .password = "p"}).ok());
    Json j = ConfigJson();
    EXPECT_EQ(j["credsStore"], "secretservice");
    EXPECT_EQ(j["auths"], Json::parse(R"({"https://index.docker.io/v1/": {}})"));
    EXPECT_EQ((*Open().Get("docker.io"))->password, "p");
  }
  // pass is preferred when both it and its helper are installed.
  WriteScript("pass", "#!/bin/sh\nexit 0\n");
  InstallFake("pass");
  ASSERT_EQ(::unlink((dir_ + "/config.json").c_str()), 0);
  EXPECT_EQ(Open().HelperFor("docker.io"), "pass");
  // A config with credentials of its own keeps using the file.
  WriteConfig(R"({"auths": {"x.example": {"auth": "dTpw"}}})");
  EXPECT_EQ(Open().HelperFor("docker.io"), "");
}

TEST(FindInPathTest, FindsExecutablesOnly) {
  const char* base = std::getenv("BERTH_TEST_TMP");
  std::string tmp = *MakeTempDir(base ? base : "/tmp", "findinpath-");
  ASSERT_TRUE(WriteFileAtomic(tmp + "/tool", "#!/bin/sh\n", 0755).ok());
  ASSERT_TRUE(WriteFileAtomic(tmp + "/data", "x", 0644).ok());
  std::string old = std::getenv("PATH") ? std::getenv("PATH") : "";
  ::setenv("PATH", ("relative:" + tmp + "/absent::" + tmp).c_str(), 1);
  EXPECT_EQ(FindInPath("tool"), tmp + "/tool");
  EXPECT_EQ(FindInPath("data"), std::nullopt);
  EXPECT_EQ(FindInPath("nope"), std::nullopt);
  EXPECT_EQ(FindInPath("a/tool"), std::nullopt);
  ::setenv("PATH", old.c_str(), 1);
  (void)RemoveAll(tmp);
}

}  // namespace
}  // namespace berth::registry
