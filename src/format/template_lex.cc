// The lexer of Go's text/template, ported state by state so that the
// messages of `--format` syntax errors ("unclosed action", "bad character
// U+0023 '#'") and the handling of trim markers match docker. Go's literal
// syntax (strconv quoting and integers) lives here too.
#include "format/template_lex.h"
#include "base/utf8.h"

#include <cstdint>
#include <cstdio>
#include <map>

namespace berth::tmpl {
namespace {

constexpr std::string_view kLeftDelim = "{{";
constexpr std::string_view kRightDelim = "}}";
constexpr std::string_view kLeftComment = "/*";
constexpr std::string_view kRightComment = "*/";

int HexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool IsAlphaNumeric(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         u >= 0x80;  // non-ASCII letters; Go checks unicode.IsLetter
}
bool HasLeftTrimMarker(std::string_view s) { return s.size() >= 2 && s[0] == '-' && IsSpace(s[1]); }
bool HasRightTrimMarker(std::string_view s) {
  return s.size() >= 2 && IsSpace(s[0]) && s[1] == '-';
}

// "%#U" of the rune at s[0] (ASCII, or the raw byte for non-ASCII).
std::string FormatRune(std::string_view s) {
  if (s.empty()) return "U+FFFFFFFF";  // eof
  unsigned char c = static_cast<unsigned char>(s[0]);
  char buf[32];
  if (c >= 0x20 && c < 0x7f) {
    std::snprintf(buf, sizeof buf, "U+%04X '%c'", c, c);
  } else {
    std::snprintf(buf, sizeof buf, "U+%04X", c);
  }
  return buf;
}

class Lexer {
 public:
  explicit Lexer(std::string_view input) : in_(input) {}

  std::vector<Token> Run() {
    for (;;) {
      bool more = inside_ ? LexInsideAction() : LexText();
      if (!more) break;
    }
    return std::move(tokens_);
  }

 private:
  bool Emit(Tok type) {
    tokens_.push_back(Token{type, start_, std::string(in_.substr(start_, pos_ - start_))});
    start_ = pos_;
    return true;
  }
  bool Errorf(std::string msg) {
    tokens_.push_back(Token{Tok::kError, start_, std::move(msg)});
    return false;
  }
  char Peek() const { return pos_ < in_.size() ? in_[pos_] : '\0'; }
  bool AtEof() const { return pos_ >= in_.size(); }
  std::string_view Rest() const { return in_.substr(pos_); }
  bool Accept(std::string_view valid) {
    if (!AtEof() && valid.find(in_[pos_]) != std::string_view::npos) {
      pos_++;
      return true;
    }
    return false;
  }
  void AcceptRun(std::string_view valid) {
    while (Accept(valid)) {
    }
  }
  bool AtTerminator() const {
    if (AtEof()) return true;
    char c = in_[pos_];
    if (IsSpace(c)) return true;
    if (c == '.' || c == ',' || c == '|' || c == ':' || c == ')' || c == '(') return true;
    return c == kRightDelim[0];  // Go checks only the delimiter's first rune
  }
  // Returns (is right delimiter, has trim marker) at pos_.
  std::pair<bool, bool> AtRightDelim() const {
    if (HasRightTrimMarker(Rest()) && Rest().substr(2).starts_with(kRightDelim)) {
      return {true, true};
    }
    return {Rest().starts_with(kRightDelim), false};
  }
  size_t LeftTrimLength(std::string_view s) const {
    size_t n = 0;
    while (n < s.size() && IsSpace(s[n])) n++;
    return n;
  }

  bool LexText() {
    size_t x = in_.find(kLeftDelim, pos_);
    if (x == std::string_view::npos) {
      pos_ = in_.size();
      if (pos_ > start_) Emit(Tok::kText);
      tokens_.push_back(Token{Tok::kEOF, pos_, ""});
      return false;
    }
    if (x > pos_) {
      pos_ = x;
      size_t trim = 0;
      if (HasLeftTrimMarker(in_.substr(x + kLeftDelim.size()))) {
        while (trim < pos_ - start_ && IsSpace(in_[pos_ - trim - 1])) trim++;
      }
      if (pos_ - trim > start_) {
        tokens_.push_back(Token{Tok::kText, start_, std::string(in_.substr(start_, pos_ - trim - start_))});
      }
      start_ = pos_;
    }
    return LexLeftDelim();
  }

  bool LexLeftDelim() {
    pos_ += kLeftDelim.size();
    bool trim = HasLeftTrimMarker(Rest());
    size_t after = trim ? 2 : 0;
    if (in_.substr(pos_ + after).starts_with(kLeftComment)) {
      pos_ += after;
      start_ = pos_;
      return LexComment();
    }
    Emit(Tok::kLeftDelim);
    pos_ += after;
    start_ = pos_;
    inside_ = true;
    paren_depth_ = 0;
    return true;
  }

  bool LexComment() {
    pos_ += kLeftComment.size();
    size_t x = in_.find(kRightComment, pos_);
    if (x == std::string_view::npos) return Errorf("unclosed comment");
    pos_ = x + kRightComment.size();
    auto [delim, trim] = AtRightDelim();
    if (!delim) return Errorf("comment ends before closing delimiter");
    if (trim) pos_ += 2;
    pos_ += kRightDelim.size();
    if (trim) pos_ += LeftTrimLength(Rest());
    start_ = pos_;
    return true;
  }

  bool LexRightDelim(bool trim) {
    if (trim) {
      pos_ += 2;
      start_ = pos_;
    }
    pos_ += kRightDelim.size();
    Emit(Tok::kRightDelim);
    if (trim) {
      pos_ += LeftTrimLength(Rest());
      start_ = pos_;
    }
    inside_ = false;
    return true;
  }

  bool LexInsideAction() {
    auto [delim, trim] = AtRightDelim();
    if (delim) {
      if (paren_depth_ == 0) return LexRightDelim(trim);
      return Errorf("unclosed left paren");
    }
    if (AtEof()) return Errorf("unclosed action");
    char r = in_[pos_++];
    if (IsSpace(r)) {
      pos_--;
      return LexSpace();
    }
    switch (r) {
      case '=':
        return Emit(Tok::kAssign);
      case ':':
        if (Peek() != '=') return Errorf("expected :=");
        pos_++;
        return Emit(Tok::kDeclare);
      case '|':
        return Emit(Tok::kPipe);
      case '"':
        return LexQuote();
      case '`':
        return LexRawQuote();
      case '$':
        return LexFieldOrVariable(Tok::kVariable);
      case '\'':
        return LexChar();
      case '(':
        paren_depth_++;
        return Emit(Tok::kLeftParen);
      case ')':
        paren_depth_--;
        if (paren_depth_ < 0) return Errorf("unexpected right paren");
        return Emit(Tok::kRightParen);
      default:
        break;
    }
    if (r == '.' && !(Peek() >= '0' && Peek() <= '9')) return LexFieldOrVariable(Tok::kField);
    if (r == '.' || r == '+' || r == '-' || (r >= '0' && r <= '9')) {
      pos_--;
      return LexNumber();
    }
    if (IsAlphaNumeric(r)) {
      pos_--;
      return LexIdentifier();
    }
    if (r > 0x20 && r < 0x7f) return Emit(Tok::kChar);
    pos_--;
    return Errorf("unrecognized character in action: " + FormatRune(Rest()));
  }

  bool LexSpace() {
    size_t n = 0;
    while (!AtEof() && IsSpace(in_[pos_])) {
      pos_++;
      n++;
    }
    // A space that belongs to " -}}" is not a separate token.
    if (HasRightTrimMarker(in_.substr(pos_ - 1)) && in_.substr(pos_ + 1).starts_with(kRightDelim)) {
      pos_--;
      if (n == 1) {
        start_ = pos_;
        return true;
      }
    }
    return Emit(Tok::kSpace);
  }

  bool LexFieldOrVariable(Tok type) {
    if (AtTerminator()) return Emit(type == Tok::kVariable ? Tok::kVariable : Tok::kDot);
    while (!AtEof() && IsAlphaNumeric(in_[pos_])) pos_++;
    if (!AtTerminator()) return Errorf("bad character " + FormatRune(Rest()));
    return Emit(type);
  }

  bool LexIdentifier() {
    while (!AtEof() && IsAlphaNumeric(in_[pos_])) pos_++;
    if (!AtTerminator()) return Errorf("bad character " + FormatRune(Rest()));
    static const std::map<std::string_view, Tok> kKeys = {
        {"block", Tok::kBlock}, {"break", Tok::kBreak},       {"continue", Tok::kContinue},
        {"define", Tok::kDefine}, {"else", Tok::kElse},       {"end", Tok::kEnd},
        {"if", Tok::kIf},         {"range", Tok::kRange},     {"nil", Tok::kNil},
        {"template", Tok::kTemplate}, {"with", Tok::kWith},
    };
    std::string_view word = in_.substr(start_, pos_ - start_);
    if (auto it = kKeys.find(word); it != kKeys.end()) return Emit(it->second);
    if (word == "true" || word == "false") return Emit(Tok::kBool);
    return Emit(Tok::kIdentifier);
  }

  bool LexChar() {
    for (;;) {
      if (AtEof() || Peek() == '\n') return Errorf("unterminated character constant");
      char c = in_[pos_++];
      if (c == '\\') {
        if (AtEof() || Peek() == '\n') return Errorf("unterminated character constant");
        pos_++;
      } else if (c == '\'') {
        return Emit(Tok::kCharConstant);
      }
    }
  }

  bool LexQuote() {
    for (;;) {
      if (AtEof() || Peek() == '\n') return Errorf("unterminated quoted string");
      char c = in_[pos_++];
      if (c == '\\') {
        if (AtEof() || Peek() == '\n') return Errorf("unterminated quoted string");
        pos_++;
      } else if (c == '"') {
        return Emit(Tok::kString);
      }
    }
  }

  bool LexRawQuote() {
    size_t x = in_.find('`', pos_);
    if (x == std::string_view::npos) return Errorf("unterminated raw quoted string");
    pos_ = x + 1;
    return Emit(Tok::kRawString);
  }

  bool LexNumber() {
    Accept("+-");
    std::string_view digits = "0123456789_";
    if (Accept("0")) {
      if (Accept("xX")) {
        digits = "0123456789abcdefABCDEF_";
      } else if (Accept("oO")) {
        digits = "01234567_";
      } else if (Accept("bB")) {
        digits = "01_";
      }
    }
    AcceptRun(digits);
    if (Accept(".")) AcceptRun(digits);
    if (digits.size() == 11 && Accept("eE")) {
      Accept("+-");
      AcceptRun("0123456789_");
    }
    if (digits.size() == 23 && Accept("pP")) {
      Accept("+-");
      AcceptRun("0123456789_");
    }
    Accept("i");
    if (!AtEof() && IsAlphaNumeric(Peek())) {
      pos_++;
      return Errorf("bad number syntax: " + GoQuote(in_.substr(start_, pos_ - start_)));
    }
    return Emit(Tok::kNumber);
  }

  std::string_view in_;
  size_t start_ = 0;
  size_t pos_ = 0;
  bool inside_ = false;
  int paren_depth_ = 0;
  std::vector<Token> tokens_;
};

}  // namespace

std::vector<Token> Lex(std::string_view input) { return Lexer(input).Run(); }

bool UnquoteChar(std::string_view s, size_t& i, char quote, std::string& out) {
  char c = s[i++];
  if (c == quote && quote != '`') return false;
  if (c != '\\') {
    out += c;
    return true;
  }
  if (i >= s.size()) return false;
  c = s[i++];
  switch (c) {
    case 'a': out += '\a'; return true;
    case 'b': out += '\b'; return true;
    case 'f': out += '\f'; return true;
    case 'n': out += '\n'; return true;
    case 'r': out += '\r'; return true;
    case 't': out += '\t'; return true;
    case 'v': out += '\v'; return true;
    case '\\': out += '\\'; return true;
    case '\'':
    case '"':
      if (c != quote) return false;
      out += c;
      return true;
    case 'x':
    case 'u':
    case 'U': {
      size_t n = c == 'x' ? 2 : c == 'u' ? 4 : 8;
      if (i + n > s.size()) return false;
      uint32_t v = 0;
      for (size_t k = 0; k < n; k++) {
        int h = HexVal(s[i + k]);
        if (h < 0) return false;
        v = v * 16 + static_cast<uint32_t>(h);
      }
      i += n;
      if (c == 'x') {
        out += static_cast<char>(v);
      } else {
        if (v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) return false;
        AppendUtf8(out, v);
      }
      return true;
    }
    default:
      if (c >= '0' && c <= '7') {
        if (i + 2 > s.size()) return false;
        uint32_t v = static_cast<uint32_t>(c - '0');
        for (size_t k = 0; k < 2; k++) {
          char d = s[i + k];
          if (d < '0' || d > '7') return false;
          v = v * 8 + static_cast<uint32_t>(d - '0');
        }
        if (v > 255) return false;
        i += 2;
        out += static_cast<char>(v);
        return true;
      }
      return false;
  }
}

bool Unquote(std::string_view lit, std::string& out) {
  if (lit.size() < 2) return false;
  char q = lit[0];
  std::string_view body = lit.substr(1, lit.size() - 2);
  if (q == '`') {
    for (char c : body) {
      if (c != '\r') out += c;
    }
    return true;
  }
  size_t i = 0;
  while (i < body.size()) {
    if (!UnquoteChar(body, i, q, out)) return false;
  }
  return true;
}

bool ParseGoInt(std::string_view text, int64_t& v) {
  bool neg = false;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    neg = text[0] == '-';
    text.remove_prefix(1);
  }
  int base = 10;
  bool prefixed = false;
  if (text.size() > 1 && text[0] == '0') {
    char p = static_cast<char>(text[1] | 0x20);
    if (p == 'x' || p == 'o' || p == 'b') {
      base = p == 'x' ? 16 : p == 'o' ? 8 : 2;
      text.remove_prefix(2);
      prefixed = true;
    } else {
      base = 8;
      text.remove_prefix(1);
      prefixed = true;
    }
  }
  if (text.empty()) return false;
  unsigned __int128 acc = 0;
  for (char c : text) {
    if (c == '_') {
      if (!prefixed) return false;
      continue;
    }
    int d = HexVal(c);
    if (d < 0 || d >= base) return false;
    acc = acc * static_cast<unsigned>(base) + static_cast<unsigned>(d);
    if (acc > (static_cast<unsigned __int128>(1) << 63)) return false;
  }
  if (!neg && acc == (static_cast<unsigned __int128>(1) << 63)) return false;
  v = neg ? -static_cast<int64_t>(acc - 1) - 1 : static_cast<int64_t>(acc);
  return true;
}


std::string GoQuote(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size(); i++) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\n': out += "\\n"; continue;
      case '\t': out += "\\t"; continue;
      case '\r': out += "\\r"; continue;
      case '\a': out += "\\a"; continue;
      case '\b': out += "\\b"; continue;
      case '\f': out += "\\f"; continue;
      case '\v': out += "\\v"; continue;
      default: break;
    }
    if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);  // printable ASCII and UTF-8 pass through
    }
  }
  out += '"';
  return out;
}

std::string TokenString(const Token& t) {
  if (t.type == Tok::kEOF) return "EOF";
  if (t.type == Tok::kError) return t.val;
  if (t.type > Tok::kKeyword) return "<" + t.val + ">";
  // Go: %.10q cuts to 10 runes before quoting.
  size_t runes = 0, cut = 0;
  while (cut < t.val.size() && runes < 10) {
    cut++;
    while (cut < t.val.size() && (static_cast<unsigned char>(t.val[cut]) & 0xc0) == 0x80) cut++;
    runes++;
  }
  if (cut < t.val.size()) return GoQuote(t.val.substr(0, cut)) + "...";
  return GoQuote(t.val);
}

}  // namespace berth::tmpl
