// Docker's `json-file` container logs: the writer a container's monitor feeds
// with the container's output, and the reader behind `logs`. One record per
// line, byte for byte what docker 20.10's json-file driver writes:
//   {"log":"hello\n","stream":"stdout","time":"2026-11-29T12:00:00.123456789Z"}
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>

#include "base/fd.h"
#include "base/result.h"

namespace berth::runtime {

// Where a record's bytes came from. A container with a terminal (-t) has only
// kStdout: docker logs everything the pseudo-terminal prints as "stdout",
// "\r\n" line endings included.
enum class LogStream { kStdout, kStderr };

// "stdout" or "stderr".
std::string_view LogStreamName(LogStream stream);

// docker's copier buffer: a line that grows to this many bytes without a
// newline is written as a record of exactly this size, without newline, and
// the line goes on in the next record.
inline constexpr size_t kLogLineBufferSize = 16 * 1024;

// Length of the valid UTF-8 sequence at the start of s (not empty) under
// Go's utf8.DecodeRune, its code point in *rune; 0 when invalid (Go's
// RuneError of size 1): overlong forms, surrogates, values past U+10FFFF and
// sequences cut short are invalid.
size_t DecodeGoRune(std::string_view s, char32_t* rune);

// Appends s as a JSON string the way docker's json-file driver does (its
// ffjson-style encoder, not Go's encoding/json): '"' and '\\' escaped, "\n"
// and "\r" as such, every other byte below 0x20 and '<', '>', '&' as \u00XX
// (so a tab is \u0009), U+2028 and U+2029 as \u2028 and \u2029, each byte of
// invalid UTF-8 (Go's utf8.DecodeRune rules: overlong forms, surrogates and
// truncated sequences are invalid) as \ufffd; everything else raw.
void AppendDockerJsonString(std::string& out, std::string_view s);

// One record with its trailing newline, as docker writes it; time is
// RFC 3339 in UTC with the fraction's trailing zeros dropped (Go's
// time.RFC3339Nano). log must not be empty (docker would omit the field; no
// record it writes has an empty log).
std::string EncodeJsonLogRecord(std::string_view log, LogStream stream, int64_t time_ns);

// Appends a container's output to its json-file log, split into records as
// docker 20.10's log copier splits it:
// - one record per line, the "\n" kept at the end of "log";
// - a line still without newline stays buffered (per stream) until it ends,
//   and its record takes the time of the Write that ended it;
// - a line that reaches kLogLineBufferSize bytes before its newline is cut:
//   records of exactly that size without newline, then the rest with it; all
//   of that line's records carry the time of its first cut (docker's
//   partial-message timestamp);
// - Flush at the end of a stream writes what is left of its line, without
//   newline.
// Every record, and all the records of one call, go out in one write(2) to an
// O_APPEND file, so a reader sees whole records except while that write is
// under way. Thread-safe: stdout and stderr may be fed from two threads.
class JsonLogWriter {
 public:
  // Opens (creating it 0640, as docker does) path for appending.
  static Result<std::unique_ptr<JsonLogWriter>> Open(const std::string& path);

  // Writes the records that bytes (the stream's next output, any size, any
  // split) completes; now_ns is the time of the read, in ns since the epoch.
  Status Write(LogStream stream, std::span<const char> bytes, int64_t now_ns);

  // End of one stream (its pipe reached EOF): writes its pending bytes, if
  // any, as a record without newline.
  Status Flush(LogStream stream, int64_t now_ns);

  // Both streams, stdout first (at container exit).
  Status Flush(int64_t now_ns);

  // Bytes buffered for a stream: its line so far (for tests).
  size_t pending(LogStream stream) const;

 private:
  struct Pending {
    std::string line;         // bytes of the unfinished line, < kLogLineBufferSize
    int64_t partial_ts = -1;  // time of the line's first cut record, -1 when none
  };
  explicit JsonLogWriter(UniqueFd fd) : fd_(std::move(fd)) {}
  void Emit(std::string& out, LogStream stream, std::string_view log, bool last, int64_t now_ns);
  Status WriteOut(const std::string& out);

  mutable std::mutex mu_;
  UniqueFd fd_;
  Pending pending_[2];
};

// What ReadJsonLog reads, docker's `logs` flags.
struct LogReadOptions {
  bool show_stdout = true;
  bool show_stderr = true;
  // --tail: the last N records of the file (-1 or any negative: all; 0: none,
  // then only what -f sees appended). Records are file lines: a line cut at
  // 16 KiB counts as several, as in docker.
  int64_t tail = -1;
  // --since / --until in ns since the epoch (0: unset). Records before since
  // are skipped (a record at exactly since is shown); the first record after
  // until ends the read (one at exactly until is shown), as docker does.
  int64_t since_ns = 0;
  int64_t until_ns = 0;
  // -t: each record prefixed with its time and a space, docker's fixed form
  // "2026-11-29T12:00:00.100000000Z " (always 9 fraction digits; a record
  // written with an offset keeps it: "...000+02:00 ").
  bool timestamps = false;
  // -f: at the end of the file, wait for more and read it, until
  // still_running() returns false (asked before the last look at the file, so
  // nothing written before the container stopped is missed) or a record after
  // until arrives.
  bool follow = false;
  std::function<bool()> still_running = nullptr;
  // How often follow asks still_running() when the file does not change (it
  // wakes at once on a change, through inotify).
  int poll_ms = 200;
};

// Receives the records ReadJsonLog shows, one call per record: the log bytes
// (timestamp prefix included with -t). An error stops the read and is
// returned by ReadJsonLog (e.g. a closed pipe).
class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual Status Write(LogStream stream, std::string_view bytes) = 0;
};

// Counters of one read (for tests, and for an honest "read 3 KiB of 100 MB").
struct LogReadStats {
  uint64_t bytes_read = 0;  // bytes read from the file
  uint64_t records = 0;     // records given to the sink
  uint64_t malformed = 0;   // lines skipped as not a record
};

// Reads a json-file log written by JsonLogWriter (or by docker) and gives the
// records the options select to sink, in file order. --tail reads the file
// backwards from its end, so its cost is the records shown, not the file.
// Lines that are not a record (not JSON, a "time" that is no RFC 3339) are
// skipped and counted; docker 20.10 instead silently drops the rest of its
// decoder's buffer after one (observed: everything after the bad line). A
// last line without its newline (a writer killed mid-record) is not a record
// yet: skipped when the read ends, read once completed under -f (docker
// fails with "Error grabbing logs: unexpected EOF", exit 1, without --tail).
// A record without "time" has Go's zero time (shown as
// 0001-01-01T00:00:00.000000000Z with -t), as in docker. Errors: NotFound
// when path does not exist, Cancelled on interrupt (base/interrupt.h), the
// sink's errors, I/O errors.
Status ReadJsonLog(const std::string& path, const LogReadOptions& o, LogSink& sink,
                   LogReadStats* stats = nullptr);

}  // namespace berth::runtime
