#include "store/content_store.h"

#include <fcntl.h>
#include <sys/stat.h>

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
    cs_ = std::make_unique<ContentStore>(dir_, &leases_);
  }
  std::vector<std::string> Ingest() { return testing::Entries(JoinPath(dir_, "ingest")); }
  std::vector<std::string> Blobs() { return testing::Entries(JoinPath(dir_, "blobs/sha256")); }

  Leases leases_;
  std::unique_ptr<ContentStore> cs_;
};

TEST_F(ContentStoreTest, WriteCommitRead) {
  auto w = cs_->NewWriter();
  ASSERT_OK(w);
  EXPECT_EQ(leases_.held(), 1);
  EXPECT_EQ(Ingest().size(), 1u);
  ASSERT_OK((*w)->Write(AsBytes("hello ")));
  ASSERT_OK((*w)->Write(AsBytes("world")));
  EXPECT_EQ((*w)->size(), 11);
  Digest want = Digest::Of("hello world");
  auto info = (*w)->Commit(want, 11);
  ASSERT_OK(info);
  EXPECT_EQ(info->digest, want);
  EXPECT_EQ(info->size, 11);
  EXPECT_EQ(leases_.held(), 0);
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
  EXPECT_EQ(*cs_->List(), std::vector<Digest>{want});

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
  EXPECT_EQ(leases_.held(), 0);

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
  EXPECT_EQ(cs_->List()->size(), 1u);
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
  EXPECT_OK(cs_->Delete(d));
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

TEST_F(ContentStoreTest, DeleteAndList) {
  auto a = cs_->Put("a");
  auto b = cs_->Put("b");
  ASSERT_OK(a);
  ASSERT_OK(b);
  ASSERT_OK(WriteFileAtomic(JoinPath(cs_->blob_dir(), "not-a-digest"), "x"));
  std::vector<Digest> want{a->digest, b->digest};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(*cs_->List(), want);
  ASSERT_OK(cs_->Delete(a->digest));
  EXPECT_FALSE(cs_->Has(a->digest));
  EXPECT_EQ(*cs_->List(), std::vector<Digest>{b->digest});
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
  EXPECT_EQ(*cs_->List(), std::vector<Digest>{want});
  EXPECT_EQ(*cs_->Size(want), static_cast<int64_t>(data.size()));
  EXPECT_TRUE(Ingest().empty());
  EXPECT_EQ(*cs_->ReadSmall(want), data);
}

TEST_F(ContentStoreTest, ReadOnlyRefusesWrites) {
  ContentStore ro(dir_, nullptr, /*read_only=*/true);
  EXPECT_EQ(ro.NewWriter().error().code, Code::kPermissionDenied);
  EXPECT_EQ(ro.Put("x").error().code, Code::kPermissionDenied);
  auto info = cs_->Put("x");
  ASSERT_OK(info);
  EXPECT_EQ(*ro.ReadSmall(info->digest), "x");
  EXPECT_EQ(ro.Delete(info->digest).error().code, Code::kPermissionDenied);
}

}  // namespace
}  // namespace berth::store
