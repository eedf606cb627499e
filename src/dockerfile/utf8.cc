// Go scans Dockerfile text by runes: a name is letters and digits of any
// script, and any Unicode space separates words. Byte-wise scanning would
// read "$A€" as one (unset) name where Docker reads $A then "€".
#include "dockerfile/utf8.h"
#include "base/utf8.h"

#include <locale.h>
#include <wctype.h>

namespace berth::dockerfile {

std::pair<char32_t, size_t> DecodeRune(std::string_view s, size_t pos) {
  auto b = [&](size_t i) { return static_cast<unsigned char>(s[pos + i]); };
  unsigned char c = b(0);
  if (c < 0x80) return {c, 1};
  size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
  if (n == 0 || pos + n > s.size()) return {kRuneError, 1};
  char32_t r = c & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
  for (size_t i = 1; i < n; i++) {
    if ((b(i) & 0xC0) != 0x80) return {kRuneError, 1};
    r = (r << 6) | (b(i) & 0x3F);
  }
  if ((n == 3 && r < 0x800) || (n == 4 && (r < 0x10000 || r > 0x10FFFF)) || (r >= 0xD800 && r <= 0xDFFF)) {
    return {kRuneError, 1};
  }
  return {r, n};
}

bool IsGoSpace(char32_t r) {
  switch (r) {
    case '\t': case '\n': case '\v': case '\f': case '\r': case ' ': case 0x85: case 0xA0:
    case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
      return true;
    default:
      return r >= 0x2000 && r <= 0x200A;
  }
}

namespace {
locale_t Utf8Locale() {
  static locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(0));
  return loc;
}
}  // namespace

bool IsGoLetter(char32_t r) {
  if (r < 0x80) return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z');
  if (r == kRuneError) return false;
  locale_t loc = Utf8Locale();
  if (loc == static_cast<locale_t>(0)) return true;  // no tables: count it as a letter
  return iswalpha_l(static_cast<wint_t>(r), loc) && !iswdigit_l(static_cast<wint_t>(r), loc);
}

bool IsGoDigit(char32_t r) { return r >= '0' && r <= '9'; }

namespace {
std::string MapRunes(std::string_view s, bool upper) {
  std::string out;
  out.reserve(s.size());
  locale_t loc = Utf8Locale();
  for (size_t i = 0; i < s.size();) {
    auto [r, n] = DecodeRune(s, i);
    i += n;
    if (r < 0x80) {
      if (upper && r >= 'a' && r <= 'z') r -= 32;
      if (!upper && r >= 'A' && r <= 'Z') r += 32;
    } else if (loc != static_cast<locale_t>(0) && r != kRuneError) {
      r = static_cast<char32_t>(upper ? towupper_l(static_cast<wint_t>(r), loc) : towlower_l(static_cast<wint_t>(r), loc));
    }
    AppendUtf8(out, r);
  }
  return out;
}
}  // namespace

std::string GoToUpper(std::string_view s) { return MapRunes(s, true); }
std::string GoToLower(std::string_view s) { return MapRunes(s, false); }

}  // namespace berth::dockerfile
