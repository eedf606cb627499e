// ContentStore: blobs addressed by digest under <root>/blobs/sha256/<hex>.
// A blob is written into an ingest dir, verified, and only then renamed into
// place, so every file under blobs/ is complete and matches its name.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/fd.h"
#include "base/io.h"
#include "base/result.h"
#include "digest/digest.h"
#include "store/ingest.h"
#include "store/lease.h"

namespace berth::store {

struct BlobInfo {
  Digest digest;
  int64_t size = 0;

  bool operator==(const BlobInfo&) const = default;
};

class ContentStore;

// PermissionDenied "store is opened read-only".
Error ReadOnlyError();

// Streams one blob into <root>/ingest/<random>/data, hashing as it goes.
// Holds a GC lease for its whole life. Not thread-safe; one writer per blob.
class BlobWriter : public Writer {
 public:
  BlobWriter(const BlobWriter&) = delete;
  BlobWriter& operator=(const BlobWriter&) = delete;
  // Aborts (removes the ingest dir) when not committed.
  ~BlobWriter() override;

  // Appends data. After a failed write the writer is unusable (Commit fails).
  Status Write(std::span<const std::byte> data) override;

  // fsyncs, verifies the size and digest against the expected values when
  // given, makes the file read-only (0444), renames it into blobs/sha256/<hex>
  // (a blob already present counts as success) and fsyncs the directory.
  // Returns what was stored. On a mismatch the data is discarded and the
  // error is DataLoss: "size mismatch: expected N bytes, got M" or
  // "digest mismatch: expected sha256:..., got sha256:...". Whatever the
  // outcome, the writer is finished afterwards.
  Result<BlobInfo> Commit(std::optional<Digest> expected = {},
                          std::optional<int64_t> expected_size = {});

  // Discards everything written so far (also done by the destructor).
  void Abort();

  // Bytes written so far.
  int64_t size() const { return static_cast<int64_t>(hash_.bytes()); }

 private:
  friend class ContentStore;
  BlobWriter(const ContentStore* store, IngestDir dir, UniqueFd fd, Leases::Lease lease);

  const ContentStore* store_;
  IngestDir dir_;
  UniqueFd fd_;
  Leases::Lease lease_;
  Sha256 hash_;
  bool done_ = false;    // committed or aborted
  bool failed_ = false;  // a write failed
};

class ContentStore {
 public:
  // root is the store root (blobs/ and ingest/ below it must exist).
  // leases may be null (no in-process GC protection). A read-only store
  // refuses NewWriter, Put and Delete with PermissionDenied.
  ContentStore(std::string root, Leases* leases, bool read_only = false);

  // A writer for a new blob.
  Result<std::unique_ptr<BlobWriter>> NewWriter();
  // Stores a small blob held in memory (configs, manifests). Idempotent.
  Result<BlobInfo> Put(std::string_view data);

  // Opens a blob read-only. NotFound "blob sha256:... not found".
  Result<UniqueFd> Open(const Digest& digest) const;
  // Reads a whole blob of at most limit bytes (InvalidArgument when larger),
  // re-verifying its digest: DataLoss when the file does not hash to its name.
  Result<std::string> ReadSmall(const Digest& digest, int64_t limit = 16 << 20) const;
  bool Has(const Digest& digest) const;
  // Size in bytes; NotFound when absent.
  Result<int64_t> Size(const Digest& digest) const;
  // <root>/blobs/sha256/<hex> (whether or not it exists).
  std::string Path(const Digest& digest) const;
  // Removes a blob; absent is success. For GC only: callers must know the
  // blob is unreferenced.
  Status Delete(const Digest& digest);
  // Every blob present, ordered. Files whose names are not digests are skipped.
  Result<std::vector<Digest>> List() const;

  const std::string& blob_dir() const { return blob_dir_; }
  const std::string& ingest_dir() const { return ingest_dir_; }

 private:
  std::string blob_dir_;
  std::string ingest_dir_;
  Leases* leases_;
  bool read_only_;
};

}  // namespace berth::store
