// Plain fd/string implementations of Reader and Writer plus Copy: every
// stream berth moves ends in one of these, which makes FdReader/FdWriter the
// place where an interrupt (base/interrupt.h) stops a transfer.
#include "base/io.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "base/interrupt.h"

namespace berth {

// Both fd loops check for an interrupt before every syscall: the signal
// handler is installed without SA_RESTART, so a read() blocked on a slow pipe
// returns EINTR and the next turn of the loop turns it into Cancelled. (A
// signal landing between the check and the syscall is seen at the next one.)
Result<size_t> FdReader::Read(std::span<std::byte> buf) {
  for (;;) {
    TRY(CheckInterrupted());
    ssize_t n = ::read(fd_, buf.data(), buf.size());
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) return ErrnoError("read");
  }
}

Status FdWriter::Write(std::span<const std::byte> data) {
  while (!data.empty()) {
    TRY(CheckInterrupted());
    ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("write");
    }
    data = data.subspan(static_cast<size_t>(n));
  }
  return Ok();
}

Result<size_t> StringReader::Read(std::span<std::byte> buf) {
  size_t n = std::min(buf.size(), data_.size() - pos_);
  std::memcpy(buf.data(), data_.data() + pos_, n);
  pos_ += n;
  return n;
}

Status StringWriter::Write(std::span<const std::byte> data) {
  data_.append(reinterpret_cast<const char*>(data.data()), data.size());
  return Ok();
}

Result<uint64_t> Copy(Reader& src, Writer& dst, size_t chunk) {
  std::vector<std::byte> buf(chunk);
  uint64_t total = 0;
  for (;;) {
    size_t n = TRY(src.Read(buf));
    if (n == 0) return total;
    TRY(dst.Write(std::span<const std::byte>(buf.data(), n)));
    total += n;
  }
}

Result<std::string> ReadAll(Reader& src, uint64_t limit) {
  std::string out;
  std::byte buf[65536];
  for (;;) {
    size_t n = TRY(src.Read(buf));
    if (n == 0) return out;
    if (out.size() + n > limit) return MakeError(Code::kInvalidArgument, "input too large");
    out.append(reinterpret_cast<const char*>(buf), n);
  }
}

Result<size_t> PeekedReader::Read(std::span<std::byte> buf) {
  if (pos_ < prefix_.size()) {
    size_t n = std::min(buf.size(), prefix_.size() - pos_);
    std::memcpy(buf.data(), prefix_.data() + pos_, n);
    pos_ += n;
    return n;
  }
  return src_.Read(buf);
}

Result<std::string> ReadHead(Reader& src, size_t n) {
  std::string head(n, '\0');
  size_t got = 0;
  while (got < n) {
    size_t r = TRY(src.Read(std::span<std::byte>(reinterpret_cast<std::byte*>(head.data()) + got, n - got)));
    if (r == 0) break;
    got += r;
  }
  head.resize(got);
  return head;
}

}  // namespace berth
