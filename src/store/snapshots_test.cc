#include "store/snapshots.h"

#include <sys/stat.h>

#include <thread>

#include "base/file.h"
#include "store/test_util.h"

namespace berth::store {
namespace {

Digest D(std::string_view seed) { return Digest::Of(seed); }

class SnapshotsTest : public testing::ScratchDirTest {
 protected:
  void SetUp() override {
    ScratchDirTest::SetUp();
    ASSERT_OK(MkdirAll(JoinPath(dir_, "ingest")));
    ASSERT_OK(MkdirAll(JoinPath(dir_, "snapshots")));
    auto md = Metadata::Open(JoinPath(dir_, "berth.db"));
    ASSERT_OK(md);
    md_ = std::move(md).value();
    snaps_ = std::make_unique<Snapshots>(dir_, md_.get());
  }
  std::vector<std::string> Ingest() { return testing::Entries(JoinPath(dir_, "ingest")); }
  std::vector<std::string> SnapshotDirs() {
    return testing::Entries(JoinPath(dir_, "snapshots"));
  }

  // Prepares a staging dir holding one file and commits it.
  Result<SnapshotInfo> CommitLayer(const SnapshotRecord& rec, const std::string& content) {
    Staging s = TRY(snaps_->Prepare());
    TRY(WriteFileAtomic(JoinPath(s.dir(), "file"), content));
    return snaps_->Commit(std::move(s), rec);
  }

  std::unique_ptr<Metadata> md_;
  std::unique_ptr<Snapshots> snaps_;
};

TEST_F(SnapshotsTest, PrepareCommitGet) {
  auto staging = snaps_->Prepare();
  ASSERT_OK(staging);
  EXPECT_TRUE(staging->dir().starts_with(JoinPath(dir_, "ingest") + "/"));
  EXPECT_TRUE(testing::Entries(staging->dir()).empty());
  ASSERT_OK(MkdirAll(JoinPath(staging->dir(), "etc")));
  ASSERT_OK(WriteFileAtomic(JoinPath(staging->dir(), "etc/hostname"), "box"));

  SnapshotRecord rec{D("chain"), D("diff"), std::nullopt, 3};
  auto info = snaps_->Commit(std::move(*staging), rec);
  ASSERT_OK(info);
  EXPECT_EQ(info->id, 1);
  EXPECT_EQ(info->chain_id, rec.chain_id);
  EXPECT_EQ(info->diff_id, rec.diff_id);
  EXPECT_EQ(info->size, 3);
  EXPECT_GT(info->created, 0);
  EXPECT_EQ(info->dir, JoinPath(dir_, "snapshots/1/fs"));
  EXPECT_EQ(*ReadFile(JoinPath(info->dir, "etc/hostname")), "box");
  EXPECT_TRUE(Ingest().empty());

  auto got = snaps_->Get(rec.chain_id);
  ASSERT_OK(got);
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->dir, info->dir);
  EXPECT_EQ((*got)->size, 3);
  EXPECT_FALSE(snaps_->Get(D("other"))->has_value());
}

TEST_F(SnapshotsTest, SecondCommitOfTheSameChainIdKeepsTheFirst) {
  SnapshotRecord rec{D("chain"), D("diff"), std::nullopt, 5};
  auto first = CommitLayer(rec, "first");
  ASSERT_OK(first);
  auto second = CommitLayer(rec, "second");
  ASSERT_OK(second);
  EXPECT_EQ(second->id, first->id);
  EXPECT_EQ(second->dir, first->dir);
  EXPECT_EQ(*ReadFile(JoinPath(first->dir, "file")), "first");
  EXPECT_EQ(SnapshotDirs(), std::vector<std::string>{"1"});
  EXPECT_TRUE(Ingest().empty());
  EXPECT_EQ(snaps_->List()->size(), 1u);
}

TEST_F(SnapshotsTest, ChainIdRecordedByAnotherConnectionWins) {
  SnapshotRecord rec{D("chain"), D("diff"), std::nullopt, 5};
  auto staging = snaps_->Prepare();
  ASSERT_OK(staging);
  // Another process unpacked the same layer meanwhile.
  auto other_md = Metadata::Open(JoinPath(dir_, "berth.db"));
  ASSERT_OK(other_md);
  Snapshots other(dir_, other_md->get());
  auto their_staging = other.Prepare();
  ASSERT_OK(their_staging);
  ASSERT_OK(WriteFileAtomic(JoinPath(their_staging->dir(), "file"), "theirs"));
  auto theirs = other.Commit(std::move(*their_staging), rec);
  ASSERT_OK(theirs);
  auto ours = snaps_->Commit(std::move(*staging), rec);
  ASSERT_OK(ours);
  EXPECT_EQ(ours->id, theirs->id);
  EXPECT_EQ(*ReadFile(JoinPath(ours->dir, "file")), "theirs");
  EXPECT_EQ(SnapshotDirs(), std::vector<std::string>{std::to_string(theirs->id)});
  EXPECT_TRUE(Ingest().empty());
}

TEST_F(SnapshotsTest, ConcurrentCommitsOfTheSameChainIdAllSucceed) {
  // Each thread acts as its own process: its own connection and Snapshots.
  constexpr int kThreads = 4;
  SnapshotRecord rec{D("chain"), D("diff"), std::nullopt, 5};
  std::vector<Result<SnapshotInfo>> results(kThreads, Result<SnapshotInfo>(Error{}));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([&, t] {
      auto md = Metadata::Open(JoinPath(dir_, "berth.db"));
      if (!md.ok()) {
        results[t] = std::move(md).error();
        return;
      }
      Snapshots snaps(dir_, md->get());
      auto s = snaps.Prepare();
      if (!s.ok()) {
        results[t] = std::move(s).error();
        return;
      }
      Status st = WriteFileAtomic(JoinPath(s->dir(), "file"), "same layer");
      results[t] = st.ok() ? snaps.Commit(std::move(*s), rec) : Result<SnapshotInfo>(st.error());
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; t++) {
    ASSERT_TRUE(results[t].ok()) << results[t].error().message;
    EXPECT_EQ(results[t]->id, results[0]->id);
  }
  EXPECT_EQ(SnapshotDirs(), std::vector<std::string>{std::to_string(results[0]->id)});
  EXPECT_EQ(*ReadFile(JoinPath(results[0]->dir, "file")), "same layer");
  EXPECT_TRUE(Ingest().empty());
}

TEST_F(SnapshotsTest, DroppedStagingLeavesNothing) {
  {
    auto staging = snaps_->Prepare();
    ASSERT_OK(staging);
    ASSERT_OK(WriteFileAtomic(JoinPath(staging->dir(), "f"), "x"));
    EXPECT_EQ(Ingest().size(), 1u);
  }
  EXPECT_TRUE(Ingest().empty());
  EXPECT_TRUE(SnapshotDirs().empty());
  EXPECT_EQ(snaps_->Commit(Staging(), {D("c"), D("d"), std::nullopt, 0}).error().code,
            Code::kInvalidArgument);
}

TEST_F(SnapshotsTest, IdsSkipLeftoverDirsAndLowerDirsFollowParents) {
  ASSERT_OK(MkdirAll(JoinPath(dir_, "snapshots/1")));  // garbage from a crash
  auto base = CommitLayer({D("c1"), D("d1"), std::nullopt, 1}, "1");
  ASSERT_OK(base);
  EXPECT_EQ(base->id, 2);
  auto mid = CommitLayer({D("c2"), D("d2"), D("c1"), 1}, "2");
  ASSERT_OK(mid);
  auto top = CommitLayer({D("c3"), D("d3"), D("c2"), 1}, "3");
  ASSERT_OK(top);
  EXPECT_EQ(top->id, 4);
  EXPECT_EQ(*snaps_->LowerDirs(D("c3")),
            (std::vector<std::string>{top->dir, mid->dir, base->dir}));
  EXPECT_EQ(*snaps_->LowerDirs(D("c1")), (std::vector<std::string>{base->dir}));
  EXPECT_EQ(snaps_->LowerDirs(D("nope")).error().code, Code::kNotFound);
}

TEST_F(SnapshotsTest, CommitLeasesTheSnapshotAndIdsNeverRepeat) {
  auto lease = Lease::Create(*md_, "test");
  ASSERT_OK(lease);
  auto staging = snaps_->Prepare();
  ASSERT_OK(staging);
  auto a = snaps_->Commit(std::move(*staging), {D("ca"), D("da"), std::nullopt, 1}, &*lease);
  ASSERT_OK(a);
  auto leases = md_->ListLeases();
  ASSERT_EQ((*leases)[0].resources,
            (std::vector<LeaseResource>{{ResourceKind::kSnapshot, D("ca").str()}}));
  // Forget the row and its dir, as GC does: the number is not handed out again.
  ASSERT_OK(md_->DeleteSnapshot(D("ca")));
  ASSERT_OK(RemoveTree(JoinPath(dir_, "snapshots/" + std::to_string(a->id))));
  auto b = CommitLayer({D("cb"), D("db"), std::nullopt, 1}, "b");
  ASSERT_OK(b);
  EXPECT_GT(b->id, a->id);
  // Private: other users cannot enter a snapshot.
  struct stat st;
  ASSERT_EQ(::stat(JoinPath(dir_, "snapshots/" + std::to_string(b->id)).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

}  // namespace
}  // namespace berth::store
