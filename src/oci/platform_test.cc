#include "oci/platform.h"

#include <gtest/gtest.h>

namespace berth {
namespace {

TEST(Platform, ParseTable) {
  struct Case {
    std::string in, os, arch, variant, str;
  } cases[] = {
      {"linux/amd64", "linux", "amd64", "", "linux/amd64"},
      {"linux/x86_64", "linux", "amd64", "", "linux/amd64"},
      {"linux/x86-64", "linux", "amd64", "", "linux/amd64"},
      {"linux/amd64/v1", "linux", "amd64", "", "linux/amd64"},
      {"linux/amd64/v3", "linux", "amd64", "v3", "linux/amd64/v3"},
      {"linux/arm64", "linux", "arm64", "", "linux/arm64"},
      {"linux/arm64/v8", "linux", "arm64", "v8", "linux/arm64/v8"},
      {"linux/aarch64", "linux", "arm64", "", "linux/arm64"},
      {"linux/arm64/8", "linux", "arm64", "v8", "linux/arm64/v8"},
      {"linux/arm/v7", "linux", "arm", "v7", "linux/arm/v7"},
      {"linux/arm", "linux", "arm", "v7", "linux/arm/v7"},
      {"linux/arm/6", "linux", "arm", "v6", "linux/arm/v6"},
      {"linux/armhf", "linux", "arm", "v7", "linux/arm/v7"},
      {"linux/armel", "linux", "arm", "v6", "linux/arm/v6"},
      {"linux/i386", "linux", "386", "", "linux/386"},
      {"linux/ppc64le", "linux", "ppc64le", "", "linux/ppc64le"},
      {"linux/s390x", "linux", "s390x", "", "linux/s390x"},
      {"linux/riscv64", "linux", "riscv64", "", "linux/riscv64"},
      {"Linux/AMD64", "linux", "amd64", "", "linux/amd64"},
      {"windows/amd64", "windows", "amd64", "", "windows/amd64"},
      {"amd64", "linux", "amd64", "", "linux/amd64"},
      {"aarch64", "linux", "arm64", "", "linux/arm64"},
      {"armhf", "linux", "arm", "v7", "linux/arm/v7"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.in);
    auto p = ParsePlatform(c.in);
    ASSERT_TRUE(p.ok()) << p.error().message;
    EXPECT_EQ(p->os, c.os);
    EXPECT_EQ(p->architecture, c.arch);
    EXPECT_EQ(p->variant, c.variant);
    EXPECT_EQ(p->String(), c.str);
  }
}

TEST(Platform, ParseOsAloneUsesHostArchitecture) {
  auto p = ParsePlatform("linux");
  ASSERT_TRUE(p.ok());
  Platform host = HostPlatform();
  EXPECT_EQ(p->os, "linux");
  EXPECT_EQ(p->architecture, host.architecture);
}

TEST(Platform, ParseErrors) {
  for (std::string s : {"", "linux/", "/amd64", "linux/amd64/v8/x", "linux/foo", "foo/amd64",
                        "bogus", "linux/amd 64", "linux//amd64"}) {
    SCOPED_TRACE(s);
    auto p = ParsePlatform(s);
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.error().code, Code::kInvalidArgument);
    EXPECT_TRUE(p.error().message.starts_with("invalid platform: " + s + ": "))
        << p.error().message;
  }
}

TEST(Platform, HostIsNormalized) {
  Platform h = HostPlatform();
  EXPECT_EQ(h.os, "linux");
  EXPECT_FALSE(h.architecture.empty());
  EXPECT_NE(h.architecture, "x86_64");
  EXPECT_NE(h.architecture, "aarch64");
  EXPECT_TRUE(Matches(h, h));
}

TEST(Platform, Matches) {
  auto P = [](std::string_view s) { return *ParsePlatform(s); };
  Platform raw_arm64{.os = "linux", .architecture = "arm64"};
  Platform raw_arm{.os = "linux", .architecture = "arm"};
  EXPECT_TRUE(Matches(P("linux/amd64"), P("linux/amd64")));
  EXPECT_FALSE(Matches(P("linux/amd64"), P("linux/arm64")));
  EXPECT_FALSE(Matches(P("linux/amd64"), P("windows/amd64")));
  EXPECT_TRUE(Matches(P("linux/arm64"), P("linux/arm64/v8")));
  EXPECT_TRUE(Matches(P("linux/arm64/v8"), raw_arm64));
  EXPECT_TRUE(Matches(P("linux/aarch64"), raw_arm64));
  EXPECT_TRUE(Matches(P("linux/arm/v7"), raw_arm));  // index entry without variant = v7
  EXPECT_FALSE(Matches(P("linux/arm/v7"), P("linux/arm/v6")));
  EXPECT_FALSE(Matches(P("linux/arm/v6"), P("linux/arm/v7")));
  EXPECT_TRUE(Matches(P("linux/amd64"), P("linux/amd64/v3")));
  EXPECT_FALSE(Matches(P("linux/amd64/v3"), P("linux/amd64")));
  Platform win{.os = "windows", .architecture = "amd64", .os_version = "10.0.17763.1"};
  Platform win_other = win;
  win_other.os_version = "10.0.20348.1";
  EXPECT_TRUE(Matches(P("windows/amd64"), win));
  EXPECT_FALSE(Matches(win, win_other));
}

TEST(Platform, JsonRoundTrip) {
  Platform p{.os = "windows",
             .architecture = "amd64",
             .variant = "",
             .os_version = "10.0.17763.1",
             .os_features = {"win32k"}};
  Json j = p.ToJsonValue();
  EXPECT_EQ(
      DumpJson(j),
      R"({"architecture":"amd64","os":"windows","os.version":"10.0.17763.1","os.features":["win32k"]})");
  auto back = Platform::FromJson(j, "platform");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, p);
  Json bad = Json::parse(R"({"architecture": 1})");
  EXPECT_EQ(Platform::FromJson(bad, "manifests[0].platform").error().message,
            "manifests[0].platform.architecture: not a string");
}

}  // namespace
}  // namespace berth
