#include "store/store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "base/file.h"
#include "store/test_util.h"

namespace berth::store {
namespace {

class StoreTest : public testing::ScratchDirTest {
 protected:
  void SetUp() override {
    ScratchDirTest::SetUp();
    root_ = JoinPath(dir_, "root");
    auto s = Store::Open(root_, {.lock_timeout = std::chrono::milliseconds(300)});
    ASSERT_OK(s);
    store_ = std::move(s).value();
  }
  std::vector<std::string> Ingest() { return testing::Entries(JoinPath(root_, "ingest")); }

  // Stores a config blob, one layer blob and its snapshot; records the image
  // when tag is not empty. Returns the image record.
  Result<ImageRecord> AddImage(const std::string& seed, const std::string& tag) {
    BlobInfo config = TRY(store_->content().Put("{\"config\":\"" + seed + "\"}"));
    BlobInfo manifest = TRY(store_->content().Put("{\"manifest\":\"" + seed + "\"}"));
    BlobInfo layer = TRY(store_->content().Put("layer bytes " + seed));
    Staging s = TRY(store_->snapshots().Prepare());
    TRY(WriteFileAtomic(JoinPath(s.dir(), "f"), seed));
    Digest diff = Digest::Of("diff " + seed);
    SnapshotInfo snap = TRY(store_->snapshots().Commit(
        std::move(s), {.chain_id = diff, .diff_id = diff, .parent = {}, .size = 1}));
    ImageRecord img{.id = config.digest,
                    .manifest_digest = manifest.digest,
                    .created = 1,
                    .added = 2,
                    .size = snap.size,
                    .parent = "",
                    .layers = {{diff, diff, layer.digest, "application/x-tar", layer.size}}};
    if (!tag.empty()) {
      TRY(store_->metadata().Transaction([&]() -> Status {
        TRY(store_->metadata().PutImage(img));
        return store_->metadata().SetTag({tag, img.id, 3});
      }));
    }
    return img;
  }

  std::string root_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, OpenCreatesLayoutAndReopens) {
  for (const char* sub : {"blobs/sha256", "ingest", "snapshots", "containers", "tmp", "lock",
                          "berth.db"}) {
    EXPECT_TRUE(PathExists(JoinPath(root_, sub))) << sub;
  }
  auto img = AddImage("a", "docker.io/library/a:latest");
  ASSERT_OK(img);
  // A second store object (as a second process would) sees the same state.
  auto again = Store::Open(root_);
  ASSERT_OK(again);
  auto tag = (*again)->metadata().GetTag("docker.io/library/a:latest");
  ASSERT_OK(tag);
  EXPECT_EQ((*tag)->image_id, img->id);
  EXPECT_TRUE((*again)->Check()->empty());
}

TEST_F(StoreTest, ReadOnly) {
  auto missing = Store::Open(JoinPath(dir_, "absent"), {.read_only = true});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Code::kNotFound);
  EXPECT_FALSE(PathExists(JoinPath(dir_, "absent")));

  auto img = AddImage("a", "a:1");
  ASSERT_OK(img);
  auto ro = Store::Open(root_, {.read_only = true});
  ASSERT_OK(ro);
  EXPECT_TRUE((*ro)->read_only());
  EXPECT_EQ((*ro)->metadata().ListImages()->size(), 1u);
  EXPECT_TRUE((*ro)->content().Has(img->id));
  EXPECT_EQ((*ro)->content().Put("x").error().code, Code::kPermissionDenied);
  EXPECT_EQ((*ro)->snapshots().Prepare().error().code, Code::kPermissionDenied);
  EXPECT_EQ((*ro)->CollectGarbage().error().code, Code::kPermissionDenied);

  // Also when no writer has the database open (no WAL index file around).
  ro->reset();
  store_.reset();
  EXPECT_FALSE(PathExists(JoinPath(root_, "berth.db-shm")));
  ro = Store::Open(root_, {.read_only = true});
  ASSERT_OK(ro);
  EXPECT_EQ((*ro)->metadata().ListTags()->size(), 1u);
}

TEST_F(StoreTest, GcKeepsReferencedAndRemovesGarbage) {
  auto kept = AddImage("kept", "kept:1");
  ASSERT_OK(kept);
  auto dropped = AddImage("dropped", "");  // content without an image row
  ASSERT_OK(dropped);
  // A stale ingest dir (its owner died: lock file present, nobody holds it),
  // one without a lock file, and one held by a live owner (another open file
  // description on the lock file, as another process would have).
  std::string stale = JoinPath(root_, "ingest/stale");
  ASSERT_OK(MkdirAll(stale));
  ASSERT_OK(WriteFileAtomic(JoinPath(stale, kIngestLockName), ""));
  ASSERT_OK(WriteFileAtomic(JoinPath(stale, "data"), "half a blob"));
  std::string lockless = JoinPath(root_, "ingest/lockless");
  ASSERT_OK(MkdirAll(lockless));
  std::string live = JoinPath(root_, "ingest/live");
  ASSERT_OK(MkdirAll(live));
  auto live_lock = OpenFile(JoinPath(live, kIngestLockName), O_RDWR | O_CREAT);
  ASSERT_OK(live_lock);
  ASSERT_EQ(::flock(live_lock->get(), LOCK_EX | LOCK_NB), 0);
  // A snapshot dir without a row (crash between rename and insert).
  ASSERT_OK(MkdirAll(JoinPath(root_, "snapshots/99/fs")));
  ASSERT_OK(WriteFileAtomic(JoinPath(root_, "snapshots/99/fs/x"), "1234"));

  auto stats = store_->CollectGarbage();
  ASSERT_OK(stats);
  std::vector<Digest> want_blobs{dropped->id, *dropped->manifest_digest,
                                 dropped->layers[0].blob};
  std::sort(want_blobs.begin(), want_blobs.end());
  std::sort(stats->blobs_removed.begin(), stats->blobs_removed.end());
  EXPECT_EQ(stats->blobs_removed, want_blobs);
  EXPECT_EQ(stats->snapshots_removed, std::vector<Digest>{dropped->layers[0].chain_id});
  std::vector<std::string> dirs = stats->dirs_removed;
  std::sort(dirs.begin(), dirs.end());
  EXPECT_EQ(dirs, (std::vector<std::string>{lockless, stale, JoinPath(root_, "snapshots/99")}));
  EXPECT_GT(stats->bytes_reclaimed, 0);

  // Everything the kept image references is still there.
  EXPECT_TRUE(store_->content().Has(kept->id));
  EXPECT_TRUE(store_->content().Has(*kept->manifest_digest));
  EXPECT_TRUE(store_->content().Has(kept->layers[0].blob));
  auto snap = store_->snapshots().Get(kept->layers[0].chain_id);
  ASSERT_OK(snap);
  ASSERT_TRUE(snap->has_value());
  EXPECT_EQ(*ReadFile(JoinPath((*snap)->dir, "f")), "kept");
  EXPECT_TRUE(PathExists(live));
  EXPECT_EQ(Ingest(), std::vector<std::string>{"live"});
  EXPECT_FALSE(store_->content().Has(dropped->id));
  EXPECT_FALSE(store_->snapshots().Get(dropped->layers[0].chain_id)->has_value());
  EXPECT_TRUE(store_->Check()->empty());

  // Once the owner lets go, the next GC removes it; a second GC is a no-op otherwise.
  live_lock->Reset();
  stats = store_->CollectGarbage();
  ASSERT_OK(stats);
  EXPECT_TRUE(stats->blobs_removed.empty());
  EXPECT_TRUE(stats->snapshots_removed.empty());
  EXPECT_EQ(stats->dirs_removed, std::vector<std::string>{live});
  EXPECT_TRUE(Ingest().empty());

  // Removing the image makes all of its content garbage.
  ASSERT_OK(store_->metadata().DeleteImage(kept->id));
  stats = store_->CollectGarbage();
  ASSERT_OK(stats);
  EXPECT_EQ(stats->blobs_removed.size(), 3u);
  EXPECT_EQ(stats->snapshots_removed.size(), 1u);
  EXPECT_TRUE(store_->content().List()->empty());
  EXPECT_TRUE(testing::Entries(JoinPath(root_, "snapshots")).empty());
}

TEST_F(StoreTest, GcKeepsParentsOfReferencedSnapshots) {
  auto base_stage = store_->snapshots().Prepare();
  ASSERT_OK(base_stage);
  Digest c1 = Digest::Of("c1"), c2 = Digest::Of("c2");
  ASSERT_OK(store_->snapshots().Commit(std::move(*base_stage), {c1, c1, {}, 0}));
  auto top_stage = store_->snapshots().Prepare();
  ASSERT_OK(top_stage);
  ASSERT_OK(store_->snapshots().Commit(std::move(*top_stage), {c2, c2, c1, 0}));
  BlobInfo config = *store_->content().Put("{}");
  ImageRecord img;
  img.id = config.digest;
  img.layers.push_back({c2, c2, config.digest, "x", 0});  // only the top listed
  ASSERT_OK(store_->metadata().PutImage(img));
  auto stats = store_->CollectGarbage();
  ASSERT_OK(stats);
  EXPECT_TRUE(stats->snapshots_removed.empty());
  EXPECT_EQ(store_->snapshots().LowerDirs(c2)->size(), 2u);
}

TEST_F(StoreTest, GcWaitsForWritersInThisProcess) {
  auto w = store_->content().NewWriter();
  ASSERT_OK(w);
  ASSERT_OK((*w)->Write(AsBytes("in flight")));
  auto stats = store_->CollectGarbage();
  ASSERT_FALSE(stats.ok());
  EXPECT_EQ(stats.error().code, Code::kUnavailable);
  auto info = (*w)->Commit();
  ASSERT_OK(info);
  {
    // An import holds a lease from its first blob until its image row exists.
    Leases::Lease lease = store_->Lease();
    EXPECT_EQ(store_->CollectGarbage().error().code, Code::kUnavailable);
  }
  stats = store_->CollectGarbage();
  ASSERT_OK(stats);
  EXPECT_EQ(stats->blobs_removed, std::vector<Digest>{info->digest});
}

TEST_F(StoreTest, GcIsRefusedWhileAnotherProcessHasTheStoreOpen) {
  // A second Store has its own open file description of <root>/lock, exactly
  // like another process.
  auto other = Store::Open(root_);
  ASSERT_OK(other);
  auto stats = store_->CollectGarbage();
  ASSERT_FALSE(stats.ok());
  EXPECT_EQ(stats.error().code, Code::kUnavailable);
  // Our shared lock is back: a third opener still gets in.
  EXPECT_OK(Store::Open(root_, {.lock_timeout = std::chrono::milliseconds(100)}));
  other->reset();
  EXPECT_OK(store_->CollectGarbage());
  // While we hold it exclusively, openers wait; after, they get in.
  auto opener = std::thread([&] {
    EXPECT_OK(Store::Open(root_, {.lock_timeout = std::chrono::milliseconds(5000)}));
  });
  EXPECT_OK(store_->CollectGarbage());
  opener.join();
}

TEST_F(StoreTest, ChildKilledMidWriteLeavesOnlyIngestGarbage) {
  auto kept = AddImage("kept", "kept:1");
  ASSERT_OK(kept);
  std::vector<Digest> blobs_before = *store_->content().List();
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // Child: a blob half written and a layer half unpacked, then gone
    // without any cleanup.
    auto w = store_->content().NewWriter();
    if (!w.ok() || !(*w)->Write(AsBytes(std::string(1 << 20, 'x'))).ok()) ::_exit(1);
    auto s = store_->snapshots().Prepare();
    if (!s.ok() || !WriteFileAtomic(JoinPath(s->dir(), "half"), "x").ok()) ::_exit(2);
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);

  EXPECT_EQ(Ingest().size(), 2u);
  EXPECT_EQ(*store_->content().List(), blobs_before);
  EXPECT_TRUE(store_->Check()->empty());
  auto stats = store_->CollectGarbage();
  ASSERT_OK(stats);
  EXPECT_EQ(stats->dirs_removed.size(), 2u);
  EXPECT_TRUE(stats->blobs_removed.empty());
  EXPECT_TRUE(stats->snapshots_removed.empty());
  EXPECT_GE(stats->bytes_reclaimed, 1 << 20);
  EXPECT_TRUE(Ingest().empty());
  EXPECT_EQ(*store_->content().List(), blobs_before);
  EXPECT_TRUE(store_->Check()->empty());
}

TEST_F(StoreTest, CheckReportsMissingContent) {
  auto img = AddImage("a", "a:1");
  ASSERT_OK(img);
  EXPECT_TRUE(store_->Check()->empty());
  ASSERT_OK(store_->content().Delete(img->layers[0].blob));
  auto snap = *store_->snapshots().Get(img->layers[0].chain_id);
  ASSERT_OK(RemoveTree(snap->dir));
  auto problems = store_->Check();
  ASSERT_OK(problems);
  ASSERT_EQ(problems->size(), 2u);
  EXPECT_EQ((*problems)[0], "image " + img->id.Short() + ": layer 1 blob " +
                                img->layers[0].blob.str() + " is missing");
  EXPECT_EQ((*problems)[1], "snapshot " + snap->chain_id.str() + ": directory " + snap->dir +
                                " is missing");
}

}  // namespace
}  // namespace berth::store
