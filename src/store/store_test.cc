#include "store/store.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <signal.h>

#include <chrono>
#include <thread>

#include "base/file.h"
#include "base/interrupt.h"
#include "store/test_util.h"

namespace berth::store {
namespace {

class StoreTest : public testing::ScratchDirTest {
 protected:
  void SetUp() override {
    ScratchDirTest::SetUp();
    root_ = JoinPath(dir_, "root");
    auto s = Store::Open(root_);
    ASSERT_OK(s);
    store_ = std::move(s).value();
  }
  std::vector<std::string> Ingest() { return testing::Entries(JoinPath(root_, "ingest")); }
  std::vector<std::string> Trash() {
    std::vector<std::string> out;
    for (auto& n : testing::Entries(JoinPath(root_, "trash"))) {
      if (n != ".lock") out.push_back(n);
    }
    return out;
  }
  static mode_t ModeOf(const std::string& path) {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0 ? st.st_mode & 07777 : 0;
  }

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

TEST_F(StoreTest, OpenCreatesAPrivateLayoutAndReopens) {
  EXPECT_EQ(ModeOf(root_), 0711u);
  for (const char* sub : {"blobs", "blobs/sha256", "ingest", "snapshots", "containers", "tmp",
                          "trash"}) {
    EXPECT_EQ(ModeOf(JoinPath(root_, sub)), 0700u) << sub;
  }
  EXPECT_EQ(ModeOf(JoinPath(root_, "berth.db")), 0600u);
  EXPECT_FALSE(PathExists(JoinPath(root_, "lock")));  // no store-wide lock any more
  auto img = AddImage("a", "docker.io/library/a:latest");
  ASSERT_OK(img);
  // A second store object (as a second process would) sees the same state.
  auto again = Store::Open(root_);
  ASSERT_OK(again);
  auto tag = (*again)->metadata().GetTag("docker.io/library/a:latest");
  ASSERT_OK(tag);
  EXPECT_EQ((*tag)->image_id, img->id);
  EXPECT_TRUE((*again)->Check()->problems.empty());
  // Modes loosened by hand are tightened again on open.
  ASSERT_EQ(::chmod(JoinPath(root_, "snapshots").c_str(), 0755), 0);
  ASSERT_OK(Store::Open(root_));
  EXPECT_EQ(ModeOf(JoinPath(root_, "snapshots")), 0700u);
}

// ext4 spreads what is made in ingest/ and containers/ across block groups
// (see SpreadNewDirs); on filesystems without the flag nothing is set.
TEST_F(StoreTest, IngestAndContainersSpreadNewDirectories) {
  UniqueFd probe(::open(root_.c_str(), O_RDONLY | O_DIRECTORY));
  int flags = 0;
  if (::ioctl(probe.get(), FS_IOC_GETFLAGS, &flags) != 0) GTEST_SKIP() << "no inode flags on this filesystem";
  int with = flags | FS_TOPDIR_FL;
  if (::ioctl(probe.get(), FS_IOC_SETFLAGS, &with) != 0) GTEST_SKIP() << "no FS_TOPDIR_FL on this filesystem";
  for (const char* sub : {"ingest", "containers"}) {
    UniqueFd fd(::open(JoinPath(root_, sub).c_str(), O_RDONLY | O_DIRECTORY));
    ASSERT_EQ(::ioctl(fd.get(), FS_IOC_GETFLAGS, &flags), 0);
    EXPECT_TRUE(flags & FS_TOPDIR_FL) << sub;
  }
}

TEST_F(StoreTest, EmptyRootIsAnError) {
  auto s = Store::Open("");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Code::kInvalidArgument);
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
  // one without a lock file for over a minute, one just made (its creator
  // has not made its lock file yet: kept), and one held by a live owner
  // (another open file description on the lock file, as another process
  // would have).
  std::string stale = JoinPath(root_, "ingest/stale");
  ASSERT_OK(MkdirAll(stale));
  ASSERT_OK(WriteFileAtomic(JoinPath(stale, kIngestLockName), ""));
  ASSERT_OK(WriteFileAtomic(JoinPath(stale, "data"), "half a blob"));
  std::string lockless = JoinPath(root_, "ingest/lockless");
  ASSERT_OK(MkdirAll(lockless));
  struct timespec old_times[2] = {{::time(nullptr) - 120, 0}, {::time(nullptr) - 120, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, lockless.c_str(), old_times, 0), 0);
  ASSERT_OK(MkdirAll(JoinPath(root_, "ingest/young")));
  std::string live = JoinPath(root_, "ingest/live");
  ASSERT_OK(MkdirAll(live));
  auto live_lock = OpenFile(JoinPath(live, kIngestLockName), O_RDWR | O_CREAT);
  ASSERT_OK(live_lock);
  ASSERT_EQ(::flock(live_lock->get(), LOCK_EX | LOCK_NB), 0);
  // A snapshot dir without a row, and a blob file without a row (crashes
  // before the commit transaction ended).
  ASSERT_OK(MkdirAll(JoinPath(root_, "snapshots/99/fs")));
  ASSERT_OK(WriteFileAtomic(JoinPath(root_, "snapshots/99/fs/x"), "1234"));
  Digest orphan = Digest::Of("orphan");
  ASSERT_OK(WriteFileAtomic(store_->content().Path(orphan), "orphan"));

  auto stats = store_->CollectGarbage();
  ASSERT_OK(stats);
  EXPECT_TRUE(stats->errors.empty());
  std::vector<Digest> want_blobs{dropped->id, *dropped->manifest_digest,
                                 dropped->layers[0].blob, orphan};
  std::sort(want_blobs.begin(), want_blobs.end());
  std::sort(stats->blobs_removed.begin(), stats->blobs_removed.end());
  EXPECT_EQ(stats->blobs_removed, want_blobs);
  EXPECT_EQ(stats->snapshots_removed, std::vector<Digest>{dropped->layers[0].chain_id});
  std::vector<std::string> dirs = stats->dirs_removed;
  std::sort(dirs.begin(), dirs.end());
  EXPECT_EQ(dirs, (std::vector<std::string>{lockless, stale, JoinPath(root_, "snapshots/99")}));
  EXPECT_GT(stats->bytes_reclaimed, 0);
  EXPECT_GE(stats->stray_bytes, 4 + 6 + 11);
  EXPECT_TRUE(Trash().empty());  // freed before returning (not in the background)
  EXPECT_FALSE(PathExists(store_->content().Path(orphan)));

  // Everything the kept image references is still there.
  EXPECT_TRUE(store_->content().Has(kept->id));
  EXPECT_TRUE(store_->content().Has(*kept->manifest_digest));
  EXPECT_TRUE(store_->content().Has(kept->layers[0].blob));
  auto snap = store_->snapshots().Get(kept->layers[0].chain_id);
  ASSERT_OK(snap);
  ASSERT_TRUE(snap->has_value());
  EXPECT_EQ(*ReadFile(JoinPath((*snap)->dir, "f")), "kept");
  EXPECT_EQ(Ingest(), (std::vector<std::string>{"live", "young"}));
  EXPECT_FALSE(store_->content().Has(dropped->id));
  EXPECT_FALSE(PathExists(store_->content().Path(dropped->id)));
  EXPECT_FALSE(store_->snapshots().Get(dropped->layers[0].chain_id)->has_value());
  EXPECT_TRUE(store_->Check()->problems.empty());
  EXPECT_TRUE(store_->metadata().ListPending()->empty());

  // Once the owner lets go, the next GC removes it; a second GC is a no-op otherwise.
  live_lock->Reset();
  EXPECT_TRUE(*store_->MayHaveGarbage());
  stats = store_->CollectGarbage();
  ASSERT_OK(stats);
  EXPECT_TRUE(stats->blobs_removed.empty());
  EXPECT_TRUE(stats->snapshots_removed.empty());
  EXPECT_EQ(stats->dirs_removed, std::vector<std::string>{live});
  EXPECT_EQ(Ingest(), std::vector<std::string>{"young"});  // swept once a minute old
  EXPECT_FALSE(*store_->MayHaveGarbage());

  // Removing the image makes all of its content garbage.
  ASSERT_OK(store_->metadata().DeleteImage(kept->id));
  auto check = store_->Check();
  ASSERT_OK(check);
  EXPECT_TRUE(check->problems.empty());
  EXPECT_EQ(check->garbage.blobs_removed.size(), 3u);
  EXPECT_GT(check->reclaimable_bytes, 0);
  stats = store_->CollectGarbage();
  ASSERT_OK(stats);
  EXPECT_EQ(stats->blobs_removed.size(), 3u);
  EXPECT_EQ(stats->snapshots_removed.size(), 1u);
  EXPECT_TRUE(store_->content().ListFiles()->empty());
  EXPECT_TRUE(store_->metadata().ListBlobs()->empty());
  EXPECT_TRUE(testing::Entries(JoinPath(root_, "snapshots")).empty());
  EXPECT_EQ(store_->Check()->reclaimable_bytes, 0);
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

TEST_F(StoreTest, LeasesOfLiveOwnersProtectAndDeadOnesAreReaped) {
  auto lease = store_->NewLease("test");
  ASSERT_OK(lease);
  auto blob = store_->content().Put("leased", &*lease);
  ASSERT_OK(blob);
  auto stats = store_->CollectGarbage();
  ASSERT_OK(stats);
  EXPECT_TRUE(stats->blobs_removed.empty());
  EXPECT_TRUE(store_->content().Has(blob->digest));
  // An image lease protects the image's content even after its row goes.
  auto img = AddImage("img", "img:1");
  ASSERT_OK(img);
  ASSERT_OK(lease->Add(ResourceKind::kImage, img->id.str()));
  // A lease whose owner is gone (a pid that is not running) protects nothing.
  LeaseRecord dead{.owner = {0x7fffffff, 1, ProcessId::Self().boot_id}, .label = "dead",
                   .created = 1, .resources = {{ResourceKind::kBlob, blob->digest.str()}}};
  ASSERT_OK(store_->metadata().CreateLease(dead));
  EXPECT_TRUE(*store_->MayHaveGarbage());
  stats = store_->CollectGarbage();
  ASSERT_OK(stats);
  EXPECT_EQ(stats->leases_reaped, 1);
  EXPECT_TRUE(store_->content().Has(blob->digest));  // still ours
  ASSERT_OK(lease->Release());
  stats = store_->CollectGarbage();
  ASSERT_OK(stats);
  EXPECT_EQ(stats->blobs_removed, std::vector<Digest>{blob->digest});
  EXPECT_TRUE(store_->content().Has(img->id));  // the tag still holds it
  EXPECT_EQ(store_->metadata().ListLeases()->size(), 0u);
}

// An interrupted command still runs its closing GC: that GC must see the
// other processes' leases as alive (reading /proc must not stop at the
// pending interrupt), or it collects their work in flight.
TEST_F(StoreTest, LeaseOwnersStayAliveWhileInterrupted) {
  struct sigaction saved;
  ::sigaction(SIGINT, nullptr, &saved);
  InstallInterruptHandlers();
  ASSERT_EQ(::raise(SIGINT), 0);
  ASSERT_TRUE(Interrupted());
  EXPECT_TRUE(ProcessId::Self().Alive());
  auto lease = store_->NewLease("other work");
  ASSERT_OK(lease);
  auto stats = store_->CollectGarbage();
  ResetInterruptForTesting();
  ::sigaction(SIGINT, &saved, nullptr);
  ASSERT_OK(stats);
  EXPECT_EQ(stats->leases_reaped, 0);
  EXPECT_EQ(store_->metadata().ListLeases()->size(), 1u);
}

TEST_F(StoreTest, ContainersAreRoots) {
  auto img = AddImage("base", "");  // no image row: only the container holds it
  ASSERT_OK(img);
  ASSERT_OK(store_->metadata().PutContainer({.id = std::string(64, 'c'), .name = "c1",
                                             .image_id = img->id,
                                             .chain_id = img->layers[0].chain_id,
                                             .created = 1}));
  auto stats = store_->CollectGarbage();
  ASSERT_OK(stats);
  EXPECT_TRUE(stats->snapshots_removed.empty());
  EXPECT_TRUE(store_->content().Has(img->id));
  ASSERT_OK(store_->metadata().DeleteContainer(std::string(64, 'c')));
  stats = store_->CollectGarbage();
  ASSERT_OK(stats);
  EXPECT_EQ(stats->snapshots_removed.size(), 1u);
}

TEST_F(StoreTest, ContainerDirsWithoutRowsAreGarbageAndRowsNeedTheirDirs) {
  auto img = AddImage("base", "b:1");
  ASSERT_OK(img);
  std::string kept(64, 'a'), stray(64, 'b');
  ASSERT_OK(MkdirAll(JoinPath(root_, "containers/" + kept + "/upper")));
  ASSERT_OK(MkdirAll(JoinPath(root_, "containers/" + stray + "/upper")));
  ASSERT_OK(store_->metadata().PutContainer({.id = kept, .name = "kept", .image_id = img->id,
                                             .chain_id = img->layers[0].chain_id, .created = 1}));
  ASSERT_OK(store_->metadata().PutContainer({.id = std::string(64, 'c'), .name = "nodir",
                                             .image_id = img->id, .created = 1}));
  auto report = store_->Check();
  ASSERT_OK(report);
  EXPECT_EQ(report->problems,
            std::vector<std::string>{"container cccccccccccc: its directory is missing"});
  auto stats = store_->CollectGarbage({.free_in_background = false});
  ASSERT_OK(stats);
  EXPECT_TRUE(PathExists(JoinPath(root_, "containers/" + kept)));
  EXPECT_FALSE(PathExists(JoinPath(root_, "containers/" + stray)));
}

TEST_F(StoreTest, GcRunsAtOnceWhileAnotherProcessWorks) {
  // Another "process" (its own Store and connection) is mid-import: a lease,
  // a committed blob, a half-written blob and a staging dir.
  auto other = Store::Open(root_);
  ASSERT_OK(other);
  auto lease = (*other)->NewLease("import");
  ASSERT_OK(lease);
  auto done = (*other)->content().Put("first layer", &*lease);
  ASSERT_OK(done);
  auto w = (*other)->content().NewWriter({.lease = &*lease});
  ASSERT_OK(w);
  ASSERT_OK((*w)->Write(AsBytes("in flight")));
  auto staging = (*other)->snapshots().Prepare();
  ASSERT_OK(staging);
  auto start = std::chrono::steady_clock::now();
  auto stats = store_->CollectGarbage();
  ASSERT_OK(stats);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  EXPECT_TRUE(stats->blobs_removed.empty());
  EXPECT_TRUE(stats->dirs_removed.empty());
  EXPECT_EQ(Ingest().size(), 2u);
  EXPECT_TRUE(store_->content().Has(done->digest));
  auto info = (*w)->Commit();
  ASSERT_OK(info);
}

TEST_F(StoreTest, ChildKilledWithALeaseLeavesGarbageTheNextGcCollects) {
  auto kept = AddImage("kept", "kept:1");
  ASSERT_OK(kept);
  std::vector<Digest> blobs_before = *store_->content().ListFiles();
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // Child: its own store; a lease, a committed blob, a blob half written
    // and a layer half unpacked; then SIGKILL arrives.
    auto st = Store::Open(root_);
    if (!st.ok()) ::_exit(1);
    auto lease = (*st)->NewLease("import");
    if (!lease.ok() || !(*st)->content().Put("committed, never referenced", &*lease).ok()) ::_exit(2);
    auto w = (*st)->content().NewWriter({.lease = &*lease});
    if (!w.ok() || !(*w)->Write(AsBytes(std::string(1 << 20, 'x'))).ok()) ::_exit(3);
    auto s = (*st)->snapshots().Prepare();
    if (!s.ok() || !WriteFileAtomic(JoinPath(s->dir(), "half"), "x").ok()) ::_exit(4);
    (void)!::write(ready[1], "k", 1);
    ::pause();
    ::_exit(0);
  }
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status));
  ::close(ready[0]);
  ::close(ready[1]);

  EXPECT_EQ(Ingest().size(), 2u);
  EXPECT_EQ(store_->metadata().ListLeases()->size(), 1u);
  auto check = store_->Check();
  ASSERT_OK(check);
  EXPECT_TRUE(check->problems.empty());  // garbage, but consistent
  EXPECT_GE(check->reclaimable_bytes, 1 << 20);
  EXPECT_TRUE(*store_->MayHaveGarbage());
  auto stats = store_->CollectGarbage();
  ASSERT_OK(stats);
  EXPECT_EQ(stats->leases_reaped, 1);
  EXPECT_EQ(stats->dirs_removed.size(), 2u);
  EXPECT_EQ(stats->blobs_removed.size(), 1u);
  EXPECT_GE(stats->bytes_reclaimed, 1 << 20);
  EXPECT_TRUE(Ingest().empty());
  EXPECT_EQ(*store_->content().ListFiles(), blobs_before);
  EXPECT_TRUE(store_->Check()->problems.empty());
  EXPECT_EQ(store_->Check()->reclaimable_bytes, 0);
  EXPECT_FALSE(*store_->MayHaveGarbage());
}

TEST_F(StoreTest, PartialKeyedIngestIsKeptForResumeWithinTheGrace) {
  Digest d = Digest::Of("whole blob");
  {
    auto w = store_->content().NewWriter({.digest = d, .size = 10});
    ASSERT_OK(w);
    ASSERT_OK((*w)->Write(AsBytes("whole")));
  }  // abandoned: kept for resume
  EXPECT_EQ(Ingest(), std::vector<std::string>{d.hex()});
  auto stats = store_->CollectGarbage();
  ASSERT_OK(stats);
  EXPECT_EQ(Ingest(), std::vector<std::string>{d.hex()});
  stats = store_->CollectGarbage({.resumable_grace = std::chrono::seconds(0)});
  ASSERT_OK(stats);
  EXPECT_TRUE(Ingest().empty());
}

TEST_F(StoreTest, GcContinuesPastWhatItCannotRemoveAndRetriesNextTime) {
  auto a = AddImage("a", "");
  ASSERT_OK(a);
  // Without a trash directory nothing can be moved out.
  ASSERT_OK(RemoveTree(JoinPath(root_, "trash")));
  auto stats = store_->CollectGarbage();
  ASSERT_OK(stats);
  EXPECT_FALSE(stats->errors.empty());
  EXPECT_EQ(store_->metadata().ListPending()->size(), 4u);  // 3 blobs + 1 snapshot
  EXPECT_TRUE(store_->Check()->problems.empty());           // rows gone, files still there
  ASSERT_OK(MkdirAll(JoinPath(root_, "trash"), 0700));
  stats = store_->CollectGarbage();
  ASSERT_OK(stats);
  EXPECT_TRUE(stats->errors.empty());
  EXPECT_TRUE(store_->metadata().ListPending()->empty());
  EXPECT_TRUE(store_->content().ListFiles()->empty());
  EXPECT_TRUE(testing::Entries(JoinPath(root_, "snapshots")).empty());
}

TEST_F(StoreTest, CheckReportsMissingContent) {
  auto img = AddImage("a", "a:1");
  ASSERT_OK(img);
  EXPECT_TRUE(store_->Check()->problems.empty());
  std::string blob = store_->content().Path(img->layers[0].blob);
  ASSERT_EQ(::unlink(blob.c_str()), 0);
  auto snap = *store_->snapshots().Get(img->layers[0].chain_id);
  ASSERT_OK(RemoveTree(snap->dir));
  auto report = store_->Check();
  ASSERT_OK(report);
  const auto& problems = report->problems;
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_EQ(problems[0], "blob " + img->layers[0].blob.str() + ": file " + blob + " is missing");
  EXPECT_EQ(problems[1], "snapshot " + snap->chain_id.str() + ": directory " + snap->dir +
                             " is missing");
  // One line for the image, naming the first thing it lacks.
  EXPECT_EQ(problems[2], "image " + img->id.Short() + ": layer 1 blob " + img->layers[0].blob.Short() +
                             " is damaged");
  ASSERT_EQ(report->damage.size(), 3u);
  auto done = store_->Repair(*report);
  ASSERT_OK(done);
  EXPECT_EQ(done->size(), 3u);
  EXPECT_TRUE(store_->Check()->problems.empty());
  EXPECT_TRUE(store_->metadata().ListImages()->empty());
}

}  // namespace
}  // namespace berth::store
