// The stream between a container's monitor and a berth command attached to
// it (`run` without -d, `start -a`). One Unix stream socket, frames both
// ways: a byte of type, three zero bytes and a 32-bit big-endian length
// (the layout of Docker's multiplexed attach stream), then the payload.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace berth::container {

enum class FrameType : uint8_t {
  kStdin = 0,       // client -> monitor: bytes for the container's stdin
  kStdout = 1,      // monitor -> client
  kStderr = 2,      // monitor -> client
  kExit = 3,        // monitor -> client: the exit code, in decimal; last frame
  kError = 4,       // monitor -> client: "<status> <message>": the container did not start
  kStarted = 5,     // monitor -> client: the container runs
  kStdinClose = 6,  // client -> monitor: stdin reached its end
  kResize = 7,      // client -> monitor: "<rows> <cols>" of the client's terminal
  kSignal = 8,      // client -> monitor: a signal number to send to the container
};

inline constexpr size_t kMaxFrame = 1 << 20;

// Writes one frame, all of it (blocking; EINTR retried; no SIGPIPE).
Status WriteFrame(int fd, FrameType type, std::string_view payload);

struct Frame {
  FrameType type;
  std::string payload;
};

// Accumulates bytes read from the socket and yields whole frames.
class FrameParser {
 public:
  void Feed(std::string_view bytes) { buf_.append(bytes); }
  // The next whole frame, or nullopt until more bytes arrive. DataLoss for a
  // frame longer than kMaxFrame.
  Result<std::optional<Frame>> Next();

 private:
  std::string buf_;
};

// Reads frames from fd until kStarted (Ok) or kError (an error whose code
// is kConflict and whose message is the monitor's text; *status
// gets the exit status it carries), or the socket ends (kInternal).
Status WaitStarted(int fd, int* status);

struct RelayOptions {
  bool stdin_open = false;  // -i: forward our stdin
  bool tty = false;         // -t: raw terminal, resize; no signal proxy
  bool sig_proxy = true;    // forward SIGINT/SIGTERM/... to the container (without -t)
  bool discard_output = false;  // read the output but print nothing (build -q)
};

// After WaitStarted: copies the container's output to our stdout/stderr
// and (with stdin_open) our stdin to it, until the kExit frame; returns the
// container's exit status. With tty and stdin_open, ctrl-p ctrl-q detaches
// (returns 0; the container runs on, as with docker). If the monitor
// vanishes without kExit, Internal.
Result<int> Relay(int fd, const RelayOptions& options);

}  // namespace berth::container
