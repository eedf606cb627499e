// Blobs are the store's ground truth: registries, archives and builds all end
// up here, and every later step trusts that blobs/sha256/<hex> holds exactly
// the bytes hashing to <hex>. So nothing is ever written there directly: data
// goes to an ingest dir, is fsynced and verified, and is then renamed in and
// recorded inside one metadata transaction. Holding the database's write
// lock across the rename is what lets GC (which moves garbage out under the
// same lock) never take away a blob that a writer has just re-added.
#include "store/content_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <thread>

#include "base/clock.h"
#include "base/file.h"

namespace berth::store {
namespace {

constexpr const char* kDataName = "data";

Error BlobNotFound(const Digest& d) {
  return MakeError(Code::kNotFound, "blob " + d.str() + " not found");
}

}  // namespace

Error ReadOnlyError() { return MakeError(Code::kPermissionDenied, "store is opened read-only"); }

BlobWriter::BlobWriter(ContentStore* store, IngestDir dir, UniqueFd fd, WriterOptions options)
    : store_(store), dir_(std::move(dir)), fd_(std::move(fd)), options_(std::move(options)) {}

BlobWriter::~BlobWriter() { Abort(); }

void BlobWriter::Abort() {
  if (dir_.keyed() && (failed_ || size() == 0)) {
    Discard();  // nothing worth resuming, or bytes that may be wrong
    return;
  }
  fd_.Reset();
  dir_ = IngestDir();  // keyed: kept for resume; unkeyed: removed
  done_ = true;
}

void BlobWriter::Discard() {
  fd_.Reset();
  (void)dir_.Remove();
  done_ = true;
}

Status BlobWriter::Resume() {
  // Re-hash what an earlier writer left; the digest state is not stored.
  struct stat st;
  if (::fstat(fd_.get(), &st) != 0) return ErrnoError("stat " + dir_.Join(kDataName));
  int64_t have = st.st_size;
  if (options_.size >= 0 && have > options_.size) have = 0;  // cannot be this blob
  std::vector<std::byte> buf(1 << 20);
  int64_t pos = 0;
  while (pos < have) {
    size_t want = static_cast<size_t>(std::min<int64_t>(have - pos, buf.size()));
    ssize_t n = ::pread(fd_.get(), buf.data(), want, pos);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // shorter than it said: keep what was read
    hash_->Update(std::span<const std::byte>(buf.data(), static_cast<size_t>(n)));
    pos += n;
  }
  if (::ftruncate(fd_.get(), pos) != 0) return ErrnoError("truncate " + dir_.Join(kDataName));
  if (::lseek(fd_.get(), pos, SEEK_SET) < 0) return ErrnoError("seek " + dir_.Join(kDataName));
  resumed_ = pos;
  flushed_ = pos;
  return Ok();
}

Result<UniqueFd> BlobWriter::OpenWritten() const {
  return OpenFile(dir_.Join(kDataName), O_RDONLY, 0);
}

// Writes data at offset (the blob's size before it: passed in, since the
// hash, which counts the size, may be updating meanwhile), toggling O_DIRECT
// on fd_ per write (WriterOptions::direct).
Status BlobWriter::WriteData(std::span<const std::byte> data, int64_t offset) {
  constexpr uint64_t kAlign = 4096;
  bool aligned = options_.direct && reinterpret_cast<uintptr_t>(data.data()) % kAlign == 0 &&
                 data.size() % kAlign == 0 && static_cast<uint64_t>(offset) % kAlign == 0;
  if (aligned != direct_) {
    int flags = ::fcntl(fd_.get(), F_GETFL);
    if (flags >= 0 && ::fcntl(fd_.get(), F_SETFL, aligned ? flags | O_DIRECT : flags & ~O_DIRECT) == 0) {
      direct_ = aligned;
    } else if (!aligned) {
      return ErrnoError("fcntl " + dir_.Join(kDataName));
    }
  }
  FdWriter w(fd_.get());
  Status st = w.Write(data);
  if (!st.ok() && direct_ && st.error().code == Code::kInvalidArgument) {  // refused after all
    options_.direct = false;
    if (::ftruncate(fd_.get(), offset) != 0 || ::lseek(fd_.get(), offset, SEEK_SET) < 0) {
      return ErrnoError("rewind " + dir_.Join(kDataName));
    }
    return WriteData(data, offset);
  }
  return st;
}

Status BlobWriter::Write(std::span<const std::byte> data) {
  if (done_) return MakeError(Code::kInternal, "write to a finished blob writer");
  if (failed_) return MakeError(Code::kInternal, "write to a failed blob writer");
  int64_t limit = options_.size >= 0 ? options_.size : options_.max_size;
  if (size() + static_cast<int64_t>(data.size()) > limit) {
    failed_ = true;
    std::string what = options_.digest ? "blob " + options_.digest->str() : std::string("blob");
    return MakeError(Code::kDataLoss,
                     options_.size >= 0
                         ? what + " is larger than its expected size of " +
                               std::to_string(options_.size) + " bytes"
                         : what + " is larger than the limit of " + std::to_string(limit) +
                               " bytes (BERTH_MAX_BLOB_BYTES)");
  }
  Status st = Ok();
  const int64_t offset = size();
  if (options_.direct && data.size() >= (1 << 20)) {
    // The device works while the CPU hashes: a direct write waits for the
    // disk, so hashing the same bytes meanwhile halves the time of the call.
    std::thread writer([&] { st = WriteData(data, offset); });
    hash_->Update(data);
    writer.join();
  } else {
    st = WriteData(data, offset);
    if (st.ok()) hash_->Update(data);
  }
  if (!st.ok()) {
    failed_ = true;  // the hash may have seen data that was not written: unusable now
    return std::move(st).error().Wrap("write blob");
  }
  StartWriteback();
  return Ok();
}

// Commit's fsync would otherwise find the whole blob still dirty (the
// kernel's background writeback waits for gigabytes): starting the writes
// every few MiB lets the disk work while the blob streams in, so the fsync
// only waits for the tail.
void BlobWriter::StartWriteback() {
  constexpr int64_t kChunk = 8 << 20;
  int64_t end = size();
  if (end - flushed_ < kChunk) return;
  ::sync_file_range(fd_.get(), flushed_, end - flushed_, SYNC_FILE_RANGE_WRITE);  // advisory
  flushed_ = end;
}

Result<BlobInfo> BlobWriter::Commit(std::optional<Digest> expected,
                                    std::optional<int64_t> expected_size) {
  if (done_) return MakeError(Code::kInternal, "commit of a finished blob writer");
  if (failed_) {
    Abort();
    return MakeError(Code::kInternal, "commit of a blob whose write failed");
  }
  if (!expected) expected = options_.digest;
  if (!expected_size && options_.size >= 0) expected_size = options_.size;
  BlobInfo info{hash_->Finish(), static_cast<int64_t>(hash_->bytes())};
  Status st = Ok();
  if (expected_size && *expected_size != info.size) {
    st = MakeError(Code::kDataLoss, "size mismatch: expected " + std::to_string(*expected_size) +
                                        " bytes, got " + std::to_string(info.size));
  } else if (expected && *expected != info.digest) {
    st = MakeError(Code::kDataLoss, "digest mismatch: expected " + expected->str() + ", got " +
                                        info.digest.str());
  }
  std::string src = dir_.Join(kDataName);
  if (st.ok() && ::fchmod(fd_.get(), 0444) != 0) st = ErrnoError("chmod " + src);
  if (st.ok() && ::fsync(fd_.get()) != 0) st = ErrnoError("fsync " + src);
  fd_.Reset();
  if (st.ok()) st = store_->Publish(src, info, options_.lease);
  Discard();  // whatever happened, this writer and its ingest are finished
  if (!st.ok()) return std::move(st).error();
  return info;
}

ContentStore::ContentStore(std::string root, Metadata* metadata, bool read_only)
    : blob_dir_(JoinPath(JoinPath(root, "blobs"), "sha256")),
      ingest_dir_(JoinPath(root, "ingest")),
      metadata_(metadata),
      read_only_(read_only) {}

Status ContentStore::Publish(const std::string& src, const BlobInfo& info, Lease* lease) {
  return metadata_->Transaction([&]() -> Status {
    if (!TRY(metadata_->GetBlob(info.digest))) {
      std::string target = Path(info.digest);
      if (::rename(src.c_str(), target.c_str()) != 0) {
        return ErrnoError("rename blob into " + target);
      }
      TRY(SyncDir(blob_dir_));  // the row must never outlive the rename
      TRY(metadata_->InsertBlob({info.digest, info.size, NowNanos()}));
    }
    if (lease != nullptr) TRY(lease->Add(ResourceKind::kBlob, info.digest.str()));
    return Ok();
  });
}

Result<std::unique_ptr<BlobWriter>> ContentStore::NewWriter(const WriterOptions& options) {
  if (read_only_) return ReadOnlyError();
  IngestDir dir;
  if (options.digest) {
    if (TRY(HasAndLease(*options.digest, options.lease))) {
      return MakeError(Code::kAlreadyExists, "blob " + options.digest->str() + " already exists");
    }
    dir = TRY(IngestDir::OpenKeyed(ingest_dir_, options.digest->hex(), options.wait));
    // The writer we may have waited for has probably committed it.
    if (TRY(HasAndLease(*options.digest, options.lease))) {
      (void)dir.Remove();
      return MakeError(Code::kAlreadyExists, "blob " + options.digest->str() + " already exists");
    }
  } else {
    dir = TRY(IngestDir::Create(ingest_dir_));
  }
  UniqueFd fd = TRY(OpenFile(dir.Join(kDataName), O_RDWR | O_CREAT, 0600));
  std::unique_ptr<BlobWriter> w(new BlobWriter(this, std::move(dir), std::move(fd), options));
  if (options.digest) TRY(w->Resume());
  return w;
}

Result<BlobInfo> ContentStore::Put(std::string_view data, Lease* lease) {
  if (read_only_) return ReadOnlyError();
  Digest d = Digest::Of(data);
  BlobInfo info{d, static_cast<int64_t>(data.size())};
  if (TRY(HasAndLease(d, lease))) return info;
  // Unkeyed: all the bytes are at hand, so there is nothing to resume or to
  // wait for, and nothing keyed to leave behind if this process dies.
  auto w = TRY(NewWriter({.lease = lease, .max_size = info.size}));
  TRY(w->Write(AsBytes(data)));
  return w->Commit(d, info.size);
}

Result<UniqueFd> ContentStore::Open(const Digest& digest) const {
  auto fd = OpenFile(Path(digest), O_RDONLY);
  if (!fd.ok() && fd.error().code == Code::kNotFound) return BlobNotFound(digest);
  return fd;
}

Result<std::string> ContentStore::ReadSmall(const Digest& digest, int64_t limit) const {
  UniqueFd fd = TRY(Open(digest));
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return ErrnoError("stat " + Path(digest));
  if (st.st_size > limit) {
    return MakeError(Code::kInvalidArgument, "blob " + digest.str() + " is " +
                                                 std::to_string(st.st_size) +
                                                 " bytes, more than the limit of " +
                                                 std::to_string(limit));
  }
  FdReader r(fd.get());
  std::string data = TRY_CTX(ReadAll(r, static_cast<uint64_t>(limit) + 1), "read blob " + digest.str());
  Digest actual = Digest::Of(data);
  if (actual != digest) {
    return MakeError(Code::kDataLoss, "blob " + digest.str() + " is corrupt: content hashes to " +
                                          actual.str());
  }
  return data;
}

bool ContentStore::Has(const Digest& digest) const {
  if (!digest.valid()) return false;
  auto row = metadata_->GetBlob(digest);
  return row.ok() && row->has_value();
}

Result<bool> ContentStore::HasAndLease(const Digest& digest, Lease* lease) {
  if (lease == nullptr || !lease->valid()) return Has(digest);
  bool present = false;
  TRY(metadata_->Transaction([&]() -> Status {
    present = TRY(metadata_->GetBlob(digest)).has_value();
    if (present) TRY(lease->Add(ResourceKind::kBlob, digest.str()));
    return Ok();
  }));
  return present;
}

Result<int64_t> ContentStore::Size(const Digest& digest) const {
  auto row = TRY(metadata_->GetBlob(digest));
  if (!row) return BlobNotFound(digest);
  return row->size;
}

std::string ContentStore::Path(const Digest& digest) const {
  return JoinPath(blob_dir_, digest.hex());
}

Result<std::vector<Digest>> ContentStore::ListFiles() const {
  DIR* dir = ::opendir(blob_dir_.c_str());
  if (dir == nullptr) return ErrnoError("list " + blob_dir_);
  std::vector<Digest> out;
  errno = 0;
  while (struct dirent* e = ::readdir(dir)) {
    auto d = Digest::FromHex(e->d_name);
    if (d.ok()) out.push_back(std::move(d).value());
  }
  int err = errno;
  ::closedir(dir);
  if (err != 0) return ErrnoError("list " + blob_dir_, err);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace berth::store
