// The tar writer behind `save`. An image archive is a handful of JSON files
// and a list of blobs copied byte for byte from the store, so the format
// needs nothing but directories and regular files with short names; owning
// the 512-byte headers keeps the output reproducible (owner 0/0, mode 0644
// or 0755, mtime 0, no user names) and the copy streaming with one buffer.
// Sizes past ustar's 8 GiB octal field use the base-256 form that GNU tar,
// Go's archive/tar (docker, podman, skopeo) and libarchive all read.
#include "tar/tar_writer.h"

#include <array>
#include <cstring>
#include <string>

namespace berth {
namespace {

constexpr size_t kBlock = 512;

// Writes v as zero-padded octal into field (width-1 digits + NUL).
void Octal(char* field, size_t width, uint64_t v) {
  std::string s(width - 1, '0');
  for (size_t i = width - 1; i > 0 && v > 0; i--, v >>= 3) s[i - 1] = static_cast<char>('0' + (v & 7));
  std::memcpy(field, s.data(), width - 1);
  field[width - 1] = '\0';
}

// The 12-byte size field: octal up to 8 GiB - 1, base-256 beyond.
void SizeField(char* field, uint64_t size) {
  if (size < (uint64_t{1} << 33)) return Octal(field, 12, size);
  std::memset(field, 0, 12);
  field[0] = static_cast<char>(0x80);
  for (int i = 11; i >= 4; i--, size >>= 8) field[i] = static_cast<char>(size & 0xff);
}

}  // namespace

Status TarWriter::Emit(std::span<const std::byte> data) {
  TRY(out_.Write(data));
  written_ += static_cast<int64_t>(data.size());
  return Ok();
}

Status TarWriter::Header(std::string_view name, char type, int mode, int64_t size) {
  if (finished_) return MakeError(Code::kInternal, "tar: entry after the end of the archive");
  if (name.empty() || name.size() > 100) {
    return MakeError(Code::kInvalidArgument, "tar: name does not fit a ustar header: " + std::string(name));
  }
  std::array<char, kBlock> h{};
  std::memcpy(h.data(), name.data(), name.size());
  Octal(&h[100], 8, static_cast<uint64_t>(mode));
  Octal(&h[108], 8, 0);  // uid
  Octal(&h[116], 8, 0);  // gid
  SizeField(&h[124], static_cast<uint64_t>(size));
  Octal(&h[136], 12, kTarWriterMtime);
  h[156] = type;
  std::memcpy(&h[257], "ustar", 6);  // magic "ustar\0", version "00"
  std::memcpy(&h[263], "00", 2);
  std::memset(&h[148], ' ', 8);
  unsigned sum = 0;
  for (char c : h) sum += static_cast<unsigned char>(c);
  Octal(&h[148], 7, sum);
  h[155] = ' ';
  return Emit(std::as_bytes(std::span(h)));
}

Status TarWriter::Pad(int64_t size) {
  static const std::array<std::byte, kBlock> kZeros{};
  size_t rem = static_cast<size_t>(size % kBlock);
  if (rem == 0) return Ok();
  return Emit(std::span(kZeros).first(kBlock - rem));
}

Status TarWriter::AddDir(std::string_view name) {
  std::string n(name);
  if (!n.ends_with('/')) n += '/';
  return Header(n, '5', 0755, 0);
}

Status TarWriter::AddFile(std::string_view name, std::string_view data) {
  TRY(Header(name, '0', 0644, static_cast<int64_t>(data.size())));
  TRY(Emit(AsBytes(data)));
  return Pad(static_cast<int64_t>(data.size()));
}

Status TarWriter::AddFile(std::string_view name, int64_t size, Reader& src,
                          std::span<std::byte> buf) {
  TRY(Header(name, '0', 0644, size));
  int64_t left = size;
  while (left > 0) {
    size_t want = static_cast<size_t>(std::min<int64_t>(left, static_cast<int64_t>(buf.size())));
    size_t n = TRY(src.Read(buf.first(want)));
    if (n == 0) {
      return MakeError(Code::kDataLoss, std::string(name) + ": ended after " +
                                            std::to_string(size - left) + " of " +
                                            std::to_string(size) + " bytes");
    }
    TRY(Emit(buf.first(n)));
    left -= static_cast<int64_t>(n);
  }
  std::byte extra[1];
  if (TRY(src.Read(extra)) != 0) {
    return MakeError(Code::kDataLoss, std::string(name) + ": longer than " + std::to_string(size) + " bytes");
  }
  return Pad(size);
}

Status TarWriter::Finish() {
  static const std::array<std::byte, 2 * kBlock> kEnd{};
  TRY(Emit(kEnd));
  finished_ = true;
  return Ok();
}

}  // namespace berth
