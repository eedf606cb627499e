// Mark and sweep garbage collection of the store's content, without a global
// lock. Roots: every image row, every container row, and every resource
// named by a live lease. The collection runs in four steps:
//   1. mark (one write transaction): reap dead leases, compute what is live,
//      delete the rows of everything else and record it in gc_pending, along
//      with blob files and snapshot dirs that have no row at all;
//   2. move (one write transaction): rename each pending blob file and
//      snapshot dir into the trash, unless a writer has recorded that blob
//      again meanwhile (writers rename blobs in under the same lock);
//   3. sweep ingest dirs whose lock nobody holds (keyed ones only once they
//      are neither leased nor recently written, so a download can resume);
//   4. free the trash, here or in a detached child.
// Nothing waits on another process beyond a transaction; a crash at any
// point leaves rows and files that the next collection finishes.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "digest/digest.h"
#include "store/content_store.h"
#include "store/metadata.h"
#include "store/snapshots.h"
#include "store/trash.h"

namespace berth::store {

struct GcOptions {
  // Decide and measure, change nothing (for `system check`).
  bool dry_run = false;
  // Free the trashed bytes in a detached child instead of before returning.
  bool free_in_background = false;
  // A keyed ingest (a partial download) is kept this long after its last
  // write when no lease holds it, so that a retried pull can resume it.
  std::chrono::seconds resumable_grace{std::chrono::hours(1)};
};

struct GcStats {
  std::vector<Digest> blobs_removed;      // unreferenced blobs (and blob files without a row)
  std::vector<Digest> snapshots_removed;  // unreferenced snapshots
  std::vector<std::string> dirs_removed;  // ingest dirs, snapshot dirs without a row
  int64_t leases_reaped = 0;              // dead leases deleted
  int64_t bytes_reclaimed = 0;            // by recorded size (blobs, snapshots) or apparent size
  int64_t stray_bytes = 0;                // of that, what no row described: ingest dirs, orphans
  int64_t trash_bytes = 0;                // dry run: bytes already in the trash
  // Entries that could not be removed; each is retried by the next run.
  std::vector<std::string> errors;
};

struct StoreParts {
  Metadata& metadata;
  ContentStore& content;
  Snapshots& snapshots;
  Trash& trash;
};

// Runs the four steps above. Errors only when the metadata cannot be read or
// written; failures to remove single entries land in GcStats::errors.
Result<GcStats> CollectGarbage(const StoreParts& store, const GcOptions& options);

// Cheap signs that garbage may exist, without a mark: dead or expired leases,
// pending removals, anything in the trash, an ingest dir nobody holds.
Result<bool> MayHaveGarbage(const StoreParts& store);

}  // namespace berth::store
