#include "store/metadata.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <thread>

#include "base/clock.h"
#include "base/file.h"
#include "store/test_util.h"

namespace berth::store {
namespace {

Digest D(std::string_view seed) { return Digest::Of(seed); }

ImageRecord MakeImage(std::string_view seed, int layers = 2) {
  ImageRecord img;
  img.id = D(std::string("config ") + std::string(seed));
  img.manifest_digest = D(std::string("manifest ") + std::string(seed));
  img.created = 1700000000000000000;
  img.added = 1700000001000000000;
  img.size = 1000 * layers;
  for (int i = 0; i < layers; i++) {
    std::string s = std::string(seed) + "/" + std::to_string(i);
    img.layers.push_back(LayerRecord{D("diff " + s), D("chain " + s), D("blob " + s),
                                     "application/vnd.oci.image.layer.v1.tar+gzip", 100 + i});
  }
  return img;
}

class MetadataTest : public testing::ScratchDirTest {
 protected:
  void SetUp() override {
    ScratchDirTest::SetUp();
    path_ = JoinPath(dir_, "berth.db");
    auto md = Metadata::Open(path_);
    ASSERT_OK(md);
    md_ = std::move(md).value();
  }
  std::string path_;
  std::unique_ptr<Metadata> md_;
};

TEST_F(MetadataTest, SchemaVersionAndReopen) {
  md_.reset();
  auto again = Metadata::Open(path_);
  ASSERT_OK(again);
  auto ro = Metadata::Open(path_, /*read_only=*/true);
  ASSERT_OK(ro);
  EXPECT_EQ(ro->get()->PutImage(MakeImage("x")).error().code, Code::kPermissionDenied);

  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &raw), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(raw, "PRAGMA user_version", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), kSchemaVersion);
  sqlite3_finalize(st);
  ASSERT_EQ(sqlite3_exec(raw, "PRAGMA user_version = 99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(raw);
  again = Metadata::Open(path_);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Code::kUnimplemented);

  EXPECT_EQ(Metadata::Open(JoinPath(dir_, "absent.db"), true).error().code, Code::kNotFound);
}

TEST_F(MetadataTest, ImageCrud) {
  ImageRecord img = MakeImage("a", 3);
  img.parent = D("parent").str();
  ASSERT_OK(md_->PutImage(img));
  auto got = md_->GetImage(img.id);
  ASSERT_OK(got);
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, img);

  // Upsert replaces fields and layers, and keeps tags.
  ASSERT_OK(md_->SetTag({"docker.io/library/a:latest", img.id, 5}));
  ImageRecord changed = MakeImage("a", 1);
  changed.manifest_digest.reset();
  changed.size = 7;
  ASSERT_OK(md_->PutImage(changed));
  got = md_->GetImage(img.id);
  ASSERT_OK(got);
  EXPECT_EQ(**got, changed);
  EXPECT_EQ(md_->TagsOf(img.id)->size(), 1u);

  EXPECT_FALSE(md_->GetImage(D("nothing"))->has_value());
  EXPECT_EQ(md_->DeleteImage(D("nothing")).error().code, Code::kNotFound);
  EXPECT_EQ(md_->PutImage(ImageRecord{}).error().code, Code::kInvalidArgument);
}

TEST_F(MetadataTest, FindByPrefix) {
  std::vector<Digest> ids;
  for (int i = 0; i < 50; i++) {
    ImageRecord img = MakeImage("p" + std::to_string(i), 0);
    ids.push_back(img.id);
    ASSERT_OK(md_->PutImage(img));
  }
  std::sort(ids.begin(), ids.end());
  for (const Digest& id : ids) {
    for (size_t len : {1u, 3u, 12u, 64u}) {
      std::string prefix = id.hex().substr(0, len);
      std::vector<Digest> want;
      for (const Digest& other : ids) {
        if (other.hex().starts_with(prefix)) want.push_back(other);
      }
      auto found = md_->FindImagesByPrefix(prefix);
      ASSERT_OK(found);
      EXPECT_EQ(*found, want) << prefix;
    }
  }
  // "g" sorts after every hex digit: the range query must not leak past the prefix.
  EXPECT_TRUE(md_->FindImagesByPrefix(std::string(64, 'f'))->empty());
  EXPECT_EQ(md_->FindImagesByPrefix("").error().code, Code::kInvalidArgument);
  EXPECT_EQ(md_->FindImagesByPrefix("xyz").error().code, Code::kInvalidArgument);
  EXPECT_EQ(md_->FindImagesByPrefix("ABC").error().code, Code::kInvalidArgument);
}

TEST_F(MetadataTest, Tags) {
  ImageRecord a = MakeImage("a"), b = MakeImage("b");
  ASSERT_OK(md_->PutImage(a));
  ASSERT_OK(md_->PutImage(b));
  ASSERT_OK(md_->SetTag({"docker.io/library/x:1", a.id, 10}));
  ASSERT_OK(md_->SetTag({"docker.io/library/x:2", a.id, 11}));
  auto t = md_->GetTag("docker.io/library/x:1");
  ASSERT_OK(t);
  EXPECT_EQ(**t, (TagRecord{"docker.io/library/x:1", a.id, 10}));
  // Moving a tag.
  ASSERT_OK(md_->SetTag({"docker.io/library/x:1", b.id, 12}));
  EXPECT_EQ(md_->GetTag("docker.io/library/x:1")->value().image_id, b.id);
  EXPECT_EQ(*md_->TagsOf(a.id), (std::vector<TagRecord>{{"docker.io/library/x:2", a.id, 11}}));
  EXPECT_EQ(*md_->ListTags(), (std::vector<TagRecord>{{"docker.io/library/x:1", b.id, 12},
                                                       {"docker.io/library/x:2", a.id, 11}}));
  // Tagging a missing image.
  auto missing = md_->SetTag({"docker.io/library/y:1", D("ghost"), 1});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Code::kNotFound);
  EXPECT_FALSE(md_->GetTag("docker.io/library/y:1")->has_value());

  ASSERT_OK(md_->RemoveTag("docker.io/library/x:2"));
  EXPECT_EQ(md_->RemoveTag("docker.io/library/x:2").error().code, Code::kNotFound);
  EXPECT_TRUE(md_->TagsOf(a.id)->empty());
}

TEST_F(MetadataTest, RepoDigestsAndCascadingDelete) {
  ImageRecord a = MakeImage("a"), b = MakeImage("b");
  ASSERT_OK(md_->PutImage(a));
  ASSERT_OK(md_->PutImage(b));
  std::string ra = "docker.io/library/a@" + a.manifest_digest->str();
  std::string rb = "docker.io/library/b@" + b.manifest_digest->str();
  ASSERT_OK(md_->AddRepoDigest({ra, a.id}));
  ASSERT_OK(md_->AddRepoDigest({ra, a.id}));  // upsert
  ASSERT_OK(md_->AddRepoDigest({rb, b.id}));
  EXPECT_EQ(md_->AddRepoDigest({"x@" + D("q").str(), D("ghost")}).error().code,
            Code::kNotFound);
  EXPECT_EQ(*md_->RepoDigestsOf(a.id), (std::vector<RepoDigestRecord>{{ra, a.id}}));
  EXPECT_EQ(md_->ListRepoDigests()->size(), 2u);
  ASSERT_OK(md_->SetTag({"docker.io/library/a:latest", a.id, 1}));

  ASSERT_OK(md_->DeleteImage(a.id));
  EXPECT_FALSE(md_->GetImage(a.id)->has_value());
  EXPECT_TRUE(md_->TagsOf(a.id)->empty());
  EXPECT_TRUE(md_->RepoDigestsOf(a.id)->empty());
  EXPECT_EQ(*md_->ListRepoDigests(), (std::vector<RepoDigestRecord>{{rb, b.id}}));
  auto images = md_->ListImages();
  ASSERT_OK(images);
  EXPECT_EQ(*images, std::vector<ImageRecord>{b});

  ASSERT_OK(md_->RemoveRepoDigest(rb));
  EXPECT_EQ(md_->RemoveRepoDigest(rb).error().code, Code::kNotFound);
}

TEST_F(MetadataTest, TransactionRollsBackOnError) {
  ImageRecord a = MakeImage("a");
  Status st = md_->Transaction([&]() -> Status {
    TRY(md_->PutImage(a));
    TRY(md_->SetTag({"t:1", a.id, 1}));
    return MakeError(Code::kCancelled, "changed my mind");
  });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Code::kCancelled);
  EXPECT_FALSE(md_->GetImage(a.id)->has_value());
  EXPECT_FALSE(md_->GetTag("t:1")->has_value());

  // A failing nested transaction rolls back only its own changes.
  ImageRecord b = MakeImage("b");
  st = md_->Transaction([&]() -> Status {
    TRY(md_->PutImage(a));
    Status inner = md_->Transaction([&]() -> Status {
      TRY(md_->PutImage(b));
      return md_->SetTag({"t:1", D("ghost"), 1});  // NotFound
    });
    EXPECT_EQ(inner.error().code, Code::kNotFound);
    return Ok();
  });
  ASSERT_OK(st);
  EXPECT_TRUE(md_->GetImage(a.id)->has_value());
  EXPECT_FALSE(md_->GetImage(b.id)->has_value());
}

TEST_F(MetadataTest, ListThousandImagesWithTags) {
  std::vector<ImageRecord> images;
  ASSERT_OK(md_->Transaction([&]() -> Status {
    for (int i = 0; i < 1000; i++) {
      ImageRecord img = MakeImage("img" + std::to_string(i), i % 5);
      TRY(md_->PutImage(img));
      TRY(md_->SetTag({"docker.io/library/img" + std::to_string(i) + ":latest", img.id, i}));
      images.push_back(std::move(img));
    }
    return Ok();
  }));
  std::sort(images.begin(), images.end(),
            [](const ImageRecord& x, const ImageRecord& y) { return x.id < y.id; });
  // Best of a few runs: the first one also warms SQLite's page cache.
  Result<std::vector<ImageRecord>> listed = std::vector<ImageRecord>();
  Result<std::vector<TagRecord>> tags = std::vector<TagRecord>();
  auto micros = std::chrono::microseconds::max();
  for (int run = 0; run < 10; run++) {
    auto start = std::chrono::steady_clock::now();
    listed = md_->ListImages();
    tags = md_->ListTags();
    micros = std::min(micros, std::chrono::duration_cast<std::chrono::microseconds>(
                                  std::chrono::steady_clock::now() - start));
  }
  RecordProperty("list_images_and_tags_us", static_cast<int>(micros.count()));
  std::printf("ListImages + ListTags of 1000: %lld us\n", static_cast<long long>(micros.count()));
  ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 1000u);
  EXPECT_EQ(*listed, images);
  ASSERT_OK(tags);
  ASSERT_EQ(tags->size(), 1000u);
  std::map<Digest, int> tags_per_image;
  for (const TagRecord& t : *tags) tags_per_image[t.image_id]++;
  EXPECT_EQ(tags_per_image.size(), 1000u);
  for (const ImageRecord& img : images) EXPECT_EQ(tags_per_image[img.id], 1);
  EXPECT_TRUE(std::is_sorted(tags->begin(), tags->end(),
                             [](const TagRecord& x, const TagRecord& y) { return x.name < y.name; }));
}

TEST_F(MetadataTest, SnapshotRows) {
  SnapshotRow base{1, {D("c1"), D("d1"), std::nullopt, 10}, 100};
  SnapshotRow top{2, {D("c2"), D("d2"), D("c1"), 20}, 200};
  EXPECT_TRUE(*md_->InsertSnapshot(base));
  EXPECT_TRUE(*md_->InsertSnapshot(top));
  SnapshotRow dup{3, base.record, 300};
  EXPECT_FALSE(*md_->InsertSnapshot(dup));
  auto got = md_->GetSnapshot(D("c2"));
  ASSERT_OK(got);
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->id, 2);
  EXPECT_EQ((*got)->record, top.record);
  EXPECT_EQ((*got)->created, 200);
  EXPECT_EQ(md_->ListSnapshots()->size(), 2u);
  ASSERT_OK(md_->DeleteSnapshot(D("c1")));
  EXPECT_FALSE(md_->GetSnapshot(D("c1"))->has_value());
  EXPECT_TRUE(md_->QuickCheck()->empty());
}

TEST_F(MetadataTest, TwoConnectionsWriteConcurrently) {
  auto other = Metadata::Open(path_);
  ASSERT_OK(other);
  Metadata* conns[2] = {md_.get(), other->get()};
  std::vector<Status> results(2);
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; t++) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; i++) {
        ImageRecord img = MakeImage("c" + std::to_string(t) + "-" + std::to_string(i), 1);
        Status st = conns[t]->Transaction([&]() -> Status {
          TRY(conns[t]->PutImage(img));
          return conns[t]->SetTag({"n" + std::to_string(t) + ":" + std::to_string(i), img.id, i});
        });
        if (!st.ok()) {
          results[t] = st;
          return;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const Status& st : results) EXPECT_OK(st);
  EXPECT_EQ(md_->ListImages()->size(), 200u);
  EXPECT_EQ((*other)->ListTags()->size(), 200u);
}

TEST_F(MetadataTest, SequencesNeverRepeat) {
  EXPECT_EQ(*md_->NextSequence("snapshot"), 1);
  EXPECT_EQ(*md_->NextSequence("snapshot"), 2);
  EXPECT_EQ(*md_->NextSequence("other"), 1);
  // A rolled-back use inside a transaction does not matter: the caller is
  // told to draw outside one; drawn values stay drawn.
  ASSERT_OK(md_->RaiseSequence("snapshot", 10));
  EXPECT_EQ(*md_->NextSequence("snapshot"), 10);
  ASSERT_OK(md_->RaiseSequence("snapshot", 5));  // never lowers
  EXPECT_EQ(*md_->NextSequence("snapshot"), 11);
}

TEST_F(MetadataTest, BlobRowsLeasesContainersPending) {
  BlobRecord b{D("blob"), 42, 7};
  EXPECT_TRUE(*md_->InsertBlob(b));
  EXPECT_FALSE(*md_->InsertBlob(b));
  EXPECT_EQ(**md_->GetBlob(b.digest), b);
  EXPECT_EQ(*md_->ListBlobs(), std::vector<BlobRecord>{b});
  ASSERT_OK(md_->DeleteBlob(b.digest));
  EXPECT_FALSE(md_->GetBlob(b.digest)->has_value());

  LeaseRecord rec{.owner = {123, 456, "boot"}, .label = "pull x", .created = 9, .expires = 0,
                  .resources = {{ResourceKind::kBlob, "sha256:aa"}}};
  auto id = md_->CreateLease(rec);
  ASSERT_OK(id);
  ASSERT_OK(md_->AddLeaseResource(*id, {ResourceKind::kSnapshot, "sha256:bb"}));
  ASSERT_OK(md_->AddLeaseResource(*id, {ResourceKind::kSnapshot, "sha256:bb"}));  // idempotent
  auto leases = md_->ListLeases();
  ASSERT_OK(leases);
  ASSERT_EQ(leases->size(), 1u);
  rec.id = *id;
  rec.resources.push_back({ResourceKind::kSnapshot, "sha256:bb"});
  EXPECT_EQ((*leases)[0].owner, rec.owner);
  EXPECT_EQ((*leases)[0].label, "pull x");
  EXPECT_EQ((*leases)[0].resources, rec.resources);
  EXPECT_FALSE((*leases)[0].Alive(10));  // pid 123 with that start time is not us
  ASSERT_OK(md_->DeleteLease(*id));
  EXPECT_EQ(md_->AddLeaseResource(*id, {ResourceKind::kBlob, "x"}).error().code, Code::kNotFound);
  EXPECT_TRUE(md_->ListLeases()->empty());

  ContainerRecord c{.id = std::string(64, 'a'), .name = "web", .image_id = D("img"),
                    .chain_id = D("chain"), .created = 5, .config = "{}"};
  ASSERT_OK(md_->PutContainer(c));
  EXPECT_EQ(*md_->ListContainers(), std::vector<ContainerRecord>{c});
  ContainerRecord clash = c;
  clash.id = std::string(64, 'b');
  EXPECT_EQ(md_->PutContainer(clash).error().code, Code::kConflict);
  ASSERT_OK(md_->DeleteContainer(c.id));
  EXPECT_TRUE(md_->ListContainers()->empty());

  ASSERT_OK(md_->AddPending({"blob", "sha256:cc"}));
  ASSERT_OK(md_->AddPending({"blob", "sha256:cc"}));
  ASSERT_OK(md_->AddPending({"snapshot", "7"}));
  EXPECT_EQ(*md_->ListPending(),
            (std::vector<PendingRemoval>{{"blob", "sha256:cc"}, {"snapshot", "7"}}));
  ASSERT_OK(md_->RemovePending({"blob", "sha256:cc"}));
  EXPECT_EQ(md_->ListPending()->size(), 1u);
}

TEST_F(MetadataTest, RenameContainer) {
  ContainerRecord a{.id = std::string(64, 'a'), .name = "web", .image_id = D("img"),
                    .created = 5, .config = "{}"};
  ContainerRecord b = a;
  b.id = std::string(64, 'b');
  b.name = "db";
  ASSERT_OK(md_->PutContainer(a));
  ASSERT_OK(md_->PutContainer(b));
  ASSERT_OK(md_->RenameContainer(a.id, "front"));
  a.name = "front";
  EXPECT_EQ(*md_->ListContainers(), (std::vector<ContainerRecord>{a, b}));
  // The old name is free again; a taken name is a conflict and changes nothing.
  b.name = "web";
  ASSERT_OK(md_->RenameContainer(b.id, "web"));
  EXPECT_EQ(md_->RenameContainer(a.id, "web").error().code, Code::kConflict);
  EXPECT_EQ(*md_->ListContainers(), (std::vector<ContainerRecord>{a, b}));
  EXPECT_EQ(md_->RenameContainer(std::string(64, 'c'), "x").error().code, Code::kNotFound);
  EXPECT_EQ(md_->RenameContainer(a.id, "").error().code, Code::kInvalidArgument);
  // Inside a transaction that fails, the rename is rolled back.
  Status st = md_->Transaction([&]() -> Status {
    TRY(md_->RenameContainer(a.id, "renamed"));
    return MakeError(Code::kInternal, "boom");
  });
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(*md_->ListContainers(), (std::vector<ContainerRecord>{a, b}));
}

TEST_F(MetadataTest, OwnLeaseIsAliveAndSurvivesOnlyAsLongAsTheHandle) {
  {
    auto lease = Lease::Create(*md_, "test");
    ASSERT_OK(lease);
    ASSERT_OK(lease->Add(ResourceKind::kImage, D("x").str()));
    auto leases = md_->ListLeases();
    ASSERT_EQ(leases->size(), 1u);
    EXPECT_TRUE((*leases)[0].Alive(NowNanos()));
    LeaseRecord expired = (*leases)[0];
    expired.expires = 1;
    EXPECT_FALSE(expired.Alive(NowNanos()));
  }
  EXPECT_TRUE(md_->ListLeases()->empty());
}

TEST_F(MetadataTest, UpgradesAVersion1StoreRecordingItsBlobFiles) {
  md_.reset();
  ::unlink(path_.c_str());
  // A version 1 database, as the foundation wrote it, and a blob file.
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &raw), SQLITE_OK);
  std::string v1 =
                         "CREATE TABLE snapshots (chain_id TEXT PRIMARY KEY, id INTEGER NOT NULL "
                         "UNIQUE, diff_id TEXT NOT NULL, parent TEXT, size INTEGER NOT NULL, "
                         "created INTEGER NOT NULL) WITHOUT ROWID;"
                         "INSERT INTO snapshots VALUES ('" + D("c").str() + "', 7, '" +
                             D("d").str() + "', NULL, 1, 1);"
                         "PRAGMA user_version = 1;";
  ASSERT_EQ(sqlite3_exec(raw, v1.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(raw);
  std::string blobs = JoinPath(dir_, "blobs");
  ASSERT_OK(MkdirAll(blobs));
  Digest d = Digest::Of("old blob");
  ASSERT_OK(WriteFileAtomic(JoinPath(blobs, d.hex()), "old blob"));
  ASSERT_OK(WriteFileAtomic(JoinPath(blobs, "junk"), "x"));

  auto md = Metadata::Open(path_, false, blobs);
  ASSERT_OK(md);
  EXPECT_EQ(*(*md)->ListBlobs(), (std::vector<BlobRecord>{{d, 8, (*(*md)->GetBlob(d))->added}}));
  EXPECT_EQ(*(*md)->NextSequence("snapshot"), 8);  // after the largest id in use
  struct stat st;
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

}  // namespace
}  // namespace berth::store
