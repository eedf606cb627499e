#include "tar/apply.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "compress/compression.h"
#include "digest/digest.h"
#include "tar/layer_size.h"
#include "tar/tar_test_util.h"

namespace berth {
namespace {

using testing::D;
using testing::F;
using testing::H;
using testing::S;
using testing::TarEntry;

class ApplyTest : public testing::SandboxTest {
 protected:
  Result<ApplyStats> Apply(const std::vector<TarEntry>& entries, const ApplyOptions& opts = {}) {
    StringReader r(testing::BuildTar(entries));
    return ApplyLayer(root_, r, opts);
  }
  // Applies and requires either success or a clean error (hostile cases).
  void ApplyConfined(const std::vector<TarEntry>& entries) {
    auto r = Apply(entries);
    if (!r.ok()) {
      EXPECT_TRUE(r.error().code == Code::kInvalidArgument || r.error().code == Code::kDataLoss)
          << r.error().message;
    }
  }
  struct stat Lstat(const std::string& rel) {
    struct stat st {};
    EXPECT_EQ(lstat(In(rel).c_str(), &st), 0) << rel;
    return st;
  }
  bool Exists(const std::string& rel) { return PathExists(In(rel)); }
  std::string Read(const std::string& rel) {
    auto r = ReadFile(In(rel));
    return r.ok() ? *r : "<" + r.error().message + ">";
  }
};

TEST_F(ApplyTest, AppliesOrdinaryLayer) {
  TarEntry suid = F("usr/bin/su", "binary", 04755);
  suid.uid = 1000;
  suid.gid = 1000;
  TarEntry owned = F("home/u/.profile", "export A=1\n", 0600);
  owned.uid = 1234;
  owned.gid = 5678;
  owned.mtime = 1234567890;
  TarEntry caps = F("usr/bin/ping", "ping", 0755);
  caps.xattrs = {{"security.capability", std::string("\x01\x00\x00\x02\x00\x20\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", 20)},
                 {"user.note", "hello"}};
  TarEntry dir = D("home/u", 0700);
  dir.uid = 1234;
  dir.mtime = 1111111111;
  auto r = Apply({D("usr"), D("usr/bin"), suid, caps, D("home"), dir, owned,
                  S("usr/bin/sh", "busybox"), F("usr/bin/busybox", std::string(1000, 'b')),
                  H("usr/bin/busybox2", "usr/bin/busybox"), F("etc/deep/missing/parents", "x")});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->entries, 11u);
  // 6 + 4 + 11 + 1000 (hardlink once) + 1 + symlink "busybox" (7).
  EXPECT_EQ(r->size, 6u + 4 + 11 + 1000 + 1 + 7);
  EXPECT_EQ(*LayerSize(root_), r->size);

  struct stat st = Lstat("usr/bin/su");
  EXPECT_EQ(st.st_mode & 07777, 04755u);  // setuid survives the chown
  EXPECT_EQ(st.st_uid, 1000u);
  st = Lstat("home/u/.profile");
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(st.st_uid, 1234u);
  EXPECT_EQ(st.st_gid, 5678u);
  EXPECT_EQ(st.st_mtim.tv_sec, 1234567890);
  EXPECT_EQ(Read("home/u/.profile"), "export A=1\n");
  st = Lstat("home/u");
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  EXPECT_EQ(st.st_mtim.tv_sec, 1111111111);  // set after its child was created
  EXPECT_EQ(Lstat("usr/bin/busybox").st_ino, Lstat("usr/bin/busybox2").st_ino);
  EXPECT_TRUE(S_ISLNK(Lstat("usr/bin/sh").st_mode));
  EXPECT_EQ(Read("etc/deep/missing/parents"), "x");
  char v[64];
  ssize_t n = getxattr(In("usr/bin/ping").c_str(), "user.note", v, sizeof v);
  EXPECT_EQ(std::string(v, n > 0 ? n : 0), "hello");
  n = getxattr(In("usr/bin/ping").c_str(), "security.capability", v, sizeof v);
  EXPECT_EQ(n, 20);
}

TEST_F(ApplyTest, DevicesAndFifos) {
  TarEntry null{.name = "dev/null", .type = AE_IFCHR, .mode = 0666, .major = 1, .minor = 3};
  TarEntry loop{.name = "dev/loop0", .type = AE_IFBLK, .mode = 0660, .major = 7, .minor = 0};
  TarEntry fifo{.name = "run/fifo", .type = AE_IFIFO, .mode = 0620};
  auto r = Apply({null, loop, fifo});
  ASSERT_TRUE(r.ok()) << r.error().message;
  struct stat st = Lstat("dev/null");
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(1, 3));
  EXPECT_EQ(st.st_mode & 07777, 0666u);
  st = Lstat("dev/loop0");
  EXPECT_TRUE(S_ISBLK(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(7, 0));
  st = Lstat("run/fifo");
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0620u);
}

TEST_F(ApplyTest, RootEntryUpdatesRootMetadata) {
  TarEntry root = D("./", 0711);
  root.mtime = 1500000000;
  auto r = Apply({root, F("./a", "1")});
  ASSERT_TRUE(r.ok()) << r.error().message;
  struct stat st;
  ASSERT_EQ(stat(root_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0711u);
  EXPECT_EQ(st.st_mtim.tv_sec, 1500000000);
  EXPECT_FALSE(Apply({S("/", "x")}).ok());
  EXPECT_FALSE(Apply({S(".", "x")}).ok());
}

TEST_F(ApplyTest, NonAsciiNamesAreKeptAsBytes) {
  auto r = Apply({F("caf\xc3\xa9/\xe6\x97\xa5\xe6\x9c\xac", "utf8")});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(Read("caf\xc3\xa9/\xe6\x97\xa5\xe6\x9c\xac"), "utf8");
}

TEST_F(ApplyTest, RawHeaderBytesAreKept) {
  StringReader r(testing::BuildTar({F("lat\xe9n", "latin1"), F("utf\xc3\xa9", "utf8")}, /*pax=*/false));
  auto st = ApplyLayer(root_, r, {});
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(Read("lat\xe9n"), "latin1");
  EXPECT_EQ(Read("utf\xc3\xa9"), "utf8");
}

// ---- hostile corpus: every case either fails cleanly or stays inside root ----

TEST_F(ApplyTest, SymlinkToSlashThenWriteThroughIt) {
  auto r = Apply({S("a", "/"), F("a/etc/passwd", "pwned")});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(Read("etc/passwd"), "pwned");
}

TEST_F(ApplyTest, SymlinkClimbingUpThenWriteThroughIt) {
  auto r = Apply({S("a", "../../../.."), F("a/etc/passwd", "pwned"), S("b/c", "../../.."),
                  F("b/c/x", "y")});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(Read("etc/passwd"), "pwned");
  EXPECT_EQ(Read("x"), "y");
}

TEST_F(ApplyTest, SymlinkToAbsoluteOutsideDir) {
  // Dangling inside the root: a clean error (as Docker's MkdirAll would give).
  auto dangling = Apply({S("l", outside_), F("l/victim", "pwned")});
  ASSERT_FALSE(dangling.ok());
  EXPECT_EQ(dangling.error().code, Code::kInvalidArgument);
  // With the same path present inside the root, the write lands there.
  auto r = Apply({D(outside_), S("l", outside_), F("l/victim", "pwned"), F("l/new", "n"),
                  S("m", outside_ + "/victim"), F("m", "replaced")});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(Read(outside_.substr(1) + "/victim"), "pwned");  // the in-root copy of that path
  EXPECT_EQ(Read("m"), "replaced");
  EXPECT_FALSE(S_ISLNK(Lstat("m").st_mode));
}

TEST_F(ApplyTest, WriteThroughSymlinkToOutsideFileDoesNotFollow) {
  // A regular entry over a symlink replaces the symlink, never writes its target.
  ApplyConfined({S("v", outside_ + "/victim"), F("v", "pwned")});
  ApplyConfined({S("w", "../outside/victim"), F("w", "pwned")});
  EXPECT_EQ(Read("w"), "pwned");
}

TEST_F(ApplyTest, HardlinkEscapes) {
  auto r1 = Apply({H("x", "../../etc/passwd")});
  ASSERT_FALSE(r1.ok());
  EXPECT_EQ(r1.error().code, Code::kInvalidArgument);
  auto r2 = Apply({H("y", "/etc/passwd")});
  ASSERT_FALSE(r2.ok());
  auto r3 = Apply({H("z", outside_ + "/victim")});
  ASSERT_FALSE(r3.ok());
  EXPECT_NE(r3.error().message.find("not found"), std::string::npos) << r3.error().message;
  // Through a symlink planted first: the target is resolved inside the root.
  auto r4 = Apply({S("l", outside_), H("h", "l/victim")});
  ASSERT_FALSE(r4.ok());
  // With an in-root target of the same name it links that instead.
  auto r5 = Apply({F("etc/passwd", "mine"), H("p", "../../etc/passwd")});
  ASSERT_TRUE(r5.ok()) << r5.error().message;
  EXPECT_EQ(Read("p"), "mine");
  EXPECT_EQ(Lstat("p").st_ino, Lstat("etc/passwd").st_ino);
}

TEST_F(ApplyTest, HardlinkToSymlinkLinksTheSymlink) {
  auto r = Apply({S("s", outside_ + "/victim"), H("h", "s")});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(S_ISLNK(Lstat("h").st_mode));
  EXPECT_EQ(Lstat("h").st_ino, Lstat("s").st_ino);
}

TEST_F(ApplyTest, HardlinkToDirectoryIsAnError) {
  auto r = Apply({D("d"), H("h", "d")});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kInvalidArgument);
  EXPECT_NE(r.error().message.find("\"h\""), std::string::npos) << r.error().message;
  auto self = Apply({F("f", "1"), H("f", "f")});
  ASSERT_FALSE(self.ok());
  EXPECT_EQ(Read("f"), "1");
}

TEST_F(ApplyTest, DotDotAndAbsoluteNamesAreCleanedIntoRoot) {
  auto r = Apply({F("../../x", "1"), F("/etc/abs", "2"), F("a/../../b", "3"),
                  F("./c/./../d", "4"), F("..", "5")});
  ASSERT_FALSE(r.ok());  // ".." cleans to the root itself, which a file cannot replace
  auto ok = Apply({F("../../x", "1"), F("/etc/abs", "2"), F("a/../../b", "3"), F("./c/./../d", "4")});
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(Read("x"), "1");
  EXPECT_EQ(Read("etc/abs"), "2");
  EXPECT_EQ(Read("b"), "3");
  EXPECT_EQ(Read("d"), "4");
}

TEST_F(ApplyTest, SymlinkChainsThatClimbOut) {
  auto r = Apply({D("b"), S("b/up", "../.."), S("a", "b/up/.."), F("a/x", "1"), S("c", "a/a/a/.."),
                  F("c/etc/y", "2")});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(Read("x"), "1");
  EXPECT_EQ(Read("etc/y"), "2");
  // A loop is an error, not a hang.
  auto loop = Apply({S("p", "q"), S("q", "p"), F("p/z", "3")});
  ASSERT_FALSE(loop.ok());
  EXPECT_EQ(loop.error().code, Code::kInvalidArgument);
}

TEST_F(ApplyTest, BadWhiteoutNames) {
  for (const char* name : {".wh.", "d/.wh..", "d/.wh...", ".wh.../x"}) {
    auto r = Apply({D("d"), F(name, "")});
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_EQ(r.error().code, Code::kInvalidArgument) << name;
  }
  EXPECT_TRUE(Exists("d"));
}

TEST_F(ApplyTest, WhiteoutThroughSymlinkedParent) {
  auto r = Apply({D(outside_), D("outside"), S("l", outside_), F("l/.wh.victim", ""), F("l/dir/.wh..wh..opq", ""),
                  S("k", "../outside"), F("k/.wh.dir", "")});
  ASSERT_TRUE(r.ok()) << r.error().message;
  struct stat st = Lstat(outside_.substr(1) + "/victim");
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_TRUE(S_ISCHR(Lstat("outside/dir").st_mode));
}

TEST_F(ApplyTest, WhiteoutsBecomeOverlayWhiteouts) {
  auto r = Apply({D("d"), F("d/gone", "x"), D("d/sub"), F("d/sub/deep", "y"), F("d/.wh.gone", ""),
                  F("d/.wh.sub", ""), F("d/.wh.lower", ""), D("o"), F("o/.wh..wh..opq", ""),
                  F("o/kept", "k"), F(".wh..wh.plnk/123", ""), F("d/.wh..wh.aufs", "")});
  ASSERT_TRUE(r.ok()) << r.error().message;
  for (const char* w : {"d/gone", "d/sub", "d/lower"}) {
    struct stat st = Lstat(w);
    EXPECT_TRUE(S_ISCHR(st.st_mode)) << w;
    EXPECT_EQ(st.st_rdev, makedev(0, 0)) << w;
  }
  char v[8];
  ssize_t n = lgetxattr(In("o").c_str(), "trusted.overlay.opaque", v, sizeof v);
  EXPECT_EQ(std::string(v, n > 0 ? n : 0), "y");
  EXPECT_EQ(Read("o/kept"), "k");
  EXPECT_FALSE(Exists("d/.wh..wh.aufs"));
  EXPECT_EQ(r->size, 1u);  // whiteouts count zero
}

TEST_F(ApplyTest, OverlayXattrsFromTheTarAreIgnored) {
  TarEntry d = D("d");
  d.xattrs = {{"trusted.overlay.redirect", "/etc"}, {"trusted.overlay.opaque", "y"}, {"user.ok", "1"}};
  auto r = Apply({d});
  ASSERT_TRUE(r.ok()) << r.error().message;
  char v[16];
  EXPECT_LT(lgetxattr(In("d").c_str(), "trusted.overlay.redirect", v, sizeof v), 0);
  EXPECT_LT(lgetxattr(In("d").c_str(), "trusted.overlay.opaque", v, sizeof v), 0);
  EXPECT_EQ(lgetxattr(In("d").c_str(), "user.ok", v, sizeof v), 1);
}

TEST_F(ApplyTest, DuplicateEntriesLaterWins) {
  auto r = Apply({F("a", "file"), D("a"), F("a/in", "1"),          // file then dir
                  D("b"), F("b/in", "2"), F("b", "now a file"),    // dir then file
                  F("c", "file"), S("c", "target"),                // file then symlink
                  D("e", 0700), F("e/keep", "3"), D("e", 0750),   // dir over dir keeps contents
                  F("f", "one"), F("f", "two")});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(S_ISDIR(Lstat("a").st_mode));
  EXPECT_EQ(Read("a/in"), "1");
  EXPECT_EQ(Read("b"), "now a file");
  EXPECT_TRUE(S_ISLNK(Lstat("c").st_mode));
  EXPECT_EQ(Read("e/keep"), "3");
  EXPECT_EQ(Lstat("e").st_mode & 07777, 0750u);
  EXPECT_EQ(Read("f"), "two");
}

TEST_F(ApplyTest, SymlinkReplacingDirectoryThenFilesUnderIt) {
  auto dangling = Apply({D("d"), F("d/x", "1"), S("d", outside_), F("d/y", "2")});
  ASSERT_FALSE(dangling.ok());
  auto r = Apply({D(outside_), D("d"), F("d/x", "1"), S("d", outside_), F("d/y", "2"),
                  F("d/victim", "pwned")});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(S_ISLNK(Lstat("d").st_mode));
  EXPECT_EQ(Read(outside_.substr(1) + "/y"), "2");
  EXPECT_EQ(Read(outside_.substr(1) + "/victim"), "pwned");
}

TEST_F(ApplyTest, FileWhereDirectoryIsNeeded) {
  auto r = Apply({F("f", "x"), F("f/g", "y")});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kInvalidArgument);
  EXPECT_NE(r.error().message.find("f/g"), std::string::npos) << r.error().message;
  auto dangling = Apply({S("s", "/nowhere"), F("s/x", "y")});
  ASSERT_FALSE(dangling.ok());
  EXPECT_EQ(dangling.error().code, Code::kInvalidArgument);
}

TEST_F(ApplyTest, HardlinkCopiesFromLowers) {
  std::string scratch = *MakeTempDir("/tmp", "berth-tar-lower-");
  std::string lower1 = scratch + "/l1", lower2 = scratch + "/l2";
  ASSERT_TRUE(MkdirAll(lower1 + "/bin").ok());
  ASSERT_TRUE(MkdirAll(lower2 + "/bin").ok());
  ASSERT_TRUE(WriteFileAtomic(lower2 + "/bin/tool", "from lower2", 0751).ok());
  ASSERT_TRUE(WriteFileAtomic(lower2 + "/bin/hidden", "whited out", 0644).ok());
  ASSERT_EQ(mknod((lower1 + "/bin/hidden").c_str(), S_IFCHR, makedev(0, 0)), 0);
  ASSERT_EQ(symlink(outside_.c_str(), (lower1 + "/bin/ln").c_str()), 0);
  ApplyOptions opts{.lowers = {lower1, lower2}};
  auto r = Apply({H("usr/tool", "bin/tool"), H("usr/ln", "/bin/ln")}, opts);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(Read("usr/tool"), "from lower2");
  EXPECT_EQ(Lstat("usr/tool").st_mode & 07777, 0751u);
  EXPECT_TRUE(S_ISLNK(Lstat("usr/ln").st_mode));
  auto hidden = Apply({H("usr/h", "bin/hidden")}, opts);
  ASSERT_FALSE(hidden.ok());
  auto escape = Apply({H("usr/e", "bin/ln/victim")}, opts);  // resolved inside the lower's root
  ASSERT_FALSE(escape.ok());
  EXPECT_TRUE(RemoveAll(scratch).ok());
}

// ---- stream handling ----

// Counts bytes handed out, to check the whole stream was consumed.
class CountingReader : public Reader {
 public:
  explicit CountingReader(std::string data) : r_(std::move(data)) {}
  Result<size_t> Read(std::span<std::byte> buf) override {
    size_t n = TRY(r_.Read(buf));
    count_ += n;
    return n;
  }
  uint64_t count() const { return count_; }

 private:
  StringReader r_;
  uint64_t count_ = 0;
};

TEST_F(ApplyTest, DrainsTrailingPadding) {
  std::string tar = testing::BuildTar({F("a", "1")}) + std::string(30000, '\0');
  CountingReader r(tar);
  auto st = ApplyLayer(root_, r, {});
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(r.count(), tar.size());
}

TEST_F(ApplyTest, DiffIdCoversEveryByteThroughGzip) {
  std::string tar = testing::BuildTar({D("a"), F("a/b", std::string(70000, 'q'))}) + std::string(9216, '\0');
  StringWriter gz;
  auto w = NewCompressor(Compression::kGzip, gz, 1);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Write(AsBytes(tar)).ok());
  ASSERT_TRUE((*w)->Close().ok());
  StringReader blob(gz.Take());
  Compression c;
  auto inflated = NewAutoDecompressor(blob, &c);
  ASSERT_TRUE(inflated.ok());
  EXPECT_EQ(c, Compression::kGzip);
  HashingReader diff(**inflated);
  auto st = ApplyLayer(root_, diff, {});
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(diff.Finish(), Digest::Of(tar));
  EXPECT_EQ(Read("a/b").size(), 70000u);
}

TEST_F(ApplyTest, EmptyStreamIsAnEmptyLayer) {
  StringReader r("");
  auto st = ApplyLayer(root_, r, {});
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(st->entries, 0u);
  EXPECT_EQ(st->size, 0u);
}

class FailingReader : public Reader {
 public:
  FailingReader(std::string data, size_t fail_at) : data_(std::move(data)), fail_at_(fail_at) {}
  Result<size_t> Read(std::span<std::byte> buf) override {
    if (pos_ >= fail_at_) return MakeError(Code::kDataLoss, "gzip: invalid checksum");
    size_t n = std::min({buf.size(), fail_at_ - pos_, data_.size() - pos_});
    std::memcpy(buf.data(), data_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  std::string data_;
  size_t fail_at_, pos_ = 0;
};

TEST_F(ApplyTest, ReaderErrorsPassThrough) {
  std::string tar = testing::BuildTar({F("a", std::string(5000, 'a')), F("b", "b")});
  for (size_t at : {size_t{0}, size_t{700}, size_t{3000}}) {
    FailingReader r(tar, at);
    auto st = ApplyLayer(root_, r, {});
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, Code::kDataLoss);
    EXPECT_NE(st.error().message.find("gzip: invalid checksum"), std::string::npos) << st.error().message;
  }
}

TEST_F(ApplyTest, CorruptTarIsDataLoss) {
  StringReader r(std::string(512, 'x') + std::string(1024, '\0'));
  auto st = ApplyLayer(root_, r, {});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Code::kDataLoss);
  std::string tar = testing::BuildTar({F("a", std::string(5000, 'a'))});
  StringReader cut(tar.substr(0, 2000));
  auto st2 = ApplyLayer(root_, cut, {});
  ASSERT_FALSE(st2.ok());
  EXPECT_EQ(st2.error().code, Code::kDataLoss);
}

TEST_F(ApplyTest, MissingRootIsNotFound) {
  StringReader r("");
  auto st = ApplyLayer(root_ + "/nope", r, {});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Code::kNotFound);
}

// ---- limits ----

TEST_F(ApplyTest, EntryCap) {
  ApplyOptions opts;
  opts.limits.max_entries = 3;
  auto r = Apply({D("a"), F("a/1", "x"), F("a/2", "y")}, opts);
  ASSERT_TRUE(r.ok()) << r.error().message;
  r = Apply({D("b"), F("b/1", "x"), F("b/2", "y"), F("b/3", "z"), F("b/4", "z")}, opts);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kInvalidArgument);
  EXPECT_EQ(r.error().message, "layer has more than 3 entries (limit BERTH_MAX_LAYER_ENTRIES)");
  EXPECT_TRUE(Exists("b/2"));
  EXPECT_FALSE(Exists("b/3"));  // refused before it was applied
}

TEST_F(ApplyTest, ByteCap) {
  ApplyOptions opts;
  opts.limits.max_bytes = 100;
  auto r = Apply({F("a", std::string(60, 'a')), F("b", std::string(40, 'b')), S("s", std::string(200, 'x'))}, opts);
  ASSERT_TRUE(r.ok()) << r.error().message;
  r = Apply({F("c", std::string(60, 'c')), F("d", std::string(41, 'd')), F("e", "")}, opts);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kInvalidArgument);
  EXPECT_EQ(r.error().message,
            "applying layer entry \"d\": layer has more than 100 bytes of file content "
            "(limit BERTH_MAX_LAYER_BYTES)");
  EXPECT_EQ(Read("c"), std::string(60, 'c'));
  EXPECT_FALSE(Exists("d"));  // refused before it was created
  EXPECT_FALSE(Exists("e"));
}

TEST_F(ApplyTest, ByteCapCountsCopiesFromLowers) {
  std::string lower = base_ + "/root/lower";  // inside root_: removed with it
  ASSERT_TRUE(MkdirAll(lower + "/bin").ok());
  ASSERT_TRUE(WriteFileAtomic(lower + "/bin/tool", std::string(80, 't')).ok());
  ApplyOptions opts{.lowers = {lower}};
  opts.limits.max_bytes = 100;
  auto r = Apply({H("x", "bin/tool"), H("y", "bin/tool")}, opts);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kInvalidArgument);
  EXPECT_NE(r.error().message.find("\"y\": layer has more than 100 bytes"), std::string::npos)
      << r.error().message;
  EXPECT_EQ(Read("x"), std::string(80, 't'));
  EXPECT_FALSE(Exists("y"));
}

TEST_F(ApplyTest, TrailingDataCap) {
  std::string tar = testing::BuildTar({F("a", "1")});
  ApplyOptions opts;
  opts.limits.max_trailing_bytes = 5000;
  StringReader at_cap(tar + std::string(5000, '\0'));
  auto r = ApplyLayer(root_, at_cap, opts);
  ASSERT_TRUE(r.ok()) << r.error().message;
  StringReader over(tar + std::string(5001, '\0'));
  r = ApplyLayer(root_, over, opts);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kInvalidArgument);
  EXPECT_EQ(r.error().message, "layer tar has more than 5000 bytes of data after the end of the tar archive");
}

// Zeros without end, as `import /dev/zero` reads.
class ZeroReader : public Reader {
 public:
  Result<size_t> Read(std::span<std::byte> buf) override {
    std::memset(buf.data(), 0, buf.size());
    count_ += buf.size();
    return buf.size();
  }
  uint64_t count() const { return count_; }

 private:
  uint64_t count_ = 0;
};

TEST_F(ApplyTest, EndlessZerosStopAtTheTrailingCap) {
  ZeroReader zeros;
  auto r = ApplyLayer(root_, zeros, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kInvalidArgument);
  EXPECT_NE(r.error().message.find("more than 1048576 bytes of data after the end of the tar archive"),
            std::string::npos)
      << r.error().message;
  EXPECT_LT(zeros.count(), 2u << 20);
}

// Rewrites the size field of the ustar header at `at` (base-256, any size) and
// its checksum.
void SetHeaderSize(std::string& tar, size_t at, uint64_t size) {
  char* h = tar.data() + at;
  h[124] = static_cast<char>(0x80);
  // 11 bytes of base-256: bytes past the 8th of a uint64_t are zero.
  for (int i = 0; i < 11; i++) {
    h[135 - i] = static_cast<char>(i < 8 ? (size >> (8 * i)) & 0xff : 0);
  }
  std::memset(h + 148, ' ', 8);
  unsigned sum = 0;
  for (int i = 0; i < 512; i++) sum += static_cast<unsigned char>(h[i]);
  std::snprintf(h + 148, 8, "%06o", sum);
  h[155] = ' ';
}

TEST_F(ApplyTest, HugeDeclaredSizeWithShortDataLeavesNoBigFile) {
  std::string tar = testing::BuildTar({F("big", std::string(100, 'b'))}, /*pax=*/false);
  SetHeaderSize(tar, 0, uint64_t{10} << 30);  // 10 GiB declared: under the cap
  StringReader r(tar);
  auto st = ApplyLayer(root_, r, {});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Code::kDataLoss) << st.error().message;
  struct stat sb {};
  if (lstat(In("big").c_str(), &sb) == 0) {
    EXPECT_LE(sb.st_size, 1 << 20);
    EXPECT_LE(sb.st_blocks * 512, 1 << 20);
  }

  SetHeaderSize(tar, 0, uint64_t{1} << 40);  // 1 TiB declared: over the cap
  StringReader r2(tar);
  std::string fresh = base_ + "/root/fresh";
  ASSERT_EQ(mkdir(fresh.c_str(), 0755), 0);
  st = ApplyLayer(fresh, r2, {});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Code::kInvalidArgument);
  EXPECT_NE(st.error().message.find("BERTH_MAX_LAYER_BYTES"), std::string::npos) << st.error().message;
  EXPECT_FALSE(PathExists(fresh + "/big"));
}

// An old-GNU sparse entry ('S'): a file of realsize bytes whose data is only
// where map says; data holds the map's pieces back to back.
std::string GnuSparseTar(const std::string& name, uint64_t realsize,
                         const std::vector<std::pair<uint64_t, uint64_t>>& map, const std::string& data) {
  std::string h(512, '\0');
  auto octal = [&](size_t at, size_t len, uint64_t v) {
    std::snprintf(h.data() + at, len, "%0*llo", static_cast<int>(len - 1), static_cast<unsigned long long>(v));
  };
  std::memcpy(h.data(), name.data(), name.size());
  octal(100, 8, 0644);
  octal(108, 8, 0);
  octal(116, 8, 0);
  octal(124, 12, data.size());
  octal(136, 12, 1600000000);
  h[156] = 'S';
  std::memcpy(h.data() + 257, "ustar  ", 8);
  for (size_t i = 0; i < map.size() && i < 4; i++) {
    octal(386 + 24 * i, 12, map[i].first);
    octal(386 + 24 * i + 12, 12, map[i].second);
  }
  octal(483, 12, realsize);
  std::memset(h.data() + 148, ' ', 8);
  unsigned sum = 0;
  for (char c : h) sum += static_cast<unsigned char>(c);
  std::snprintf(h.data() + 148, 8, "%06o", sum);
  h[155] = ' ';
  std::string out = h + data;
  out.resize((out.size() + 511) / 512 * 512, '\0');
  return out + std::string(1024, '\0');
}

TEST_F(ApplyTest, SparseFilesKeepTheirHolesAndCountAtFullSize) {
  constexpr uint64_t kSize = 8 << 20;
  std::string tar = GnuSparseTar("sparse", kSize, {{0, 4}, {4 << 20, 4}, {kSize, 0}}, "abcdefgh");
  StringReader r(tar);
  auto st = ApplyLayer(root_, r, {});
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(st->size, kSize);
  struct stat sb = Lstat("sparse");
  EXPECT_EQ(static_cast<uint64_t>(sb.st_size), kSize);
  EXPECT_LT(sb.st_blocks * 512, 1 << 20);  // holes, not 8 MiB of zeros
  std::string content = Read("sparse");
  EXPECT_EQ(content.substr(0, 4), "abcd");
  EXPECT_EQ(content.substr(4 << 20, 4), "efgh");
  EXPECT_EQ(content.find_first_not_of('\0', 4), size_t{4} << 20);

  ApplyOptions opts;
  opts.limits.max_bytes = kSize - 1;
  StringReader again(tar);
  auto capped = ApplyLayer(root_, again, opts);
  ASSERT_FALSE(capped.ok());
  EXPECT_NE(capped.error().message.find("BERTH_MAX_LAYER_BYTES"), std::string::npos) << capped.error().message;
}

TEST_F(ApplyTest, SparseMapBeyondTheSizeIsRefused) {
  StringReader r(GnuSparseTar("s", 1 << 20, {{uint64_t{1} << 40, 4}}, "abcd"));
  auto st = ApplyLayer(root_, r, {});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Code::kDataLoss) << st.error().message;
  struct stat sb {};
  if (lstat(In("s").c_str(), &sb) == 0) {
    EXPECT_LE(sb.st_size, 1 << 20);
  }
}

TEST_F(ApplyTest, NamesLongerThanPathMaxAreRefusedClearly) {
  std::string deep;
  for (int i = 0; i < 3000; i++) deep += "d/";
  auto r = Apply({F(deep + "f", "x")});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kInvalidArgument);
  EXPECT_NE(r.error().message.find("name longer than 4095 bytes"), std::string::npos);
  EXPECT_LT(r.error().message.size(), 400u) << r.error().message;
}

// Found by fuzz/tar_apply: a component past NAME_MAX or a symlink target
// past PATH_MAX failed as an internal error ("stat: File name too long").
TEST_F(ApplyTest, ComponentsAndLinkTargetsPastTheLimitsAreRefusedClearly) {
  auto r = Apply({F("d/" + std::string(256, 'c'), "x")});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kInvalidArgument) << r.error().message;
  EXPECT_NE(r.error().message.find("name component longer than 255 bytes"), std::string::npos);
  r = Apply({F(std::string(256, 'd') + "/f", "x")});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kInvalidArgument) << r.error().message;
  r = Apply({S("l", std::string(4096, 't'))});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kInvalidArgument) << r.error().message;
  EXPECT_NE(r.error().message.find("symlink target longer than 4095 bytes"), std::string::npos);
  // At the limits they are applied.
  auto ok = Apply({F(std::string(255, 'c'), "x"), S("l", std::string(4095, 't'))});
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_TRUE(Exists(std::string(255, 'c')));
  EXPECT_EQ(Lstat("l").st_size, 4095);
}

// A hardlink target past PATH_MAX (or one that is missing or a directory) is
// named in the error with its middle cut out, as entry names are: one short line.
TEST_F(ApplyTest, LongHardlinkTargetsAreElidedInErrors) {
  std::string deep;
  for (int i = 0; i < 2500; i++) deep += "t/";
  for (const std::string& target : {deep + "x", deep.substr(0, 3000) + "x"}) {
    auto r = Apply({H("h", target)});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Code::kInvalidArgument);
    EXPECT_NE(r.error().message.find("hardlink target \"t/t/"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("/.../t/t/"), std::string::npos) << r.error().message;
    EXPECT_LT(r.error().message.size(), 400u) << r.error().message;
  }
}

// Directories 10,000 levels deep, which no single name can reach (PATH_MAX):
// each hop is a symlink to the bottom of the last one. Applied, measured and
// removed with 64 fds.
TEST_F(ApplyTest, TenThousandLevelsWithFewFds) {
  std::string chain;
  for (int i = 0; i < 2000; i++) chain += i ? "/d" : "d";
  std::vector<TarEntry> entries = {F(chain + "/f", "1")};
  std::string prev = chain;
  for (int hop = 1; hop < 5; hop++) {
    std::string link = "L" + std::to_string(hop);
    entries.push_back(S(link, prev));
    entries.push_back(F(link + "/" + chain + "/f", "1"));
    prev = link + "/" + chain;
  }
  std::string tar = testing::BuildTar(entries);
  int status = 0;
  pid_t pid = fork();
  if (pid == 0) {
    struct rlimit rl = {64, 64};
    setrlimit(RLIMIT_NOFILE, &rl);
    StringReader r(tar);
    auto st = ApplyLayer(root_, r, {});
    if (!st.ok()) {
      fprintf(stderr, "%s\n", st.error().message.c_str());
      _exit(1);
    }
    // 5 files of 1 byte plus the symlinks' target lengths.
    uint64_t want = 5;
    for (const auto& e : entries) want += e.type == AE_IFLNK ? e.link.size() : 0;
    if (st->size != want) _exit(2);
    _exit(RemoveAll(root_ + "/d").ok() ? 0 : 3);
  }
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_FALSE(Exists("d"));
}

TEST(ApplyLimitsTest, FromEnv) {
  unsetenv("BERTH_MAX_LAYER_ENTRIES");
  unsetenv("BERTH_MAX_LAYER_BYTES");
  auto l = ApplyLimitsFromEnv();
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->max_entries, kDefaultMaxLayerEntries);
  EXPECT_EQ(l->max_bytes, kDefaultMaxLayerBytes);
  EXPECT_EQ(l->max_trailing_bytes, kDefaultMaxTrailingBytes);
  setenv("BERTH_MAX_LAYER_ENTRIES", "12", 1);
  setenv("BERTH_MAX_LAYER_BYTES", "", 1);
  l = ApplyLimitsFromEnv();
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->max_entries, 12u);
  EXPECT_EQ(l->max_bytes, kDefaultMaxLayerBytes);
  setenv("BERTH_MAX_LAYER_BYTES", "0", 1);
  EXPECT_EQ(ApplyLimitsFromEnv()->max_bytes, 0u);
  for (const char* bad : {"1k", "-1", " 5", "5 ", "1e6", "0x10", "99999999999999999999999"}) {
    setenv("BERTH_MAX_LAYER_BYTES", bad, 1);
    auto b = ApplyLimitsFromEnv();
    ASSERT_FALSE(b.ok()) << bad;
    EXPECT_EQ(b.error().code, Code::kInvalidArgument);
    EXPECT_TRUE(b.error().message.starts_with("BERTH_MAX_LAYER_BYTES=")) << b.error().message;
  }
  unsetenv("BERTH_MAX_LAYER_ENTRIES");
  unsetenv("BERTH_MAX_LAYER_BYTES");
}

// direct_io (commit's): large files go through O_DIRECT and an aligned
// buffer, their unaligned tails and small files through the page cache, and
// sparse files keep their holes; the tree is the same as without it.
TEST_F(ApplyTest, DirectIoWritesTheSameFiles) {
  std::string big((3 << 20) + 1234, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 2654435761u) >> 13);
  std::string exact(2 << 20, 'e');
  ApplyOptions opts{.direct_io = true};
  auto r = Apply({F("big", big, 0750), F("exact", exact), F("small", "s")}, opts);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(Read("big"), big);
  EXPECT_EQ(Lstat("big").st_mode & 07777, 0750u);
  EXPECT_EQ(Read("exact"), exact);
  EXPECT_EQ(Read("small"), "s");
  EXPECT_EQ(r->size, big.size() + exact.size() + 1);

  constexpr uint64_t kSize = 8 << 20;
  StringReader sparse(GnuSparseTar("sparse", kSize, {{0, 4}, {4 << 20, 4}, {kSize, 0}}, "abcdefgh"));
  auto st = ApplyLayer(root_, sparse, opts);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_LT(Lstat("sparse").st_blocks * 512, 1 << 20);
  EXPECT_EQ(Read("sparse").substr(4 << 20, 4), "efgh");
}

}  // namespace
}  // namespace berth
