// libarchive adapters shared by extraction and layer writing: callbacks that
// connect it to Reader/Writer, error translation, and name access that keeps file
// names as the bytes Docker would create.
#include "tar/archive_util.h"

#include <cerrno>
#include <string>

namespace berth {

la_ssize_t ArchiveSource::ReadCallback(archive* a, void* self, const void** buf) {
  auto* s = static_cast<ArchiveSource*>(self);
  auto r = s->src_.Read(s->buf_);
  if (!r.ok()) {
    archive_set_error(a, EIO, "%s", r.error().message.c_str());
    s->error_ = std::move(r).error();
    return -1;
  }
  *buf = s->buf_.data();
  s->delivered_ += *r;
  return static_cast<la_ssize_t>(*r);
}

Result<ArchiveReadPtr> OpenTarReader(ArchiveSource& source) {
  ArchiveReadPtr a(archive_read_new());
  if (!a) return MakeError(Code::kInternal, "archive_read_new failed");
  // Layers are tar; the other formats libarchive knows (zip, iso9660, rar, ...) are
  // attack surface a layer has no use for.
  archive_read_support_format_tar(a.get());
  archive_read_support_format_gnutar(a.get());
  archive_read_support_format_empty(a.get());
  if (archive_read_open(a.get(), &source, nullptr, &ArchiveSource::ReadCallback, nullptr) !=
      ARCHIVE_OK) {
    return source.TakeError(ArchiveError(a.get(), "reading tar"));
  }
  return a;
}

Error ArchiveError(archive* a, std::string_view what) {
  const char* msg = archive_error_string(a);
  return MakeError(Code::kDataLoss, std::string(what) + ": " + (msg ? msg : "unknown error"));
}

const char* EntryPathname(archive_entry* e) {
  const char* s = archive_entry_pathname_utf8(e);
  return s ? s : archive_entry_pathname(e);
}

const char* EntryHardlink(archive_entry* e) {
  const char* s = archive_entry_hardlink_utf8(e);
  return s ? s : archive_entry_hardlink(e);
}

const char* EntrySymlink(archive_entry* e) {
  const char* s = archive_entry_symlink_utf8(e);
  return s ? s : archive_entry_symlink(e);
}

}  // namespace berth
