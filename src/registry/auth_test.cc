#include "registry/auth.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "net/test_http_server.h"
#include "registry/errors.h"

namespace berth::registry {
namespace {

TEST(AuthTest, ParsesChallenges) {
  auto c = ParseChallenge(R"(Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push")");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->scheme, "bearer");
  EXPECT_EQ(c->params["realm"], "https://auth.example/token");
  EXPECT_EQ(c->params["service"], "registry.example");
  EXPECT_EQ(c->params["scope"], "repository:a/b:pull,push");
  auto b = ParseChallenge("Basic realm=\"Registry Realm\"");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->scheme, "basic");
  EXPECT_EQ(b->params["realm"], "Registry Realm");
  auto q = ParseChallenge(R"(Bearer realm="a\"b", error=insufficient_scope)");
  EXPECT_EQ(q->params["realm"], "a\"b");
  EXPECT_EQ(q->params["error"], "insufficient_scope");
  EXPECT_FALSE(ParseChallenge(""));
}

// Found by fuzz/www_authenticate: the scheme was everything up to the first
// space, so "Bearer\trealm=..." had the scheme "bearer\trealm=..." and a
// header with control characters before its first space made a scheme that
// did not survive being written back. The scheme is the leading token now.
TEST(AuthTest, ChallengeSchemeIsTheLeadingToken) {
  auto tab = ParseChallenge("Bearer\trealm=\"https://a/token\",service=reg");
  ASSERT_TRUE(tab);
  EXPECT_EQ(tab->scheme, "bearer");
  EXPECT_EQ(tab->params["realm"], "https://a/token");
  EXPECT_EQ(tab->params["service"], "reg");
  auto junk = ParseChallenge("Bbscope=e\n\n?\nea=J\n r");
  ASSERT_TRUE(junk);
  EXPECT_EQ(junk->scheme, "bbscope");
  EXPECT_TRUE(junk->params.empty());
  auto comma = ParseChallenge("Basic,realm=x");
  ASSERT_TRUE(comma);
  EXPECT_EQ(comma->scheme, "basic");
  EXPECT_TRUE(comma->params.empty());
  EXPECT_FALSE(ParseChallenge("=x"));
  EXPECT_FALSE(ParseChallenge("\"Bearer\" realm=x"));
}

TEST(AuthTest, Base64RoundTrip) {
  for (std::string s : std::vector<std::string>{"", "a", "ab", "abc", "alice:secret", std::string("\0\xff\x10", 3)}) {
    auto back = Base64Decode(Base64Encode(s));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, s);
  }
  EXPECT_EQ(Base64Encode("alice:secret"), "YWxpY2U6c2VjcmV0");
  EXPECT_FALSE(Base64Decode("a*b").ok());
}

TEST(AuthTest, BasicOnlyAfterChallengeAndWithCredentials) {
  Authenticator anon({}, {});
  EXPECT_FALSE(*anon.HeaderFor("s"));
  EXPECT_FALSE(anon.OnUnauthorized("s", "Basic realm=x"));  // nothing to send
  Authenticator a({.username = "alice", .password = "secret"}, {});
  EXPECT_FALSE(*a.HeaderFor("s"));  // not asked yet: nothing sent
  EXPECT_TRUE(a.OnUnauthorized("s", "Basic realm=x"));
  EXPECT_EQ(**a.HeaderFor("s"), "Authorization: Basic YWxpY2U6c2VjcmV0");
  EXPECT_FALSE(a.OnUnauthorized("s", "Basic realm=x"));  // refused again: final
}

TEST(AuthTest, BearerTokensFetchedPerScopeCachedAndRefreshedOnce) {
  int issued = 0;
  net::TestHttpServer server([&](int fd, const std::string& req) {
    issued++;
    bool creds = req.find("Authorization: Basic YWxpY2U6c2VjcmV0") != std::string::npos;
    bool scoped = req.find("scope=repository%3Aa%2Fb%3Apull") != std::string::npos &&
                  req.find("service=reg") != std::string::npos;
    std::string body = R"({"token":"t)" + std::to_string(issued) + R"(","expires_in":300})";
    std::string status = creds && scoped ? "200 OK" : "401 Unauthorized";
    net::SendAll(fd, "HTTP/1.1 " + status + "\r\nContent-Length: " + std::to_string(body.size()) +
                         "\r\nConnection: close\r\n\r\n" + body);
  });
  Authenticator a({.username = "alice", .password = "secret"}, {});
  std::string challenge = "Bearer realm=\"" + server.Url("/token") + "\",service=\"reg\"";
  std::string scope = RepositoryScope("a/b", "pull");
  ASSERT_TRUE(a.OnUnauthorized(scope, challenge));
  auto h = a.HeaderFor(scope);
  ASSERT_TRUE(h.ok()) << h.error().message;
  EXPECT_EQ(**h, "Authorization: Bearer t1");
  EXPECT_EQ(**a.HeaderFor(scope), "Authorization: Bearer t1");  // cached
  EXPECT_EQ(issued, 1);
  EXPECT_TRUE(a.OnUnauthorized(scope, challenge));  // the registry refused it: one fresh try
  EXPECT_EQ(**a.HeaderFor(scope), "Authorization: Bearer t2");
  EXPECT_FALSE(a.OnUnauthorized(scope, challenge));  // refused again: give up

  Authenticator wrong({.username = "alice", .password = "nope"}, {});
  ASSERT_TRUE(wrong.OnUnauthorized(scope, challenge));
  auto denied = wrong.HeaderFor(scope);
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().code, Code::kUnauthenticated);
}

TEST(ErrorsTest, DockerWording) {
  net::Response r{.status = 404,
                  .body = R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{}}]})"};
  Error e = ErrorFromResponse(r, "");
  EXPECT_EQ(e.code, Code::kNotFound);
  EXPECT_EQ(e.message, "manifest unknown: manifest unknown");
  net::Response denied{.status = 401, .body = "<html>"};
  EXPECT_EQ(ErrorFromResponse(denied, "GET x").message, "GET x: unauthorized: authentication required");
  EXPECT_EQ(ErrorFromResponse({.status = 503}, "").code, Code::kUnavailable);
  EXPECT_TRUE(IsTransientStatus(429));
  EXPECT_FALSE(IsTransientStatus(404));
}

}  // namespace
}  // namespace berth::registry
