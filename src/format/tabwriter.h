// TabWriter: Go's text/tabwriter, which the Docker CLI prints every table
// through (minwidth 10, tabwidth 1, padding 3, padchar ' ').
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace berth {

// Aligns tab-separated cells into columns exactly as Go's tabwriter.Writer:
// - a cell is text terminated by '\t' (or '\v', a "soft" tab); the text after
//   the last tab of a line is not part of any column and is never padded;
// - a column block is a run of consecutive lines that all have a cell in that
//   column; its width is max(minwidth, widest cell + padding), cell width
//   counted in UTF-8 runes;
// - '\n' ends a line, '\f' ends a line and a section (no column spans it).
// Write buffers; Flush formats everything written so far and returns it.
class TabWriter {
 public:
  // Flags, as in Go (FilterHTML and StripEscape are not supported).
  static constexpr unsigned kAlignRight = 1 << 2;           // right-align cell text
  static constexpr unsigned kDiscardEmptyColumns = 1 << 3;  // drop all-empty '\v' columns
  static constexpr unsigned kTabIndent = 1 << 4;            // pad leading empty cells with tabs
  static constexpr unsigned kDebug = 1 << 5;                // '|' between columns

  explicit TabWriter(int minwidth = 10, int tabwidth = 1, int padding = 3, char padchar = ' ',
                     unsigned flags = 0);

  // Appends text; may be called with any split of the input.
  void Write(std::string_view text);

  // Formats and returns everything written since the last Flush (a final
  // line without '\n' is emitted without one), then resets for reuse.
  std::string Flush();

 private:
  struct Cell {
    size_t size = 0;   // bytes
    int width = 0;     // runes
    bool htab = false; // terminated by '\t' (not '\v')
  };
  using Line = std::vector<Cell>;

  void TerminateCell(bool htab);
  void FlushSection();
  size_t Format(size_t pos, size_t line0, size_t line1);
  size_t WriteLines(size_t pos, size_t line0, size_t line1);
  void WritePadding(int textw, int cellw, bool use_tabs);

  int minwidth_;
  int tabwidth_;
  int padding_;
  char padchar_;
  unsigned flags_;

  std::string buf_;          // cell text of the current section, without separators
  std::vector<Line> lines_;  // cells of the current section; last line is open
  Cell cell_;                // the open cell at the end of buf_
  std::vector<int> widths_;  // column widths while formatting
  std::string out_;          // formatted output not yet returned by Flush
};

}  // namespace berth
