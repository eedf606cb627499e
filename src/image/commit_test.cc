#include "image/commit.h"

#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "base/io.h"
#include "image/import.h"
#include "image/resolve.h"
#include "image/views.h"
#include "oci/chain_id.h"
#include "oci/image_config.h"
#include "oci/media_types.h"
#include "store/test_util.h"
#include "tar/tar_test_util.h"

namespace berth::image {
namespace {

namespace fs = std::filesystem;
using berth::testing::BuildTar;
using berth::testing::F;

const std::string kContainerId = "5446bac9f2a707a3cebdd860029c74c88a8069e944a0e3d2af94c1feabd0783d";

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
void Write(const std::string& path, const std::string& content) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
}

// The container docker 20.10 ran for the comparison: `docker run --network
// none --name c1 bb:1 sh -c '...'`, its Config as `docker inspect` shows it.
ContainerConfig DockerContainerConfig(std::vector<std::string> cmd) {
  return ContainerConfig{.hostname = "5446bac9f2a7", .attach_stdout = true, .attach_stderr = true,
                         .cmd = std::move(cmd), .image = "bb:1"};
}

class CommitTest : public store::testing::ScratchDirTest {
 protected:
  void SetUp() override {
    ScratchDirTest::SetUp();
    auto s = store::Store::Open(dir_ + "/root");
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(*s);
    StringReader tar(BuildTar({F("data/keep", "hello\n"), F("data/gone", "gone\n"),
                               F("data/sub/f", "x\n"), F("opq/old", "o\n"), F("bin/sh", "elf")}));
    ImportOptions import;
    import.tag = *ParseTagTarget("bb:1");
    auto imported = Import(*store_, tar, import);
    ASSERT_TRUE(imported.ok()) << imported.error().message;
    parent_ = imported->id;
    parent_rec_ = **store_->metadata().GetImage(parent_);
    for (const char* d : {"upper", "work", "merged"}) fs::create_directories(dir_ + "/" + d);
  }
  void TearDown() override {
    if (mounted_) ::umount2((dir_ + "/merged").c_str(), MNT_DETACH);
    store_.reset();
    ScratchDirTest::TearDown();
  }

  // Mounts lowers (topmost first) at merged/, with upper/ when writable.
  bool Mount(const std::vector<std::string>& lowers, bool writable) {
    std::string opts = "lowerdir=";
    for (size_t i = 0; i < lowers.size(); ++i) opts += (i ? ":" : "") + lowers[i];
    if (writable) opts += ",upperdir=" + dir_ + "/upper,workdir=" + dir_ + "/work";
    mounted_ = ::mount("overlay", (dir_ + "/merged").c_str(), "overlay", writable ? 0 : MS_RDONLY,
                       opts.c_str()) == 0;
    return mounted_;
  }
  void Unmount() {
    ASSERT_EQ(::umount2((dir_ + "/merged").c_str(), 0), 0);
    mounted_ = false;
  }
  std::vector<std::string> Lowers(const Digest& top) {
    auto l = store_->snapshots().LowerDirs(top);
    EXPECT_TRUE(l.ok()) << l.error().message;
    return l.ok() ? *l : std::vector<std::string>{};
  }
  CommitOptions Options() {
    return CommitOptions{.parent_image = parent_,
                         .upper_dir = dir_ + "/upper",
                         .container_config = DockerContainerConfig({"sh", "-c", "echo changed > /data/keep"}),
                         .container_id = kContainerId};
  }
  ImageConfig Config(const Digest& id) {
    auto c = ImageConfig::Parse(*store_->content().ReadSmall(id));
    EXPECT_TRUE(c.ok()) << c.error().message;
    return c.ok() ? *c : ImageConfig{};
  }

  std::unique_ptr<store::Store> store_;
  Digest parent_;
  store::ImageRecord parent_rec_;
  bool mounted_ = false;
};

// The flow of `docker commit -a A -m M -c 'ENV X=1' c1 cm:1` after the
// container changed a file, deleted one, added one and emptied a directory.
TEST_F(CommitTest, UpperDirBecomesALayerOnTheParent) {
  if (!Mount(Lowers(parent_rec_.layers.back().chain_id), true)) {
    GTEST_SKIP() << "cannot mount overlay here: " << std::strerror(errno);
  }
  std::string m = dir_ + "/merged";
  Write(m + "/data/keep", "changed\n");
  fs::remove(m + "/data/gone");
  Write(m + "/data/new", "new\n");
  fs::remove_all(m + "/opq");
  Write(m + "/opq/new", "n\n");
  Unmount();

  CommitOptions o = Options();
  o.author = "A";
  o.message = "M";
  o.changes = {"ENV X=1"};
  o.tag = *ParseTagTarget("cm:1");
  auto r = Commit(*store_, o);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->empty_layer);
  EXPECT_EQ(*ResolveImage(*store_, "cm:1"), r->id);

  // The image row: the parent's layers plus one uncompressed layer.
  auto rec = **store_->metadata().GetImage(r->id);
  ASSERT_EQ(rec.layers.size(), 2u);
  EXPECT_EQ(rec.layers[0], parent_rec_.layers[0]);
  const store::LayerRecord& top = rec.layers[1];
  EXPECT_EQ(top.blob, top.diff_id);
  EXPECT_EQ(top.media_type, kOciLayer);
  EXPECT_EQ(top.chain_id, ChainId({parent_rec_.layers[0].diff_id, top.diff_id}, 2));
  EXPECT_EQ(rec.parent, parent_.str());
  EXPECT_EQ(r->layer_size, 8 + 4 + 2);  // keep, new, opq/new
  EXPECT_EQ(rec.size, parent_rec_.size + r->layer_size);
  EXPECT_EQ(r->size, rec.size);
  EXPECT_EQ(*store_->content().Size(top.blob), top.blob_size);
  std::string blob = *store_->content().ReadSmall(top.blob);
  EXPECT_NE(blob.find("data/.wh.gone"), std::string::npos);
  EXPECT_NE(blob.find("opq/.wh..wh..opq"), std::string::npos);

  // The new snapshot holds the change in overlay form, over the parent's.
  auto lowers = Lowers(top.chain_id);
  ASSERT_EQ(lowers.size(), 2u);
  EXPECT_EQ(lowers[1], Lowers(parent_rec_.layers[0].chain_id)[0]);
  EXPECT_EQ(Read(lowers[0] + "/data/keep"), "changed\n");
  struct stat st;
  ASSERT_EQ(::lstat((lowers[0] + "/data/gone").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0));
  char v[2] = {};
  EXPECT_EQ(::getxattr((lowers[0] + "/opq").c_str(), "trusted.overlay.opaque", v, 2), 1);
  EXPECT_EQ(v[0], 'y');
  EXPECT_FALSE(fs::exists(lowers[0] + "/data/sub"));  // untouched: not in the layer
  // ... and a container of the new image sees the committed files.
  ASSERT_TRUE(Mount(lowers, false)) << std::strerror(errno);
  EXPECT_EQ(Read(m + "/data/keep"), "changed\n");
  EXPECT_EQ(Read(m + "/data/new"), "new\n");
  EXPECT_EQ(Read(m + "/data/sub/f"), "x\n");
  EXPECT_FALSE(fs::exists(m + "/data/gone"));
  EXPECT_EQ(store::testing::Entries(m + "/opq"), std::vector<std::string>{"new"});
  Unmount();

  // The config is docker's, byte for byte, but for the times and digests
  // (recorded: /var/lib/docker/image/overlay2/imagedb/content/sha256/<id>),
  // "Labels":{} (berth's ContainerConfig keeps no empty map) and
  // docker_version, which berth leaves out.
  std::string raw = *store_->content().ReadSmall(r->id);
  ImageConfig c = Config(r->id);
  ImageConfig pc = Config(parent_);
  ASSERT_EQ(c.history.size(), 2u);
  EXPECT_EQ(c.history[0], pc.history[0]);
  EXPECT_EQ(c.created, c.history[1].created);
  auto j = Json::parse(raw);
  std::string created = j["created"], t0 = j["history"][0]["created"];
  std::string cc = R"({"Hostname":"5446bac9f2a7","Domainname":"","User":"","AttachStdin":false,)"
                   R"("AttachStdout":true,"AttachStderr":true,"Tty":false,"OpenStdin":false,"StdinOnce":false,)";
  std::string rest = R"("Cmd":["sh","-c","echo changed \u003e /data/keep"],"Image":"bb:1","Volumes":null,)"
                     R"("WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":null})";
  EXPECT_EQ(raw, R"({"architecture":"amd64","author":"A","config":)" + cc + R"("Env":["X=1"],)" + rest +
                     R"(,"container":")" + kContainerId + R"(","container_config":)" + cc +
                     R"("Env":null,)" + rest + R"(,"created":")" + created + R"(","history":[{"created":")" +
                     t0 + R"(","comment":"Imported from -"},{"created":")" + created +
                     R"(","author":"A","created_by":"sh -c echo changed \u003e /data/keep","comment":"M"}],)"
                     R"("os":"linux","rootfs":{"type":"layers","diff_ids":[")" +
                     parent_rec_.layers[0].diff_id.str() + R"(",")" + top.diff_id.str() + R"("]}})");

  // `docker image inspect` and `docker history` of it (recorded): Comment is
  // the last history entry's, Parent the container's image; the commit's row
  // first, sized by its layer, then the parent's.
  Json inspect = *InspectImage(*store_, r->id);
  EXPECT_EQ(inspect["Comment"], "M");
  EXPECT_EQ(inspect["Parent"], parent_.str());
  EXPECT_EQ(inspect["Author"], "A");
  EXPECT_EQ(inspect["Container"], kContainerId);
  EXPECT_EQ(inspect["DockerVersion"], "");
  auto history = *ImageHistory(*store_, r->id);
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].id, r->id.str());
  EXPECT_EQ(history[0].created_by, "sh -c echo changed > /data/keep");
  EXPECT_EQ(history[0].size, r->layer_size);
  EXPECT_EQ(history[0].comment, "M");
  EXPECT_EQ(history[1].id, parent_.str());
  EXPECT_EQ(history[1].comment, "Imported from -");
}

// docker commit of a container that changed nothing: no layer, the history
// entry marked empty_layer, no author or comment keys when not given.
TEST_F(CommitTest, EmptyUpperDirAddsNoLayer) {
  size_t snapshots = store_->snapshots().List()->size();
  size_t blobs = store_->metadata().ListBlobs()->size();
  CommitOptions o = Options();
  o.container_config = DockerContainerConfig({"true"});
  auto r = Commit(*store_, o);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->empty_layer);
  auto rec = **store_->metadata().GetImage(r->id);
  EXPECT_EQ(rec.layers, parent_rec_.layers);
  EXPECT_EQ(rec.size, parent_rec_.size);
  EXPECT_EQ(store_->snapshots().List()->size(), snapshots);
  EXPECT_EQ(store_->metadata().ListBlobs()->size(), blobs + 1);  // the config alone
  auto j = Json::parse(*store_->content().ReadSmall(r->id));
  EXPECT_EQ(j["history"][1].dump(), R"({"created":")" + j["created"].get<std::string>() +
                                        R"(","created_by":"true","empty_layer":true})");
  EXPECT_EQ(j["rootfs"]["diff_ids"].size(), 1u);
  EXPECT_FALSE(j.contains("author"));
  EXPECT_FALSE(j.contains("comment"));
}

TEST_F(CommitTest, ScratchParentStartsTheChain) {
  Write(dir_ + "/upper/hello", "hi");
  CommitOptions o = Options();
  o.parent_image.reset();
  auto r = Commit(*store_, o);
  ASSERT_TRUE(r.ok()) << r.error().message;
  auto rec = **store_->metadata().GetImage(r->id);
  ASSERT_EQ(rec.layers.size(), 1u);
  EXPECT_EQ(rec.layers[0].chain_id, rec.layers[0].diff_id);
  EXPECT_EQ(rec.parent, "");
  EXPECT_EQ(rec.size, 2);
  ImageConfig c = Config(r->id);
  EXPECT_EQ(c.history.size(), 1u);
  EXPECT_EQ(c.diff_ids, std::vector<Digest>{rec.layers[0].diff_id});
  EXPECT_EQ(c.architecture, HostPlatform().architecture);
  EXPECT_EQ(Read(Lowers(rec.layers[0].chain_id)[0] + "/hello"), "hi");
}

// The builder's staging dirs become the snapshot itself: the same layer as a
// copied commit, one write of the data fewer.
TEST_F(CommitTest, AdoptedUpperDirBecomesTheSnapshot) {
  std::string staged = dir_ + "/staged";
  for (const std::string& d : {dir_ + "/upper", staged}) {
    Write(d + "/app/one", "1");
    Write(d + "/app/two", "22");
  }
  CommitOptions adopted = Options();  // first, so the snapshot is the adopted dir
  adopted.upper_dir = staged;
  adopted.adopt_upper = true;
  adopted.container_id = "";
  auto b = Commit(*store_, adopted);
  ASSERT_TRUE(b.ok()) << b.error().message;
  CommitOptions copied = Options();
  auto a = Commit(*store_, copied);
  ASSERT_TRUE(a.ok()) << a.error().message;
  auto ra = **store_->metadata().GetImage(a->id);
  auto rb = **store_->metadata().GetImage(b->id);
  EXPECT_EQ(ra.layers.back().diff_id, rb.layers.back().diff_id);
  EXPECT_EQ(b->layer_size, 3);
  EXPECT_FALSE(fs::exists(staged));  // moved, not copied
  EXPECT_EQ(Read(Lowers(rb.layers.back().chain_id)[0] + "/app/two"), "22");
  EXPECT_TRUE(store_->Check()->problems.empty());
}

// dockerd merges the changed config with the container's: values emptied by
// a change come back (recorded: -c 'ENTRYPOINT []' keeps Entrypoint null and
// the Cmd; -c 'CMD []' keeps the Cmd; -c 'ENTRYPOINT ["/bin/sh"]' drops it).
TEST_F(CommitTest, ChangesMergeWithTheContainerConfigAsDockerd) {
  struct Case {
    std::string change;
    std::optional<std::vector<std::string>> entrypoint, cmd;
  } cases[] = {
      {"ENTRYPOINT []", std::nullopt, std::vector<std::string>{"sh", "-c", "x"}},
      {"CMD []", std::nullopt, std::vector<std::string>{"sh", "-c", "x"}},
      {R"(ENTRYPOINT ["/bin/sh"])", std::vector<std::string>{"/bin/sh"}, std::nullopt},
  };
  for (const auto& k : cases) {
    CommitOptions o = Options();
    o.container_config = DockerContainerConfig({"sh", "-c", "x"});
    o.changes = {k.change};
    auto r = Commit(*store_, o);
    ASSERT_TRUE(r.ok()) << r.error().message;
    ImageConfig c = Config(r->id);
    EXPECT_EQ(c.config.entrypoint, k.entrypoint) << k.change;
    EXPECT_EQ(c.config.cmd, k.cmd) << k.change;
    EXPECT_EQ(c.container_config->cmd, o.container_config.cmd) << k.change;
  }
}

TEST_F(CommitTest, InvalidChangeWritesNothing) {
  Write(dir_ + "/upper/hello", "hi");
  size_t blobs = store_->metadata().ListBlobs()->size();
  CommitOptions o = Options();
  o.changes = {"FROM x"};
  auto r = Commit(*store_, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kInvalidArgument);
  EXPECT_EQ(r.error().message, "from is not a valid change command");
  EXPECT_EQ(store_->metadata().ListBlobs()->size(), blobs);
  EXPECT_EQ(store_->metadata().ListImages()->size(), 1u);
}

TEST_F(CommitTest, MissingParentOrUpperIsNotFound) {
  CommitOptions o = Options();
  o.parent_image = *Digest::FromHex(std::string(64, 'e'));
  auto r = Commit(*store_, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kNotFound);
  o = Options();
  o.upper_dir = dir_ + "/nope";
  r = Commit(*store_, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kNotFound);
  EXPECT_EQ(store_->metadata().ListImages()->size(), 1u);
  auto check = store_->Check();
  ASSERT_TRUE(check.ok()) << check.error().message;
  EXPECT_TRUE(check->problems.empty());
}

// A file larger than the pipe's chunks goes through whole, and two names of
// one inode stay one inode (and count once).
TEST_F(CommitTest, LargeFilesAndHardlinksRoundTrip) {
  std::string big((9 << 20) + 1234, '\0');  // several chunks and an unaligned tail
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7919 >> 3);
  Write(dir_ + "/upper/big", big);
  fs::create_hard_link(dir_ + "/upper/big", dir_ + "/upper/big2");
  auto r = Commit(*store_, Options());
  ASSERT_TRUE(r.ok()) << r.error().message;
  auto rec = **store_->metadata().GetImage(r->id);
  std::string top = Lowers(rec.layers.back().chain_id)[0];
  EXPECT_EQ(Read(top + "/big"), big);
  struct stat a, b;
  ASSERT_EQ(::stat((top + "/big").c_str(), &a), 0);
  ASSERT_EQ(::stat((top + "/big2").c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino);
  EXPECT_EQ(r->layer_size, static_cast<int64_t>(big.size()));
  std::string blob = *store_->content().ReadSmall(rec.layers.back().blob, 32 << 20);
  EXPECT_EQ(Digest::Of(blob), rec.layers.back().diff_id);
  EXPECT_NE(blob.find(big.substr(0, 4096)), std::string::npos);
}

// The unpacker stops at a limit while the tar and blob stages are still
// running: they stop too, its error is the one reported, nothing is stored.
TEST_F(CommitTest, UnpackerErrorStopsTheStreamAndIsReported) {
  Write(dir_ + "/upper/big", std::string(8 << 20, 'x'));
  size_t blobs = store_->metadata().ListBlobs()->size();
  ::setenv("BERTH_MAX_LAYER_BYTES", "1000", 1);
  auto r = Commit(*store_, Options());
  ::unsetenv("BERTH_MAX_LAYER_BYTES");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kInvalidArgument);
  EXPECT_NE(r.error().message.find("BERTH_MAX_LAYER_BYTES"), std::string::npos) << r.error().message;
  EXPECT_EQ(store_->metadata().ListBlobs()->size(), blobs);
  EXPECT_EQ(store_->metadata().ListImages()->size(), 1u);
  EXPECT_TRUE(store::testing::Entries(dir_ + "/root/ingest").empty());  // blob and staging gone
}

}  // namespace
}  // namespace berth::image
