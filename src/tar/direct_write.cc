// O_DIRECT needs the buffer address, the file offset and the length aligned;
// a tar's data blocks are none of these, so they are gathered into an
// aligned buffer first (one memcpy, in warm memory), and the descriptor's
// O_DIRECT flag is dropped for the unaligned tail.
#include "tar/direct_write.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "tar/archive_util.h"

namespace berth {
namespace {

constexpr size_t kAlign = 4096;
constexpr size_t kBuf = static_cast<size_t>(DirectWriter::kMinSize);

}  // namespace

Result<int64_t> DirectWriter::Write(archive* a, int fd, int64_t size) {
  if (!buf_) {
    buf_.reset(static_cast<std::byte*>(std::aligned_alloc(kAlign, kBuf)));
    if (!buf_) return MakeError(Code::kInternal, "out of memory for a direct write buffer");
  }
  int flags = ::fcntl(fd, F_GETFL);
  bool direct = flags >= 0 && ::fcntl(fd, F_SETFL, flags | O_DIRECT) == 0;
  std::byte* buf = buf_.get();
  size_t fill = 0;
  int64_t at = 0;  // file offset of buf[0]
  auto drop_direct = [&]() -> Status {
    direct = false;
    if (::fcntl(fd, F_SETFL, flags) != 0) return ErrnoError("fcntl");
    return Ok();
  };
  // Writes the aligned part of the buffer, or all of it when last.
  auto flush = [&](bool last) -> Status {
    size_t n = last ? fill : fill / kAlign * kAlign;
    if (last && direct && n % kAlign != 0) TRY(drop_direct());
    for (size_t done = 0; done < n;) {
      ssize_t w = ::pwrite(fd, buf + done, n - done, at + static_cast<int64_t>(done));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0 && errno == EINVAL && direct) {  // refused after all: through the cache
        TRY(drop_direct());
        continue;
      }
      if (w < 0) return ErrnoError("write");
      done += static_cast<size_t>(w);
    }
    std::memmove(buf, buf + n, fill - n);
    fill -= n;
    at += static_cast<int64_t>(n);
    return Ok();
  };
  for (;;) {
    const void* data;
    size_t n;
    la_int64_t offset;
    int r = archive_read_data_block(a, &data, &n, &offset);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) return ArchiveError(a, "reading file data");
    if (offset != at + static_cast<int64_t>(fill) || offset > size ||
        n > static_cast<uint64_t>(size - offset)) {
      return MakeError(Code::kDataLoss, "file data beyond the file's size (bad sparse map)");
    }
    const std::byte* p = static_cast<const std::byte*>(data);
    while (n > 0) {
      size_t take = std::min(n, kBuf - fill);
      std::memcpy(buf + fill, p, take);
      fill += take;
      p += take;
      n -= take;
      if (fill == kBuf) TRY(flush(false));
    }
  }
  TRY(flush(true));
  if (direct) TRY(drop_direct());  // the caller's later calls on fd expect no O_DIRECT
  return at;
}

}  // namespace berth
