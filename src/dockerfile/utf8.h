// UTF-8 runes and Go's unicode classes, for scanning Dockerfile text the
// way Go's text/scanner and unicode package see it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace berth::dockerfile {

constexpr char32_t kRuneError = 0xFFFD;

// The rune at s[pos] and its length in bytes; an invalid byte is
// (kRuneError, 1), as Go decodes it. pos must be < s.size().
std::pair<char32_t, size_t> DecodeRune(std::string_view s, size_t pos);

// Go's unicode.IsSpace: ASCII blanks, U+0085, U+00A0 and the Z spaces.
bool IsGoSpace(char32_t r);

// Go's unicode.IsLetter and unicode.IsDigit (non-ASCII by the C.UTF-8
// locale's classes).
bool IsGoLetter(char32_t r);
bool IsGoDigit(char32_t r);

// Go's strings.ToUpper and strings.ToLower: every rune mapped (non-ASCII by
// the C.UTF-8 locale), an invalid byte turned into U+FFFD.
std::string GoToUpper(std::string_view s);
std::string GoToLower(std::string_view s);

}  // namespace berth::dockerfile
