#include "digest/digest.h"

#include <gtest/gtest.h>

namespace berth {
namespace {

TEST(Digest, OfKnownValue) {
  EXPECT_EQ(Digest::Of("").str(),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Digest::Of("abc").Short(), "ba7816bf8f01");
}

TEST(Digest, ParseStrict) {
  auto ok = Digest::Parse("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->hex().size(), 64u);
  EXPECT_EQ(Digest::Parse("sha256:abc").error().message, "invalid checksum digest length");
  EXPECT_EQ(Digest::Parse("md5:abc").error().message, "unsupported digest algorithm");
  EXPECT_EQ(Digest::Parse("nocolon").error().message, "invalid checksum digest format");
  EXPECT_FALSE(Digest::Parse("sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855").ok());
}

TEST(Digest, StreamingEqualsOneShot) {
  Sha256 h;
  h.Update("a");
  h.Update("bc");
  EXPECT_EQ(h.Finish(), Digest::Of("abc"));
  StringReader r("abc");
  HashingReader hr(r);
  StringWriter sink;
  ASSERT_TRUE(Copy(hr, sink).ok());
  EXPECT_EQ(hr.Finish(), Digest::Of("abc"));
}

}  // namespace
}  // namespace berth
