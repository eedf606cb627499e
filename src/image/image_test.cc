#include <gtest/gtest.h>

#include "image/changes.h"
#include "image/list.h"

namespace berth::image {
namespace {

TEST(Changes, DockerfileInstructions) {
  ContainerConfig c;
  ASSERT_TRUE(ApplyChanges({"CMD echo hi", "ENTRYPOINT [\"/bin/app\", \"-v\"]", "ENV A=1 B=\"x y\"",
                            "ENV C ${A}-$B", "EXPOSE 80 53/udp 8000-8001", "LABEL k=v",
                            "USER app", "WORKDIR /srv", "WORKDIR sub", "VOLUME [\"/a\", \"/b\"]",
                            "STOPSIGNAL SIGTERM", "ONBUILD RUN make"},
                           c)
                  .ok());
  EXPECT_EQ(c.cmd, (std::vector<std::string>{"/bin/sh", "-c", "echo hi"}));
  EXPECT_EQ(c.entrypoint, (std::vector<std::string>{"/bin/app", "-v"}));
  EXPECT_EQ(c.env, (std::vector<std::string>{"A=1", "B=x y", "C=1-x y"}));
  EXPECT_EQ(c.exposed_ports, (std::set<std::string>{"80/tcp", "53/udp", "8000/tcp", "8001/tcp"}));
  EXPECT_EQ(c.labels.at("k"), "v");
  EXPECT_EQ(c.user, "app");
  EXPECT_EQ(c.working_dir, "/srv/sub");
  EXPECT_EQ(c.volumes, (std::set<std::string>{"/a", "/b"}));
  EXPECT_EQ(c.stop_signal, "SIGTERM");
  EXPECT_EQ(c.on_build, std::vector<std::string>{"RUN make"});
}

TEST(Changes, RejectsWhatDockerRejects) {
  ContainerConfig c;
  EXPECT_EQ(ApplyChanges({"RUN make"}, c).error().message, "run is not a valid change command");
  EXPECT_EQ(ApplyChanges({"FROM x"}, c).error().message, "from is not a valid change command");
  EXPECT_FALSE(ApplyChanges({"EXPOSE 70000"}, c).ok());
  EXPECT_FALSE(ApplyChanges({"ENV =x"}, c).ok());
  EXPECT_FALSE(ApplyChanges({"ONBUILD FROM x"}, c).ok());
  EXPECT_FALSE(ApplyChanges({"LABEL a=\"unterminated"}, c).ok());
}

TEST(SplitWords, QuotesAndEscapes) {
  EXPECT_EQ(*SplitWords(R"(a "b c" 'd e' f\ g)"), (std::vector<std::string>{"a", "b c", "d e", "f g"}));
  EXPECT_EQ(*SplitWords("  "), std::vector<std::string>{});
}

TEST(PathMatch, GoSemantics) {
  EXPECT_TRUE(PathMatch("busy*", "busybox"));
  EXPECT_TRUE(PathMatch("busybox:*", "busybox:latest"));
  EXPECT_FALSE(PathMatch("*", "sgfoot/top"));  // '*' does not cross '/'
  EXPECT_TRUE(PathMatch("*/top", "sgfoot/top"));
  EXPECT_TRUE(PathMatch("b?sybox", "busybox"));
  EXPECT_TRUE(PathMatch("[a-c]usybox", "busybox"));
  EXPECT_FALSE(PathMatch("[^b]usybox", "busybox"));
  EXPECT_FALSE(PathMatch("busy", "busybox"));
}

TEST(TimeFilter, TimestampsAndDurations) {
  int64_t now = 1700000000LL * 1000000000;
  EXPECT_EQ(ParseTimeFilter("2023-11-14T22:13:20Z", now), now);
  EXPECT_EQ(ParseTimeFilter("1700000000", now), now);
  EXPECT_EQ(ParseTimeFilter("1h30m", now), now - 5400LL * 1000000000);
  EXPECT_FALSE(ParseTimeFilter("yesterday", now));
}

}  // namespace
}  // namespace berth::image
