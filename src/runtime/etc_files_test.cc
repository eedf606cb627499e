#include "runtime/etc_files.h"

#include <gtest/gtest.h>

namespace berth::runtime {
namespace {

// Recorded with docker 20.10: `docker run --network none --hostname hh IMAGE cat /etc/hosts`.
TEST(HostsFile, NoneNetworkAsDocker) {
  EXPECT_EQ(HostsFile(NetworkMode::kNone, "ignored"),
            "127.0.0.1\tlocalhost\n"
            "::1\tlocalhost ip6-localhost ip6-loopback\n"
            "fe00::0\tip6-localnet\n"
            "ff00::0\tip6-mcastprefix\n"
            "ff02::1\tip6-allnodes\n"
            "ff02::2\tip6-allrouters\n");
}

TEST(HostsFile, HostNetworkIsTheHostsFile) {
  EXPECT_EQ(HostsFile(NetworkMode::kHost, "127.0.0.1 localhost\n127.0.0.1 vm\n"),
            "127.0.0.1 localhost\n127.0.0.1 vm\n");
}

TEST(HostnameFile, EndsWithNewline) { EXPECT_EQ(HostnameFile("hh"), "hh\n"); }

TEST(ResolvConf, Cases) {
  struct Case {
    NetworkMode mode;
    std::string host, want;
  };
  const Case cases[] = {
      {NetworkMode::kNone, "nameserver 10.255.255.53\n", "nameserver 10.255.255.53\n"},
      {NetworkMode::kNone, "search lan\nnameserver 127.0.0.53\nnameserver 1.1.1.1\n",
       "search lan\nnameserver 1.1.1.1\n"},
      {NetworkMode::kNone, "nameserver 127.0.0.53\noptions edns0\n",
       "options edns0\n\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n"},
      {NetworkMode::kNone, "", "\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n"},
      {NetworkMode::kHost, "nameserver 127.0.0.53\n", "nameserver 127.0.0.53\n"},
  };
  for (const auto& c : cases) EXPECT_EQ(ResolvConf(c.mode, c.host), c.want) << c.host;
}

}  // namespace
}  // namespace berth::runtime
