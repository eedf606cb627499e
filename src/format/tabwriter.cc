// Column alignment for docker's tables. Go's tabwriter has particular rules
// (column blocks, the unpadded last cell, rune widths) that decide where
// every space in `docker images` goes, so this is a direct port of its
// algorithm rather than a "pad to the widest cell" shortcut.
#include "format/tabwriter.h"

#include <utility>

namespace berth {
namespace {

// utf8.RuneCount: each valid sequence is one rune, each invalid byte one.
int RuneCount(std::string_view s) {
  int n = 0;
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    bool valid = len > 0 && i + len <= s.size() && c != 0xc0 && c != 0xc1;
    for (size_t k = 1; valid && k < len; k++) {
      valid = (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
    }
    i += valid ? len : 1;
    n++;
  }
  return n;
}

}  // namespace

TabWriter::TabWriter(int minwidth, int tabwidth, int padding, char padchar, unsigned flags)
    : minwidth_(minwidth), tabwidth_(tabwidth), padding_(padding), padchar_(padchar),
      flags_(flags) {
  if (padchar_ == '\t') flags_ &= ~kAlignRight;  // tab padding enforces left alignment
  lines_.emplace_back();
}

void TabWriter::TerminateCell(bool htab) {
  cell_.htab = htab;
  lines_.back().push_back(cell_);
  cell_ = Cell{};
}

void TabWriter::Write(std::string_view text) {
  size_t start = 0;
  for (size_t i = 0; i < text.size(); i++) {
    char ch = text[i];
    if (ch != '\t' && ch != '\v' && ch != '\n' && ch != '\f') continue;
    std::string_view piece = text.substr(start, i - start);
    buf_.append(piece);
    cell_.size += piece.size();
    cell_.width += RuneCount(piece);
    start = i + 1;
    TerminateCell(ch == '\t');
    if (ch == '\n' || ch == '\f') {
      lines_.emplace_back();
      if (ch == '\f') {
        FlushSection();
        if (flags_ & kDebug) out_ += "---\n";
      }
    }
  }
  std::string_view rest = text.substr(start);
  buf_.append(rest);
  cell_.size += rest.size();
  cell_.width += RuneCount(rest);
}

std::string TabWriter::Flush() {
  FlushSection();
  return std::exchange(out_, std::string());
}

void TabWriter::FlushSection() {
  if (cell_.size > 0) TerminateCell(false);
  Format(0, 0, lines_.size());
  buf_.clear();
  lines_.clear();
  lines_.emplace_back();
  widths_.clear();
  cell_ = Cell{};
}

// Go's Writer.format: finds the column blocks of column len(widths_) within
// [line0, line1), fixes each block's width and recurses for the columns to
// its right; lines outside any block are written with the widths known.
size_t TabWriter::Format(size_t pos, size_t line0, size_t line1) {
  size_t column = widths_.size();
  for (size_t cur = line0; cur < line1; cur++) {
    if (column + 1 >= lines_[cur].size()) continue;
    // A cell exists in this column: print the lines before the block.
    pos = WriteLines(pos, line0, cur);
    line0 = cur;
    int width = minwidth_;
    bool discardable = true;
    for (; cur < line1; cur++) {
      const Line& line = lines_[cur];
      if (column + 1 >= line.size()) break;
      const Cell& c = line[column];
      if (c.width + padding_ > width) width = c.width + padding_;
      if (c.width > 0 || c.htab) discardable = false;
    }
    if (discardable && (flags_ & kDiscardEmptyColumns)) width = 0;
    widths_.push_back(width);
    pos = Format(pos, line0, cur);
    widths_.pop_back();
    line0 = cur;
    if (cur == line1) break;
  }
  return WriteLines(pos, line0, line1);
}

size_t TabWriter::WriteLines(size_t pos, size_t line0, size_t line1) {
  for (size_t i = line0; i < line1; i++) {
    const Line& line = lines_[i];
    bool use_tabs = (flags_ & kTabIndent) != 0;
    for (size_t j = 0; j < line.size(); j++) {
      const Cell& c = line[j];
      if (j > 0 && (flags_ & kDebug)) out_ += '|';
      if (c.size == 0) {
        if (j < widths_.size()) WritePadding(c.width, widths_[j], use_tabs);
        continue;
      }
      use_tabs = false;
      if (flags_ & kAlignRight) {
        if (j < widths_.size()) WritePadding(c.width, widths_[j], false);
        out_.append(buf_, pos, c.size);
        pos += c.size;
      } else {
        out_.append(buf_, pos, c.size);
        pos += c.size;
        if (j < widths_.size()) WritePadding(c.width, widths_[j], false);
      }
    }
    // The last line of a section has no newline of its own.
    if (i + 1 != lines_.size()) out_ += '\n';
  }
  return pos;
}

void TabWriter::WritePadding(int textw, int cellw, bool use_tabs) {
  if (padchar_ == '\t' || use_tabs) {
    if (tabwidth_ == 0) return;  // tabs have no width: no padding possible
    cellw = (cellw + tabwidth_ - 1) / tabwidth_ * tabwidth_;
    int n = cellw - textw;
    out_.append(static_cast<size_t>((n + tabwidth_ - 1) / tabwidth_), '\t');
    return;
  }
  if (cellw > textw) out_.append(static_cast<size_t>(cellw - textw), padchar_);
}

}  // namespace berth
