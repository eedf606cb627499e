// Pull and push report per-layer states from several worker threads, and
// people compare what they see with `docker pull`. So this draws what
// docker/cli's DisplayJSONMessagesStream draws, byte for byte where it
// matters (the row layout, the bar, the cursor movements), and fixes what
// goes wrong there: rows are cut to the terminal's width instead of wrapping
// (a wrapped row throws every later cursor movement off by a line), rows
// scrolled out of reach are left alone, and redraws of byte counts are rate
// limited so a gigabyte download costs a few hundred writes, not a million.
#include "cli/progress.h"

#include <errno.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>

#include "format/units.h"

namespace berth::cli {

namespace {

// Docker's fallbacks and thresholds (jsonmessage.JSONProgress).
constexpr int kDefaultColumns = 80;
constexpr int kBarMinColumns = 111;  // "width > 110"
constexpr int kBarWidth = 50;

// go-units' HumanSize: four significant digits.
std::string Size4(int64_t bytes) { return HumanSizeWithPrecision(static_cast<double>(bytes), 4); }

// Go's "%8v": right-aligned in 8 columns.
std::string Pad8(std::string s) {
  if (s.size() < 8) s.insert(0, 8 - s.size(), ' ');
  return s;
}

// Control characters (a newline, an ESC) in a row would move the cursor
// behind the display's back.
void Sanitize(std::string& s) {
  for (char& c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = ' ';
  }
}

// Cuts s to at most n characters (UTF-8 code points), never inside one.
void CutToColumns(std::string& s, int n) {
  int seen = 0;
  for (size_t i = 0; i < s.size(); i++) {
    bool starts_char = (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80;
    if (starts_char && seen++ == n) {
      s.resize(i);
      return;
    }
  }
}

std::string CursorUp(size_t n) { return "\x1b[" + std::to_string(n) + "A"; }
std::string CursorDown(size_t n) { return "\x1b[" + std::to_string(n) + "B"; }
constexpr std::string_view kEraseLine = "\x1b[2K";

}  // namespace

std::string FormatProgress(int64_t current, int64_t total, int columns) {
  if (current <= 0 && total <= 0) return "";
  current = std::max<int64_t>(current, 0);
  std::string now = Pad8(Size4(current));
  if (total <= 0) return now;
  double percent = static_cast<double>(current) / static_cast<double>(total) * 100;
  int filled = static_cast<int>(percent) / 2;
  filled = std::min(filled, kBarWidth);
  std::string bar;
  if (columns >= kBarMinColumns) {
    bar = "[" + std::string(filled, '=') + ">" + std::string(kBarWidth - filled, ' ') + "] ";
  }
  if (current > total) return bar + now;  // Docker drops a total the count passed
  return bar + now + "/" + Size4(total);
}

ProgressDisplay::ProgressDisplay(int fd, ProgressOptions options)
    : fd_(fd), options_(std::move(options)) {}

ProgressDisplay::~ProgressDisplay() { Finish(); }

void ProgressDisplay::Message(std::string_view line) {
  std::lock_guard lock(mu_);
  if (finished_) return;
  EndBlock();
  std::string out(line);
  out += '\n';
  Write(out);
}

void ProgressDisplay::Update(std::string_view id, std::string_view status, int64_t current,
                             int64_t total) {
  if (id.empty()) return Message(status);
  std::lock_guard lock(mu_);
  if (finished_) return;
  if (options_.terminal) {
    UpdateTerminal(id, status, current, total);
  } else {
    UpdatePlain(id, status, current, total);
  }
}

void ProgressDisplay::Finish() {
  std::lock_guard lock(mu_);
  if (finished_) return;
  EndBlock();
  finished_ = true;
}

void ProgressDisplay::UpdateTerminal(std::string_view id, std::string_view status,
                                     int64_t current, int64_t total) {
  auto it = index_.find(id);
  bool is_new = it == index_.end();
  size_t i = is_new ? rows_.size() : it->second;
  if (is_new) {
    rows_.emplace_back().id = id;
    index_.emplace(std::string(id), i);
  }
  Row& row = rows_[i];
  bool changed = is_new || row.status != status;
  if (changed) row.status = status;
  row.current = current;
  row.total = total;
  int64_t now = Now();
  if (!changed && now - row.drawn_at_ns < options_.min_redraw.count()) {
    row.pending = true;
    return;
  }
  Draw(i, is_new, TerminalSize(), now);
}

void ProgressDisplay::UpdatePlain(std::string_view id, std::string_view status, int64_t current,
                                  int64_t total) {
  // Docker prints no progress line without a terminal ("disable progressbar
  // in non-terminal"); we also print a repeated status only once.
  if (current > 0 || total > 0) return;
  auto it = index_.find(id);
  if (it == index_.end()) {
    it = index_.emplace(std::string(id), rows_.size()).first;
    rows_.emplace_back().id = id;
  } else if (rows_[it->second].drawn == status) {
    return;
  }
  Row& row = rows_[it->second];
  row.drawn = status;
  std::string out = row.id + ": " + row.drawn;
  Sanitize(out);
  Write(out + "\n");
}

// Docker's sequence: a new row first takes a line ("\n"); then up to the
// row's line, erase it, write it between two CRs, and back down. The cursor
// ends where it started, at column 0 below the block.
void ProgressDisplay::Draw(size_t i, bool is_new, Size size, int64_t now) {
  Row& row = rows_[i];
  row.pending = false;
  std::string text = row.id + ": " + row.status;
  std::string bar = FormatProgress(row.current, row.total, size.columns);
  if (!bar.empty()) text += " " + bar;
  Sanitize(text);
  // One column short of the width: some terminals wrap as soon as the last
  // column is written.
  CutToColumns(text, std::max(size.columns - 1, 1));
  size_t up = rows_.size() - i;
  bool reachable = size.lines <= 0 || up < static_cast<size_t>(size.lines);
  std::string out = is_new ? "\n" : "";
  if (reachable && (is_new || text != row.drawn)) {
    out += CursorUp(up);
    out += kEraseLine;
    out += "\r" + text + "\r";
    out += CursorDown(up);
    row.drawn = std::move(text);
    row.drawn_at_ns = now;
  }
  if (!out.empty()) Write(out);
}

void ProgressDisplay::DrawPending() {
  if (!options_.terminal) return;
  bool any = std::any_of(rows_.begin(), rows_.end(), [](const Row& r) { return r.pending; });
  if (!any) return;
  Size size = TerminalSize();
  int64_t now = Now();
  for (size_t i = 0; i < rows_.size(); i++) {
    if (rows_[i].pending) Draw(i, false, size, now);
  }
}

void ProgressDisplay::EndBlock() {
  DrawPending();
  rows_.clear();
  index_.clear();
}

ProgressDisplay::Size ProgressDisplay::TerminalSize() const {
  Size size{options_.columns, options_.lines};
  if (size.columns > 0 && size.lines > 0) return size;
  winsize ws{};
  bool known = ::ioctl(fd_, TIOCGWINSZ, &ws) == 0;
  if (size.columns <= 0) size.columns = known && ws.ws_col > 0 ? ws.ws_col : kDefaultColumns;
  if (size.lines <= 0) size.lines = known ? ws.ws_row : 0;
  return size;
}

int64_t ProgressDisplay::Now() const {
  if (options_.now_ns) return options_.now_ns();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Writes everything, through EINTR (a Ctrl-C must not cut a draw in half:
// the error path still has to print below the block) and EAGAIN (a
// non-blocking stdout).
void ProgressDisplay::Write(std::string_view bytes) {
  while (!broken_ && !bytes.empty()) {
    ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n > 0) {
      bytes.remove_prefix(static_cast<size_t>(n));
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{.fd = fd_, .events = POLLOUT, .revents = 0};
      ::poll(&p, 1, 1000);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      broken_ = true;
    }
  }
}

std::unique_ptr<Progress> NewProgress(int fd, bool quiet) {
  if (quiet) return std::make_unique<NullProgress>();
  return std::make_unique<ProgressDisplay>(fd, ::isatty(fd) == 1);
}

}  // namespace berth::cli
