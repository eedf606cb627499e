// Plain fd/string implementations of Reader and Writer plus Copy.
#include "base/io.h"

#include <cerrno>
#include <cstring>
#include <vector>

namespace berth {

Result<size_t> FdReader::Read(std::span<std::byte> buf) {
  for (;;) {
    ssize_t n = ::read(fd_, buf.data(), buf.size());
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) return ErrnoError("read");
  }
}

Status FdWriter::Write(std::span<const std::byte> data) {
  while (!data.empty()) {
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

}  // namespace berth
