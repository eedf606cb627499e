#include "net/curl_api.h"

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <string>

namespace berth::net {
namespace {

TEST(CurlApi, LoadsOnceAndReportsAVersion) {
  auto a = Curl();
  ASSERT_TRUE(a.ok()) << a.error().message;
  auto b = Curl();
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*a, *b);
  const curl_version_info_data* info = (*a)->version_info(CURLVERSION_NOW);
  ASSERT_NE(info, nullptr);
  EXPECT_NE(std::string(info->version), "");
  EXPECT_STREQ((*a)->easy_strerror(CURLE_OK), "No error");
}

TEST(CurlApi, EasyHandleMovesOwnership) {
  auto e = CurlEasy::Create();
  ASSERT_TRUE(e.ok()) << e.error().message;
  CURL* h = e->get();
  ASSERT_NE(h, nullptr);
  CurlEasy moved = std::move(*e);
  EXPECT_EQ(moved.get(), h);
  EXPECT_EQ(e->get(), nullptr);
  EXPECT_EQ(moved.ResponseCode(), 0);
}

// Taken before main(), after the loader mapped every DT_NEEDED library and
// before any test could call Curl(): libcurl must not be among them.
const bool kCurlLoadedAtStartup = ::dlopen("libcurl.so.4", RTLD_NOW | RTLD_NOLOAD) != nullptr;

TEST(CurlApi, NotLinkedAtBuildTime) {
  EXPECT_FALSE(kCurlLoadedAtStartup) << "libcurl is linked; it must only be dlopen'ed";
  ASSERT_TRUE(Curl().ok());
  EXPECT_NE(::dlopen("libcurl.so.4", RTLD_NOW | RTLD_NOLOAD), nullptr);
}

}  // namespace
}  // namespace berth::net
