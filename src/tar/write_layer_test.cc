#include "tar/write_layer.h"

#include <gtest/gtest.h>

#include "tar/apply.h"
#include "tar/layer_size.h"
#include "tar/tar_test_util.h"

namespace berth {
namespace {

using testing::D;
using testing::F;
using testing::H;
using testing::S;
using testing::TarEntry;

struct ReadEntry {
  std::string name;
  unsigned type;
  std::string link;
  bool hardlink;
  int64_t size;
  int mode;
  std::map<std::string, std::string> xattrs;
};

std::vector<ReadEntry> ListTar(const std::string& tar) {
  std::vector<ReadEntry> out;
  archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  EXPECT_EQ(archive_read_open_memory(a, tar.data(), tar.size()), ARCHIVE_OK);
  archive_entry* e;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    ReadEntry r{archive_entry_pathname(e), archive_entry_filetype(e), "", false,
                archive_entry_size(e), static_cast<int>(archive_entry_perm(e)), {}};
    if (archive_entry_hardlink(e)) {
      r.hardlink = true;
      r.link = archive_entry_hardlink(e);
    } else if (archive_entry_symlink(e)) {
      r.link = archive_entry_symlink(e);
    }
    if (archive_entry_xattr_reset(e) > 0) {
      const char* k;
      const void* v;
      size_t n;
      while (archive_entry_xattr_next(e, &k, &v, &n) == ARCHIVE_OK) {
        r.xattrs[k] = std::string(static_cast<const char*>(v), n);
      }
    }
    out.push_back(r);
  }
  archive_read_free(a);
  return out;
}

class WriteLayerTest : public testing::SandboxTest {
 protected:
  void SetUp() override {
    SandboxTest::SetUp();
    scratch_ = *MakeTempDir("/tmp", "berth-tar-write-");
    second_ = scratch_ + "/second";
    ASSERT_EQ(mkdir(second_.c_str(), 0755), 0);
  }
  void TearDown() override {
    EXPECT_TRUE(RemoveAll(scratch_).ok());
    SandboxTest::TearDown();
  }
  void ApplyTo(const std::string& dir, const std::string& tar) {
    StringReader r(tar);
    auto st = ApplyLayer(dir, r);
    ASSERT_TRUE(st.ok()) << st.error().message;
  }
  std::string Write(const std::string& dir) {
    StringWriter w;
    Status st = WriteLayer(dir, w);
    EXPECT_TRUE(st.ok()) << st.error().message;
    return w.Take();
  }
  std::string scratch_, second_;
};

std::vector<TarEntry> RichLayer() {
  TarEntry suid = F("usr/bin/su", "su binary", 04755);
  suid.uid = 1000;
  suid.gid = 100;
  TarEntry caps = F("usr/bin/ping", "ping", 0755);
  caps.xattrs = {{"user.b", "2"}, {"user.a", "1"}};
  TarEntry dev{.name = "dev/null", .type = AE_IFCHR, .mode = 0666, .major = 1, .minor = 3};
  TarEntry fifo{.name = "run/fifo", .type = AE_IFIFO, .mode = 0600};
  TarEntry home = D("home/user", 0700);
  home.uid = 1000;
  home.gid = 1000;
  home.mtime = 1400000000;
  std::string long_name = "deep/" + std::string(120, 'n') + "/" + std::string(90, 'm');
  return {D("usr"), D("usr/bin"), suid, caps, S("usr/bin/sh", "su"), H("usr/bin/su2", "usr/bin/su"),
          D("dev"), dev, D("run"), fifo, D("home"), home, F("home/user/.rc", "rc"),
          F(long_name, "long"), F("big", std::string(300000, 'z')), F("empty", ""), F("caf\xc3\xa9", "utf8"), F("lat\xe9n", "latin1"),
          F("del/.wh.gone", ""), D("opq"), F("opq/.wh..wh..opq", ""), F("opq/new", "n")};
}

TEST_F(WriteLayerTest, ApplyWriteApplyGivesTheSameTree) {
  ApplyTo(root_, testing::BuildTar(RichLayer()));
  std::string tar = Write(root_);
  ApplyTo(second_, tar);
  testing::Tree a = testing::Snapshot(root_), b = testing::Snapshot(second_);
  EXPECT_EQ(a.size(), b.size());
  for (const auto& [path, node] : a) {
    auto it = b.find(path);
    ASSERT_NE(it, b.end()) << path;
    EXPECT_EQ(node, it->second) << path;
  }
  EXPECT_EQ(*LayerSize(root_), *LayerSize(second_));
  // And writing the copy gives the same bytes again.
  EXPECT_TRUE(Write(second_) == tar);
}

TEST_F(WriteLayerTest, OutputIsDeterministicAndSorted) {
  ApplyTo(root_, testing::BuildTar({F("b", "2"), F("a", "1"), D("c"), F("c/z", "z"), F("c/a", "a"),
                                    F("a.b", "3")}));
  std::string one = Write(root_), two = Write(root_);
  EXPECT_TRUE(one == two);
  std::vector<std::string> names;
  for (const auto& e : ListTar(one)) names.push_back(e.name);
  EXPECT_EQ(names, (std::vector<std::string>{"a", "a.b", "b", "c/", "c/a", "c/z"}));
  // Ends right after the two zero blocks: no 10 KiB record padding.
  EXPECT_EQ(one.size() % 512, 0u);
  EXPECT_EQ(one.substr(one.size() - 1024), std::string(1024, '\0'));
  EXPECT_NE(one.substr(one.size() - 1536, 512), std::string(512, '\0'));
}

TEST_F(WriteLayerTest, WhiteoutsAndOpaqueDirsConvertBack) {
  ApplyTo(root_, testing::BuildTar({D("d"), F("d/.wh.gone", ""), D("o", 0750), F("o/.wh..wh..opq", ""),
                                    F("o/kept", "k")}));
  auto entries = ListTar(Write(root_));
  std::vector<std::string> names;
  for (const auto& e : entries) {
    names.push_back(e.name);
    EXPECT_EQ(e.xattrs.count("trusted.overlay.opaque"), 0u) << e.name;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"d/", "d/.wh.gone", "o/", "o/.wh..wh..opq", "o/kept"}));
  EXPECT_EQ(entries[1].type, static_cast<unsigned>(AE_IFREG));
  EXPECT_EQ(entries[1].size, 0);
  EXPECT_EQ(entries[3].type, static_cast<unsigned>(AE_IFREG));
  EXPECT_EQ(entries[3].mode, 0750);
}

TEST_F(WriteLayerTest, HardlinksSymlinksAndXattrsAreWritten) {
  TarEntry x = F("x", "data");
  x.xattrs = {{"user.k", "v"}};
  ApplyTo(root_, testing::BuildTar({x, H("y", "x"), S("s", "/etc/target")}));
  std::string tar = Write(root_);
  auto entries = ListTar(tar);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].name, "s");
  EXPECT_EQ(entries[0].link, "/etc/target");
  EXPECT_EQ(entries[1].name, "x");
  EXPECT_EQ(entries[1].size, 4);
  EXPECT_EQ(entries[1].xattrs["user.k"], "v");
  EXPECT_EQ(entries[2].name, "y");
  EXPECT_TRUE(entries[2].hardlink);
  EXPECT_EQ(entries[2].link, "x");
  // Docker and Go read xattrs from SCHILY records.
  EXPECT_NE(tar.find("SCHILY.xattr.user.k"), std::string::npos);
}

TEST_F(WriteLayerTest, LayerSizeCountsFilesOnceAndSymlinkTargets) {
  ApplyTo(root_, testing::BuildTar({F("a", std::string(100, 'a')), H("b", "a"), S("l", "abcdef"), D("d"),
                                    F("d/e", "12345"), F(".wh.w", "")}));
  EXPECT_EQ(*LayerSize(root_), 100u + 6 + 5);
  EXPECT_EQ(LayerSize(root_ + "/nope").error().code, Code::kNotFound);
}

TEST_F(WriteLayerTest, MissingDirIsNotFound) {
  StringWriter w;
  Status st = WriteLayer(root_ + "/nope", w);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Code::kNotFound);
}

class FailingWriter : public Writer {
 public:
  Status Write(std::span<const std::byte>) override {
    return MakeError(Code::kUnavailable, "disk full");
  }
};

TEST_F(WriteLayerTest, WriterErrorsPassThrough) {
  ApplyTo(root_, testing::BuildTar({F("a", std::string(50000, 'a'))}));
  FailingWriter w;
  Status st = WriteLayer(root_, w);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Code::kUnavailable);
}

std::string Shell(const std::string& cmd) {
  FILE* f = popen(cmd.c_str(), "r");
  EXPECT_NE(f, nullptr);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  EXPECT_EQ(pclose(f), 0) << cmd;
  return out;
}

TEST_F(WriteLayerTest, InteroperatesWithGnuTar) {
  if (access("/usr/bin/tar", X_OK) != 0 && access("/bin/tar", X_OK) != 0) {
    GTEST_SKIP() << "tar(1) not installed";
  }
  // GNU tar reads what we write...
  ApplyTo(root_, testing::BuildTar({D("d"), F("d/f", "data"), H("d/g", "d/f"), S("d/s", "f")}));
  ASSERT_TRUE(WriteFileAtomic(scratch_ + "/ours.tar", Write(root_)).ok());
  EXPECT_EQ(Shell("tar -tf " + scratch_ + "/ours.tar"), "d/\nd/f\nd/g\nd/s\n");
  // ...and we apply what GNU tar writes.
  std::string src = scratch_ + "/src";
  ASSERT_TRUE(MkdirAll(src + "/x/y").ok());
  ASSERT_TRUE(WriteFileAtomic(src + "/x/y/file", "gnu").ok());
  ASSERT_EQ(link((src + "/x/y/file").c_str(), (src + "/x/hard").c_str()), 0);
  ASSERT_EQ(symlink("y/file", (src + "/x/sym").c_str()), 0);
  Shell("tar -C " + src + " -cf " + scratch_ + "/gnu.tar --format=gnu x");
  auto tar = ReadFile(scratch_ + "/gnu.tar");
  ASSERT_TRUE(tar.ok());
  ApplyTo(second_, *tar);
  EXPECT_EQ(*ReadFile(second_ + "/x/hard"), "gnu");
  struct stat a, b;
  ASSERT_EQ(lstat((second_ + "/x/hard").c_str(), &a), 0);
  ASSERT_EQ(lstat((second_ + "/x/y/file").c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino);
  ASSERT_EQ(lstat((second_ + "/x/sym").c_str(), &a), 0);
  EXPECT_TRUE(S_ISLNK(a.st_mode));
}

}  // namespace
}  // namespace berth
