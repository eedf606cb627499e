// Reader and Writer: the streaming interfaces blobs, compressors, hashers
// and tar code are chained with. Bounded memory: data moves in chunks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "base/fd.h"
#include "base/result.h"

namespace berth {

class Reader {
 public:
  virtual ~Reader() = default;
  // Reads up to buf.size() bytes; returns 0 at end of stream.
  virtual Result<size_t> Read(std::span<std::byte> buf) = 0;
};

class Writer {
 public:
  virtual ~Writer() = default;
  // Writes all of data or fails.
  virtual Status Write(std::span<const std::byte> data) = 0;
};

// Reads from a file descriptor (not owned unless given a UniqueFd). Read
// fails with Cancelled ("interrupted") once berth has been interrupted
// (base/interrupt.h), including out of a read() the signal broke off.
class FdReader : public Reader {
 public:
  explicit FdReader(int fd) : fd_(fd) {}
  explicit FdReader(UniqueFd fd) : owned_(std::move(fd)), fd_(owned_.get()) {}
  Result<size_t> Read(std::span<std::byte> buf) override;

 private:
  UniqueFd owned_;
  int fd_;
};

// Writes to a file descriptor (not owned unless given a UniqueFd). Write
// fails with Cancelled once berth has been interrupted, as FdReader::Read.
class FdWriter : public Writer {
 public:
  explicit FdWriter(int fd) : fd_(fd) {}
  explicit FdWriter(UniqueFd fd) : owned_(std::move(fd)), fd_(owned_.get()) {}
  Status Write(std::span<const std::byte> data) override;

 private:
  UniqueFd owned_;
  int fd_;
};

// Reads from a string held in memory.
class StringReader : public Reader {
 public:
  explicit StringReader(std::string data) : data_(std::move(data)) {}
  Result<size_t> Read(std::span<std::byte> buf) override;

 private:
  std::string data_;
  size_t pos_ = 0;
};

// Appends everything written to a string.
class StringWriter : public Writer {
 public:
  Status Write(std::span<const std::byte> data) override;
  const std::string& data() const { return data_; }
  std::string Take() { return std::move(data_); }

 private:
  std::string data_;
};

// Discards everything; counts bytes.
class NullWriter : public Writer {
 public:
  Status Write(std::span<const std::byte> data) override {
    count_ += data.size();
    return Ok();
  }
  uint64_t count() const { return count_; }

 private:
  uint64_t count_ = 0;
};

// Reads from src and copies every byte read to side (e.g. a blob writer
// keeping the compressed bytes while a decompressor consumes them).
class TeeReader : public Reader {
 public:
  TeeReader(Reader& src, Writer& side) : src_(src), side_(side) {}
  Result<size_t> Read(std::span<std::byte> buf) override {
    size_t n = TRY(src_.Read(buf));
    TRY(side_.Write(std::span<const std::byte>(buf.data(), n)));
    return n;
  }

 private:
  Reader& src_;
  Writer& side_;
};

// Serves a few bytes already read from src (a head peeked at to detect a
// format), then the rest of src.
class PeekedReader : public Reader {
 public:
  PeekedReader(std::string prefix, Reader& src) : prefix_(std::move(prefix)), src_(src) {}
  Result<size_t> Read(std::span<std::byte> buf) override;

 private:
  std::string prefix_;
  size_t pos_ = 0;
  Reader& src_;
};

// Reads up to n bytes (fewer only at end of stream).
Result<std::string> ReadHead(Reader& src, size_t n);

// Copies src to dst until end of stream; returns the number of bytes copied.
Result<uint64_t> Copy(Reader& src, Writer& dst, size_t chunk = 1 << 20);

// Reads everything from src into a string (for small inputs like manifests).
Result<std::string> ReadAll(Reader& src, uint64_t limit = UINT64_MAX);

inline std::span<const std::byte> AsBytes(std::string_view s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

}  // namespace berth
