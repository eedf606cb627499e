// Chain id computation (OCI image spec, "Layer ChainID"). Kept apart from
// the JSON types because the store and the unpacker need it without them.
#include "oci/chain_id.h"

#include <algorithm>

namespace berth {

Digest ChainId(const std::vector<Digest>& diff_ids, size_t n) {
  n = std::min(n, diff_ids.size());
  if (n == 0) return Digest();
  Digest chain = diff_ids[0];
  for (size_t i = 1; i < n; i++) chain = Digest::Of(chain.str() + " " + diff_ids[i].str());
  return chain;
}

std::vector<Digest> ChainIds(const std::vector<Digest>& diff_ids) {
  std::vector<Digest> out;
  out.reserve(diff_ids.size());
  for (size_t i = 0; i < diff_ids.size(); i++) {
    out.push_back(i == 0 ? diff_ids[0] : Digest::Of(out.back().str() + " " + diff_ids[i].str()));
  }
  return out;
}

}  // namespace berth
