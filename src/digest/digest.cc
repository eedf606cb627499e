// Digest parsing and SHA-256 hashing. Every blob berth stores or sends is
// named by one of these, so parsing is strict: lowercase hex, sha256 only.
#include "digest/digest.h"

// The SHA256_Init/Update/Final block API is deprecated in OpenSSL 3 in favour
// of EVP, but it is still exported and is what keeps berth's startup fast:
// EVP drags in the provider machinery (and, statically linked, most of
// libcrypto, with its configuration loading on first use), while these pull
// only the SHA-256 code, with the same assembly underneath.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include <new>

#include "base/strings.h"

namespace berth {

Result<Digest> Digest::Parse(std::string_view s) {
  auto colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return MakeError(Code::kInvalidArgument, "invalid checksum digest format");
  }
  std::string_view alg = s.substr(0, colon);
  if (alg != "sha256") {
    for (char c : alg) {
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '.' ||
            c == '_' || c == '-')) {
        return MakeError(Code::kInvalidArgument, "invalid checksum digest format");
      }
    }
    return MakeError(Code::kInvalidArgument, "unsupported digest algorithm");
  }
  return FromHex(s.substr(colon + 1));
}

Result<Digest> Digest::FromHex(std::string_view hex) {
  if (hex.size() != 64) return MakeError(Code::kInvalidArgument, "invalid checksum digest length");
  if (!IsHex(hex)) return MakeError(Code::kInvalidArgument, "invalid checksum digest format");
  Digest d;
  d.hex_ = std::string(hex);
  return d;
}

Digest Digest::Of(std::string_view data) {
  Sha256 h;
  h.Update(data);
  return h.Finish();
}

namespace {
SHA256_CTX* Ctx(unsigned char* storage) {
  return std::launder(reinterpret_cast<SHA256_CTX*>(storage));
}
}  // namespace

Sha256::Sha256() {
  static_assert(sizeof(SHA256_CTX) <= sizeof(ctx_) && alignof(SHA256_CTX) <= 8);
  SHA256_Init(new (ctx_) SHA256_CTX);
}
Sha256::~Sha256() = default;  // SHA256_CTX is plain data

void Sha256::Update(std::span<const std::byte> data) {
  SHA256_Update(Ctx(ctx_), data.data(), data.size());
  bytes_ += data.size();
}

Digest Sha256::Finish() {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256_Final(md, Ctx(ctx_));
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * SHA256_DIGEST_LENGTH);
  for (unsigned char b : md) {
    hex += kHex[b >> 4];
    hex += kHex[b & 15];
  }
  return *Digest::FromHex(hex);
}

Status HashingWriter::Write(std::span<const std::byte> data) {
  hash_.Update(data);
  if (next_) return next_->Write(data);
  return Ok();
}

Result<size_t> HashingReader::Read(std::span<std::byte> buf) {
  size_t n = TRY(src_.Read(buf));
  hash_.Update(std::span<const std::byte>(buf.data(), n));
  return n;
}

}  // namespace berth
