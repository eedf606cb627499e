// ContentStore: blobs addressed by digest under <root>/blobs/sha256/<hex>.
// A blob is written into an ingest dir, verified, made durable, and only then
// renamed into place and recorded by a row in the `blobs` table. The row, not
// the file, says a blob is present: a file without a row may be one another
// process renamed but has not yet made durable, or one GC is removing.
#pragma once

#include <chrono>
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
#include "store/metadata.h"

namespace berth::store {

struct BlobInfo {
  Digest digest;
  int64_t size = 0;

  bool operator==(const BlobInfo&) const = default;
};

class ContentStore;

// PermissionDenied "store is opened read-only".
Error ReadOnlyError();

// Default cap on a blob whose size is not known in advance (an import):
// 256 GiB. BERTH_MAX_BLOB_BYTES overrides it.
inline constexpr int64_t kDefaultMaxBlobBytes = int64_t{256} << 30;

struct WriterOptions {
  // The committed blob is added to this lease (nullptr: unprotected until an
  // image row names it; fine only when nothing can run GC in between).
  Lease* lease = nullptr;
  // The expected digest. Makes the ingest keyed: shared with other processes
  // wanting the same blob, and resumable.
  std::optional<Digest> digest{};
  // The expected size, or -1 when unknown. Writing past it fails at once.
  int64_t size = -1;
  // Cap when the size is unknown.
  int64_t max_size = kDefaultMaxBlobBytes;
  // Keyed: how long to wait while another process writes the same blob.
  std::chrono::milliseconds wait{std::chrono::minutes(10)};
  // Write with O_DIRECT whatever is aligned (address, length and offset
  // multiples of 4096, e.g. whole 1 MiB buffers from posix_memalign): no page
  // cache pages are made for a blob nobody reads soon (commit's layer), which
  // is most of the cost of writing it. Other writes, and all of them where
  // O_DIRECT is refused, go through the page cache.
  bool direct = false;
};

// Streams one blob into an ingest dir, hashing as it goes. Not thread-safe.
class BlobWriter : public Writer {
 public:
  BlobWriter(const BlobWriter&) = delete;
  BlobWriter& operator=(const BlobWriter&) = delete;
  // Aborts when not committed.
  ~BlobWriter() override;

  // Appends data. Fails with DataLoss, before writing anything, when data
  // would take the blob past its expected size (or cap). After a failed
  // write the writer is unusable (Commit fails).
  Status Write(std::span<const std::byte> data) override;

  // fsyncs, verifies the size and digest (those given here, else those the
  // writer was opened with), makes the file read-only (0444), and in one
  // metadata transaction renames it into blobs/sha256/<hex>, fsyncs the
  // directory, records the blob row and adds the blob to the lease. A blob
  // already present counts as success. On a mismatch the data is discarded
  // and the error is DataLoss: "size mismatch: expected N bytes, got M" or
  // "digest mismatch: expected sha256:..., got sha256:...". Whatever the
  // outcome, the writer is finished afterwards.
  Result<BlobInfo> Commit(std::optional<Digest> expected = {},
                          std::optional<int64_t> expected_size = {});

  // Stops writing. An unkeyed ingest is removed; a keyed one keeps the bytes
  // written so far for the next writer of the same blob to resume from.
  void Abort();
  // Stops writing and removes the ingest whatever its kind.
  void Discard();

  // Bytes in the blob so far, including those resumed from an earlier writer.
  int64_t size() const { return static_cast<int64_t>(hash_->bytes()); }
  // Bytes already present when this writer was opened (the offset to resume
  // a download from, e.g. with an HTTP Range request).
  int64_t resumed() const { return resumed_; }
  // The bytes written so far, opened read-only (a pull feeds the resumed
  // part of a blob to its unpacker before the downloaded rest).
  Result<UniqueFd> OpenWritten() const;

 private:
  friend class ContentStore;
  BlobWriter(ContentStore* store, IngestDir dir, UniqueFd fd, WriterOptions options);
  Status Resume();
  Status WriteData(std::span<const std::byte> data, int64_t offset);
  void StartWriteback();

  ContentStore* store_;
  IngestDir dir_;
  UniqueFd fd_;
  WriterOptions options_;
  std::optional<Sha256> hash_{std::in_place};
  int64_t resumed_ = 0;
  int64_t flushed_ = 0;  // bytes whose writeback was started
  bool done_ = false;    // committed or aborted
  bool failed_ = false;  // a write failed
  bool direct_ = false;  // fd_ has O_DIRECT (WriterOptions::direct)
};

class ContentStore {
 public:
  // root is the store root (blobs/sha256/ and ingest/ below it must exist);
  // metadata holds the blob rows. A read-only store refuses writers and Put
  // with PermissionDenied.
  ContentStore(std::string root, Metadata* metadata, bool read_only = false);

  // A writer for a new blob. With options.digest set, when the blob is
  // already present it is added to options.lease and the result is
  // AlreadyExists; when another process is writing it, waits for that one
  // (then usually AlreadyExists), up to options.wait (then Unavailable).
  Result<std::unique_ptr<BlobWriter>> NewWriter(const WriterOptions& options = {});
  // Stores a small blob held in memory (configs, manifests) and adds it to
  // the lease. Idempotent.
  Result<BlobInfo> Put(std::string_view data, Lease* lease = nullptr);

  // Opens a blob read-only. NotFound "blob sha256:... not found".
  Result<UniqueFd> Open(const Digest& digest) const;
  // Reads a whole blob of at most limit bytes (InvalidArgument when larger),
  // re-verifying its digest: DataLoss when the file does not hash to its name.
  Result<std::string> ReadSmall(const Digest& digest, int64_t limit = 16 << 20) const;
  // Present = recorded (and therefore complete and durable).
  bool Has(const Digest& digest) const;
  // If present, adds it to lease and returns true, atomically with respect
  // to GC: a blob this returns true for stays until the lease ends.
  Result<bool> HasAndLease(const Digest& digest, Lease* lease);
  // Size in bytes; NotFound when absent.
  Result<int64_t> Size(const Digest& digest) const;
  // <root>/blobs/sha256/<hex> (whether or not it exists).
  std::string Path(const Digest& digest) const;
  // Every blob file present, ordered (rows or not; for GC and checks).
  Result<std::vector<Digest>> ListFiles() const;

  const std::string& blob_dir() const { return blob_dir_; }
  const std::string& ingest_dir() const { return ingest_dir_; }
  Metadata& metadata() const { return *metadata_; }

 private:
  friend class BlobWriter;
  // The commit transaction: rename into place, fsync, record, lease.
  Status Publish(const std::string& src, const BlobInfo& info, Lease* lease);

  std::string blob_dir_;
  std::string ingest_dir_;
  Metadata* metadata_;
  bool read_only_;
};

}  // namespace berth::store
