#include "reference/reference.h"

#include <gtest/gtest.h>

#include <vector>

namespace berth {
namespace {

const std::string kHex(64, 'f');
const std::string kDigest = "sha256:" + kHex;

struct Valid {
  std::string input, domain, path, tag, digest;
};

TEST(Reference, ParseNormalizedNamedValid) {
  const Valid cases[] = {
      {"ubuntu", "docker.io", "library/ubuntu", "", ""},
      {"ubuntu:18.04", "docker.io", "library/ubuntu", "18.04", ""},
      {"sgfoot/top:v1", "docker.io", "sgfoot/top", "v1", ""},
      {"docker.io/ubuntu", "docker.io", "library/ubuntu", "", ""},
      {"index.docker.io/ubuntu", "docker.io", "library/ubuntu", "", ""},
      {"index.docker.io/foo/bar:x", "docker.io", "foo/bar", "x", ""},
      {"docker.io/library/foo/bar", "docker.io", "library/foo/bar", "", ""},
      {"quay.io/coreos/etcd:v3.3.9", "quay.io", "coreos/etcd", "v3.3.9", ""},
      {"127.0.0.1:5000/a/b@" + kDigest, "127.0.0.1:5000", "a/b", "", kDigest},
      {"localhost/x", "localhost", "x", "", ""},
      {"localhost:5000/a/b", "localhost:5000", "a/b", "", ""},
      {"a/b:t@" + kDigest, "docker.io", "a/b", "t", kDigest},
      {"test_com", "docker.io", "library/test_com", "", ""},
      {"test.com:tag", "docker.io", "library/test.com", "tag", ""},
      {"test.com:5000", "docker.io", "library/test.com", "5000", ""},
      {"test.com/repo:tag", "test.com", "repo", "tag", ""},
      {"test:5000/repo", "test:5000", "repo", "", ""},
      {"test:5000/repo:tag", "test:5000", "repo", "tag", ""},
      {"test:5000/repo@" + kDigest, "test:5000", "repo", "", kDigest},
      {"test:5000/repo:tag@" + kDigest, "test:5000", "repo", "tag", kDigest},
      {"lowercase:Uppercase", "docker.io", "library/lowercase", "Uppercase", ""},
      {"sub-dom1.foo.com/bar/baz/quux", "sub-dom1.foo.com", "bar/baz/quux", "", ""},
      {"sub-dom1.foo.com/bar/baz/quux:some-long-tag", "sub-dom1.foo.com", "bar/baz/quux",
       "some-long-tag", ""},
      {"b.gcr.io/test.example.com/my-app:test.example.com", "b.gcr.io", "test.example.com/my-app",
       "test.example.com", ""},
      {"xn--n3h.com/myimage:xn--n3h.com", "xn--n3h.com", "myimage", "xn--n3h.com", ""},
      {"foo_bar.com:8080", "docker.io", "library/foo_bar.com", "8080", ""},
      {"foo/foo_bar.com:8080", "docker.io", "foo/foo_bar.com", "8080", ""},
      {"192.168.1.1", "docker.io", "library/192.168.1.1", "", ""},
      {"192.168.1.1:tag", "docker.io", "library/192.168.1.1", "tag", ""},
      {"192.168.1.1:5000", "docker.io", "library/192.168.1.1", "5000", ""},
      {"192.168.1.1/repo", "192.168.1.1", "repo", "", ""},
      {"192.168.1.1:5000/repo:5050", "192.168.1.1:5000", "repo", "5050", ""},
      {"[2001:db8::1]/repo", "[2001:db8::1]", "repo", "", ""},
      {"[2001:db8:1:2:3:4:5:6]/repo:tag", "[2001:db8:1:2:3:4:5:6]", "repo", "tag", ""},
      {"[2001:db8::1]:5000/repo", "[2001:db8::1]:5000", "repo", "", ""},
      {"[::1]:5000/repo", "[::1]:5000", "repo", "", ""},
      {"Example.COM/repo", "Example.COM", "repo", "", ""},
      {"EXAMPLE:5000/a/b", "EXAMPLE:5000", "a/b", "", ""},
      {"a__b/c--d/e-f.g_h", "docker.io", "a__b/c--d/e-f.g_h", "", ""},
      {"sha256:" + kHex, "docker.io", "library/sha256", kHex, ""},
      {"a:" + std::string(128, 'x'), "docker.io", "library/a", std::string(128, 'x'), ""},
  };
  for (const Valid& c : cases) {
    SCOPED_TRACE(c.input);
    auto r = ParseNormalizedNamed(c.input);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->domain, c.domain);
    EXPECT_EQ(r->path, c.path);
    EXPECT_EQ(r->tag, c.tag);
    EXPECT_EQ(r->HasDigest() ? r->digest.str() : "", c.digest);
  }
}

struct Invalid {
  std::string input, message;
};

TEST(Reference, ParseNormalizedNamedInvalid) {
  const std::string kFormat = "invalid reference format";
  const std::string kLower = "invalid reference format: repository name must be lowercase";
  const std::string kLong = "repository name must not be more than 255 characters";
  std::string long_path;
  for (int i = 0; i < 128; i++) long_path += "a/";
  const Invalid cases[] = {
      {"", kFormat},
      {":justtag", kFormat},
      {"@" + kDigest, kFormat},
      {"repo@sha256:ffff", kFormat},
      {"repo@sha256:" + std::string(40, 'f'), "invalid checksum digest length"},
      {"repo@md5:" + std::string(32, 'f'), "unsupported digest algorithm"},
      {"repo@sha256:" + std::string(64, 'F'), "invalid checksum digest format"},
      {"validname@invaliddigest:" + kHex, "unsupported digest algorithm"},
      {"Uppercase:tag", kLower},
      {"Ubuntu", kLower},
      {"sgfoot/Top", kLower},
      {"Foo/bar", kLower},
      {"test:5000/Uppercase/lowercase:tag", kLower},
      {"localhost:5000/Foo", kLower},
      {"aa/asdf$$^/aa", kFormat},
      {"a:b:c", kFormat},
      {"a/b:", kFormat},
      {"a/b@", kFormat},
      {"a//b", kFormat},
      {"a/b/", kFormat},
      {"-foo/bar", kFormat},
      {"foo-/bar", kFormat},
      {"a___b", kFormat},
      {"a.-b", kFormat},
      {"a.", kFormat},
      {"a:" + std::string(129, 'x'), kFormat},
      {"a:-tag", kFormat},
      {"[fe80::1%eth0]:5000/repo", kFormat},
      {"[2001:db8::1]:tag/repo", kFormat},
      {"[2001:db8::1]", kFormat},
      {"[]:5000/repo", kFormat},
      {"localhost:/repo", kFormat},
      {"-bad.com/repo", kFormat},
      {"bad-.com/repo", kFormat},
      {"foo_bar.com/x", kFormat},
      {"a b", kFormat},
      {long_path + "a:tag", kLong},
      {kHex, "invalid repository name (" + kHex + "), cannot specify 64-byte hexadecimal strings"},
  };
  for (const Invalid& c : cases) {
    SCOPED_TRACE(c.input);
    auto r = ParseNormalizedNamed(c.input);
    ASSERT_FALSE(r.ok()) << r->String();
    EXPECT_EQ(r.error().code, Code::kInvalidArgument);
    EXPECT_EQ(r.error().message, c.message);
  }
}

TEST(Reference, NameLengthLimitCountsDomain) {
  // "docker.io/" (10) + "foo/" (4) + 241 = 255: the longest allowed name.
  std::string ok = "foo/" + std::string(241, 'a');
  ASSERT_TRUE(ParseNormalizedNamed(ok).ok());
  EXPECT_EQ(ParseNormalizedNamed(ok).value().Name().size(), 255u);
  auto r = ParseNormalizedNamed(ok + "a:tag");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "repository name must not be more than 255 characters");
  // Tags and digests do not count.
  EXPECT_TRUE(ParseNormalizedNamed(ok + ":" + std::string(128, 't') + "@" + kDigest).ok());
}

TEST(Reference, FamiliarForms) {
  struct Case {
    std::string input, name, familiar_name, familiar_string;
  } cases[] = {
      {"ubuntu", "docker.io/library/ubuntu", "ubuntu", "ubuntu"},
      {"ubuntu:18.04", "docker.io/library/ubuntu", "ubuntu", "ubuntu:18.04"},
      {"ubuntu@" + kDigest, "docker.io/library/ubuntu", "ubuntu", "ubuntu@" + kDigest},
      {"sgfoot/top:v1", "docker.io/sgfoot/top", "sgfoot/top", "sgfoot/top:v1"},
      {"library/foo/bar", "docker.io/library/foo/bar", "library/foo/bar", "library/foo/bar"},
      {"quay.io/coreos/etcd:v3.3.9", "quay.io/coreos/etcd", "quay.io/coreos/etcd",
       "quay.io/coreos/etcd:v3.3.9"},
      {"localhost/x", "localhost/x", "localhost/x", "localhost/x"},
      {"127.0.0.1:5000/a/b:t@" + kDigest, "127.0.0.1:5000/a/b", "127.0.0.1:5000/a/b",
       "127.0.0.1:5000/a/b:t@" + kDigest},
      {"quay.io/library/x", "quay.io/library/x", "quay.io/library/x", "quay.io/library/x"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.input);
    auto r = ParseNormalizedNamed(c.input);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->Name(), c.name);
    EXPECT_EQ(r->FamiliarName(), c.familiar_name);
    EXPECT_EQ(r->FamiliarString(), c.familiar_string);
  }
}

TEST(Reference, StringAndDefaultTag) {
  Reference r = *ParseNormalizedNamed("ubuntu");
  EXPECT_EQ(r.String(), "docker.io/library/ubuntu");
  EXPECT_FALSE(r.HasTag());
  Reference t = WithDefaultTag(r);
  EXPECT_EQ(t.String(), "docker.io/library/ubuntu:latest");
  EXPECT_EQ(t.FamiliarString(), "ubuntu:latest");
  // Digests and explicit tags are left alone.
  Reference d = *ParseNormalizedNamed("ubuntu@" + kDigest);
  EXPECT_EQ(WithDefaultTag(d), d);
  Reference e = *ParseNormalizedNamed("ubuntu:18.04");
  EXPECT_EQ(WithDefaultTag(e).tag, "18.04");
  Reference both = *ParseNormalizedNamed("a/b:t@" + kDigest);
  EXPECT_EQ(both.String(), "docker.io/a/b:t@" + kDigest);
}

TEST(Reference, ParseCanonicalRoundTrip) {
  for (const std::string& s : std::vector<std::string>{
           "docker.io/library/ubuntu:latest", "quay.io/coreos/etcd:v3.3.9",
           "localhost:5000/a/b@" + kDigest, "docker.io/sgfoot/top", "[::1]:5000/x:y@" + kDigest}) {
    SCOPED_TRACE(s);
    auto r = ParseCanonical(s);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->String(), s);
    EXPECT_EQ(*ParseNormalizedNamed(r->FamiliarString()), *r);
  }
  for (const std::string& s : std::vector<std::string>{
           "ubuntu", "ubuntu:latest", "docker.io/ubuntu", "index.docker.io/a/b", "sgfoot/top"}) {
    SCOPED_TRACE(s);
    auto r = ParseCanonical(s);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "repository name must be canonical");
  }
  EXPECT_EQ(ParseCanonical("docker.io/library/Ubuntu").error().message,
            "invalid reference format: repository name must be lowercase");
}

TEST(Reference, Validators) {
  EXPECT_TRUE(IsValidTag("latest"));
  EXPECT_TRUE(IsValidTag("_x"));
  EXPECT_TRUE(IsValidTag("v1.2.3-rc_1"));
  EXPECT_TRUE(IsValidTag(std::string(128, 'a')));
  EXPECT_FALSE(IsValidTag(std::string(129, 'a')));
  EXPECT_FALSE(IsValidTag(""));
  EXPECT_FALSE(IsValidTag(".x"));
  EXPECT_FALSE(IsValidTag("-x"));
  EXPECT_FALSE(IsValidTag("a:b"));
  EXPECT_FALSE(IsValidTag("a/b"));
  EXPECT_TRUE(IsValidRepositoryPath("library/ubuntu"));
  EXPECT_TRUE(IsValidRepositoryPath("a-----b"));
  EXPECT_FALSE(IsValidRepositoryPath("a-_b"));
  EXPECT_FALSE(IsValidRepositoryPath("_a"));
  EXPECT_FALSE(IsValidRepositoryPath(""));
  EXPECT_TRUE(IsValidDomain("localhost"));
  EXPECT_TRUE(IsValidDomain("registry-1.docker.io:443"));
  EXPECT_TRUE(IsValidDomain("[::1]"));
  EXPECT_FALSE(IsValidDomain("a..b"));
  EXPECT_FALSE(IsValidDomain("a:"));
  EXPECT_FALSE(IsValidDomain("[::1]5000"));
  EXPECT_FALSE(IsValidDomain("[::g]"));
}

}  // namespace
}  // namespace berth
