#include "image/curl_api.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <thread>

#include "base/file.h"
#include "base/io.h"
#include "image/url_source.h"

namespace berth::image {
namespace {

std::string TestTmp() {
  const char* env = std::getenv("BERTH_TEST_TMP");
  std::string base = env && *env ? env : "/tmp";
  EXPECT_TRUE(MkdirAll(base).ok());
  return *MakeTempDir(base, "curl-api-");
}

// One-shot HTTP server on a loopback port: answers a single request with a
// canned response and records the request it got.
class OneShotServer {
 public:
  explicit OneShotServer(std::string response) : response_(std::move(response)) {
    listen_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listen_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(listen_, 1), 0);
    socklen_t len = sizeof addr;
    ::getsockname(listen_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~OneShotServer() {
    thread_.join();
    ::close(listen_);
  }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  // Valid after the client finished (the destructor joins).
  const std::string& request() const { return request_; }

 private:
  void Serve() {
    int c = ::accept4(listen_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) return;
    char buf[4096];
    while (request_.find("\r\n\r\n") == std::string::npos) {
      ssize_t n = ::read(c, buf, sizeof buf);
      if (n <= 0) break;
      request_.append(buf, n);
    }
    size_t off = 0;
    while (off < response_.size()) {
      ssize_t n = ::write(c, response_.data() + off, response_.size() - off);
      if (n <= 0) break;
      off += n;
    }
    ::close(c);
  }

  std::string response_;
  int listen_ = -1;
  int port_ = 0;
  std::string request_;
  std::thread thread_;
};

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

TEST(CurlApi, DownloadsOverHttp) {
  std::string body(100000, 'b');
  body += "end";
  OneShotServer server("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
                       "\r\nConnection: close\r\n\r\n" + body);
  std::string dir = TestTmp();
  auto fd = DownloadToTemp(server.Url("/rootfs.tar"), dir);
  ASSERT_TRUE(fd.ok()) << fd.error().message;
  FdReader r(fd->get());
  EXPECT_EQ(*ReadAll(r), body);
  EXPECT_TRUE(RemoveAll(dir).ok());
}

TEST(CurlApi, HttpErrorNamesUrlAndStatus) {
  std::string url;
  std::string dir = TestTmp();
  {
    OneShotServer server("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    url = server.Url("/missing.tar");
    auto fd = DownloadToTemp(url, dir);
    ASSERT_FALSE(fd.ok());
    EXPECT_EQ(fd.error().code, Code::kUnavailable);
    EXPECT_EQ(fd.error().message, "Get \"" + url + "\": HTTP status 404");
  }
  EXPECT_TRUE(RemoveAll(dir).ok());
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
}  // namespace berth::image
