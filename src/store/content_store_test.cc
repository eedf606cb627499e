#include "store/content_store.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <thread>

#include "base/file.h"
#include "store/test_util.h"

namespace berth::store {
namespace {

class ContentStoreTest : public testing::ScratchDirTest {
 protected:
  void SetUp() override {
    ScratchDirTest::SetUp();
    ASSERT_OK(MkdirAll(JoinPath(dir_, "blobs/sha256")));
    ASSERT_OK(MkdirAll(JoinPath(dir_, "ingest")));
    auto md = Metadata::Open(JoinPath(dir_, "berth.db"));
    ASSERT_OK(md);
    md_ = std::move(md).value();
    cs_ = std::make_unique<ContentStore>(dir_, md_.get());
  }
  std::vector<std::string> Ingest() { return testing::Entries(JoinPath(dir_, "ingest")); }
  std::vector<std::string> Blobs() { return testing::Entries(JoinPath(dir_, "blobs/sha256")); }

  std::unique_ptr<Metadata> md_;
  std::unique_ptr<ContentStore> cs_;
};

TEST_F(ContentStoreTest, WriteCommitRead) {
  auto w = cs_->NewWriter();
  ASSERT_OK(w);
  EXPECT_EQ(Ingest().size(), 1u);
  ASSERT_OK((*w)->Write(AsBytes("hello ")));
  ASSERT_OK((*w)->Write(AsBytes("world")));
  EXPECT_EQ((*w)->size(), 11);
  Digest want = Digest::Of("hello world");
  auto info = (*w)->Commit(want, 11);
  ASSERT_OK(info);
  EXPECT_EQ(info->digest, want);
  EXPECT_EQ(info->size, 11);
  EXPECT_TRUE(Ingest().empty());
  EXPECT_EQ(Blobs(), std::vector<std::string>{want.hex()});

  struct stat st;
  ASSERT_EQ(::stat(cs_->Path(want).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0444u);
  EXPECT_TRUE(cs_->Has(want));
  EXPECT_EQ(*cs_->Size(want), 11);
  EXPECT_EQ(*cs_->ReadSmall(want), "hello world");
  auto fd = cs_->Open(want);
  ASSERT_OK(fd);
  FdReader r(fd->get());
  EXPECT_EQ(*ReadAll(r), "hello world");
  EXPECT_EQ(*cs_->ListFiles(), std::vector<Digest>{want});
  EXPECT_TRUE(md_->GetBlob(want)->has_value());

  // The writer is finished.
  EXPECT_FALSE((*w)->Write(AsBytes("x")).ok());
  EXPECT_FALSE((*w)->Commit().ok());
}

TEST_F(ContentStoreTest, CommitWithoutExpectationsStoresWhatWasWritten) {
  auto w = cs_->NewWriter();
  ASSERT_OK(w);
  ASSERT_OK((*w)->Write(AsBytes("abc")));
  auto info = (*w)->Commit();
  ASSERT_OK(info);
  EXPECT_EQ(info->digest, Digest::Of("abc"));
  EXPECT_TRUE(cs_->Has(Digest::Of("abc")));
}

TEST_F(ContentStoreTest, DigestMismatchStoresNothing) {
  auto w = cs_->NewWriter();
  ASSERT_OK(w);
  ASSERT_OK((*w)->Write(AsBytes("evil")));
  Digest want = Digest::Of("good");
  auto info = (*w)->Commit(want);
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().code, Code::kDataLoss);
  EXPECT_EQ(info.error().message,
            "digest mismatch: expected " + want.str() + ", got " + Digest::Of("evil").str());
  EXPECT_TRUE(Blobs().empty());
  EXPECT_TRUE(Ingest().empty());
  EXPECT_FALSE(cs_->Has(want));
  EXPECT_FALSE(cs_->Has(Digest::Of("evil")));
}

TEST_F(ContentStoreTest, SizeMismatchStoresNothing) {
  auto w = cs_->NewWriter();
  ASSERT_OK(w);
  ASSERT_OK((*w)->Write(AsBytes("12345")));
  auto info = (*w)->Commit(Digest::Of("12345"), 4);
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().code, Code::kDataLoss);
  EXPECT_EQ(info.error().message, "size mismatch: expected 4 bytes, got 5");
  EXPECT_TRUE(Blobs().empty());
  EXPECT_TRUE(Ingest().empty());
}

TEST_F(ContentStoreTest, AbortLeavesNoFile) {
  {
    auto w = cs_->NewWriter();
    ASSERT_OK(w);
    ASSERT_OK((*w)->Write(AsBytes("partial")));
    EXPECT_EQ(Ingest().size(), 1u);
  }
  EXPECT_TRUE(Ingest().empty());
  EXPECT_TRUE(Blobs().empty());

  auto w = cs_->NewWriter();
  ASSERT_OK(w);
  ASSERT_OK((*w)->Write(AsBytes("partial")));
  (*w)->Abort();
  EXPECT_TRUE(Ingest().empty());
  EXPECT_FALSE((*w)->Commit().ok());
  EXPECT_TRUE(Blobs().empty());
}

TEST_F(ContentStoreTest, PutIsIdempotent) {
  auto a = cs_->Put("{\"config\":1}");
  ASSERT_OK(a);
  auto b = cs_->Put("{\"config\":1}");
  ASSERT_OK(b);
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(a->digest, Digest::Of("{\"config\":1}"));
  EXPECT_EQ(a->size, 12);
  EXPECT_EQ(cs_->ListFiles()->size(), 1u);
  EXPECT_TRUE(Ingest().empty());
  // Committing the same bytes through a writer is also fine.
  auto w = cs_->NewWriter();
  ASSERT_OK(w);
  ASSERT_OK((*w)->Write(AsBytes("{\"config\":1}")));
  auto c = (*w)->Commit(a->digest, a->size);
  ASSERT_OK(c);
  EXPECT_EQ(*c, *a);
  EXPECT_TRUE(Ingest().empty());
}

TEST_F(ContentStoreTest, MissingBlob) {
  Digest d = Digest::Of("nope");
  EXPECT_FALSE(cs_->Has(d));
  auto fd = cs_->Open(d);
  ASSERT_FALSE(fd.ok());
  EXPECT_EQ(fd.error().code, Code::kNotFound);
  EXPECT_EQ(fd.error().message, "blob " + d.str() + " not found");
  EXPECT_EQ(cs_->ReadSmall(d).error().code, Code::kNotFound);
  EXPECT_EQ(cs_->Size(d).error().code, Code::kNotFound);
}

TEST_F(ContentStoreTest, ReadSmallDetectsCorruptionAndLimit) {
  auto info = cs_->Put("original");
  ASSERT_OK(info);
  EXPECT_EQ(cs_->ReadSmall(info->digest, 3).error().code, Code::kInvalidArgument);
  std::string path = cs_->Path(info->digest);
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  ASSERT_OK(WriteFileAtomic(path, "tampered"));
  auto r = cs_->ReadSmall(info->digest);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kDataLoss);
  EXPECT_NE(r.error().message.find("is corrupt"), std::string::npos);
}

TEST_F(ContentStoreTest, PresenceIsTheRowNotTheFile) {
  auto a = cs_->Put("a");
  ASSERT_OK(a);
  // A file renamed in by a writer whose transaction never committed.
  Digest orphan = Digest::Of("orphan");
  ASSERT_OK(WriteFileAtomic(cs_->Path(orphan), "orphan"));
  ASSERT_OK(WriteFileAtomic(JoinPath(cs_->blob_dir(), "not-a-digest"), "x"));
  EXPECT_FALSE(cs_->Has(orphan));
  EXPECT_TRUE(cs_->Has(a->digest));
  std::vector<Digest> want{a->digest, orphan};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(*cs_->ListFiles(), want);
  // Writing it for real records it (replacing the untrusted file).
  ASSERT_OK(cs_->Put("orphan"));
  EXPECT_TRUE(cs_->Has(orphan));
}

TEST_F(ContentStoreTest, ConcurrentWritersOfTheSameContentAllSucceed) {
  std::string data(3 << 20, '\0');
  for (size_t i = 0; i < data.size(); i++) data[i] = static_cast<char>(i * 131 + i / 7);
  const Digest want = Digest::Of(data);
  constexpr int kThreads = 6;
  std::vector<Result<BlobInfo>> results(kThreads, Result<BlobInfo>(Error{}));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([&, t] {
      auto w = cs_->NewWriter();
      if (!w.ok()) {
        results[t] = std::move(w).error();
        return;
      }
      for (size_t off = 0; off < data.size(); off += 64 << 10) {
        Status st = (*w)->Write(AsBytes(std::string_view(data).substr(off, 64 << 10)));
        if (!st.ok()) {
          results[t] = std::move(st).error();
          return;
        }
      }
      results[t] = (*w)->Commit(want, static_cast<int64_t>(data.size()));
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; t++) {
    ASSERT_TRUE(results[t].ok()) << "thread " << t << ": " << results[t].error().message;
    EXPECT_EQ(results[t]->digest, want);
  }
  EXPECT_EQ(*cs_->ListFiles(), std::vector<Digest>{want});
  EXPECT_EQ(*cs_->Size(want), static_cast<int64_t>(data.size()));
  EXPECT_TRUE(Ingest().empty());
  EXPECT_EQ(*cs_->ReadSmall(want), data);
}

TEST_F(ContentStoreTest, ReadOnlyRefusesWrites) {
  ContentStore ro(dir_, md_.get(), /*read_only=*/true);
  EXPECT_EQ(ro.NewWriter().error().code, Code::kPermissionDenied);
  EXPECT_EQ(ro.Put("x").error().code, Code::kPermissionDenied);
  auto info = cs_->Put("x");
  ASSERT_OK(info);
  EXPECT_EQ(*ro.ReadSmall(info->digest), "x");
}

TEST_F(ContentStoreTest, WriterFailsBeforeWritingPastTheExpectedSize) {
  Digest d = Digest::Of("12345");
  auto w = cs_->NewWriter({.digest = d, .size = 5});
  ASSERT_OK(w);
  ASSERT_OK((*w)->Write(AsBytes("1234")));
  auto st = (*w)->Write(AsBytes("56"));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Code::kDataLoss);
  EXPECT_NE(st.error().message.find("larger than its expected size of 5 bytes"), std::string::npos);
  // Nothing past the limit reached the disk.
  struct stat sb;
  ASSERT_EQ(::stat(JoinPath(JoinPath(dir_, "ingest/" + d.hex()), "data").c_str(), &sb), 0);
  EXPECT_EQ(sb.st_size, 4);
  EXPECT_FALSE((*w)->Commit().ok());
  w->reset();
  EXPECT_TRUE(Ingest().empty());  // a failed keyed ingest is not offered for resume

  auto capped = cs_->NewWriter({.max_size = 3});
  ASSERT_OK(capped);
  EXPECT_OK((*capped)->Write(AsBytes("abc")));
  auto over = (*capped)->Write(AsBytes("d"));
  ASSERT_FALSE(over.ok());
  EXPECT_NE(over.error().message.find("larger than the limit of 3 bytes"), std::string::npos);
}

TEST_F(ContentStoreTest, KeyedWriterOfAPresentBlobLeasesIt) {
  auto info = cs_->Put("present");
  ASSERT_OK(info);
  auto lease = Lease::Create(*md_, "test");
  ASSERT_OK(lease);
  auto w = cs_->NewWriter({.lease = &*lease, .digest = info->digest, .size = info->size});
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code, Code::kAlreadyExists);
  auto leases = md_->ListLeases();
  ASSERT_OK(leases);
  ASSERT_EQ(leases->size(), 1u);
  EXPECT_EQ((*leases)[0].resources,
            (std::vector<LeaseResource>{{ResourceKind::kBlob, info->digest.str()}}));
  EXPECT_EQ((*leases)[0].owner, ProcessId::Self());
  ASSERT_OK(lease->Release());
  EXPECT_TRUE(md_->ListLeases()->empty());
}

TEST_F(ContentStoreTest, InterruptedKeyedIngestResumesFromItsOffset) {
  std::string data(1 << 20, 'x');
  for (size_t i = 0; i < data.size(); i++) data[i] = static_cast<char>(i % 251);
  Digest d = Digest::Of(data);
  const int64_t n = static_cast<int64_t>(data.size());
  // A child process writes 300000 bytes and is killed with SIGKILL.
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto md = Metadata::Open(JoinPath(dir_, "berth.db"));
    ContentStore cs(dir_, md->get());
    auto w = cs.NewWriter({.digest = d, .size = n});
    if (!w.ok() || !(*w)->Write(AsBytes(std::string_view(data).substr(0, 300000))).ok()) _exit(1);
    (void)!::write(ready[1], "k", 1);
    ::pause();
    _exit(0);
  }
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ASSERT_EQ(::kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status));
  ::close(ready[0]);
  ::close(ready[1]);

  auto w = cs_->NewWriter({.digest = d, .size = n});
  ASSERT_OK(w);
  EXPECT_EQ((*w)->resumed(), 300000);
  EXPECT_EQ((*w)->size(), 300000);
  ASSERT_OK((*w)->Write(AsBytes(std::string_view(data).substr(300000))));
  auto info = (*w)->Commit();
  ASSERT_OK(info);
  EXPECT_EQ(info->digest, d);
  EXPECT_EQ(*cs_->ReadSmall(d), data);
  EXPECT_TRUE(Ingest().empty());
}

TEST_F(ContentStoreTest, TwoProcessesIngestingTheSameBlobWriteItOnce) {
  std::string data(4 << 20, '\0');
  for (size_t i = 0; i < data.size(); i++) data[i] = static_cast<char>(i * 7 + i / 5);
  Digest d = Digest::Of(data);
  const int64_t n = static_cast<int64_t>(data.size());
  // Each process reports through its exit code: 10 = it wrote the blob,
  // 11 = it found it already written (after waiting for the other).
  auto ingest = [&]() -> int {
    auto md = Metadata::Open(JoinPath(dir_, "berth.db"));
    if (!md.ok()) return 1;
    ContentStore cs(dir_, md->get());
    auto w = cs.NewWriter({.digest = d, .size = n});
    if (!w.ok()) return w.error().code == Code::kAlreadyExists ? 11 : 2;
    for (int64_t off = 0; off < n; off += 256 << 10) {
      if (!(*w)->Write(AsBytes(std::string_view(data).substr(off, 256 << 10))).ok()) return 3;
      ::usleep(20000);  // slow enough that the other one arrives while this one writes
    }
    return (*w)->Commit().ok() ? 10 : 4;
  };
  std::vector<pid_t> kids;
  for (int i = 0; i < 2; i++) {
    pid_t p = ::fork();
    ASSERT_GE(p, 0);
    if (p == 0) _exit(ingest());
    kids.push_back(p);
    ::usleep(50000);
  }
  std::vector<int> codes;
  for (pid_t p : kids) {
    int status = 0;
    ASSERT_EQ(::waitpid(p, &status, 0), p);
    ASSERT_TRUE(WIFEXITED(status));
    codes.push_back(WEXITSTATUS(status));
  }
  std::sort(codes.begin(), codes.end());
  EXPECT_EQ(codes, (std::vector<int>{10, 11}));  // one wrote, the other waited and reused
  EXPECT_EQ(*cs_->ReadSmall(d, 8 << 20), data);
  EXPECT_TRUE(Ingest().empty());
}

TEST_F(ContentStoreTest, KeyedWaitTimesOut) {
  Digest d = Digest::Of("slow");
  auto holder = cs_->NewWriter({.digest = d, .size = 4});
  ASSERT_OK(holder);
  auto w = cs_->NewWriter({.digest = d, .size = 4, .wait = std::chrono::milliseconds(50)});
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code, Code::kUnavailable);
}

// WriterOptions::direct: aligned buffers go through O_DIRECT, anything else
// through the page cache, and the blob is the bytes written either way.
TEST_F(ContentStoreTest, DirectWritesStoreTheSameBytes) {
  constexpr size_t kBuf = 2 << 20;
  std::unique_ptr<std::byte, decltype(&std::free)> aligned(
      static_cast<std::byte*>(std::aligned_alloc(4096, kBuf)), &std::free);
  for (size_t i = 0; i < kBuf; ++i) aligned.get()[i] = static_cast<std::byte>(i * 31 >> 5);
  auto w = cs_->NewWriter({.direct = true});
  ASSERT_OK(w);
  std::string expect;
  auto put = [&](std::span<const std::byte> d) {
    ASSERT_OK((*w)->Write(d));
    expect.append(reinterpret_cast<const char*>(d.data()), d.size());
  };
  put({aligned.get(), kBuf});          // direct
  put({aligned.get() + 1, 100});        // unaligned: cached
  put({aligned.get(), kBuf});           // aligned buffer at an unaligned offset: cached
  put({aligned.get(), 4096 - 100});     // back to an aligned offset
  put({aligned.get(), kBuf});           // direct again
  auto info = (*w)->Commit();
  ASSERT_OK(info);
  EXPECT_EQ(info->digest, Digest::Of(expect));
  auto data = ReadFile(cs_->Path(info->digest));
  ASSERT_OK(data);
  EXPECT_TRUE(*data == expect);
}

}  // namespace
}  // namespace berth::store
