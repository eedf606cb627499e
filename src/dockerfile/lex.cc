// Dockerfile words are not shell words: there is no command substitution,
// globbing or field splitting beyond whitespace, and a handful of ${...}
// forms with Docker's own error messages. Every instruction that takes
// variables goes through this one scanner so that `import -c` and `build`
// agree with Docker byte for byte. The rules (and the reference) are those of
// BuildKit's shell lexer as dockerd 20.10 vendors it; Dialect::kBuildKit adds
// the later colon-less ${A-w} and ${A+w}.
#include "dockerfile/lex.h"

#include "dockerfile/utf8.h"
#include "base/utf8.h"

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

namespace berth::dockerfile {

namespace {

// Runes as Go's text/scanner gives them; kEof past the end.
constexpr int32_t kEof = -1;
constexpr int kMaxNesting = 200;  // ${...} inside ${...}

bool IsSpace(int32_t c) { return c >= 0 && IsGoSpace(static_cast<char32_t>(c)); }
bool IsDigit(int32_t c) { return c >= 0 && IsGoDigit(static_cast<char32_t>(c)); }
bool IsLetter(int32_t c) { return c >= 0 && IsGoLetter(static_cast<char32_t>(c)); }
bool IsSpecialParam(int32_t c) {
  switch (c) {
    case '@': case '*': case '#': case '?': case '-': case '$': case '!': case '0':
      return true;
    default:
      return false;
  }
}

// Words being collected: unquoted whitespace ends one; quoted text and
// escaped characters never do.
class Words {
 public:
  void AddChar(int32_t c) {
    if (IsSpace(c)) {
      if (in_word_ && !word_.empty()) {
        words_.push_back(std::move(word_));
        word_.clear();
        in_word_ = false;
      }
    } else {
      AddRawChar(c);
    }
  }
  void AddRawChar(int32_t c) {
    AppendUtf8(word_, static_cast<char32_t>(c));
    in_word_ = true;
  }
  void AddString(std::string_view s) {
    for (size_t i = 0; i < s.size();) {
      auto [r, n] = DecodeRune(s, i);
      AddChar(static_cast<int32_t>(r));
      i += n;
    }
  }
  void AddRawString(std::string_view s) {
    word_ += s;
    in_word_ = true;
  }
  std::vector<std::string> Take() {
    if (!word_.empty()) words_.push_back(std::move(word_));
    word_.clear();
    in_word_ = false;
    return std::move(words_);
  }

 private:
  std::string word_;
  std::vector<std::string> words_;
  bool in_word_ = false;
};

struct Processed {
  std::string word;
  std::vector<std::string> words;
};

Error Fail(std::string message) { return Error{Code::kInvalidArgument, std::move(message)}; }

class Scanner {
 public:
  Scanner(std::string_view s, const Env& env, const LexOptions& o) : s_(s), env_(env), opt_(o) {}

  // Reads up to stop (consumed) or the end (stop == kEof).
  Result<Processed> ProcessStopOn(int32_t stop) {
    std::string result;
    Words words;
    while (Peek() != kEof) {
      int32_t ch = Peek();
      if (stop != kEof && ch == stop) {
        Next();
        return Processed{std::move(result), words.Take()};
      }
      if (ch == '\'' || ch == '"' || ch == '$') {
        std::string part = TRY(ch == '\'' ? SingleQuote() : ch == '"' ? DoubleQuote() : Dollar());
        result += part;
        if (ch == '$') {
          words.AddString(part);
        } else {
          words.AddRawString(part);
        }
        continue;
      }
      ch = Next();
      if (ch == Escape()) {
        ch = Next();  // the escape escapes anything; alone at the end it is dropped
        if (ch == kEof) break;
        words.AddRawChar(ch);
      } else {
        words.AddChar(ch);
      }
      AppendUtf8(result, static_cast<char32_t>(ch));
    }
    if (stop != kEof) {
      std::string want;
      AppendUtf8(want, static_cast<char32_t>(stop));
      return Fail("unexpected end of statement while looking for matching " + want);
    }
    return Processed{std::move(result), words.Take()};
  }

 private:
  int32_t Peek() const {
    return pos_ < s_.size() ? static_cast<int32_t>(DecodeRune(s_, pos_).first) : kEof;
  }
  int32_t Next() {
    if (pos_ >= s_.size()) return kEof;
    auto [r, n] = DecodeRune(s_, pos_);
    pos_ += n;
    return static_cast<int32_t>(r);
  }
  int32_t Escape() const { return static_cast<unsigned char>(opt_.escape); }

  // '...': everything literal up to the next quote.
  Result<std::string> SingleQuote() {
    Next();
    std::string out;
    for (;;) {
      int32_t ch = Next();
      if (ch == kEof) return Fail("unexpected end of statement while looking for matching single-quote");
      if (ch == '\'') return out;
      AppendUtf8(out, static_cast<char32_t>(ch));
    }
  }

  // "...": substitutions apply; the escape character escapes only ", $ and
  // itself and is kept before anything else.
  Result<std::string> DoubleQuote() {
    Next();
    std::string out;
    for (;;) {
      int32_t ch = Peek();
      if (ch == kEof) return Fail("unexpected end of statement while looking for matching double-quote");
      if (ch == '"') {
        Next();
        return out;
      }
      if (ch == '$') {
        out += TRY(Dollar());
        continue;
      }
      ch = Next();
      if (ch == Escape()) {
        int32_t next = Peek();
        if (next == kEof) continue;  // dropped; the loop then reports the open quote
        if (next == '"' || next == '$' || next == Escape()) ch = Next();
      }
      AppendUtf8(out, static_cast<char32_t>(ch));
    }
  }

  // The word of ${NAME<op>word}, up to the closing brace.
  Result<std::string> BraceWord() {
    auto word = ProcessStopOn('}');
    if (!word.ok()) {
      if (Peek() == kEof) return Fail("syntax error: missing '}'");
      return word.error();
    }
    return std::move(word->word);
  }

  Result<std::string> Dollar() {
    Next();
    if (Peek() != '{') {
      std::string name = Name();
      if (name.empty()) return std::string("$");
      return Lookup(name).value_or("");
    }
    Next();
    // Each ${ recurses; Go's growing stacks take any depth a line allows,
    // a fixed C++ stack does not.
    if (++depth_ > kMaxNesting) {
      return Fail("syntax error: substitutions nested deeper than " + std::to_string(kMaxNesting));
    }
    struct Leave {
      int& d;
      ~Leave() { d--; }
    } leave{depth_};
    int32_t first = Peek();
    if (first == kEof) return Fail("syntax error: missing '}'");
    if (first == '{' || first == '}' || first == ':') return Fail("syntax error: bad substitution");
    std::string name = Name();
    int32_t ch = Next();
    if (ch == '}') return Lookup(name).value_or("");
    if (ch == '?') {
      std::string word = TRY(BraceWord());
      auto value = Lookup(name);
      if (!value) return Fail(name + ": " + (word.empty() ? "is not allowed to be unset" : word));
      return *value;
    }
    if (opt_.dialect == Dialect::kBuildKit && (ch == '-' || ch == '+')) {
      std::string word = TRY(BraceWord());
      auto value = Lookup(name);
      if (ch == '-') return value ? *value : word;
      return value ? word : std::string();
    }
    if (ch != ':') return Fail("missing ':' in substitution");
    int32_t modifier = Next();
    std::string word = TRY(BraceWord());
    auto value = Lookup(name);
    std::string v = value.value_or("");
    switch (modifier) {
      case '+':
        return v.empty() ? v : word;
      case '-':
        return v.empty() ? word : v;
      case '?':
        if (!value) return Fail(name + ": " + (word.empty() ? "is not allowed to be unset" : word));
        if (v.empty()) return Fail(name + ": " + (word.empty() ? "is not allowed to be empty" : word));
        return v;
      default: {
        std::string m;
        if (modifier != kEof) AppendUtf8(m, static_cast<char32_t>(modifier));
        return Fail("unsupported modifier (" + m + ") in substitution");
      }
    }
  }

  // A name: a run of digits, one special parameter, or letters, digits, _.
  std::string Name() {
    std::string name;
    while (Peek() != kEof) {
      int32_t ch = Peek();
      if (name.empty() && IsDigit(ch)) {
        while (IsDigit(Peek())) AppendUtf8(name, static_cast<char32_t>(Next()));
        return name;
      }
      if (name.empty() && IsSpecialParam(ch)) return std::string(1, static_cast<char>(Next()));
      if (!IsLetter(ch) && !IsDigit(ch) && ch != '_') break;
      AppendUtf8(name, static_cast<char32_t>(Next()));
    }
    return name;
  }

  std::optional<std::string> Lookup(const std::string& name) const {
    for (auto it = env_.rbegin(); it != env_.rend(); ++it) {
      size_t eq = it->find('=');
      if (eq == std::string::npos) {
        if (*it == name) return std::string();
      } else if (std::string_view(*it).substr(0, eq) == name) {
        return it->substr(eq + 1);
      }
    }
    return std::nullopt;
  }

  std::string_view s_;
  size_t pos_ = 0;
  int depth_ = 0;
  const Env& env_;
  LexOptions opt_;
};

Result<Processed> Process(std::string_view word, const Env& env, const LexOptions& options) {
  Scanner scanner(word, env, options);
  auto out = scanner.ProcessStopOn(kEof);
  if (!out.ok()) return out.error().Wrap("failed to process " + GoQuote(word));
  return out;
}

}  // namespace

Result<std::string> ProcessWord(std::string_view word, const Env& env, const LexOptions& options) {
  return std::move(TRY(Process(word, env, options)).word);
}

Result<std::vector<std::string>> ProcessWords(std::string_view word, const Env& env, const LexOptions& options) {
  return std::move(TRY(Process(word, env, options)).words);
}

std::string GoQuote(std::string_view s) {
  std::string out = "\"";
  char buf[16];
  for (size_t i = 0; i < s.size();) {
    auto [r, n] = DecodeRune(s, i);
    i += n;
    switch (r) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\a': out += "\\a"; continue;
      case '\b': out += "\\b"; continue;
      case '\f': out += "\\f"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      case '\v': out += "\\v"; continue;
      default: break;
    }
    if (r == kRuneError && n == 1) {  // an invalid byte
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(s[i - 1]));
      out += buf;
    } else if (r < 0x20 || r == 0x7f) {
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(r));
      out += buf;
    } else if (r >= 0x80 && (r < 0xA0 || IsGoSpace(r) || r == 0xAD)) {  // not printable to Go
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(r));
      out += buf;
    } else {
      AppendUtf8(out, r);
    }
  }
  out += '"';
  return out;
}

}  // namespace berth::dockerfile
