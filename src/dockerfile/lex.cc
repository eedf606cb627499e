// Dockerfile words are not shell words: there is no command substitution,
// globbing or field splitting beyond whitespace, and a handful of ${...}
// forms with Docker's own error messages. Every instruction that takes
// variables goes through this one scanner so that `import -c` and `build`
// agree with Docker byte for byte. The rules (and the reference) are those of
// BuildKit's shell lexer as dockerd 20.10 vendors it; Dialect::kBuildKit adds
// the later colon-less ${A-w} and ${A+w}.
#include "dockerfile/lex.h"

#include <cstdio>
#include <optional>

namespace berth::dockerfile {

namespace {

constexpr int kEof = -1;

bool IsSpace(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }
bool IsDigit(int c) { return c >= '0' && c <= '9'; }
// Go's unicode.IsLetter; bytes of multi-byte UTF-8 sequences count as
// letters (nearly every non-ASCII character in a name is one).
bool IsLetter(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80; }
bool IsSpecialParam(int c) {
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
  void AddChar(char c) {
    if (IsSpace(static_cast<unsigned char>(c))) {
      if (in_word_ && !word_.empty()) {
        words_.push_back(std::move(word_));
        word_.clear();
        in_word_ = false;
      }
    } else {
      AddRawChar(c);
    }
  }
  void AddRawChar(char c) {
    word_ += c;
    in_word_ = true;
  }
  void AddString(std::string_view s) {
    for (char c : s) AddChar(c);
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
  Result<Processed> ProcessStopOn(int stop) {
    std::string result;
    Words words;
    while (Peek() != kEof) {
      int ch = Peek();
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
      if (ch == static_cast<unsigned char>(opt_.escape)) {
        ch = Next();  // the escape escapes anything; alone at the end it is dropped
        if (ch == kEof) break;
        words.AddRawChar(static_cast<char>(ch));
      } else {
        words.AddChar(static_cast<char>(ch));
      }
      result += static_cast<char>(ch);
    }
    if (stop != kEof) {
      return Fail("unexpected end of statement while looking for matching " + std::string(1, static_cast<char>(stop)));
    }
    return Processed{std::move(result), words.Take()};
  }

 private:
  int Peek() const { return pos_ < s_.size() ? static_cast<unsigned char>(s_[pos_]) : kEof; }
  int Next() { return pos_ < s_.size() ? static_cast<unsigned char>(s_[pos_++]) : kEof; }

  // '...': everything literal up to the next quote.
  Result<std::string> SingleQuote() {
    Next();
    std::string out;
    for (;;) {
      int ch = Next();
      if (ch == kEof) return Fail("unexpected end of statement while looking for matching single-quote");
      if (ch == '\'') return out;
      out += static_cast<char>(ch);
    }
  }

  // "...": substitutions apply; the escape character escapes only ", $ and
  // itself and is kept before anything else.
  Result<std::string> DoubleQuote() {
    Next();
    std::string out;
    for (;;) {
      int ch = Peek();
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
      if (ch == static_cast<unsigned char>(opt_.escape)) {
        int next = Peek();
        if (next == kEof) continue;  // dropped; the loop then reports the open quote
        if (next == '"' || next == '$' || next == static_cast<unsigned char>(opt_.escape)) ch = Next();
      }
      out += static_cast<char>(ch);
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
    int first = Peek();
    if (first == kEof) return Fail("syntax error: missing '}'");
    if (first == '{' || first == '}' || first == ':') return Fail("syntax error: bad substitution");
    std::string name = Name();
    int ch = Next();
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
    int modifier = Next();
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
        std::string m = modifier == kEof ? std::string() : std::string(1, static_cast<char>(modifier));
        return Fail("unsupported modifier (" + m + ") in substitution");
      }
    }
  }

  // A name: a run of digits, one special parameter, or letters, digits, _.
  std::string Name() {
    std::string name;
    while (Peek() != kEof) {
      int ch = Peek();
      if (name.empty() && IsDigit(ch)) {
        while (IsDigit(Peek())) name += static_cast<char>(Next());
        return name;
      }
      if (name.empty() && IsSpecialParam(ch)) return std::string(1, static_cast<char>(Next()));
      if (!IsLetter(ch) && !IsDigit(ch) && ch != '_') break;
      name += static_cast<char>(Next());
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
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\a': out += "\\a"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\v': out += "\\v"; break;
      default:
        if (u < 0x20 || u == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", u);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

}  // namespace berth::dockerfile
