#include "tar/tar_writer.h"

#include <gtest/gtest.h>

#include <vector>

#include "tar/archive_util.h"

namespace berth {
namespace {

struct ReadEntry {
  std::string name;
  unsigned type;
  int mode;
  int64_t size, uid, gid, mtime;
  std::string data;
};

std::vector<ReadEntry> ReadBack(const std::string& tar) {
  StringReader r(tar);
  ArchiveSource src(r);
  auto a = OpenTarReader(src);
  EXPECT_TRUE(a.ok());
  std::vector<ReadEntry> out;
  archive_entry* e;
  while (archive_read_next_header(a->get(), &e) == ARCHIVE_OK) {
    ReadEntry re{archive_entry_pathname(e), archive_entry_filetype(e), static_cast<int>(archive_entry_perm(e)),
                 archive_entry_size(e), archive_entry_uid(e), archive_entry_gid(e),
                 archive_entry_mtime(e), ""};
    char buf[4096];
    la_ssize_t n;
    while ((n = archive_read_data(a->get(), buf, sizeof buf)) > 0) re.data.append(buf, n);
    out.push_back(re);
  }
  return out;
}

TEST(TarWriter, DirsAndFilesWithFixedMetadata) {
  StringWriter sw;
  TarWriter tw(sw);
  ASSERT_TRUE(tw.AddDir("blobs").ok());
  ASSERT_TRUE(tw.AddFile("index.json", "{}").ok());
  std::string big(3000, 'x');
  StringReader src(big);
  std::vector<std::byte> buf(1000);
  ASSERT_TRUE(tw.AddFile("blobs/x", 3000, src, buf).ok());
  ASSERT_TRUE(tw.Finish().ok());
  EXPECT_EQ(sw.data().size() % 512, 0u);
  EXPECT_EQ(tw.written(), static_cast<int64_t>(sw.data().size()));
  // 3 headers + 1 block ("{}") + 6 blocks (3000 bytes) + 2 end blocks.
  EXPECT_EQ(sw.data().size(), 512u * (3 + 1 + 6 + 2));

  auto entries = ReadBack(sw.data());
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].name, "blobs/");
  EXPECT_EQ(entries[0].type, unsigned{AE_IFDIR});
  EXPECT_EQ(entries[0].mode, 0755);
  EXPECT_EQ(entries[1].name, "index.json");
  EXPECT_EQ(entries[1].data, "{}");
  EXPECT_EQ(entries[1].mode, 0644);
  EXPECT_EQ(entries[2].data, big);
  for (const auto& e : entries) {
    EXPECT_EQ(e.uid, 0);
    EXPECT_EQ(e.gid, 0);
    EXPECT_EQ(e.mtime, 0);
  }
}

TEST(TarWriter, Deterministic) {
  auto make = [] {
    StringWriter sw;
    TarWriter tw(sw);
    EXPECT_TRUE(tw.AddFile("a", "hello").ok());
    EXPECT_TRUE(tw.Finish().ok());
    return sw.Take();
  };
  EXPECT_EQ(make(), make());
}

TEST(TarWriter, SourceOfTheWrongSizeIsDataLoss) {
  std::vector<std::byte> buf(16);
  StringWriter sw;
  TarWriter tw(sw);
  StringReader shorter("abc");
  auto st = tw.AddFile("x", 4, shorter, buf);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Code::kDataLoss);
  StringWriter sw2;
  TarWriter tw2(sw2);
  StringReader longer("abcde");
  st = tw2.AddFile("x", 4, longer, buf);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Code::kDataLoss);
}

TEST(TarWriter, RefusesLongNamesAndEntriesAfterTheEnd) {
  StringWriter sw;
  TarWriter tw(sw);
  EXPECT_EQ(tw.AddFile(std::string(101, 'a'), "").error().code, Code::kInvalidArgument);
  ASSERT_TRUE(tw.Finish().ok());
  EXPECT_FALSE(tw.AddFile("a", "").ok());
}

// Past 8 GiB the size field switches to base-256; read back by libarchive.
TEST(TarWriter, HugeSizeHeader) {
  class Zeros : public Reader {
   public:
    Result<size_t> Read(std::span<std::byte> b) override { return b.size(); }
  };
  class HeaderOnly : public Writer {
   public:
    Status Write(std::span<const std::byte> d) override {
      if (head.size() < 512) head.append(reinterpret_cast<const char*>(d.data()), std::min<size_t>(d.size(), 512 - head.size()));
      return MakeError(Code::kCancelled, "enough");
    }
    std::string head;
  };
  HeaderOnly w;
  TarWriter tw(w);
  Zeros z;
  std::vector<std::byte> buf(16);
  int64_t size = (int64_t{1} << 33) + 5;
  EXPECT_FALSE(tw.AddFile("huge", size, z, buf).ok());
  ASSERT_EQ(w.head.size(), 512u);
  std::string tar = w.head + std::string(1024, '\0');
  StringReader r(tar);
  ArchiveSource src(r);
  auto a = OpenTarReader(src);
  ASSERT_TRUE(a.ok());
  archive_entry* e;
  ASSERT_EQ(archive_read_next_header(a->get(), &e), ARCHIVE_OK);
  EXPECT_EQ(archive_entry_size(e), size);
}

}  // namespace
}  // namespace berth
