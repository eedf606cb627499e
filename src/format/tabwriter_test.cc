#include "format/tabwriter.h"

#include <gtest/gtest.h>

namespace berth {
namespace {

std::string Table(std::string_view text) {
  TabWriter w;  // docker's settings: 10, 1, 3, ' ', 0
  w.Write(text);
  return w.Flush();
}

TEST(TabWriterTest, DockerImagesTable) {
  std::string got = Table(
      "REPOSITORY\tTAG\tIMAGE ID\tCREATED\tSIZE\n"
      "busybox\tlatest\ta416a98b71e2\t2 weeks ago\t4.26MB\n"
      "registry.example.com/team/app\tv1.2.3\t0123456789ab\t13 months ago\t1.98MB\n"
      "<none>\t<none>\tba5eba11cafe\tAbout an hour ago\t545MB\n");
  EXPECT_EQ(got,
            "REPOSITORY                      TAG       IMAGE ID       CREATED             SIZE\n"
            "busybox                         latest    a416a98b71e2   2 weeks ago         4.26MB\n"
            "registry.example.com/team/app   v1.2.3    0123456789ab   13 months ago       1.98MB\n"
            "<none>                          <none>    ba5eba11cafe   About an hour ago   545MB\n");
}

TEST(TabWriterTest, HeaderOnlyUsesMinWidth) {
  EXPECT_EQ(Table("REPOSITORY\tTAG\tIMAGE ID\tCREATED\tSIZE\n"),
            "REPOSITORY   TAG       IMAGE ID   CREATED   SIZE\n");
}

TEST(TabWriterTest, DockerHistoryTableCountsRunes) {
  // docker history cuts CREATED BY to 45 runes ending in "…" (3 bytes): the
  // column is 48 wide, not 50.
  std::string got = Table(
      "IMAGE\tCREATED\tCREATED BY\tSIZE\tCOMMENT\n"
      "a416a98b71e2\t2 weeks ago\t/bin/sh -c #(nop)  CMD [\"sh\"]\t0B\t\n"
      "<missing>\t2 weeks ago\t/bin/sh -c #(nop) ADD file:7b0c3b9d5f4e1a2c3…\t4.26MB\t\n");
  EXPECT_EQ(got,
            "IMAGE          CREATED       CREATED BY                                      SIZE      "
            "COMMENT\n"
            "a416a98b71e2   2 weeks ago   /bin/sh -c #(nop)  CMD [\"sh\"]                   0B        \n"
            "<missing>      2 weeks ago   /bin/sh -c #(nop) ADD file:7b0c3b9d5f4e1a2c3…   4.26MB    \n");
}

TEST(TabWriterTest, LastCellIsNotPadded) {
  EXPECT_EQ(Table("a\tb\nccc\tdddddddddddddddddd\n"),
            "a         b\nccc       dddddddddddddddddd\n");
  EXPECT_EQ(Table("name-longer-than-ten\tx\n"), "name-longer-than-ten   x\n");
}

TEST(TabWriterTest, ColumnBlocksAreBrokenByShorterLines) {
  // The one-cell line in the middle ends the block of column 0, so the
  // widths above and below it are computed separately.
  TabWriter w(0, 1, 1, '.', 0);
  w.Write("aaaaaa\tb\n");
  w.Write("no tabs here\n");
  w.Write("c\td\n");
  EXPECT_EQ(w.Flush(), "aaaaaa.b\nno tabs here\nc.d\n");
}

TEST(TabWriterTest, NestedBlocks) {
  // Column 1 only exists on the first two lines; column 0 spans all three.
  TabWriter w(0, 1, 1, '.', 0);
  w.Write("a\tbbbb\tc\naa\tb\tc\naaaa\tx\n");
  EXPECT_EQ(w.Flush(), "a....bbbb.c\naa...b....c\naaaa.x\n");
}

TEST(TabWriterTest, GoExampleElastic) {
  TabWriter w(0, 8, 1, '.', TabWriter::kAlignRight | TabWriter::kDebug);
  w.Write("a\tb\tc\n");
  w.Write("aa\tbb\tcc\n");
  w.Write("aaa\t\n");
  w.Write("aaaa\tdddd\teeee\n");
  EXPECT_EQ(w.Flush(), "....a|..b|c\n...aa|.bb|cc\n..aaa|\n.aaaa|.dddd|eeee\n");
}

TEST(TabWriterTest, GoExampleTrailingTab) {
  TabWriter w(0, 0, 3, '-', TabWriter::kAlignRight | TabWriter::kDebug);
  w.Write("a\tb\taligned\t\n");
  w.Write("aa\tbb\taligned\t\n");
  w.Write("aaa\tbbb\tunaligned\n");
  w.Write("aaaa\tbbbb\taligned\t\n");
  EXPECT_EQ(w.Flush(),
            "------a|------b|---aligned|\n"
            "-----aa|-----bb|---aligned|\n"
            "----aaa|----bbb|unaligned\n"
            "---aaaa|---bbbb|---aligned|\n");
}

TEST(TabWriterTest, GoExampleTabPaddingAndRightAlign) {
  TabWriter tabs(0, 8, 1, '\t', TabWriter::kAlignRight);  // '\t' forces left alignment
  tabs.Write("a\tb\tc\td\t.\n123\t12345\t1234567\t123456789\t.\n");
  EXPECT_EQ(tabs.Flush(), "a\tb\tc\td\t\t.\n123\t12345\t1234567\t123456789\t.\n");

  TabWriter right(5, 0, 1, ' ', TabWriter::kAlignRight);
  right.Write("a\tb\tc\td\t.\n123\t12345\t1234567\t123456789\t.\n");
  EXPECT_EQ(right.Flush(), "    a     b       c         d.\n  123 12345 1234567 123456789.\n");
}

TEST(TabWriterTest, WritesMaySplitCellsAnywhere) {
  TabWriter w;
  for (char c : std::string("NAME\tID\nlonger-name\t123\n")) w.Write(std::string_view(&c, 1));
  EXPECT_EQ(w.Flush(), "NAME          ID\nlonger-name   123\n");
}

TEST(TabWriterTest, NoTrailingNewlineAndReuse) {
  TabWriter w;
  w.Write("a\tb\nlast\tcell");
  EXPECT_EQ(w.Flush(), "a         b\nlast      cell");
  EXPECT_EQ(w.Flush(), "");
  w.Write("x\ty\n");
  EXPECT_EQ(w.Flush(), "x         y\n");
}

TEST(TabWriterTest, FormFeedEndsSection) {
  TabWriter w(0, 1, 1, '.', 0);
  w.Write("a\tb\n\fcccccc\td\n");
  EXPECT_EQ(w.Flush(), "a.b\n\ncccccc.d\n");
}

TEST(TabWriterTest, EmptyCellsAndDiscardEmptyColumns) {
  TabWriter keep(0, 1, 1, '.', 0);
  keep.Write("a\v\vb\nc\v\vd\n");
  EXPECT_EQ(keep.Flush(), "a..b\nc..d\n");
  TabWriter discard(0, 1, 1, '.', TabWriter::kDiscardEmptyColumns);
  discard.Write("a\v\vb\nc\v\vd\n");
  EXPECT_EQ(discard.Flush(), "a.b\nc.d\n");
}

}  // namespace
}  // namespace berth
