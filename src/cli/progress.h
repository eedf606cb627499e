// The progress display of pull and push, as the Docker CLI draws it
// (docker/cli's jsonmessage): one row per layer, redrawn in place on a
// terminal, plain state lines otherwise.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace berth::cli {

// What pull and push report while they work. ProgressDisplay draws it;
// NullProgress (for -q) drops it, so callers need no ifs. Every method may be
// called from any thread.
class Progress {
 public:
  virtual ~Progress() = default;

  // A line of its own, printed once as is (without a trailing newline):
  // "Using default tag: latest", "latest: Pulling from library/busybox",
  // "Digest: sha256:...". It also closes the current block of rows, as in
  // Docker: an id updated after it gets a new row below it (so `pull -a`
  // shows a shared layer again for the next tag). So call it before the rows
  // start or after they are done, not while workers still update them; a
  // retry belongs in the row ("Retrying in 5 seconds").
  virtual void Message(std::string_view line) = 0;

  // The state of one item, usually a layer by its 12-hex short id: status is
  // "Waiting", "Downloading", "Extracting", "Pull complete", "Pushing",
  // "Mounted from library/x", ...; current and total are byte counts, -1 when
  // there are none (total -1 with a current shows just the current size).
  // An empty id makes this Message(status).
  virtual void Update(std::string_view id, std::string_view status, int64_t current = -1,
                      int64_t total = -1) = 0;

  // Draws what rate limiting held back and ends the display: the cursor is at
  // the start of the line below the last row, and later calls (a worker still
  // unwinding after an error) draw nothing. Idempotent; destructors call it,
  // so an error path that only unwinds leaves nothing half-drawn either.
  virtual void Finish() = 0;
};

// -q: reports go nowhere.
class NullProgress final : public Progress {
 public:
  void Message(std::string_view) override {}
  void Update(std::string_view, std::string_view, int64_t = -1, int64_t = -1) override {}
  void Finish() override {}
};

// How a ProgressDisplay draws; the defaults are what berth uses.
struct ProgressOptions {
  // Draw rows in place with escape codes (else plain state lines).
  bool terminal = false;
  // Terminal size. 0: ask the fd (TIOCGWINSZ) before each draw; an unknown
  // width counts as 80 columns, an unknown height as no limit.
  int columns = 0;
  int lines = 0;
  // The least time between two redraws of a row whose status text stays the
  // same (byte counts only). A new status is always drawn at once.
  std::chrono::nanoseconds min_redraw = std::chrono::milliseconds(100);
  // A steady clock in nanoseconds; empty for std::chrono::steady_clock.
  // Tests step their own.
  std::function<int64_t()> now_ns{};
};

// Docker's progress display, written to a file descriptor (not owned).
//
// On a terminal each id owns a line, in the order ids first appear; an update
// redraws its line in place (ESC[nA, ESC[2K, CR, the row, CR, ESC[nB: the
// bytes Docker writes) and leaves the cursor at column 0 of the line below the
// block after every call, so output is never left half-drawn. A row is
// "<id>: <status>" plus, with byte counts, Docker's bar and sizes
// ("[====>      ]  12.35MB/93.3MB", see FormatProgress). Rows are cut to the
// terminal's width (Docker lets them wrap, which breaks the redraw), and rows
// scrolled off the top of the screen are no longer drawn (Docker would
// overwrite the wrong line).
//
// Elsewhere (a pipe, a log) nothing but plain lines: "<id>: <status>" each
// time an id's status changes, and nothing for updates that carry byte counts
// (Docker's output without a terminal: no "Downloading" lines), plus the
// Message lines.
//
// Thread-safe: one mutex guards the state and the write of each draw, so
// draws never interleave. A write error (EPIPE, ...) silences the display.
class ProgressDisplay final : public Progress {
 public:
  ProgressDisplay(int fd, bool terminal)
      : ProgressDisplay(fd, ProgressOptions{.terminal = terminal}) {}
  ProgressDisplay(int fd, ProgressOptions options);
  ~ProgressDisplay() override;
  ProgressDisplay(const ProgressDisplay&) = delete;
  ProgressDisplay& operator=(const ProgressDisplay&) = delete;

  void Message(std::string_view line) override;
  void Update(std::string_view id, std::string_view status, int64_t current = -1,
              int64_t total = -1) override;
  void Finish() override;

 private:
  struct Row {
    std::string id;
    std::string status;
    int64_t current = -1;
    int64_t total = -1;
    std::string drawn;        // the text last written for this row
    int64_t drawn_at_ns = 0;  // when
    bool pending = false;     // holds a state not drawn yet (rate limited)
  };
  struct Size {
    int columns;
    int lines;  // 0: unknown
  };

  void UpdateTerminal(std::string_view id, std::string_view status, int64_t current,
                      int64_t total);
  void UpdatePlain(std::string_view id, std::string_view status, int64_t current, int64_t total);
  // Redraws row i in place (is_new: it was just added and needs its line).
  void Draw(size_t i, bool is_new, Size size, int64_t now);
  void DrawPending();
  void EndBlock();
  Size TerminalSize() const;
  int64_t Now() const;
  void Write(std::string_view bytes);

  const int fd_;
  const ProgressOptions options_;
  std::mutex mu_;
  bool finished_ = false;
  bool broken_ = false;  // a write failed: draw nothing more
  // The current block: rows in order of appearance, and where each id is.
  std::vector<Row> rows_;
  std::map<std::string, size_t, std::less<>> index_;
};

// Docker's progress display on fd (stdout for pull and push): NullProgress
// when quiet, else a ProgressDisplay that draws in place when fd is a
// terminal.
std::unique_ptr<Progress> NewProgress(int fd, bool quiet);

// Docker's JSONProgress.String() for bytes without a start time: "" without
// counts (current and total <= 0); the current size alone ("%8v") without a
// total; otherwise, when columns > 110, a 50-column bar
// "[" + "="*p + ">" + " "*(50-p) + "] " with p = int(100*current/total)/2
// (at most 50), then "%8v/%v" of both sizes in go-units' HumanSize (decimal,
// four significant digits), the total dropped when current exceeds it.
// FormatProgress(12345678, 93300000, 120) ==
//   "[======>                                            ]  12.35MB/93.3MB".
std::string FormatProgress(int64_t current, int64_t total, int columns);

}  // namespace berth::cli
