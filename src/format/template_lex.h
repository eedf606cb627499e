// Lexer for the Go text/template subset (internal to format/).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace berth::tmpl {

enum class Tok {
  kError,  // val holds the message; always the last token
  kEOF,
  kText,
  kLeftDelim,
  kRightDelim,
  kSpace,
  kField,     // ".Name"
  kVariable,  // "$" or "$name"
  kDot,
  kIdentifier,
  kBool,
  kNumber,
  kCharConstant,
  kString,     // quoted, val keeps the quotes
  kRawString,  // `raw`, val keeps the backquotes
  kPipe,
  kDeclare,  // :=
  kAssign,   // =
  kLeftParen,
  kRightParen,
  kChar,  // any other printable ASCII character, e.g. ','
  kNil,
  kKeyword,  // marker: the kinds below are keywords
  kBlock,
  kBreak,
  kContinue,
  kDefine,
  kElse,
  kEnd,
  kIf,
  kRange,
  kTemplate,
  kWith,
};

struct Token {
  Tok type = Tok::kEOF;
  size_t pos = 0;  // byte offset in the template text
  std::string val;
};

// Splits a template into tokens as Go's lexer does, including trim markers
// ("{{- " and " -}}") and comments ({{/* */}}), which produce no tokens.
// The result ends with kEOF, or with kError at the first lexical error.
std::vector<Token> Lex(std::string_view input);

// Go's item.String(): "EOF", the error text, "<keyword>", or the quoted value
// (cut to 10 runes with "..." when longer).
std::string TokenString(const Token& t);

// strconv.UnquoteChar: decodes one (possibly escaped) character of a literal
// quoted with quote at s[i] into out, advancing i. False on bad syntax.
bool UnquoteChar(std::string_view s, size_t& i, char quote, std::string& out);

// strconv.Unquote for "..." and `...` literals (quotes included in lit).
bool Unquote(std::string_view lit, std::string& out);

// strconv.ParseInt(text, 0, 64): sign, 0x/0o/0b prefixes, a leading 0 for
// octal, underscores after a prefix. False on bad syntax or overflow.
bool ParseGoInt(std::string_view text, int64_t& v);

// Go's strconv.Quote for messages and %q.
std::string GoQuote(std::string_view s);

}  // namespace berth::tmpl
