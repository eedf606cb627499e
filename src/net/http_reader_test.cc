#include "net/http_reader.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "net/test_http_server.h"

namespace berth::net {
namespace {

// A whole response: status line, Content-Length (length, or body.size() for
// -1, none for -2: the body then ends at close), extra headers, the body.
std::string Response(const std::string& status, const std::vector<std::string>& headers,
                     const std::string& body, int64_t length = -1) {
  std::string r = "HTTP/1.1 " + status + "\r\nConnection: close\r\n";
  if (length == -1) length = static_cast<int64_t>(body.size());
  if (length >= 0) r += "Content-Length: " + std::to_string(length) + "\r\n";
  for (const std::string& h : headers) r += h + "\r\n";
  return r + "\r\n" + body;
}

// Byte i of the test bodies: deterministic, not periodic in any short span.
char PatternAt(uint64_t i) {
  uint64_t x = (i / 8 + 1) * 0x9E3779B97F4A7C15ull;
  x ^= x >> 29;
  return static_cast<char>(x >> (i % 8 * 8));
}

std::string Pattern(uint64_t from, size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; i++) s[i] = PatternAt(from + i);
  return s;
}

// Reads the rest of r in reads of chunk bytes.
Result<std::string> ReadBody(Reader& r, size_t chunk = 65536) {
  std::string out;
  std::vector<std::byte> buf(chunk);
  for (;;) {
    size_t n = TRY(r.Read(buf));
    if (n == 0) return out;
    out.append(reinterpret_cast<const char*>(buf.data()), n);
  }
}

// "Range: bytes=N-" in a request head -> N, or -1.
int64_t RequestedOffset(const std::string& request) {
  size_t at = request.find("Range: bytes=");
  return at == std::string::npos ? -1 : std::stoll(request.substr(at + 13));
}

// A server of body that honours Range with 206, as static file servers do.
TestHttpServer::Handler RangeServer(std::string body) {
  return [body](int fd, const std::string& request) {
    int64_t off = RequestedOffset(request);
    if (off < 0) {
      SendAll(fd, Response("200 OK", {}, body));
      return;
    }
    std::string range = "Content-Range: bytes " + std::to_string(off) + "-" +
                        std::to_string(body.size() - 1) + "/" + std::to_string(body.size());
    SendAll(fd, Response("206 Partial Content", {range}, body.substr(off)));
  };
}

// Kernel counters of this process in KiB ("VmRSS", "VmHWM").
int64_t ProcStatusKb(const std::string& key) {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with(key + ":")) return std::stoll(line.substr(key.size() + 1));
  }
  return -1;
}

// Resets VmHWM (peak RSS) to the current RSS; false if the kernel refuses.
[[maybe_unused]] bool ResetPeakRss() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  out.flush();
  return out.good();
}

constexpr uint64_t kSize = 50 << 20;

TEST(HttpReader, StreamsALargeBodyInBoundedMemory) {
  TestHttpServer server([](int fd, const std::string&) {
    if (!SendAll(fd, Response("200 OK", {}, "", kSize))) return;
    for (uint64_t off = 0; off < kSize; off += 65536) {
      if (!SendAll(fd, Pattern(off, std::min<uint64_t>(65536, kSize - off)))) return;
    }
  });
  auto r = OpenHttp(server.Url("/big.tar"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_TRUE((*r)->Start().ok());  // libcurl and its TLS stack are loaded by now
  EXPECT_EQ((*r)->status(), 200);
  EXPECT_EQ((*r)->content_length(), static_cast<int64_t>(kSize));
  // AddressSanitizer keeps freed memory in quarantine: RSS says nothing there.
#if defined(__SANITIZE_ADDRESS__)
  bool measured = false;
#else
  bool measured = ResetPeakRss();
#endif
  int64_t rss_before = ProcStatusKb("VmRSS");

  std::vector<std::byte> buf(65536);
  uint64_t got = 0;
  bool same = true;
  for (;;) {
    auto n = (*r)->Read(buf);
    ASSERT_TRUE(n.ok()) << n.error().message;
    if (*n == 0) break;
    same = same && std::memcmp(buf.data(), Pattern(got, *n).data(), *n) == 0;
    got += *n;
  }
  EXPECT_EQ(got, kSize);
  EXPECT_TRUE(same) << "body bytes differ from what was served";
  if (measured) {
    int64_t grown_kb = ProcStatusKb("VmHWM") - rss_before;
    EXPECT_LT(grown_kb, 4 << 10) << "peak RSS grew by " << grown_kb << " KiB for a 50 MiB body";
  }
}

TEST(HttpReader, SmallReadsSeeEveryByte) {
  std::string body = Pattern(0, 3 << 20);
  TestHttpServer server(Response("200 OK", {}, body));
  auto r = OpenHttp(server.Url("/x"));
  ASSERT_TRUE(r.ok());
  auto got = ReadBody(**r, 1000);  // far below libcurl's chunks: pending_ fills, pauses
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_TRUE(*got == body);
}

TEST(HttpReader, RangeResumesAtTheOffset) {
  std::string body = Pattern(0, 300000);
  TestHttpServer server(RangeServer(body));
  auto r = OpenHttp(server.Url("/blob"), {.offset = 100000});
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE((*r)->Start().ok());
  EXPECT_EQ((*r)->status(), 206);
  EXPECT_EQ((*r)->content_length(), 200000);
  auto got = ReadBody(**r);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_TRUE(*got == body.substr(100000));
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_NE(server.requests()[0].find("Range: bytes=100000-\r\n"), std::string::npos);
}

TEST(HttpReader, RangeIgnoredByTheServerSkipsToTheOffset) {
  std::string body = Pattern(0, 300000);
  TestHttpServer server(Response("200 OK", {}, body));
  auto r = OpenHttp(server.Url("/blob"), {.offset = 100000});
  ASSERT_TRUE(r.ok());
  auto got = ReadBody(**r);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ((*r)->status(), 200);
  EXPECT_EQ((*r)->content_length(), 200000);
  EXPECT_TRUE(*got == body.substr(100000));
}

TEST(HttpReader, RangeIgnoredAndBodyShorterThanTheOffsetFails) {
  TestHttpServer server(Response("200 OK", {}, "short", -2));  // no Content-Length
  auto r = OpenHttp(server.Url("/blob"), {.offset = 100});
  ASSERT_TRUE(r.ok());
  auto got = ReadBody(**r);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, Code::kUnavailable);
  EXPECT_EQ(got.error().message,
            "Get \"" + server.Url("/blob") + "\": body ended before offset 100");
}

TEST(HttpReader, ContentRangeNotAtTheOffsetFails) {
  TestHttpServer server(Response("206 Partial Content", {"Content-Range: bytes 0-4/5"}, "hello"));
  auto r = OpenHttp(server.Url("/blob"), {.offset = 3});
  ASSERT_TRUE(r.ok());
  Status st = (*r)->Start();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Code::kUnavailable);
  EXPECT_NE(st.error().message.find("Content-Range \"bytes 0-4/5\" does not start at offset 3"),
            std::string::npos)
      << st.error().message;
}

TEST(HttpReader, NotFoundAndServerErrorsNameUrlAndStatus) {
  TestHttpServer missing(Response("404 Not Found", {}, "no such thing"));
  std::string url = missing.Url("/missing.tar");
  auto r = OpenHttp(url);
  ASSERT_TRUE(r.ok());
  auto n = ReadBody(**r);  // no Start(): the first Read sends the request
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error().code, Code::kNotFound);
  EXPECT_EQ(n.error().message, "Get \"" + url + "\": HTTP status 404");
  EXPECT_EQ((*r)->Start().error().message, n.error().message);  // the error sticks

  TestHttpServer broken(Response("503 Service Unavailable", {}, ""));
  auto b = OpenHttp(broken.Url("/x"));
  ASSERT_TRUE(b.ok());
  Status st = (*b)->Start();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Code::kUnavailable);
  EXPECT_EQ(st.error().message, "Get \"" + broken.Url("/x") + "\": HTTP status 503");
}

TEST(HttpReader, ConnectionRefusedNamesTheUrl) {
  auto r = OpenHttp("http://127.0.0.1:1/rootfs.tar");
  ASSERT_TRUE(r.ok());
  Status st = (*r)->Start();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Code::kUnavailable);
  EXPECT_TRUE(st.error().message.starts_with("Get \"http://127.0.0.1:1/rootfs.tar\": "))
      << st.error().message;
}

TEST(HttpReader, DeclaredBodyOverTheLimitFailsAtStart) {
  TestHttpServer server(Response("200 OK", {}, std::string(5000, 'x')));
  auto r = OpenHttp(server.Url("/big"), {.max_body_size = 4096});
  ASSERT_TRUE(r.ok());
  Status st = (*r)->Start();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Code::kInvalidArgument);
  EXPECT_EQ(st.error().message,
            "Get \"" + server.Url("/big") + "\": body exceeds the limit of 4096 bytes");
}

TEST(HttpReader, UndeclaredBodyOverTheLimitFailsWhileReading) {
  std::string body = Pattern(0, 200000);
  TestHttpServer server(Response("200 OK", {}, body, -2));  // ends at close
  auto r = OpenHttp(server.Url("/big"), {.max_body_size = 100000});
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE((*r)->Start().ok());
  EXPECT_EQ((*r)->content_length(), std::nullopt);
  std::vector<std::byte> buf(4096);
  size_t got = 0;
  Result<size_t> n = 0;
  while ((n = (*r)->Read(buf)).ok() && *n > 0) got += *n;
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error().code, Code::kInvalidArgument);
  EXPECT_NE(n.error().message.find("body exceeds the limit of 100000 bytes"), std::string::npos);
  EXPECT_LE(got, 100000u);  // the bytes before the limit, then the error
  EXPECT_GT(got, 0u);
}

TEST(HttpReader, TruncatedBodyFails) {
  TestHttpServer server(Response("200 OK", {}, std::string(500, 'x'), 1000));
  auto r = OpenHttp(server.Url("/cut"));
  ASSERT_TRUE(r.ok());
  auto got = ReadBody(**r);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, Code::kUnavailable);
}

TEST(HttpReader, FollowsRedirects) {
  TestHttpServer server([](int fd, const std::string& request) {
    if (request.starts_with("GET /old ")) {
      SendAll(fd, Response("302 Found", {"Location: /new"}, "moved"));
    } else {
      SendAll(fd, Response("200 OK", {"X-Served-By: new"}, "the body"));
    }
  });
  auto r = OpenHttp(server.Url("/old"));
  ASSERT_TRUE(r.ok());
  auto got = ReadBody(**r);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(*got, "the body");
  EXPECT_EQ((*r)->status(), 200);
  EXPECT_EQ((*r)->Header("x-served-by"), "new");  // the final response's headers
  EXPECT_EQ((*r)->Header("location"), std::nullopt);
  EXPECT_EQ(server.requests().size(), 2u);

  auto no_follow = OpenHttp(server.Url("/old"), {.follow_redirects = false});
  ASSERT_TRUE(no_follow.ok());
  Status st = (*no_follow)->Start();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message, "Get \"" + server.Url("/old") + "\": HTTP status 302");
}

TEST(HttpReader, RedirectLoopStopsAfterTheMaximum) {
  TestHttpServer server(Response("301 Moved Permanently", {"Location: /loop"}, ""));
  auto r = OpenHttp(server.Url("/loop"));
  ASSERT_TRUE(r.ok());
  Status st = (*r)->Start();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Code::kUnavailable);
  EXPECT_EQ(server.requests().size(), static_cast<size_t>(kMaxRedirects + 1));
}

TEST(HttpReader, SendsHeadersAndLooksUpResponseHeadersInAnyCase) {
  TestHttpServer server(
      Response("200 OK", {"Docker-Content-Digest: sha256:abc", "X-Two: 1", "x-two: 2"}, "ok"));
  auto r = OpenHttp(server.Url("/v2/"), {.headers = {"Authorization: Bearer t0k", "Accept: */*"}});
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE((*r)->Start().ok());
  EXPECT_EQ((*r)->Header("docker-content-digest"), "sha256:abc");
  EXPECT_EQ((*r)->Header("DOCKER-CONTENT-DIGEST"), "sha256:abc");
  EXPECT_EQ((*r)->Header("x-two"), "1");
  EXPECT_EQ((*r)->Header("Content-Length"), "2");
  EXPECT_EQ((*r)->Header("missing"), std::nullopt);
  EXPECT_EQ(*ReadBody(**r), "ok");
  std::string req = server.requests().at(0);
  EXPECT_NE(req.find("\r\nAuthorization: Bearer t0k\r\n"), std::string::npos) << req;
  EXPECT_NE(req.find("\r\nUser-Agent: berth\r\n"), std::string::npos) << req;
  EXPECT_EQ(req.find("Range:"), std::string::npos) << req;
}

TEST(HttpReader, OpenRefusesWhatItCannotFetch) {
  EXPECT_TRUE(IsUrl("http://x/y"));
  EXPECT_TRUE(IsUrl("https://x/y"));
  EXPECT_FALSE(IsUrl("ftp://x/y"));
  EXPECT_FALSE(IsUrl("/tmp/rootfs.tar"));
  auto ftp = OpenHttp("ftp://example.com/rootfs.tar");
  ASSERT_FALSE(ftp.ok());
  EXPECT_EQ(ftp.error().code, Code::kInvalidArgument);
  auto neg = OpenHttp("http://127.0.0.1:1/x", {.offset = -1});
  ASSERT_FALSE(neg.ok());
  EXPECT_EQ(neg.error().code, Code::kInvalidArgument);
}

}  // namespace
}  // namespace berth::net
