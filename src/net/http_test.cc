#include "net/http.h"

#include <gtest/gtest.h>

#include <string>

#include "net/http_reader.h"
#include "net/test_http_server.h"

namespace berth::net {
namespace {

std::string Reply(const std::string& status, const std::string& body, const std::string& extra = "") {
  return "HTTP/1.1 " + status + "\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n" + extra + "\r\n" + body;
}

TEST(ExchangeTest, StatusHeadersAndBody) {
  TestHttpServer server(Reply("404 Not Found", R"({"errors":[]})", "Docker-Content-Digest: sha256:x\r\n"));
  auto r = Exchange({.url = server.Url("/v2/a/manifests/b")});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 404);  // a status is a result, not an error
  EXPECT_FALSE(r->ok());
  EXPECT_EQ(r->body, R"({"errors":[]})");
  EXPECT_EQ(r->Header("docker-content-digest").value_or(""), "sha256:x");
}

TEST(ExchangeTest, SendsBodiesFromMemoryAndReaders) {
  std::string seen;
  TestHttpServer server([&](int fd, const std::string& head) {
    // The body follows the head; read what Content-Length says.
    size_t at = head.find("Content-Length: ");
    size_t n = at == std::string::npos ? 0 : std::stoul(head.substr(at + 16));
    std::string early = head.substr(head.find("\r\n\r\n") + 4);  // read with the head
    seen = head.substr(0, head.find("\r\n\r\n") + 4);
    std::string body(n, '\0');
    size_t got = std::min(early.size(), n);
    early.copy(body.data(), got);
    while (got < n) {
      ssize_t k = ::read(fd, body.data() + got, n - got);
      if (k <= 0) break;
      got += static_cast<size_t>(k);
    }
    SendAll(fd, Reply("201 Created", "got " + body.substr(0, got)));
  });
  auto r = Exchange({.method = "PUT", .url = server.Url("/m"), .headers = {"Content-Type: x/y"}, .body = "hello"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->body, "got hello");
  EXPECT_NE(seen.find("PUT /m HTTP/1.1"), std::string::npos);
  EXPECT_NE(seen.find("Content-Type: x/y"), std::string::npos);
  EXPECT_EQ(seen.find("Expect:"), std::string::npos);

  StringReader data(std::string(100000, 'z'));
  int64_t sent = 0;
  auto up = Exchange({.method = "PUT", .url = server.Url("/blob"), .body_reader = &data, .body_size = 100000,
                      .on_upload = [&](int64_t n) { sent = n; }});
  ASSERT_TRUE(up.ok()) << up.error().message;
  EXPECT_EQ(up->body, "got " + std::string(100000, 'z'));
  EXPECT_EQ(sent, 100000);
}

TEST(ExchangeTest, CapsResponsesAndReportsConnectFailures) {
  TestHttpServer server(Reply("200 OK", std::string(5000, 'a')));
  auto big = Exchange({.url = server.Url("/"), .max_response = 4096});
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, Code::kInvalidArgument);

  Failure why = Failure::kNone;
  auto dead = Exchange({.url = "http://127.0.0.1:1/"}, &why);
  ASSERT_FALSE(dead.ok());
  EXPECT_EQ(dead.error().code, Code::kUnavailable);
  EXPECT_EQ(why, Failure::kConnect);
  // (https to a plain-HTTP server failing as kTls is what every loopback
  // registry test relies on: see tests/integration.)
}

// A registry's redirect to a presigned URL on another host must work, and
// must not carry the registry's credentials there.
TEST(HttpReaderTest, AuthorizationStaysWithTheOriginalHost) {
  TestHttpServer storage(Reply("200 OK", "blob bytes"));
  TestHttpServer registry(Reply("307 Temporary Redirect", "", "Location: " + storage.Url("/signed?x=1") + "\r\n"));
  auto r = OpenHttp(registry.Url("/v2/a/blobs/sha256:x"), {.headers = {"Authorization: Bearer secret-token"}});
  ASSERT_TRUE(r.ok());
  std::string body(64, '\0');
  auto n = (*r)->Read(std::as_writable_bytes(std::span(body)));
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(body.substr(0, *n), "blob bytes");
  ASSERT_EQ(registry.requests().size(), 1u);
  EXPECT_NE(registry.requests()[0].find("Authorization: Bearer secret-token"), std::string::npos);
  ASSERT_EQ(storage.requests().size(), 1u);
  EXPECT_EQ(storage.requests()[0].find("Authorization"), std::string::npos) << storage.requests()[0];
}

}  // namespace
}  // namespace berth::net
