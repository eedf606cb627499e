// Blobs are the store's ground truth: registries, archives and builds all end
// up here, and every later step trusts that blobs/sha256/<hex> holds exactly
// the bytes hashing to <hex>. So nothing is ever written there directly: data
// goes to an ingest dir, is fsynced and verified, and is then renamed in. The
// rename is atomic and content-addressed, so two writers racing on the same
// blob both succeed and readers never see a partial file.
#include "store/content_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>

#include "base/file.h"

namespace berth::store {
namespace {

constexpr const char* kDataName = "data";

Error BlobNotFound(const Digest& d) {
  return MakeError(Code::kNotFound, "blob " + d.str() + " not found");
}

}  // namespace

Error ReadOnlyError() { return MakeError(Code::kPermissionDenied, "store is opened read-only"); }

BlobWriter::BlobWriter(const ContentStore* store, IngestDir dir, UniqueFd fd,
                       Leases::Lease lease)
    : store_(store), dir_(std::move(dir)), fd_(std::move(fd)), lease_(std::move(lease)) {}

BlobWriter::~BlobWriter() { Abort(); }

void BlobWriter::Abort() {
  fd_.Reset();
  (void)dir_.Remove();
  done_ = true;
  lease_.Release();
}

Status BlobWriter::Write(std::span<const std::byte> data) {
  if (done_) return MakeError(Code::kInternal, "write to a finished blob writer");
  if (failed_) return MakeError(Code::kInternal, "write to a failed blob writer");
  FdWriter w(fd_.get());
  Status st = w.Write(data);
  if (!st.ok()) {
    failed_ = true;
    return std::move(st).error().Wrap("write blob");
  }
  hash_.Update(data);
  return Ok();
}

Result<BlobInfo> BlobWriter::Commit(std::optional<Digest> expected,
                                    std::optional<int64_t> expected_size) {
  if (done_) return MakeError(Code::kInternal, "commit of a finished blob writer");
  if (failed_) {
    Abort();
    return MakeError(Code::kInternal, "commit of a blob whose write failed");
  }
  // Whatever happens below, this writer is finished; the ingest dir goes with it.
  struct Finish {
    BlobWriter* w;
    ~Finish() { w->Abort(); }
  } finish{this};

  BlobInfo info{hash_.Finish(), static_cast<int64_t>(hash_.bytes())};
  if (expected_size && *expected_size != info.size) {
    return MakeError(Code::kDataLoss, "size mismatch: expected " +
                                          std::to_string(*expected_size) + " bytes, got " +
                                          std::to_string(info.size));
  }
  if (expected && *expected != info.digest) {
    return MakeError(Code::kDataLoss, "digest mismatch: expected " + expected->str() +
                                          ", got " + info.digest.str());
  }
  std::string target = store_->Path(info.digest);
  if (store_->Has(info.digest)) return info;  // content addressing: same bytes already there

  std::string src = dir_.Join(kDataName);
  if (::fchmod(fd_.get(), 0444) != 0) return ErrnoError("chmod " + src);
  if (::fsync(fd_.get()) != 0) return ErrnoError("fsync " + src);
  fd_.Reset();
  if (::rename(src.c_str(), target.c_str()) != 0) return ErrnoError("rename blob into " + target);
  TRY(SyncDir(store_->blob_dir()));
  return info;
}

ContentStore::ContentStore(std::string root, Leases* leases, bool read_only)
    : blob_dir_(JoinPath(JoinPath(root, "blobs"), "sha256")),
      ingest_dir_(JoinPath(root, "ingest")),
      leases_(leases),
      read_only_(read_only) {}

Result<std::unique_ptr<BlobWriter>> ContentStore::NewWriter() {
  if (read_only_) return ReadOnlyError();
  // The lease comes first so GC cannot run between creating the dir and locking it.
  Leases::Lease lease = leases_ != nullptr ? leases_->Acquire() : Leases::Lease();
  IngestDir dir = TRY(IngestDir::Create(ingest_dir_));
  UniqueFd fd = TRY(OpenFile(dir.Join(kDataName), O_WRONLY | O_CREAT | O_EXCL, 0644));
  return std::unique_ptr<BlobWriter>(
      new BlobWriter(this, std::move(dir), std::move(fd), std::move(lease)));
}

Result<BlobInfo> ContentStore::Put(std::string_view data) {
  if (read_only_) return ReadOnlyError();
  Digest d = Digest::Of(data);
  if (Has(d)) return BlobInfo{d, static_cast<int64_t>(data.size())};
  std::unique_ptr<BlobWriter> w = TRY(NewWriter());
  TRY(w->Write(AsBytes(data)));
  return w->Commit(d, static_cast<int64_t>(data.size()));
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
  struct stat st;
  return digest.valid() && ::stat(Path(digest).c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

Result<int64_t> ContentStore::Size(const Digest& digest) const {
  struct stat st;
  if (::stat(Path(digest).c_str(), &st) != 0) {
    if (errno == ENOENT) return BlobNotFound(digest);
    return ErrnoError("stat " + Path(digest));
  }
  return static_cast<int64_t>(st.st_size);
}

std::string ContentStore::Path(const Digest& digest) const {
  return JoinPath(blob_dir_, digest.hex());
}

Status ContentStore::Delete(const Digest& digest) {
  if (read_only_) return ReadOnlyError();
  if (::unlink(Path(digest).c_str()) != 0 && errno != ENOENT) {
    return ErrnoError("remove blob " + digest.str());
  }
  return SyncDir(blob_dir_);
}

Result<std::vector<Digest>> ContentStore::List() const {
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
