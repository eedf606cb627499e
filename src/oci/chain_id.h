// Chain IDs: the identity of a stack of layers, which is what an unpacked
// snapshot is keyed by (the same layer on different parents differs).
#pragma once

#include <cstddef>
#include <vector>

#include "digest/digest.h"

namespace berth {

// OCI chain id of the first n layers: ChainID(L0) = DiffID(L0),
// ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)).
// n is clamped to diff_ids.size(); returns an invalid (empty) Digest for n == 0.
Digest ChainId(const std::vector<Digest>& diff_ids, size_t n);

// Chain ids of every prefix: result[i] == ChainId(diff_ids, i + 1).
std::vector<Digest> ChainIds(const std::vector<Digest>& diff_ids);

}  // namespace berth
