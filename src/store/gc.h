// Mark and sweep garbage collection of the store's content. The caller
// (Store::CollectGarbage) provides the exclusion; this file only decides what
// is garbage and removes it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "digest/digest.h"
#include "store/content_store.h"
#include "store/metadata.h"
#include "store/snapshots.h"

namespace berth::store {

struct GcStats {
  std::vector<Digest> blobs_removed;       // unreferenced blobs
  std::vector<Digest> snapshots_removed;   // unreferenced snapshots (row + dir)
  std::vector<std::string> dirs_removed;   // stale ingest dirs, snapshot dirs without a row
  int64_t bytes_reclaimed = 0;  // blobs and stray dirs by apparent size, snapshots by recorded size
};

// Roots are every image row: its config blob, manifest blob, layer blobs and
// layer chain ids (with their parent chains). Removes every other blob and
// snapshot, snapshot dirs without a row, and ingest dirs whose lock nobody
// holds. Must run with every other user of the store excluded.
Result<GcStats> SweepUnreferenced(ContentStore& content, Snapshots& snapshots,
                                  Metadata& metadata);

}  // namespace berth::store
