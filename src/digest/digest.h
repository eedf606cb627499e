// Digest: a validated content address "sha256:<64 lowercase hex>", and the
// streaming SHA-256 that produces one.
#pragma once

#include <compare>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "base/io.h"
#include "base/result.h"

namespace berth {

class Digest {
 public:
  Digest() = default;  // empty; valid() is false

  // Parses "sha256:<64 hex>". InvalidArgument with Docker-like wording
  // ("invalid checksum digest format", "unsupported digest algorithm",
  // "invalid checksum digest length") otherwise.
  static Result<Digest> Parse(std::string_view s);
  // From 64 lowercase hex characters.
  static Result<Digest> FromHex(std::string_view hex);
  // SHA-256 of the given bytes.
  static Digest Of(std::string_view data);

  bool valid() const { return !hex_.empty(); }
  const std::string& hex() const { return hex_; }
  std::string algorithm() const { return "sha256"; }
  std::string str() const { return "sha256:" + hex_; }
  std::string Short() const { return hex_.substr(0, 12); }  // Docker's 12-char id

  auto operator<=>(const Digest&) const = default;

 private:
  std::string hex_;
};

// Streaming SHA-256 (OpenSSL's SHA-256 block functions, SHA-NI/AVX2 where
// the CPU has them).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::span<const std::byte> data);
  void Update(std::string_view data) { Update(AsBytes(data)); }
  // Returns the digest; the hasher must not be updated afterwards.
  Digest Finish();
  uint64_t bytes() const { return bytes_; }

 private:
  // OpenSSL's SHA256_CTX (112 bytes), kept opaque so that includers do not
  // see OpenSSL. 64-byte aligned: the SHA-NI block code faults on a context
  // that is only 8-aligned (seen in bench/micro_digest). digest.cc checks the size.
  alignas(64) unsigned char ctx_[112];
  uint64_t bytes_ = 0;
};

// A Writer that hashes everything written and passes it on to next (may be null).
class HashingWriter : public Writer {
 public:
  explicit HashingWriter(Writer* next = nullptr) : next_(next) {}
  Status Write(std::span<const std::byte> data) override;
  Digest Finish() { return hash_.Finish(); }
  uint64_t bytes() const { return hash_.bytes(); }

 private:
  Writer* next_;
  Sha256 hash_;
};

// A Reader that hashes everything read through it.
class HashingReader : public Reader {
 public:
  explicit HashingReader(Reader& src) : src_(src) {}
  Result<size_t> Read(std::span<std::byte> buf) override;
  Digest Finish() { return hash_.Finish(); }
  uint64_t bytes() const { return hash_.bytes(); }

 private:
  Reader& src_;
  Sha256 hash_;
};

}  // namespace berth

template <>
struct std::hash<berth::Digest> {
  size_t operator()(const berth::Digest& d) const { return std::hash<std::string>()(d.hex()); }
};
