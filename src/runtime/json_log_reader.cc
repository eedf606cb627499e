// The reading half of Docker's json-file logs, behind `logs`: the records a
// container wrote, selected by stream, --tail, --since and --until, with -t
// timestamps in docker's fixed form, and -f following the file while the
// container runs. The file may be huge and may be written while it is read
// (a record can be half there), so --tail reads backwards from the end, and a
// line counts only once its newline is there. Records are decoded as Go's
// encoding/json decodes docker's: keys matched without regard to case,
// invalid UTF-8 and lone surrogates become U+FFFD.
#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <ctime>
#include <optional>

#include "base/clock.h"
#include "base/file.h"
#include "base/interrupt.h"
#include "base/utf8.h"
#include "runtime/json_log.h"

namespace berth::runtime {
namespace {

constexpr int64_t kZeroTime = INT64_MIN;  // Go's zero time.Time: a record without "time"
constexpr size_t kChunk = 64 * 1024;
// No record docker or berth writes comes near this (16 KiB, each byte at
// most 6 escaped); a longer line is garbage and is skipped, not buffered.
constexpr size_t kMaxLine = 1 << 20;

struct Record {
  std::string log;
  std::string stream;
  int64_t time_ns = kZeroTime;
  int offset_s = 0;  // the zone offset "time" was written with
};

// A cursor over one line, with the few JSON productions a record needs.
class JsonCursor {
 public:
  explicit JsonCursor(std::string_view s) : s_(s) {}

  void SkipSpace() {
    while (i_ < s_.size() && std::string_view(" \t\r\n").find(s_[i_]) != std::string_view::npos) {
      i_++;
    }
  }
  bool Eat(char c) {
    SkipSpace();
    if (i_ < s_.size() && s_[i_] == c) {
      i_++;
      return true;
    }
    return false;
  }
  bool AtEnd() {
    SkipSpace();
    return i_ == s_.size();
  }
  char Peek() {
    SkipSpace();
    return i_ < s_.size() ? s_[i_] : '\0';
  }

  // A JSON string into *out (nullptr: checked and skipped), unescaped as Go
  // unquotes: invalid UTF-8 bytes and lone surrogate escapes become U+FFFD.
  bool String(std::string* out) {
    if (!Eat('"')) return false;
    while (i_ < s_.size()) {
      auto c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') {
        i_++;
        return true;
      }
      if (c < 0x20) return false;
      if (c == '\\') {
        if (!Escape(out)) return false;
        continue;
      }
      size_t n = 1;
      char32_t r;
      if (c >= 0x80 && (n = DecodeGoRune(s_.substr(i_), &r)) == 0) {
        if (out) AppendUtf8(*out, 0xFFFD);
        i_++;
        continue;
      }
      if (out) out->append(s_, i_, n);
      i_ += n;
    }
    return false;
  }

  // Any JSON value, checked and skipped ("attrs" and keys docker ignores).
  bool SkipValue(int depth = 0) {
    char c = Peek();
    if (c == '"') return String(nullptr);
    if (c == '{' || c == '[') {
      if (depth > 64) return false;
      char close = c == '{' ? '}' : ']';
      i_++;
      if (Eat(close)) return true;
      do {
        if (c == '{' && (!String(nullptr) || !Eat(':'))) return false;
        if (!SkipValue(depth + 1)) return false;
      } while (Eat(','));
      return Eat(close);
    }
    size_t start = i_;
    while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '-' ||
                              s_[i_] == '+' || s_[i_] == '.')) {
      i_++;
    }
    return i_ > start;  // a number, true, false or null (not checked further)
  }

 private:
  // After a backslash: Go's escapes, \uXXXX with surrogate pairs.
  bool Escape(std::string* out) {
    if (++i_ >= s_.size()) return false;
    char e = s_[i_++];
    char plain = 0;
    switch (e) {
      case '"': case '\\': case '/': plain = e; break;
      case 'b': plain = '\b'; break;
      case 'f': plain = '\f'; break;
      case 'n': plain = '\n'; break;
      case 'r': plain = '\r'; break;
      case 't': plain = '\t'; break;
      case 'u': break;
      default: return false;
    }
    if (plain) {
      if (out) *out += plain;
      return true;
    }
    int r = Hex4(i_);
    if (r < 0) return false;
    i_ += 4;
    if (r >= 0xD800 && r < 0xE000) {
      int r2 = i_ + 1 < s_.size() && s_[i_] == '\\' && s_[i_ + 1] == 'u' ? Hex4(i_ + 2) : -1;
      if (r < 0xDC00 && r2 >= 0xDC00 && r2 < 0xE000) {
        r = 0x10000 + ((r - 0xD800) << 10) + (r2 - 0xDC00);
        i_ += 6;
      } else {
        r = 0xFFFD;
      }
    }
    if (out) AppendUtf8(*out, static_cast<char32_t>(r));
    return true;
  }

  int Hex4(size_t at) const {
    if (at + 4 > s_.size()) return -1;
    int v = 0;
    for (size_t k = at; k < at + 4; k++) {
      char c = s_[k];
      int d = c >= '0' && c <= '9' ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
      if (d < 0) return -1;
      v = v * 16 + d;
    }
    return v;
  }

  std::string_view s_;
  size_t i_ = 0;
};

bool EqualFold(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != b[i]) return false;
  }
  return true;
}

// "time" as Go's time.Time decodes it: RFC 3339, the offset kept for -t.
bool ParseTime(std::string_view s, Record& r) {
  std::optional<int64_t> ns = ParseRfc3339(s);
  if (!ns) return false;
  r.time_ns = *ns;
  char z = s.back();
  if (z != 'Z' && z != 'z') {
    std::string_view off = s.substr(s.size() - 6);
    int hours = (off[1] - '0') * 10 + (off[2] - '0');
    int minutes = (off[4] - '0') * 10 + (off[5] - '0');
    int secs = hours * 3600 + minutes * 60;
    r.offset_s = off[0] == '-' ? -secs : secs;
  }
  return true;
}

// One line of the file as a record; false when it is none (not a JSON
// object, or a "log", "stream" or "time" that is not what docker writes).
bool ParseRecord(std::string_view line, Record& r) {
  JsonCursor c(line);
  if (!c.Eat('{')) return false;
  if (c.Eat('}')) return c.AtEnd();
  do {
    std::string key;
    if (!c.String(&key) || !c.Eat(':')) return false;
    std::string* field = EqualFold(key, "log")      ? &r.log
                         : EqualFold(key, "stream") ? &r.stream
                         : nullptr;
    bool is_time = EqualFold(key, "time");
    if (field || is_time) {
      std::string value;
      if (!c.String(&value)) return false;
      if (is_time && !ParseTime(value, r)) return false;
      if (field) *field = std::move(value);
    } else if (!c.SkipValue()) {
      return false;
    }
  } while (c.Eat(','));
  return c.Eat('}') && c.AtEnd();
}

// docker's jsonmessage.RFC3339NanoFixed: "2006-01-02T15:04:05.000000000Z07:00".
std::string FormatFixedTime(int64_t ns, int offset_s) {
  if (ns == kZeroTime) return "0001-01-01T00:00:00.000000000Z";
  int64_t local = ns + int64_t{offset_s} * 1000000000;
  int64_t secs = local / 1000000000, frac = local % 1000000000;
  if (frac < 0) frac += 1000000000, secs -= 1;
  time_t t = static_cast<time_t>(secs);
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[80];
  int n = snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09lld", tm.tm_year + 1900,
                   tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                   static_cast<long long>(frac));
  std::string out(buf, n);
  if (offset_s == 0) return out + "Z";
  int a = offset_s < 0 ? -offset_s : offset_s;
  snprintf(buf, sizeof buf, "%c%02d:%02d", offset_s < 0 ? '-' : '+', a / 3600, a / 60 % 60);
  return out + buf;
}

Result<size_t> ReadSome(int fd, char* buf, size_t n, LogReadStats& stats) {
  for (;;) {
    ssize_t got = ::read(fd, buf, n);
    if (got >= 0) {
      stats.bytes_read += static_cast<uint64_t>(got);
      return static_cast<size_t>(got);
    }
    if (errno != EINTR) return ErrnoError("read container log");
    TRY(CheckInterrupted());
  }
}

// Where the last n lines of the file's complete lines start: the file is
// read backwards in chunks from its end. A last line without its newline is
// not counted (nor read later, unless -f sees it completed). n == 0 gives
// the end of the complete lines.
Result<uint64_t> TailStart(int fd, uint64_t size, int64_t n, LogReadStats& stats) {
  std::string buf(kChunk, '\0');
  int64_t newlines = 0;  // newlines met; the first ends the complete lines
  uint64_t pos = size;
  while (pos > 0) {
    size_t len = static_cast<size_t>(std::min<uint64_t>(pos, kChunk));
    pos -= len;
    size_t got = 0;
    while (got < len) {
      ssize_t r = ::pread(fd, buf.data() + got, len - got, static_cast<off_t>(pos + got));
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) return ErrnoError("read container log");
      if (r == 0) return MakeError(Code::kDataLoss, "container log shrank while read");
      got += static_cast<size_t>(r);
    }
    stats.bytes_read += len;
    for (size_t i = len; i-- > 0;) {
      if (buf[i] != '\n') continue;
      if (newlines++ == n) return pos + i + 1;
    }
    TRY(CheckInterrupted());
  }
  return uint64_t{0};
}

// Reads the file forward from its current offset and gives each complete
// line to the options' filters and the sink; keeps a line still missing its
// newline for the next call.
class LineFeeder {
 public:
  LineFeeder(int fd, const LogReadOptions& o, LogSink& sink, LogReadStats& stats)
      : fd_(fd), o_(o), sink_(sink), stats_(stats) {}

  // Reads to the end of the file as it is now. *done when a record after
  // --until was met (the read is over).
  Status ReadToEnd(bool* done) {
    char buf[kChunk];
    for (;;) {
      size_t n = TRY(ReadSome(fd_, buf, sizeof buf, stats_));
      if (n == 0) return Ok();
      TRY(Feed(std::string_view(buf, n), done));
      if (*done) return Ok();
    }
  }

 private:
  Status Feed(std::string_view data, bool* done) {
    while (!data.empty() && !*done) {
      size_t nl = data.find('\n');
      std::string_view piece = data.substr(0, nl == std::string_view::npos ? data.size() : nl);
      data.remove_prefix(nl == std::string_view::npos ? data.size() : nl + 1);
      if (!discarding_) {
        if (carry_.size() + piece.size() > kMaxLine) {
          carry_.clear();
          discarding_ = true;
          stats_.malformed++;
        } else if (nl != std::string_view::npos && carry_.empty()) {
          TRY(Line(piece, done));
        } else {
          carry_.append(piece);
        }
      }
      if (nl == std::string_view::npos) break;
      if (!carry_.empty()) TRY(Line(carry_, done));
      carry_.clear();
      discarding_ = false;
    }
    return Ok();
  }

  Status Line(std::string_view line, bool* done) {
    Record r;
    if (!ParseRecord(line, r)) {
      if (JsonCursor(line).AtEnd()) return Ok();  // a blank line, skipped as docker does
      stats_.malformed++;
      return Ok();
    }
    if (o_.since_ns != 0 && r.time_ns < o_.since_ns) return Ok();
    if (o_.until_ns != 0 && r.time_ns > o_.until_ns) {
      *done = true;
      return Ok();
    }
    LogStream stream;
    if (r.stream == "stdout" && o_.show_stdout) {
      stream = LogStream::kStdout;
    } else if (r.stream == "stderr" && o_.show_stderr) {
      stream = LogStream::kStderr;
    } else {
      return Ok();
    }
    stats_.records++;
    if (!o_.timestamps) return sink_.Write(stream, r.log);
    std::string out = FormatFixedTime(r.time_ns, r.offset_s);
    out += ' ';
    out += r.log;
    return sink_.Write(stream, out);
  }

  int fd_;
  const LogReadOptions& o_;
  LogSink& sink_;
  LogReadStats& stats_;
  std::string carry_;
  bool discarding_ = false;
};

// Waits until the file changes (inotify) or poll_ms pass.
class ChangeWaiter {
 public:
  explicit ChangeWaiter(const std::string& path) {
    fd_.Reset(inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
    if (fd_.valid() && inotify_add_watch(fd_.get(), path.c_str(), IN_MODIFY | IN_ATTRIB) < 0) {
      fd_.Reset();
    }
  }

  Status Wait(int poll_ms) {
    if (!fd_.valid()) {
      usleep(static_cast<useconds_t>(poll_ms) * 1000);
      return CheckInterrupted();
    }
    struct pollfd p = {fd_.get(), POLLIN, 0};
    if (::poll(&p, 1, poll_ms) < 0 && errno != EINTR) return ErrnoError("poll container log");
    char events[4096];
    while (::read(fd_.get(), events, sizeof events) > 0) {
    }
    return CheckInterrupted();
  }

 private:
  UniqueFd fd_;
};

}  // namespace

Status ReadJsonLog(const std::string& path, const LogReadOptions& o, LogSink& sink,
                   LogReadStats* stats) {
  LogReadStats local;
  LogReadStats& st = stats ? *stats : local;
  UniqueFd fd = TRY(OpenFile(path, O_RDONLY));
  // Watch before the size is taken, so no append after it goes unnoticed.
  std::unique_ptr<ChangeWaiter> waiter;
  if (o.follow) waiter = std::make_unique<ChangeWaiter>(path);
  struct stat sb;
  if (::fstat(fd.get(), &sb) != 0) return ErrnoError("stat " + path);
  uint64_t start = 0;
  if (o.tail >= 0) start = TRY(TailStart(fd.get(), static_cast<uint64_t>(sb.st_size), o.tail, st));
  if (::lseek(fd.get(), static_cast<off_t>(start), SEEK_SET) < 0) return ErrnoError("seek " + path);
  LineFeeder feeder(fd.get(), o, sink, st);
  bool done = false;
  if (!o.follow) return feeder.ReadToEnd(&done);
  for (;;) {
    bool running = o.still_running && o.still_running();
    TRY(feeder.ReadToEnd(&done));
    if (done || !running) return Ok();
    TRY(waiter->Wait(o.poll_ms));
  }
}

}  // namespace berth::runtime
