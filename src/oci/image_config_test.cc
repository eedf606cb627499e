#include "oci/image_config.h"

#include <gtest/gtest.h>

#include "base/clock.h"
#include "oci/chain_id.h"

namespace berth {
namespace {

// A busybox config as Docker 20.10 wrote it (keys sorted, full Config objects).
const char kBusyboxConfig[] =
    R"({"architecture":"amd64","config":{"Hostname":"","Domainname":"","User":"","AttachStdin":false,)"
    R"("AttachStdout":false,"AttachStderr":false,"Tty":false,"OpenStdin":false,"StdinOnce":false,)"
    R"("Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"],)"
    R"("Image":"sha256:688db7a53b2e8d0358c0e1f309856290bb25ce7acabbf9938f580582e921833f",)"
    R"("Volumes":null,"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":null},)"
    R"("container":"65aaed1d1f89cd3cd5aac9137c4786831e99a845ad823496c6008a22a725c780",)"
    R"("container_config":{"Hostname":"65aaed1d1f89","Domainname":"","User":"","AttachStdin":false,)"
    R"("AttachStdout":false,"AttachStderr":false,"Tty":false,"OpenStdin":false,"StdinOnce":false,)"
    R"("Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],)"
    R"("Cmd":["/bin/sh","-c","#(nop) ","CMD [\"sh\"]"],)"
    R"("Image":"sha256:688db7a53b2e8d0358c0e1f309856290bb25ce7acabbf9938f580582e921833f",)"
    R"("Volumes":null,"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":null},)"
    R"("created":"2021-12-30T19:19:41.006954958Z","docker_version":"20.10.7",)"
    R"("history":[{"created":"2021-12-30T19:19:40.833034683Z","created_by":"/bin/sh -c #(nop) ADD )"
    R"(file:6db446a57cbd2b7f4cfde1f280177b458390ed5a6d1b54c6169522bc2c4d838e in / "},)"
    R"({"created":"2021-12-30T19:19:41.006954958Z","created_by":"/bin/sh -c #(nop)  CMD [\"sh\"]",)"
    R"("empty_layer":true}],"os":"linux","rootfs":{"type":"layers","diff_ids":)"
    R"(["sha256:01fd6df81c8ec7dd24bbbd72342671f41813f992999a3471b9d9cbc44ad88374"]}})";

// An nginx-like config written by BuildKit (OCI field subset, other order).
const char kNginxConfig[] = R"({
  "architecture": "arm64", "variant": "v8", "os": "linux",
  "created": "2023-08-16T09:50:55.765544033+02:00",
  "author": "NGINX Docker Maintainers <docker-maint@nginx.com>",
  "config": {
    "ExposedPorts": {"80/tcp": {}, "443/tcp": {}},
    "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "NGINX_VERSION=1.25.2"],
    "Entrypoint": ["/docker-entrypoint.sh"],
    "Cmd": ["nginx", "-g", "daemon off;"],
    "Labels": {"maintainer": "NGINX Docker Maintainers <docker-maint@nginx.com>"},
    "StopSignal": "SIGQUIT",
    "StopTimeout": 30,
    "Volumes": {"/var/cache/nginx": {}},
    "WorkingDir": "/",
    "Healthcheck": {"Test": ["CMD-SHELL", "curl -f http://localhost/ || exit 1"], "Interval": 30000000000},
    "ArgsEscaped": true,
    "Shell": ["/bin/bash", "-c"],
    "OnBuild": ["RUN echo hi"],
    "NetworkDisabled": false,
    "SomethingNew": {"x": 1}
  },
  "rootfs": {"type": "layers", "diff_ids": [
    "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"]},
  "history": [
    {"created": "2023-08-16T00:00:00Z", "created_by": "ADD rootfs.tar.xz / # buildkit", "comment": "buildkit.dockerfile.v0"},
    {"created_by": "CMD [\"nginx\"]", "empty_layer": true, "author": "me"}
  ],
  "moby.buildkit.buildinfo.v1": "e30="
})";

TEST(ImageConfig, DockerConfigRoundTripsByteForByte) {
  auto c = ImageConfig::Parse(kBusyboxConfig);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->architecture, "amd64");
  EXPECT_EQ(c->os, "linux");
  EXPECT_EQ(c->docker_version, "20.10.7");
  ASSERT_TRUE(c->created.has_value());
  EXPECT_EQ(FormatRfc3339Nano(*c->created), "2021-12-30T19:19:41.006954958Z");
  EXPECT_EQ(c->config.cmd, std::vector<std::string>{"sh"});
  EXPECT_FALSE(c->config.entrypoint.has_value());
  ASSERT_TRUE(c->container_config.has_value());
  EXPECT_EQ(c->container_config->hostname, "65aaed1d1f89");
  ASSERT_EQ(c->diff_ids.size(), 1u);
  EXPECT_EQ(c->diff_ids[0].Short(), "01fd6df81c8e");
  ASSERT_EQ(c->history.size(), 2u);
  EXPECT_FALSE(c->history[0].empty_layer);
  EXPECT_TRUE(c->history[1].empty_layer);
  EXPECT_EQ(c->history[1].created_by, "/bin/sh -c #(nop)  CMD [\"sh\"]");
  EXPECT_EQ(c->ToJson(), kBusyboxConfig);
  // The image id other tools compute for these bytes is the sha256 of them.
  EXPECT_EQ(Digest::Of(c->ToJson()), Digest::Of(kBusyboxConfig));
}

TEST(ImageConfig, BuildKitConfig) {
  auto c = ImageConfig::Parse(kNginxConfig);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->platform().String(), "linux/arm64/v8");
  EXPECT_EQ(FormatRfc3339Nano(*c->created), "2023-08-16T07:50:55.765544033Z");
  const ContainerConfig& cc = c->config;
  EXPECT_EQ(cc.exposed_ports, (std::set<std::string>{"443/tcp", "80/tcp"}));
  EXPECT_EQ(cc.volumes, std::set<std::string>{"/var/cache/nginx"});
  EXPECT_EQ(cc.entrypoint, std::vector<std::string>{"/docker-entrypoint.sh"});
  EXPECT_EQ(cc.cmd, (std::vector<std::string>{"nginx", "-g", "daemon off;"}));
  EXPECT_EQ(cc.labels.at("maintainer"), "NGINX Docker Maintainers <docker-maint@nginx.com>");
  EXPECT_EQ(cc.stop_signal, "SIGQUIT");
  EXPECT_EQ(cc.stop_timeout, 30);
  EXPECT_TRUE(cc.args_escaped);
  EXPECT_EQ(cc.healthcheck["Interval"], 30000000000);
  EXPECT_EQ(cc.shell, (std::vector<std::string>{"/bin/bash", "-c"}));
  EXPECT_EQ(cc.on_build, std::vector<std::string>{"RUN echo hi"});
  EXPECT_FALSE(c->container_config.has_value());
  ASSERT_EQ(c->history.size(), 2u);
  EXPECT_EQ(c->history[0].comment, "buildkit.dockerfile.v0");
  EXPECT_FALSE(c->history[1].created.has_value());
  EXPECT_EQ(c->history[1].author, "me");
  EXPECT_EQ(ChainId(c->diff_ids, 1), c->diff_ids[0]);

  // Printing and parsing again gives the same value; printing is stable.
  std::string out = c->ToJson();
  auto again = ImageConfig::Parse(out);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(*again, *c);
  EXPECT_EQ(again->ToJson(), out);
  // Go's HTML escaping of < > &.
  EXPECT_NE(out.find(R"(\u003cdocker-maint@nginx.com\u003e)"), std::string::npos);
  EXPECT_NE(out.find(R"("history":[{"created":"2023-08-16T00:00:00Z","created_by":)"),
            std::string::npos);
  EXPECT_NE(out.find(R"({"author":"me","created_by":"CMD [\"nginx\"]","empty_layer":true})"),
            std::string::npos);
  EXPECT_EQ(out.find("moby.buildkit"), std::string::npos);
}

TEST(ImageConfig, MinimalConfigOmitsEmptyFields) {
  ImageConfig c;
  c.os = "linux";
  c.architecture = "amd64";
  EXPECT_EQ(
      c.ToJson(),
      R"({"architecture":"amd64","config":{"Hostname":"","Domainname":"","User":"",)"
      R"("AttachStdin":false,"AttachStdout":false,"AttachStderr":false,"Tty":false,)"
      R"("OpenStdin":false,"StdinOnce":false,"Env":null,"Cmd":null,"Image":"","Volumes":null,)"
      R"("WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":null},"os":"linux",)"
      R"("rootfs":{"type":"layers","diff_ids":[]}})");
  auto empty = ImageConfig::Parse("{}");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, ImageConfig{});
}

TEST(ImageConfig, ZeroTimeReadsAsUnknown) {
  auto c = ImageConfig::Parse(
      R"({"created":"0001-01-01T00:00:00Z","history":[{"created":"1970-01-01T00:00:00Z"}]})");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_FALSE(c->created.has_value());
  ASSERT_EQ(c->history.size(), 1u);
  EXPECT_EQ(c->history[0].created, 0);
  EXPECT_FALSE(ImageConfig::Parse(R"({"created":"0001-01-01T00:00:00"})").ok());
}

TEST(ImageConfig, Errors) {
  struct Case {
    std::string json, message;
  } cases[] = {
      {R"({"created": 5})", "invalid image config: created: not a string"},
      {R"({"created": "yesterday"})", "invalid image config: created: invalid time \"yesterday\""},
      {R"({"architecture": ["amd64"]})", "invalid image config: architecture: not a string"},
      {R"({"config": "x"})", "invalid image config: config: not an object"},
      {R"({"config": {"Env": "A=1"}})",
       "invalid image config: config.Env: not an array of strings"},
      {R"({"config": {"Env": ["A=1", 2]}})",
       "invalid image config: config.Env: not an array of strings"},
      {R"({"config": {"Tty": "true"}})", "invalid image config: config.Tty: not a boolean"},
      {R"({"config": {"StopTimeout": 1.5}})",
       "invalid image config: config.StopTimeout: not an integer"},
      {R"({"config": {"StopTimeout": 99999999999}})",
       "invalid image config: config.StopTimeout: integer out of range"},
      {R"({"config": {"Labels": {"a": 1}}})",
       "invalid image config: config.Labels.a: not a string"},
      {R"({"config": {"ExposedPorts": ["80/tcp"]}})",
       "invalid image config: config.ExposedPorts: not an object"},
      {R"({"config": {"Healthcheck": "none"}})",
       "invalid image config: config.Healthcheck: not an object"},
      {R"({"container_config": {"Cmd": 3}})",
       "invalid image config: container_config.Cmd: not an array of strings"},
      {R"({"rootfs": {"type": "layers", "diff_ids": ["sha256:abc"]}})",
       "invalid image config: rootfs.diff_ids[0]: invalid checksum digest length"},
      {R"({"rootfs": {"type": "layers", "diff_ids": [1]}})",
       "invalid image config: rootfs.diff_ids[0]: not a string"},
      {R"({"rootfs": {"type": "zfs"}})", "invalid image config: rootfs.type: unsupported \"zfs\""},
      {R"({"rootfs": []})", "invalid image config: rootfs: not an object"},
      {R"({"history": [{"empty_layer": "yes"}]})",
       "invalid image config: history[0].empty_layer: not a boolean"},
      {R"({"history": [{}, 3]})", "invalid image config: history[1]: not an object"},
      {R"({"history": {}})", "invalid image config: history: not an array"},
      {"[1]", "invalid image config: not a JSON object"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.json);
    auto r = ImageConfig::Parse(c.json);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Code::kInvalidArgument);
    EXPECT_EQ(r.error().message, c.message);
  }
  auto r = ImageConfig::Parse("{\"os\": ");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().message.starts_with("invalid image config: parse error"))
      << r.error().message;
}

TEST(ContainerConfig, NullCmdIsNotEmptyCmd) {
  auto null_cmd = ContainerConfig::Parse(R"({"Cmd": null, "Entrypoint": null})");
  auto empty_cmd = ContainerConfig::Parse(R"({"Cmd": [], "Entrypoint": []})");
  auto absent = ContainerConfig::Parse(R"({})");
  ASSERT_TRUE(null_cmd.ok() && empty_cmd.ok() && absent.ok());
  EXPECT_FALSE(null_cmd->cmd.has_value());
  EXPECT_FALSE(absent->cmd.has_value());
  ASSERT_TRUE(empty_cmd->cmd.has_value());
  EXPECT_TRUE(empty_cmd->cmd->empty());
  EXPECT_NE(*null_cmd, *empty_cmd);
  EXPECT_TRUE(null_cmd->ToDockerJson()["Cmd"].is_null());
  EXPECT_TRUE(null_cmd->ToDockerJson()["Entrypoint"].is_null());
  EXPECT_EQ(DumpJson(empty_cmd->ToDockerJson()["Cmd"]), "[]");
  EXPECT_EQ(DumpJson(empty_cmd->ToDockerJson()["Entrypoint"]), "[]");
  // Docker's StrSlice also takes a bare string.
  auto str = ContainerConfig::Parse(R"({"Cmd": "sh", "Entrypoint": "/init", "Shell": "/bin/sh"})");
  ASSERT_TRUE(str.ok());
  EXPECT_EQ(str->cmd, std::vector<std::string>{"sh"});
  EXPECT_EQ(str->entrypoint, std::vector<std::string>{"/init"});
  EXPECT_EQ(str->shell, std::vector<std::string>{"/bin/sh"});
}

std::vector<std::string> Keys(const Json& j) {
  std::vector<std::string> out;
  for (auto it = j.begin(); it != j.end(); ++it) out.push_back(it.key());
  return out;
}

TEST(ContainerConfig, DockerJsonKeyOrder) {
  ContainerConfig plain;
  EXPECT_EQ(Keys(plain.ToDockerJson()),
            (std::vector<std::string>{"Hostname", "Domainname", "User", "AttachStdin",
                                      "AttachStdout", "AttachStderr", "Tty", "OpenStdin",
                                      "StdinOnce", "Env", "Cmd", "Image", "Volumes", "WorkingDir",
                                      "Entrypoint", "OnBuild", "Labels"}));
  ContainerConfig full;
  full.exposed_ports = {"80/tcp"};
  full.healthcheck = Json::parse(R"({"Test":["NONE"]})");
  full.args_escaped = true;
  full.stop_signal = "SIGTERM";
  full.stop_timeout = 10;
  full.shell = {"/bin/sh", "-c"};
  full.volumes = {"/b", "/a"};
  full.labels = {{"z", "1"}, {"a", "2"}};
  full.env = {"A=1"};
  full.cmd = std::vector<std::string>{"x"};
  Json j = full.ToDockerJson();
  EXPECT_EQ(Keys(j),
            (std::vector<std::string>{"Hostname",     "Domainname",   "User",         "AttachStdin",
                                      "AttachStdout", "AttachStderr", "ExposedPorts", "Tty",
                                      "OpenStdin",    "StdinOnce",    "Env",          "Cmd",
                                      "Healthcheck",  "ArgsEscaped",  "Image",        "Volumes",
                                      "WorkingDir",   "Entrypoint",   "OnBuild",      "Labels",
                                      "StopSignal",   "StopTimeout",  "Shell"}));
  EXPECT_EQ(DumpJson(j["Volumes"]), R"({"/a":{},"/b":{}})");
  EXPECT_EQ(DumpJson(j["Labels"]), R"({"a":"2","z":"1"})");
  EXPECT_EQ(DumpJson(j["ExposedPorts"]), R"({"80/tcp":{}})");
  auto back = ContainerConfig::Parse(full.ToJson());
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, full);
}

TEST(Json, DumpIsGoCompatible) {
  Json j = Json::object();
  j["s"] = "a<b>&c\xe2\x80\xa8";
  j["bad"] = std::string("x\xff");
  EXPECT_EQ(DumpJson(j), "{\"s\":\"a\\u003cb\\u003e\\u0026c\\u2028\",\"bad\":\"x\xef\xbf\xbd\"}");
  // Parsing the escaped form gives back the original characters.
  auto back = ParseJsonObject(DumpJson(j), "x");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ((*back)["s"], "a<b>&c\xe2\x80\xa8");
}

}  // namespace
}  // namespace berth
