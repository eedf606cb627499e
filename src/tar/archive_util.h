// Glue between berth's Reader/Writer streams and libarchive (tar/ and image/load).
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "base/io.h"
#include "base/result.h"

namespace berth {

struct ArchiveReadFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct ArchiveWriteFree {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct ArchiveEntryFree {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};
using ArchiveReadPtr = std::unique_ptr<archive, ArchiveReadFree>;
using ArchiveWritePtr = std::unique_ptr<archive, ArchiveWriteFree>;
using ArchiveEntryPtr = std::unique_ptr<archive_entry, ArchiveEntryFree>;

// Feeds a Reader to libarchive and remembers the Reader's own error, so that a
// failure below (a bad gzip checksum, a network error) reaches the caller as it was
// rather than as libarchive's generic "read error".
class ArchiveSource {
 public:
  explicit ArchiveSource(Reader& src) : src_(src), buf_(128 * 1024) {}
  Reader& reader() { return src_; }
  // Bytes handed to libarchive so far.
  uint64_t delivered() const { return delivered_; }
  // The Reader's error when there was one, else fallback.
  Error TakeError(Error fallback) { return error_ ? std::move(*error_) : std::move(fallback); }

  static la_ssize_t ReadCallback(archive* a, void* self, const void** buf);

 private:
  Reader& src_;
  std::vector<std::byte> buf_;
  std::optional<Error> error_;
  uint64_t delivered_ = 0;
};

// A libarchive reader for tar (ustar, pax, GNU) and the empty archive, no filters,
// reading from source.
Result<ArchiveReadPtr> OpenTarReader(ArchiveSource& source);

// kDataLoss "what: <libarchive's message>".
Error ArchiveError(archive* a, std::string_view what);

// Entry names as bytes: the UTF-8 form when libarchive has one (pax records), else
// the raw header bytes. Null when absent.
const char* EntryPathname(archive_entry* e);
const char* EntryHardlink(archive_entry* e);
const char* EntrySymlink(archive_entry* e);

}  // namespace berth
