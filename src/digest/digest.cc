// Digest parsing and SHA-256 hashing. Every blob berth stores or sends is
// named by one of these, so parsing is strict: lowercase hex, sha256 only.
#include "digest/digest.h"

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

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr); }
Sha256::~Sha256() { EVP_MD_CTX_free(ctx_); }

void Sha256::Update(std::span<const std::byte> data) {
  EVP_DigestUpdate(ctx_, data.data(), data.size());
  bytes_ += data.size();
}

Digest Sha256::Finish() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx_, md, &len);
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(len * 2);
  for (unsigned i = 0; i < len; i++) {
    hex += kHex[md[i] >> 4];
    hex += kHex[md[i] & 15];
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
