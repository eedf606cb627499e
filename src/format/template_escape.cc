// The escaping functions of Go's text/template (html, js, urlquery), byte
// for byte as Go writes them, since docker templates can call them and
// scripts compare the output.
#include "format/template_escape.h"
#include "base/utf8.h"

#include <cstdint>

namespace berth::tmpl {
namespace {

constexpr char kUpperHex[] = "0123456789ABCDEF";

}  // namespace

uint32_t DecodeRune(std::string_view s, size_t i, size_t& size) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  unsigned char c = b(0);
  size = 1;
  if (c < 0x80) return c;
  size_t n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
  if (n == 0 || c > 0xf4 || i + n > s.size()) return 0xfffd;
  uint32_t r = c & (0xff >> (n + 1));
  for (size_t k = 1; k < n; k++) {
    if ((b(k) & 0xc0) != 0x80) return 0xfffd;
    r = (r << 6) | (b(k) & 0x3f);
  }
  // Overlong forms, surrogates and values past U+10FFFF are invalid.
  if ((n == 3 && r < 0x800) || (n == 4 && (r < 0x10000 || r > 0x10ffff)) ||
      (r >= 0xd800 && r <= 0xdfff)) {
    return 0xfffd;
  }
  size = n;
  return r;
}

namespace {

struct Range {
  uint32_t lo, hi;
};

// Code points >= 0x80 that unicode.IsPrint rejects (categories Cc, Cf, Co,
// Zs, Zl, Zp and the noncharacters of the BMP).
constexpr Range kNotPrint[] = {
    {0x80, 0xa0},       {0xad, 0xad},       {0x600, 0x605},     {0x61c, 0x61c},
    {0x6dd, 0x6dd},     {0x70f, 0x70f},     {0x890, 0x891},     {0x8e2, 0x8e2},
    {0x1680, 0x1680},   {0x180e, 0x180e},   {0x2000, 0x200f},   {0x2028, 0x202f},
    {0x205f, 0x2064},   {0x2066, 0x206f},   {0x3000, 0x3000},   {0xd800, 0xf8ff},
    {0xfdd0, 0xfdef},   {0xfeff, 0xfeff},   {0xfff9, 0xfffb},   {0xfffe, 0xffff},
    {0x110bd, 0x110bd}, {0x110cd, 0x110cd}, {0x13430, 0x1343f}, {0x1bca0, 0x1bca3},
    {0x1d173, 0x1d17a}, {0xe0001, 0xe0001}, {0xe0020, 0xe007f}, {0xf0000, 0x10ffff},
};

}  // namespace

bool IsPrintRune(uint32_t r) {
  if (r < 0x80) return r >= 0x20 && r < 0x7f;
  if ((r & 0xfffe) == 0xfffe) return false;  // U+xFFFE and U+xFFFF in every plane
  for (const Range& range : kNotPrint) {
    if (r >= range.lo && r <= range.hi) return false;
  }
  return true;
}

std::string HtmlEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '\0': out += "\xef\xbf\xbd"; break;
      default: out += c;
    }
  }
  return out;
}

std::string JsEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); i++) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      size_t size = 1;
      uint32_t r = DecodeRune(s, i, size);
      if (r == 0xfffd || IsPrintRune(r)) {
        out.append(s.substr(i, size));  // invalid bytes too: Go counts U+FFFD printable
      } else {
        out += "\\u";
        std::string hex;
        for (uint32_t v = r; v; v >>= 4) hex.insert(hex.begin(), kUpperHex[v & 0xf]);
        if (hex.size() < 4) hex.insert(0, 4 - hex.size(), '0');
        out += hex;
      }
      i += size - 1;
      continue;
    }
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\'': out += "\\'"; break;
      case '"': out += "\\\""; break;
      case '<': out += "\\u003C"; break;
      case '>': out += "\\u003E"; break;
      case '&': out += "\\u0026"; break;
      case '=': out += "\\u003D"; break;
      default:
        if (c < ' ') {
          out += "\\u00";
          out += kUpperHex[c >> 4];
          out += kUpperHex[c & 0xf];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

std::string UrlQueryEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
        c == '-' || c == '_' || c == '.' || c == '~') {
      out += ch;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kUpperHex[c >> 4];
      out += kUpperHex[c & 0xf];
    }
  }
  return out;
}

uint32_t ToUpperRune(uint32_t r) {
  if (r >= 'a' && r <= 'z') return r - 0x20;
  if (r < 0x80) return r;
  if ((r >= 0xe0 && r <= 0xfe && r != 0xf7) || (r >= 0x3b1 && r <= 0x3cb && r != 0x3c2) ||
      (r >= 0x430 && r <= 0x44f)) {
    return r - 0x20;
  }
  switch (r) {
    case 0xb5: return 0x39c;
    case 0xff: return 0x178;
    case 0x131: return 'I';
    case 0x17f: return 'S';
    case 0x1c5: case 0x1c6: return 0x1c4;
    case 0x1c8: case 0x1c9: return 0x1c7;
    case 0x1cb: case 0x1cc: return 0x1ca;
    case 0x3c2: return 0x3a3;
    case 0x3ac: return 0x386;
    case 0x3cc: return 0x38c;
    default: break;
  }
  if (r >= 0x3ad && r <= 0x3af) return r - 0x25;
  if (r >= 0x3cd && r <= 0x3ce) return r - 0x3f;
  if (r >= 0x450 && r <= 0x45f) return r - 0x50;
  bool odd_lower = (r >= 0x100 && r <= 0x137) || (r >= 0x14a && r <= 0x177) ||
                   (r >= 0x460 && r <= 0x481) || (r >= 0x48a && r <= 0x4bf) || (r >= 0x4d0 && r <= 0x52f);
  if (odd_lower && (r & 1)) return r - 1;
  bool even_lower = (r >= 0x139 && r <= 0x148) || (r >= 0x179 && r <= 0x17e);
  if (even_lower && !(r & 1)) return r - 1;
  return r;
}

uint32_t ToLowerRune(uint32_t r) {
  if (r >= 'A' && r <= 'Z') return r + 0x20;
  if (r < 0x80) return r;
  if ((r >= 0xc0 && r <= 0xde && r != 0xd7) || (r >= 0x391 && r <= 0x3ab && r != 0x3a2) ||
      (r >= 0x410 && r <= 0x42f)) {
    return r + 0x20;
  }
  switch (r) {
    case 0x178: return 0xff;
    case 0x130: return 'i';
    case 0x1c4: case 0x1c5: return 0x1c6;
    case 0x1c7: case 0x1c8: return 0x1c9;
    case 0x1ca: case 0x1cb: return 0x1cc;
    case 0x386: return 0x3ac;
    case 0x38c: return 0x3cc;
    default: break;
  }
  if (r >= 0x388 && r <= 0x38a) return r + 0x25;
  if (r >= 0x38e && r <= 0x38f) return r + 0x3f;
  if (r >= 0x400 && r <= 0x40f) return r + 0x50;
  bool even_upper = (r >= 0x100 && r <= 0x137) || (r >= 0x14a && r <= 0x177) ||
                    (r >= 0x460 && r <= 0x481) || (r >= 0x48a && r <= 0x4bf) || (r >= 0x4d0 && r <= 0x52f);
  if (even_upper && !(r & 1)) return r + 1;
  bool odd_upper = (r >= 0x139 && r <= 0x148) || (r >= 0x179 && r <= 0x17e);
  if (odd_upper && (r & 1)) return r + 1;
  return r;
}

uint32_t ToTitleRune(uint32_t r) {
  if (r >= 0x1c4 && r <= 0x1cc) return 0x1c5 + (r - 0x1c4) / 3 * 3;  // the Dž, Lj, Nj forms
  return ToUpperRune(r);
}

std::string MapRunes(std::string_view s, uint32_t (*f)(uint32_t)) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t size = 1;
    uint32_t r = DecodeRune(s, i, size);
    if (r == 0xfffd && size == 1 && static_cast<unsigned char>(s[i]) >= 0x80) {
      out += s[i];  // an invalid byte stays as it is
    } else {
      AppendUtf8(out, f(r));
    }
    i += size;
  }
  return out;
}

}  // namespace berth::tmpl
