// The writing half of Docker's json-file logs. `docker logs`, log shippers
// and people's scripts read <id>-json.log files directly, so berth writes
// them byte for byte as docker 20.10 does: the same record splitting as its
// log copier (lines, 16 KiB cuts, the partial-line timestamps) and the same
// JSON escaping as its json-file driver (which is not Go's encoding/json:
// a tab is \u0009 there). json_log_test.cc checks this against files docker
// wrote; json_log_reader.cc is the reading half.
#include "runtime/json_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "base/clock.h"
#include "base/file.h"

namespace berth::runtime {

std::string_view LogStreamName(LogStream stream) {
  return stream == LogStream::kStdout ? "stdout" : "stderr";
}

// The first byte decides the length and the range allowed for the second
// byte, which rules out overlong forms, surrogates and values past U+10FFFF.
size_t DecodeGoRune(std::string_view s, char32_t* rune) {
  auto b0 = static_cast<unsigned char>(s[0]);
  size_t n;
  unsigned char lo = 0x80, hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (s.size() < n) return 0;
  auto b1 = static_cast<unsigned char>(s[1]);
  if (b1 < lo || b1 > hi) return 0;
  char32_t r = (b0 & (0xFF >> (n + 1))) << 6 | (b1 & 0x3F);
  for (size_t i = 2; i < n; i++) {
    auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80 || b > 0xBF) return 0;
    r = r << 6 | (b & 0x3F);
  }
  *rune = r;
  return n;
}

void AppendDockerJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  size_t start = 0;
  size_t i = 0;
  while (i < s.size()) {
    auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      if (b >= 0x20 && b != '\\' && b != '"' && b != '<' && b != '>' && b != '&') {
        i++;
        continue;
      }
      out.append(s, start, i - start);
      switch (b) {
        case '\\': out += "\\\\"; break;
        case '"': out += "\\\""; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        default:
          out += "\\u00";
          out += kHex[b >> 4];
          out += kHex[b & 0xF];
      }
      start = ++i;
      continue;
    }
    char32_t r = 0;
    size_t n = DecodeGoRune(s.substr(i), &r);
    if (n == 0) {
      out.append(s, start, i - start);
      out += "\\ufffd";
      start = ++i;
      continue;
    }
    if (r == 0x2028 || r == 0x2029) {
      out.append(s, start, i - start);
      out += r == 0x2028 ? "\\u2028" : "\\u2029";
      start = i + n;
    }
    i += n;
  }
  out.append(s, start, s.size() - start);
  out += '"';
}

std::string EncodeJsonLogRecord(std::string_view log, LogStream stream, int64_t time_ns) {
  std::string out;
  out.reserve(log.size() + 64);
  out += "{\"log\":";
  AppendDockerJsonString(out, log);
  out += ",\"stream\":\"";
  out += LogStreamName(stream);
  out += "\",\"time\":\"";
  out += FormatRfc3339Nano(time_ns);
  out += "\"}\n";
  return out;
}

Result<std::unique_ptr<JsonLogWriter>> JsonLogWriter::Open(const std::string& path) {
  UniqueFd fd = TRY(OpenFile(path, O_WRONLY | O_APPEND | O_CREAT, 0640));
  return std::unique_ptr<JsonLogWriter>(new JsonLogWriter(std::move(fd)));
}

// One record of stream: a whole line (last, with its "\n"), or a cut of one.
// A line's cuts and its end share the time of its first cut, as docker's
// partial messages do.
void JsonLogWriter::Emit(std::string& out, LogStream stream, std::string_view log, bool last,
                         int64_t now_ns) {
  Pending& p = pending_[static_cast<int>(stream)];
  if (p.partial_ts < 0 && !last) p.partial_ts = now_ns;
  out += EncodeJsonLogRecord(log, stream, p.partial_ts >= 0 ? p.partial_ts : now_ns);
  if (last) p.partial_ts = -1;
}

Status JsonLogWriter::Write(LogStream stream, std::span<const char> bytes, int64_t now_ns) {
  std::lock_guard lock(mu_);
  Pending& p = pending_[static_cast<int>(stream)];
  std::string out;
  std::string_view in(bytes.data(), bytes.size());
  // docker's copier looks for a newline only in its 16 KiB buffer: a line
  // is cut when the buffer fills first, even if its newline is just behind.
  while (!in.empty()) {
    size_t room = kLogLineBufferSize - p.line.size();
    std::string_view window = in.substr(0, room);
    size_t nl = window.find('\n');
    if (nl != std::string_view::npos) {
      std::string_view rest = in.substr(0, nl);
      if (p.line.empty()) {
        std::string line(rest);
        line += '\n';
        Emit(out, stream, line, true, now_ns);
      } else {
        p.line.append(rest);
        p.line += '\n';
        Emit(out, stream, p.line, true, now_ns);
        p.line.clear();
      }
      in.remove_prefix(nl + 1);
    } else if (window.size() == room) {
      p.line.append(window);
      Emit(out, stream, p.line, false, now_ns);
      p.line.clear();
      in.remove_prefix(room);
    } else {
      p.line.append(in);
      break;
    }
  }
  return WriteOut(out);
}

Status JsonLogWriter::Flush(LogStream stream, int64_t now_ns) {
  std::lock_guard lock(mu_);
  Pending& p = pending_[static_cast<int>(stream)];
  if (p.line.empty()) {
    p.partial_ts = -1;
    return Ok();
  }
  std::string out;
  Emit(out, stream, p.line, false, now_ns);
  p.line.clear();
  p.partial_ts = -1;
  return WriteOut(out);
}

Status JsonLogWriter::Flush(int64_t now_ns) {
  TRY(Flush(LogStream::kStdout, now_ns));
  return Flush(LogStream::kStderr, now_ns);
}

size_t JsonLogWriter::pending(LogStream stream) const {
  std::lock_guard lock(mu_);
  return pending_[static_cast<int>(stream)].line.size();
}

Status JsonLogWriter::WriteOut(const std::string& out) {
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::write(fd_.get(), out.data() + done, out.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("write container log");
    }
    done += static_cast<size_t>(n);
  }
  return Ok();
}

}  // namespace berth::runtime
