#include "container/inspect.h"

#include <gtest/gtest.h>

namespace berth::container {
namespace {

// dockerd 20.10 for `docker run --network none -v /tmp:/hosttmp -v
// /usr:/u:ro,z -v /etc:/e:rw,rshared IMAGE`.
TEST(InspectTest, MountsAsDockerListsThem) {
  Container c;
  c.host.binds = {"/srv/data:/hosttmp", "/usr:/u:ro,z", "/etc:/e:rw,rshared", "relative:/x"};
  Json mounts = MountsJson(c);
  ASSERT_EQ(mounts.size(), 3u);  // the named volume cannot be a bind
  EXPECT_EQ(DumpJson(mounts[0]),
            R"({"Type":"bind","Source":"/srv/data","Destination":"/hosttmp","Mode":"","RW":true,"Propagation":"rprivate"})");
  EXPECT_EQ(DumpJson(mounts[1]),
            R"({"Type":"bind","Source":"/usr","Destination":"/u","Mode":"ro,z","RW":false,"Propagation":"rprivate"})");
  EXPECT_EQ(DumpJson(mounts[2]),
            R"({"Type":"bind","Source":"/etc","Destination":"/e","Mode":"rw,rshared","RW":true,"Propagation":"rshared"})");
  EXPECT_EQ(MountsJson(Container{}), Json::array());
}

TEST(InspectTest, HostConfigHasDockersKeysAndTheRecordsValues) {
  Container c;
  Json none = HostConfigJson(c);
  EXPECT_TRUE(none["Binds"].is_null());
  EXPECT_EQ(none["NetworkMode"], "none");
  EXPECT_EQ(DumpJson(none["RestartPolicy"]), R"({"Name":"no","MaximumRetryCount":0})");
  EXPECT_EQ(DumpJson(none["LogConfig"]), R"({"Type":"json-file","Config":{}})");
  EXPECT_EQ(none["ShmSize"], 67108864);
  EXPECT_EQ(none.size(), 65u);  // docker 20.10's HostConfig keys
  EXPECT_EQ(none.begin().key(), "Binds");
  EXPECT_EQ((--none.end()).key(), "ReadonlyPaths");

  c.host = {.binds = {"/a:/b"}, .network_mode = "host", .auto_remove = true, .read_only = true,
            .runtime = "crun"};
  Json host = HostConfigJson(c);
  EXPECT_EQ(DumpJson(host["Binds"]), R"(["/a:/b"])");
  EXPECT_EQ(host["NetworkMode"], "host");
  EXPECT_EQ(host["AutoRemove"], true);
  EXPECT_EQ(host["ReadonlyRootfs"], true);
  EXPECT_EQ(host["Runtime"], "crun");
  EXPECT_EQ(DumpJson(host["PortBindings"]), "{}");

  c.host.ports = {"8080:80", "8081:80/tcp", "127.0.0.1:5353:53/udp"};
  EXPECT_EQ(DumpJson(HostConfigJson(c)["PortBindings"]),
            R"({"80/tcp":[{"HostIp":"","HostPort":"8080"},{"HostIp":"","HostPort":"8081"}],)"
            R"("53/udp":[{"HostIp":"127.0.0.1","HostPort":"5353"}]})");
}

}  // namespace
}  // namespace berth::container
