#include "image/url_source.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "base/file.h"
#include "base/io.h"
#include "net/test_http_server.h"

namespace berth::image {
namespace {

using net::TestHttpServer;

std::string TestTmp() {
  const char* env = std::getenv("BERTH_TEST_TMP");
  std::string base = env && *env ? env : "/tmp";
  EXPECT_TRUE(MkdirAll(base).ok());
  return *MakeTempDir(base, "url-source-");
}

TEST(UrlSource, DownloadsOverHttp) {
  std::string body(100000, 'b');
  body += "end";
  TestHttpServer server("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
                       "\r\nConnection: close\r\n\r\n" + body);
  std::string dir = TestTmp();
  auto fd = DownloadToTemp(server.Url("/rootfs.tar"), dir);
  ASSERT_TRUE(fd.ok()) << fd.error().message;
  FdReader r(fd->get());
  EXPECT_EQ(*ReadAll(r), body);
  EXPECT_TRUE(RemoveAll(dir).ok());
}

TEST(UrlSource, HttpErrorNamesUrlAndStatus) {
  std::string url;
  std::string dir = TestTmp();
  {
    TestHttpServer server("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    url = server.Url("/missing.tar");
    auto fd = DownloadToTemp(url, dir);
    ASSERT_FALSE(fd.ok());
    EXPECT_EQ(fd.error().code, Code::kUnavailable);
    EXPECT_EQ(fd.error().message, "Get \"" + url + "\": HTTP status 404");
  }
  EXPECT_TRUE(RemoveAll(dir).ok());
}

}  // namespace
}  // namespace berth::image
