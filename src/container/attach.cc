// The attaching side of a container's stdio. berth has no daemon to hold
// a container's terminal, so a command that attaches talks to the container's
// monitor over a socket: its stdin goes in as frames, the container's output
// comes back as frames, and the last frame is the exit code.
#include "container/attach.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>

#include "base/strings.h"

namespace berth::container {
namespace {

int g_signal_pipe = -1;

void OnSignal(int sig) {
  unsigned char b = static_cast<unsigned char>(sig);
  int saved = errno;
  (void)!::write(g_signal_pipe, &b, 1);
  errno = saved;
}

Status WriteAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("write");
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return Ok();
}

// Puts the terminal on fd in raw mode for its lifetime.
class RawTerminal {
 public:
  explicit RawTerminal(int fd) : fd_(fd) {
    if (::tcgetattr(fd, &saved_) != 0) return;
    termios raw = saved_;
    ::cfmakeraw(&raw);
    active_ = ::tcsetattr(fd, TCSANOW, &raw) == 0;
  }
  ~RawTerminal() {
    if (active_) ::tcsetattr(fd_, TCSANOW, &saved_);
  }

 private:
  int fd_;
  termios saved_{};
  bool active_ = false;
};

void SendSize(int sock) {
  winsize ws{};
  if (::ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) != 0 &&
      ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0) {
    return;
  }
  (void)WriteFrame(sock, FrameType::kResize, std::to_string(ws.ws_row) + " " + std::to_string(ws.ws_col));
}

constexpr unsigned char kDetachNote = 0xff;  // on the signal pipe: the user detached
constexpr char kCtrlP = 0x10, kCtrlQ = 0x11;  // docker's default detach keys

// Copies stdin into kStdin frames, then kStdinClose at its end. With a
// terminal, ctrl-p ctrl-q detaches (the container goes on): a ctrl-p is
// held back until the next byte shows whether it starts the sequence.
void PumpStdin(int sock, bool detach_keys) {
  char buf[32768];
  bool held = false;
  for (;;) {
    ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    std::string out;
    for (ssize_t i = 0; i < n; ++i) {
      char ch = buf[i];
      if (detach_keys && held && ch == kCtrlQ) {
        if (!out.empty()) (void)WriteFrame(sock, FrameType::kStdin, out);
        unsigned char note = kDetachNote;
        (void)!::write(g_signal_pipe, &note, 1);
        return;
      }
      if (held) out += kCtrlP;
      held = detach_keys && ch == kCtrlP;
      if (!held) out += ch;
    }
    if (!out.empty() && !WriteFrame(sock, FrameType::kStdin, out).ok()) return;
  }
  (void)WriteFrame(sock, FrameType::kStdinClose, "");
}

}  // namespace

Status WriteFrame(int fd, FrameType type, std::string_view payload) {
  if (payload.size() > kMaxFrame) return MakeError(Code::kInvalidArgument, "frame too long");
  std::string buf(8, '\0');
  buf[0] = static_cast<char>(type);
  uint32_t n = static_cast<uint32_t>(payload.size());
  for (int i = 0; i < 4; ++i) buf[4 + i] = static_cast<char>((n >> (24 - 8 * i)) & 0xff);
  buf.append(payload);
  const char* p = buf.data();
  size_t left = buf.size();
  while (left > 0) {
    ssize_t w = ::send(fd, p, left, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("send");
    }
    p += w;
    left -= static_cast<size_t>(w);
  }
  return Ok();
}

Result<std::optional<Frame>> FrameParser::Next() {
  if (buf_.size() < 8) return std::optional<Frame>{};
  uint32_t n = 0;
  for (int i = 0; i < 4; ++i) n = (n << 8) | static_cast<unsigned char>(buf_[4 + i]);
  if (n > kMaxFrame) return MakeError(Code::kDataLoss, "attach stream: frame too long");
  if (buf_.size() < 8 + n) return std::optional<Frame>{};
  Frame f{static_cast<FrameType>(buf_[0]), buf_.substr(8, n)};
  buf_.erase(0, 8 + n);
  return std::optional<Frame>(std::move(f));
}

// Reads exactly n bytes; false at EOF or on an error.
static bool ReadFull(int fd, char* p, size_t n) {
  while (n > 0) {
    ssize_t r = ::read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

Status WaitStarted(int fd, int* status) {
  // Frame by frame, never reading past kStarted: what follows is Relay's.
  for (;;) {
    char header[8];
    if (!ReadFull(fd, header, sizeof header)) {
      *status = 125;
      return MakeError(Code::kInternal, "the container's monitor exited before the container started");
    }
    uint32_t n = 0;
    for (int i = 0; i < 4; ++i) n = (n << 8) | static_cast<unsigned char>(header[4 + i]);
    if (n > kMaxFrame) return MakeError(Code::kDataLoss, "attach stream: frame too long");
    std::string payload(n, '\0');
    if (!ReadFull(fd, payload.data(), n)) continue;
    auto type = static_cast<FrameType>(header[0]);
    if (type == FrameType::kStarted) return Ok();
    if (type == FrameType::kError) {
      auto cut = Cut(payload, ' ');
      *status = cut ? static_cast<int>(ParseInt(cut->first).value_or(125)) : 125;
      return MakeError(Code::kConflict, cut ? cut->second : payload);
    }
  }
}

Result<int> Relay(int fd, const RelayOptions& o) {
  int sp[2];
  if (::pipe2(sp, O_CLOEXEC | O_NONBLOCK) != 0) return ErrnoError("pipe");
  g_signal_pipe = sp[1];
  std::vector<int> sigs;
  if (o.tty) {
    sigs = {SIGWINCH};
  } else if (o.sig_proxy) {
    sigs = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
  }
  for (int s : sigs) {
    struct sigaction sa {};
    sa.sa_handler = OnSignal;
    ::sigaction(s, &sa, nullptr);
  }
  std::optional<RawTerminal> raw;
  if (o.tty && o.stdin_open && ::isatty(STDIN_FILENO)) raw.emplace(STDIN_FILENO);
  if (o.tty) SendSize(fd);
  if (o.stdin_open) std::thread(PumpStdin, fd, o.tty).detach();

  FrameParser parser;
  char buf[65536];
  pollfd pfd[2] = {{fd, POLLIN, 0}, {sp[0], POLLIN, 0}};
  for (;;) {
    while (auto f = TRY(parser.Next())) {
      if ((f->type == FrameType::kStdout || f->type == FrameType::kStderr) && !o.discard_output) {
        int out = f->type == FrameType::kStdout ? STDOUT_FILENO : STDERR_FILENO;
        (void)WriteAll(out, f->payload.data(), f->payload.size());
      } else if (f->type == FrameType::kExit) {
        return static_cast<int>(ParseInt(f->payload).value_or(255));
      }
    }
    if (::poll(pfd, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("poll");
    }
    if (pfd[1].revents != 0) {
      unsigned char s;
      while (::read(sp[0], &s, 1) == 1) {
        if (s == kDetachNote) return 0;  // detached: the container runs on
        if (s == SIGWINCH) {
          SendSize(fd);
        } else {
          (void)WriteFrame(fd, FrameType::kSignal, std::to_string(s));
        }
      }
    }
    if (pfd[0].revents != 0) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return MakeError(Code::kInternal, "the container's monitor exited unexpectedly");
      parser.Feed(std::string_view(buf, static_cast<size_t>(n)));
    }
  }
}

}  // namespace berth::container
