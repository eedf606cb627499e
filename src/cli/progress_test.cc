#include "cli/progress.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "base/fd.h"

namespace berth::cli {
namespace {

using std::chrono::milliseconds;

// What a display wrote, read back from a memfd (a real fd, not a terminal).
class Capture {
 public:
  Capture() : fd_(::memfd_create("progress_test", 0)) {}
  int fd() const { return fd_.get(); }
  std::string Take() {
    std::string all;
    char buf[4096];
    ssize_t n;
    while ((n = ::pread(fd_.get(), buf, sizeof buf, static_cast<off_t>(read_ + all.size()))) > 0) {
      all.append(buf, static_cast<size_t>(n));
    }
    read_ += all.size();
    return all;
  }

 private:
  UniqueFd fd_;
  size_t read_ = 0;
};

// A terminal of the given width and height whose clock the test steps.
struct FakeTerminal {
  int64_t now = 1'000'000'000;
  ProgressOptions Options(int columns = 120, int lines = 50) {
    return ProgressOptions{.terminal = true,
                           .columns = columns,
                           .lines = lines,
                           .min_redraw = milliseconds(100),
                           .now_ns = [this] { return now; }};
  }
  void Advance(milliseconds ms) { now += std::chrono::nanoseconds(ms).count(); }
};

std::string NewRow(const std::string& text) { return "\n\x1b[1A\x1b[2K\r" + text + "\r\x1b[1B"; }
std::string Redraw(int up, const std::string& text) {
  std::string n = std::to_string(up);
  return "\x1b[" + n + "A\x1b[2K\r" + text + "\r\x1b[" + n + "B";
}

// A minimal terminal: enough of VT100 to replay what the display writes
// (printable text, CR, LF, ESC[nA, ESC[nB, ESC[2K) into screen lines.
struct Screen {
  std::vector<std::string> lines{""};
  size_t row = 0, col = 0;

  void Feed(const std::string& s) {
    for (size_t i = 0; i < s.size(); i++) {
      char c = s[i];
      if (c == '\r') {
        col = 0;
      } else if (c == '\n') {
        col = 0;  // a tty's onlcr makes LF a CR LF
        if (++row == lines.size()) lines.emplace_back();
      } else if (c == '\x1b') {
        ASSERT_EQ(s[i + 1], '[') << "at " << i;
        size_t end = s.find_first_not_of("0123456789", i + 2);
        ASSERT_NE(end, std::string::npos);
        size_t n = end > i + 2 ? std::stoul(s.substr(i + 2, end - i - 2)) : 1;
        switch (s[end]) {
          case 'A': row = n > row ? 0 : row - n; break;
          case 'B': row = std::min(row + n, lines.size() - 1); break;
          case 'K': ASSERT_EQ(n, 2u); lines[row].clear(); break;
          default: FAIL() << "unexpected escape " << s.substr(i, end - i + 1);
        }
        i = end;
      } else {
        std::string& l = lines[row];
        if (l.size() <= col) l.resize(col + 1, ' ');
        l[col++] = c;
      }
    }
  }
};

TEST(FormatProgress, MatchesDockersJsonProgress) {
  std::string spaces44(44, ' ');
  EXPECT_EQ(FormatProgress(12345678, 93300000, 120), "[======>" + spaces44 + "]  12.35MB/93.3MB");
  EXPECT_EQ(FormatProgress(0, 93300000, 120), "[>" + std::string(50, ' ') + "]       0B/93.3MB");
  EXPECT_EQ(FormatProgress(3146000, 27140000, 200),
            "[=====>" + std::string(45, ' ') + "]  3.146MB/27.14MB");
  EXPECT_EQ(FormatProgress(27140000, 27140000, 111),
            "[" + std::string(50, '=') + ">]  27.14MB/27.14MB");
  EXPECT_EQ(FormatProgress(1530000000, 2000000000, 120),
            "[" + std::string(38, '=') + ">" + std::string(12, ' ') + "]   1.53GB/2GB");
  // 99.9%: int(99.9)/2 = 49.
  EXPECT_EQ(FormatProgress(999, 1000, 120), "[" + std::string(49, '=') + "> ]     999B/1kB");
}

TEST(FormatProgress, EdgeCases) {
  EXPECT_EQ(FormatProgress(-1, -1, 120), "");
  EXPECT_EQ(FormatProgress(0, 0, 120), "");
  EXPECT_EQ(FormatProgress(1000, -1, 120), "     1kB");         // no total: "%8v" of current
  EXPECT_EQ(FormatProgress(123456789, 0, 120), " 123.5MB");
  // A count past its total: full bar, total dropped.
  EXPECT_EQ(FormatProgress(2000, 1000, 120), "[" + std::string(50, '=') + ">]      2kB");
  // A total with no count yet.
  EXPECT_EQ(FormatProgress(-1, 5000, 80), "      0B/5kB");
}

TEST(FormatProgress, NoBarUpTo110Columns) {
  EXPECT_EQ(FormatProgress(12345678, 93300000, 110), " 12.35MB/93.3MB");
  EXPECT_EQ(FormatProgress(12345678, 93300000, 80), " 12.35MB/93.3MB");
  EXPECT_EQ(FormatProgress(12345678, 93300000, 111).substr(0, 8), "[======>");
}

TEST(ProgressDisplay, TerminalRowsRedrawInPlaceWithDockersBytes) {
  Capture out;
  FakeTerminal term;
  ProgressDisplay d(out.fd(), term.Options());
  d.Message("latest: Pulling from library/busybox");
  d.Update("a3ed95caeb02", "Pulling fs layer");
  d.Update("5cc84ad355aa", "Waiting");
  EXPECT_EQ(out.Take(), "latest: Pulling from library/busybox\n" +
                            NewRow("a3ed95caeb02: Pulling fs layer") +
                            NewRow("5cc84ad355aa: Waiting"));
  d.Update("a3ed95caeb02", "Downloading", 12345678, 93300000);
  EXPECT_EQ(out.Take(),
            Redraw(2, "a3ed95caeb02: Downloading [======>" + std::string(44, ' ') +
                          "]  12.35MB/93.3MB"));
  d.Update("5cc84ad355aa", "Pull complete");
  EXPECT_EQ(out.Take(), Redraw(1, "5cc84ad355aa: Pull complete"));
  d.Message("Digest: sha256:abc");
  EXPECT_EQ(out.Take(), "Digest: sha256:abc\n");
  // A message closes the block: the same id starts a new row (pull -a).
  d.Update("5cc84ad355aa", "Already exists");
  EXPECT_EQ(out.Take(), NewRow("5cc84ad355aa: Already exists"));
  d.Finish();
  EXPECT_EQ(out.Take(), "");
}

TEST(ProgressDisplay, ByteCountsAreRateLimitedStatusChangesAreNot) {
  Capture out;
  FakeTerminal term;
  ProgressDisplay d(out.fd(), term.Options(/*columns=*/80));
  d.Update("aaa", "Downloading", 1000, 10000000);
  EXPECT_EQ(out.Take(), NewRow("aaa: Downloading      1kB/10MB"));
  term.Advance(milliseconds(50));
  d.Update("aaa", "Downloading", 2000, 10000000);
  d.Update("aaa", "Downloading", 3000, 10000000);
  EXPECT_EQ(out.Take(), "");  // within 100 ms of the last draw
  term.Advance(milliseconds(50));
  d.Update("aaa", "Downloading", 4000, 10000000);
  EXPECT_EQ(out.Take(), Redraw(1, "aaa: Downloading      4kB/10MB"));
  term.Advance(milliseconds(10));
  d.Update("aaa", "Verifying Checksum");  // a new status: drawn at once
  EXPECT_EQ(out.Take(), Redraw(1, "aaa: Verifying Checksum"));
  term.Advance(milliseconds(10));
  d.Update("aaa", "Extracting", 5000, 10000000);
  term.Advance(milliseconds(10));
  d.Update("aaa", "Extracting", 9000, 10000000);  // held back ...
  EXPECT_EQ(out.Take(), Redraw(1, "aaa: Extracting      5kB/10MB"));
  d.Finish();  // ... and drawn by Finish
  EXPECT_EQ(out.Take(), Redraw(1, "aaa: Extracting      9kB/10MB"));
  d.Update("aaa", "Pull complete");  // after Finish: nothing
  d.Message("late");
  EXPECT_EQ(out.Take(), "");
}

TEST(ProgressDisplay, UnchangedTextIsNotRewritten) {
  Capture out;
  FakeTerminal term;
  ProgressDisplay d(out.fd(), term.Options(80));
  d.Update("aaa", "Downloading", 1000000, 93300000);
  out.Take();
  term.Advance(milliseconds(200));
  d.Update("aaa", "Downloading", 1000001, 93300000);  // still "1MB/93.3MB"
  EXPECT_EQ(out.Take(), "");
}

TEST(ProgressDisplay, DestructorDrawsWhatWasHeldBack) {
  Capture out;
  FakeTerminal term;
  {
    ProgressDisplay d(out.fd(), term.Options(80));
    d.Update("aaa", "Pushing", 1000, 2000);
    d.Update("aaa", "Pushing", 2000, 2000);
    out.Take();
  }
  EXPECT_EQ(out.Take(), Redraw(1, "aaa: Pushing      2kB/2kB"));
}

TEST(ProgressDisplay, NarrowTerminalCutsRowsToItsWidth) {
  Capture out;
  FakeTerminal term;
  ProgressDisplay d(out.fd(), term.Options(/*columns=*/30));
  d.Update("a3ed95caeb02", "Mounted from library/something-long");
  d.Update("5cc84ad355aa", "Downloading", 12345678, 93300000);
  EXPECT_EQ(out.Take(), NewRow("a3ed95caeb02: Mounted from li") +
                            NewRow("5cc84ad355aa: Downloading  12"));
}

TEST(ProgressDisplay, ControlCharactersCannotMoveTheCursor) {
  Capture out;
  FakeTerminal term;
  ProgressDisplay d(out.fd(), term.Options());
  d.Update("aaa", "bad\nstatus\x1b[5A");
  EXPECT_EQ(out.Take(), NewRow("aaa: bad status [5A"));
}

TEST(ProgressDisplay, RowsScrolledOffScreenAreLeftAlone) {
  Capture out;
  FakeTerminal term;
  ProgressDisplay d(out.fd(), term.Options(120, /*lines=*/3));
  for (const char* id : {"a", "b", "c"}) d.Update(id, "Waiting");
  out.Take();
  d.Update("a", "Pull complete");  // 3 lines up: above a 3-line screen
  EXPECT_EQ(out.Take(), "");
  d.Update("b", "Pull complete");
  EXPECT_EQ(out.Take(), Redraw(2, "b: Pull complete"));
}

TEST(ProgressDisplay, PlainOutputPrintsStateChangesWithoutCounts) {
  Capture out;
  ProgressDisplay d(out.fd(), /*terminal=*/false);
  d.Message("Using default tag: latest");
  d.Update("aaa", "Pulling fs layer");
  d.Update("bbb", "Waiting");
  d.Update("aaa", "Downloading", 0, 1000);  // counts: Docker prints nothing
  d.Update("aaa", "Downloading", 500, 1000);
  d.Update("aaa", "Verifying Checksum");
  d.Update("aaa", "Verifying Checksum");  // no change
  d.Update("aaa", "Download complete");
  d.Update("aaa", "Extracting", 100, 1000);
  d.Update("aaa", "Pull complete");
  d.Update("bbb", "Already exists");
  d.Message("Digest: sha256:abc");
  d.Update("aaa", "Already exists");
  d.Finish();
  EXPECT_EQ(out.Take(),
            "Using default tag: latest\n"
            "aaa: Pulling fs layer\n"
            "bbb: Waiting\n"
            "aaa: Verifying Checksum\n"
            "aaa: Download complete\n"
            "aaa: Pull complete\n"
            "bbb: Already exists\n"
            "Digest: sha256:abc\n"
            "aaa: Already exists\n");
}

TEST(ProgressDisplay, EmptyIdIsAMessage) {
  Capture out;
  FakeTerminal term;
  ProgressDisplay d(out.fd(), term.Options());
  d.Update("", "Status: Image is up to date for busybox:latest");
  EXPECT_EQ(out.Take(), "Status: Image is up to date for busybox:latest\n");
}

TEST(ProgressDisplay, ConcurrentUpdatesNeverInterleaveDraws) {
  Capture out;
  ProgressOptions opts{.terminal = true, .columns = 120, .lines = 0, .min_redraw = {}};
  constexpr int kThreads = 8, kSteps = 2000;
  constexpr int64_t kTotal = 93300000;
  {
    ProgressDisplay d(out.fd(), opts);
    d.Message("latest: Pulling from library/busybox");
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; t++) {
      threads.emplace_back([&d, t] {
        std::string id = "layer" + std::to_string(t);
        d.Update(id, "Waiting");
        for (int i = 1; i <= kSteps; i++) d.Update(id, "Downloading", kTotal / kSteps * i, kTotal);
        d.Update(id, "Verifying Checksum");
        d.Update(id, "Pull complete");
      });
    }
    for (auto& th : threads) th.join();
    d.Message("Digest: sha256:abc");
  }
  Screen s;
  s.Feed(out.Take());
  ASSERT_EQ(s.lines.size(), kThreads + 3u);
  EXPECT_EQ(s.lines[0], "latest: Pulling from library/busybox");
  std::vector<std::string> rows(s.lines.begin() + 1, s.lines.begin() + 1 + kThreads);
  std::sort(rows.begin(), rows.end());
  for (int t = 0; t < kThreads; t++) {
    EXPECT_EQ(rows[t], "layer" + std::to_string(t) + ": Pull complete");
  }
  EXPECT_EQ(s.lines[kThreads + 1], "Digest: sha256:abc");
  EXPECT_EQ(s.lines[kThreads + 2], "");  // the cursor's line, below everything
  EXPECT_EQ(s.row, kThreads + 2u);
  EXPECT_EQ(s.col, 0u);
}

TEST(ProgressDisplay, ScreenShowsEachRowsLastStateMidway) {
  Capture out;
  FakeTerminal term;
  ProgressDisplay d(out.fd(), term.Options(80));
  d.Update("aaa", "Downloading", 500000, 1000000);
  d.Update("bbb", "Waiting");
  d.Update("ccc", "Already exists");
  d.Update("bbb", "Downloading", 1, 2000);
  d.Update("aaa", "Download complete");
  Screen s;
  s.Feed(out.Take());
  EXPECT_EQ(s.lines, (std::vector<std::string>{"aaa: Download complete",
                                               "bbb: Downloading       1B/2kB",
                                               "ccc: Already exists", ""}));
  EXPECT_EQ(s.row, 3u);
  EXPECT_EQ(s.col, 0u);
}

// A pseudo-terminal of the given size: the display writes to its slave side,
// the test reads the master (where the tty's onlcr has made LF a CR LF).
class Pty {
 public:
  Pty(int columns, int lines) : master_(::posix_openpt(O_RDWR | O_NOCTTY)) {
    EXPECT_TRUE(master_.valid());
    EXPECT_EQ(::grantpt(master_.get()), 0);
    EXPECT_EQ(::unlockpt(master_.get()), 0);
    slave_.Reset(::open(::ptsname(master_.get()), O_RDWR | O_NOCTTY));
    EXPECT_TRUE(slave_.valid());
    winsize ws{.ws_row = static_cast<unsigned short>(lines),
               .ws_col = static_cast<unsigned short>(columns),
               .ws_xpixel = 0,
               .ws_ypixel = 0};
    EXPECT_EQ(::ioctl(master_.get(), TIOCSWINSZ, &ws), 0);
  }
  int slave() const { return slave_.get(); }
  std::string Take() {
    std::string all;
    pollfd p{.fd = master_.get(), .events = POLLIN, .revents = 0};
    char buf[4096];
    while (::poll(&p, 1, 100) == 1) {
      ssize_t n = ::read(master_.get(), buf, sizeof buf);
      if (n <= 0) break;
      all.append(buf, static_cast<size_t>(n));
    }
    return all;
  }

 private:
  UniqueFd master_, slave_;
};

TEST(ProgressDisplay, AsksTheTerminalForItsWidth) {
  Pty wide(120, 30), narrow(80, 30);
  for (Pty* pty : {&wide, &narrow}) {
    auto d = NewProgress(pty->slave(), /*quiet=*/false);
    d->Update("aaa", "Downloading", 12345678, 93300000);
    d->Finish();
  }
  std::string bar = "[======>" + std::string(44, ' ') + "] ";
  EXPECT_EQ(wide.Take(), "\r" + NewRow("aaa: Downloading " + bar + " 12.35MB/93.3MB"));
  EXPECT_EQ(narrow.Take(), "\r" + NewRow("aaa: Downloading  12.35MB/93.3MB"));
}

TEST(NewProgress, QuietDrawsNothingAndAFileGetsPlainLines) {
  Capture out;
  auto quiet = NewProgress(out.fd(), /*quiet=*/true);
  quiet->Message("Using default tag: latest");
  quiet->Update("aaa", "Pull complete");
  quiet->Finish();
  EXPECT_EQ(out.Take(), "");
  auto plain = NewProgress(out.fd(), /*quiet=*/false);  // a memfd is no terminal
  plain->Update("aaa", "Downloading", 10, 100);
  plain->Update("aaa", "Pull complete");
  plain->Finish();
  EXPECT_EQ(out.Take(), "aaa: Pull complete\n");
}

}  // namespace
}  // namespace berth::cli
