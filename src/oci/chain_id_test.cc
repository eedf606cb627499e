#include "oci/chain_id.h"

#include <gtest/gtest.h>

namespace berth {
namespace {

// Expected values computed with coreutils:
//   L0=sha256:$(printf a | sha256sum | cut -c1-64) ... C1=sha256:$(printf "%s %s" $L0 $L1 |
//   sha256sum ...)
TEST(ChainId, KnownValues) {
  std::vector<Digest> ids = {Digest::Of("a"), Digest::Of("b"), Digest::Of("c")};
  EXPECT_FALSE(ChainId(ids, 0).valid());
  EXPECT_EQ(ChainId(ids, 1).str(),
            "sha256:ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb");
  EXPECT_EQ(ChainId(ids, 2).str(),
            "sha256:51c0c8ace48498d6f5fee6b0592cc06f2da0f3cbe09c5a34a97dce85c3889676");
  EXPECT_EQ(ChainId(ids, 3).str(),
            "sha256:2fce7f8ce91bcf0a1428b36e1024639fdbd9469eea762dba98aa749631885106");
  EXPECT_EQ(ChainId(ids, 99), ChainId(ids, 3));  // clamped
  EXPECT_FALSE(ChainId({}, 1).valid());
}

TEST(ChainId, AllPrefixes) {
  std::vector<Digest> ids = {Digest::Of("a"), Digest::Of("b"), Digest::Of("c")};
  std::vector<Digest> all = ChainIds(ids);
  ASSERT_EQ(all.size(), 3u);
  for (size_t i = 0; i < all.size(); i++) EXPECT_EQ(all[i], ChainId(ids, i + 1));
  EXPECT_TRUE(ChainIds({}).empty());
}

}  // namespace
}  // namespace berth
