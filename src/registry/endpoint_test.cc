#include "registry/endpoint.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "base/file.h"
#include "registry/config.h"

namespace berth::registry {
namespace {

std::string TempDir() {
  const char* base = std::getenv("BERTH_TEST_TMP");
  std::string dir = std::string(base && *base ? base : "/tmp") + "/endpoint-XXXXXX";
  (void)MkdirAll(dir.substr(0, dir.rfind('/')), 0755);
  return mkdtemp(dir.data());
}

void Write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

TEST(EndpointTest, LoopbackHosts) {
  EXPECT_TRUE(IsLoopbackHost("127.0.0.1:5000"));
  EXPECT_TRUE(IsLoopbackHost("127.1.2.3"));
  EXPECT_TRUE(IsLoopbackHost("localhost:5000"));
  EXPECT_TRUE(IsLoopbackHost("[::1]:5000"));
  EXPECT_FALSE(IsLoopbackHost("128.0.0.1:5000"));
  EXPECT_FALSE(IsLoopbackHost("registry.example.com"));
  EXPECT_FALSE(IsLoopbackHost("127.0.0.1.evil.com:5000"));
}

TEST(EndpointTest, InsecureByNameOrCidr) {
  RegistryConfig c{.insecure = {"myreg:5000", "10.0.0.0/8", "http://other.example/"}};
  EXPECT_TRUE(IsInsecure(c, "myreg:5000"));
  EXPECT_FALSE(IsInsecure(c, "myreg:5001"));
  EXPECT_TRUE(IsInsecure(c, "10.1.2.3:443"));
  EXPECT_FALSE(IsInsecure(c, "11.1.2.3:443"));
  EXPECT_TRUE(IsInsecure(c, "other.example"));
  EXPECT_TRUE(IsInsecure(c, "127.0.0.1:1"));
}

TEST(EndpointTest, DockerHubAndMirrorsFirst) {
  RegistryConfig c;
  ASSERT_TRUE(AddMirror(c, "https://mirror.example/").ok());
  ASSERT_TRUE(AddMirror(c, "quay.io=http://127.0.0.1:6000").ok());
  auto hub = PullEndpoints(c, "docker.io");
  ASSERT_TRUE(hub.ok()) << hub.error().message;
  ASSERT_EQ(hub->size(), 2u);
  EXPECT_EQ((*hub)[0].url, "https://mirror.example");
  EXPECT_TRUE((*hub)[0].mirror);
  EXPECT_TRUE((*hub)[0].tls.verify);
  EXPECT_EQ((*hub)[1].url, "https://registry-1.docker.io");
  EXPECT_EQ((*hub)[1].domain, "docker.io");
  auto quay = PullEndpoints(c, "quay.io");
  ASSERT_EQ(quay->size(), 2u);
  EXPECT_EQ((*quay)[0].url, "http://127.0.0.1:6000");
  EXPECT_TRUE((*quay)[0].insecure);
  auto push = RegistryEndpoint(c, "docker.io");  // mirrors are for pulls only
  ASSERT_TRUE(push.ok());
  EXPECT_EQ(push->url, "https://registry-1.docker.io");
  EXPECT_FALSE(push->mirror);
}

TEST(EndpointTest, BadMirrors) {
  RegistryConfig c;
  EXPECT_FALSE(AddMirror(c, "mirror.example").ok());
  EXPECT_FALSE(AddMirror(c, "ftp://mirror.example").ok());
  EXPECT_FALSE(AddMirror(c, "https://user:pw@mirror.example").ok());
  EXPECT_FALSE(AddMirror(c, "=https://m.example").ok());
}

TEST(EndpointTest, CertsDirGivesCaAndClientCert) {
  std::string dir = TempDir();
  RegistryConfig c{.certs_dir = dir};
  ASSERT_TRUE(MkdirAll(dir + "/reg.example:5000", 0755).ok());
  Write(dir + "/reg.example:5000/ca.crt", "-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n");
  Write(dir + "/reg.example:5000/client.cert", "cert");
  Write(dir + "/reg.example:5000/client.key", "key");
  auto tls = TlsFor(c, "reg.example:5000", /*insecure=*/true);
  ASSERT_TRUE(tls.ok()) << tls.error().message;
  EXPECT_TRUE(tls->verify);  // a CA was given: verified even though insecure
  EXPECT_NE(tls->ca_pem.find("X\n-----END CERTIFICATE-----"), std::string::npos);
  EXPECT_EQ(tls->client_cert, dir + "/reg.example:5000/client.cert");
  EXPECT_EQ(tls->client_key, dir + "/reg.example:5000/client.key");

  auto none = TlsFor(c, "other:5000", true);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->verify);
  EXPECT_TRUE(none->ca_pem.empty());

  ASSERT_TRUE(MkdirAll(dir + "/half", 0755).ok());
  Write(dir + "/half/client.cert", "cert");
  EXPECT_EQ(TlsFor(c, "half", false).error().code, Code::kInvalidArgument);
}

TEST(ConfigTest, LoadsDaemonJsonKeys) {
  std::string dir = TempDir();
  Write(dir + "/daemon.json", R"({"registry-mirrors": ["https://m1.example/"],
    "registry-mirrors-by-host": {"quay.io": ["http://127.0.0.1:7000"]},
    "insecure-registries": ["10.0.0.0/8"], "debug": true})");
  auto c = LoadRegistryConfig(dir + "/daemon.json", false);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->mirrors["docker.io"], std::vector<std::string>{"https://m1.example"});
  EXPECT_EQ(c->mirrors["quay.io"], std::vector<std::string>{"http://127.0.0.1:7000"});
  EXPECT_EQ(c->insecure, std::vector<std::string>{"10.0.0.0/8"});

  EXPECT_TRUE(LoadRegistryConfig(dir + "/missing.json", true).ok());
  EXPECT_EQ(LoadRegistryConfig(dir + "/missing.json", false).error().code, Code::kNotFound);
  Write(dir + "/bad.json", "{\"registry-mirrors\": \"https://x\"}");
  auto bad = LoadRegistryConfig(dir + "/bad.json", true);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("bad.json"), std::string::npos);
  Write(dir + "/junk.json", "{not json");
  EXPECT_EQ(LoadRegistryConfig(dir + "/junk.json", true).error().code, Code::kInvalidArgument);
}

}  // namespace
}  // namespace berth::registry
