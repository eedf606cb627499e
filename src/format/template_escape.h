// Go's text/template escaping builtins (html, js, urlquery) and the rune
// case mapping behind docker's upper, lower and title (internal to format/).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace berth::tmpl {

// template.HTMLEscapeString: " ' & < > become &#34; &#39; &amp; &lt; &gt;
// and NUL becomes U+FFFD.
std::string HtmlEscape(std::string_view s);

// template.JSEscapeString: \ ' " become \\ \' \", < > & = become \u003C
// \u003E \u0026 \u003D, other ASCII controls \u00XX, and non-printable
// runes \uXXXX (upper-case hex); other bytes are kept.
std::string JsEscape(std::string_view s);

// url.QueryEscape: A-Z a-z 0-9 - _ . ~ are kept, space becomes +, every
// other byte %XX (upper-case hex).
std::string UrlQueryEscape(std::string_view s);

// unicode.IsPrint for a rune >= 0x80: false for C1 controls, spaces other
// than U+0020, line and paragraph separators, format characters, private
// use and noncharacters. (Unassigned code points, which Go also counts as
// not printable, are taken as printable: berth carries no Unicode tables.)
bool IsPrintRune(uint32_t r);

// unicode.ToUpper / ToLower / ToTitle for ASCII, Latin-1, Latin
// Extended-A, the DŽ digraphs, Greek and Cyrillic; other runes map to
// themselves (berth carries no full Unicode tables).
uint32_t ToUpperRune(uint32_t r);
uint32_t ToLowerRune(uint32_t r);
uint32_t ToTitleRune(uint32_t r);

// Applies f to every rune of UTF-8 text s; invalid bytes are kept as they
// are.
std::string MapRunes(std::string_view s, uint32_t (*f)(uint32_t));

// Decodes one UTF-8 sequence at s[i] (utf8.DecodeRune): size is 1 and the
// result U+FFFD for an invalid or truncated sequence.
uint32_t DecodeRune(std::string_view s, size_t i, size_t& size);

}  // namespace berth::tmpl
