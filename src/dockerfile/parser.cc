// The Dockerfile grammar is line based and each instruction has its own
// argument syntax; Docker parses all of a file before it checks or runs
// anything, and `import -c` joins its changes into one such file. This
// follows dockerd 20.10's parser (BuildKit's frontend/dockerfile/parser as
// vendored there) closely enough that the same text gives the same nodes and
// the same errors.
#include "dockerfile/parser.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <optional>
#include <set>
#include <sstream>

#include "base/strings.h"
#include "dockerfile/lex.h"
#include "dockerfile/utf8.h"
#include "base/utf8.h"

namespace berth::dockerfile {

namespace {

Error Fail(std::string message) { return Error{Code::kInvalidArgument, std::move(message)}; }

// Go's unicode.IsSpace applied to a single byte, as Docker's flag and
// HEALTHCHECK scanners do (rune(line[pos])): 0x85 and 0xA0 count.
bool IsByteSpace(char c) {
  auto u = static_cast<unsigned char>(c);
  return u == ' ' || (u >= '\t' && u <= '\r') || u == 0x85 || u == 0xA0;
}
// Docker's tokenWhitespace: [\t\v\f\r ] (no newline).
bool IsTokenSpace(char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r'; }

// The length of the Unicode space at s[pos], 0 if there is none.
size_t SpaceAt(std::string_view s, size_t pos) {
  auto [r, n] = DecodeRune(s, pos);
  return IsGoSpace(r) ? n : 0;
}

std::string_view TrimLeft(std::string_view s) {
  while (!s.empty()) {
    size_t n = SpaceAt(s, 0);
    if (n == 0) break;
    s.remove_prefix(n);
  }
  return s;
}
std::string_view TrimSpace(std::string_view s) {
  s = TrimLeft(s);
  for (;;) {  // a trailing space rune: ASCII, or 2 or 3 bytes long
    if (!s.empty() && SpaceAt(s, s.size() - 1) == 1) {
      s.remove_suffix(1);
    } else if (s.size() >= 2 && SpaceAt(s, s.size() - 2) == 2) {
      s.remove_suffix(2);
    } else if (s.size() >= 3 && SpaceAt(s, s.size() - 3) == 3) {
      s.remove_suffix(3);
    } else {
      return s;
    }
  }
}

// Splits at runs of token whitespace, at most n parts (n < 0: all), like
// Go's regexp.Split.
std::vector<std::string> SplitTokens(std::string_view s, int n) {
  std::vector<std::string> out;
  size_t start = 0, i = 0;
  while (i < s.size()) {
    if (n >= 0 && static_cast<int>(out.size()) == n - 1) break;
    if (IsTokenSpace(s[i])) {
      size_t j = i;
      while (j < s.size() && IsTokenSpace(s[j])) j++;
      out.emplace_back(s.substr(start, i - start));
      start = i = j;
    } else {
      i++;
    }
  }
  out.emplace_back(s.substr(start));
  return out;
}

// Words at whitespace, quotes and escapes kept for ProcessWord (parseWords).
std::vector<std::string> ParseWords(std::string_view rest, char escape) {
  std::vector<std::string> words;
  std::string word;
  enum { kSpaces, kWord, kQuote } phase = kSpaces;
  char quote = 0;
  bool blank_ok = false;
  size_t width = 0;
  for (size_t pos = 0; pos <= rest.size(); pos += width) {
    width = pos < rest.size() ? DecodeRune(rest, pos).second : 1;
    bool space = pos < rest.size() && SpaceAt(rest, pos) > 0;
    char ch = pos < rest.size() ? rest[pos] : 0;
    if (phase == kSpaces) {
      if (pos == rest.size()) break;
      if (space) continue;
      phase = kWord;
    }
    if (pos == rest.size()) {
      if (blank_ok || !word.empty()) words.push_back(word);
      break;
    }
    if (phase == kWord) {
      if (space) {
        phase = kSpaces;
        if (blank_ok || !word.empty()) words.push_back(word);
        word.clear();
        blank_ok = false;
        continue;
      }
      if (ch == '\'' || ch == '"') {
        quote = ch;
        blank_ok = true;
        phase = kQuote;
      }
      if (ch == escape) {
        if (pos + 1 == rest.size()) continue;  // an escape at the end is dropped
        word += ch;
        pos += 1;
        width = DecodeRune(rest, pos).second;
      }
      AppendUtf8(word, DecodeRune(rest, pos).first);  // an invalid byte becomes U+FFFD, as in Go
      continue;
    }
    // kQuote
    if (ch == quote) phase = kWord;
    if (ch == escape && quote != '\'') {
      if (pos + 1 == rest.size()) {
        phase = kWord;
        continue;
      }
      word += ch;
      pos += 1;
      width = DecodeRune(rest, pos).second;
    }
    AppendUtf8(word, DecodeRune(rest, pos).first);
  }
  return words;
}

// Leading --flags of the arguments (extractBuilderFlags): quotes and
// backslashes inside a flag are processed; "--" ends the flags.
void ExtractFlags(std::string_view line, std::string& rest, std::vector<std::string>& flags) {
  enum { kSpaces, kWord, kQuote } phase = kSpaces;
  std::string word;
  char quote = 0;
  bool blank_ok = false;
  for (size_t pos = 0; pos <= line.size(); pos++) {
    char ch = pos < line.size() ? line[pos] : 0;
    if (phase == kSpaces) {
      if (pos == line.size()) break;
      if (IsByteSpace(ch)) continue;
      if (ch != '-' || pos + 1 == line.size() || line[pos + 1] != '-') {
        rest = line.substr(pos);
        return;
      }
      phase = kWord;
    }
    if (pos == line.size()) {
      if (word != "--" && (blank_ok || !word.empty())) flags.push_back(word);
      break;
    }
    if (phase == kWord) {
      if (IsByteSpace(ch)) {
        phase = kSpaces;
        if (word == "--") {
          rest = line.substr(pos);
          return;
        }
        if (blank_ok || !word.empty()) flags.push_back(word);
        word.clear();
        blank_ok = false;
        continue;
      }
      if (ch == '\'' || ch == '"') {
        quote = ch;
        blank_ok = true;
        phase = kQuote;
        continue;
      }
      if (ch == '\\') {
        if (pos + 1 == line.size()) continue;
        ch = line[++pos];
      }
      word += ch;
      continue;
    }
    if (ch == quote) {
      phase = kWord;
      continue;
    }
    if (ch == '\\') {
      if (pos + 1 == line.size()) {
        phase = kWord;
        continue;
      }
      ch = line[++pos];
    }
    word += ch;
  }
  rest.clear();
}

constexpr std::string_view kNotStringArray =
    "when using JSON array syntax, arrays must be comprised of strings only";

enum class JsonArgs { kNotJson, kJson, kNotStrings };

// A JSON array of strings at the start of rest; what follows the array is
// ignored, as Go's json.Decoder does.
JsonArgs ParseJson(std::string_view rest, std::vector<std::string>& out) {
  rest = TrimLeft(rest);
  if (rest.empty() || rest[0] != '[') return JsonArgs::kNotJson;
  nlohmann::json j;
  try {
    std::istringstream in{std::string(rest)};
    in >> j;
  } catch (const nlohmann::json::exception&) {
    return JsonArgs::kNotJson;
  }
  if (!j.is_array()) return JsonArgs::kNotJson;
  for (const auto& e : j) {
    if (!e.is_string()) return JsonArgs::kNotStrings;
    out.push_back(e.get<std::string>());
  }
  return JsonArgs::kJson;
}

// parseMaybeJSON (CMD, ENTRYPOINT, RUN, SHELL): JSON, else the text as one
// argument.
Status MaybeJson(std::string_view rest, Node& n) {
  if (rest.empty()) return Ok();
  switch (ParseJson(rest, n.args)) {
    case JsonArgs::kJson: n.json = true; return Ok();
    case JsonArgs::kNotStrings: return Fail(std::string(kNotStringArray));
    case JsonArgs::kNotJson: break;
  }
  n.args = {std::string(rest)};
  return Ok();
}

// parseMaybeJSONToList (ADD, COPY, VOLUME): JSON, else whitespace-split.
Status MaybeJsonToList(std::string_view rest, Node& n) {
  switch (ParseJson(rest, n.args)) {
    case JsonArgs::kJson: n.json = true; return Ok();
    case JsonArgs::kNotStrings: return Fail(std::string(kNotStringArray));
    case JsonArgs::kNotJson: break;
  }
  n.args.clear();
  if (!rest.empty()) n.args = SplitTokens(rest, -1);
  return Ok();
}

// ENV and LABEL: "KEY=VALUE..." or the old "KEY VALUE" form.
Status NameValues(std::string_view rest, std::string_view command, char escape, Node& n) {
  std::vector<std::string> words = ParseWords(rest, escape);
  if (words.empty()) return Ok();
  if (words[0].find('=') == std::string::npos) {
    std::vector<std::string> parts = SplitTokens(rest, 2);
    if (parts.size() < 2) return Fail(std::string(command) + " must have two arguments");
    n.args = std::move(parts);
    return Ok();
  }
  for (const std::string& w : words) {
    size_t eq = w.find('=');
    if (eq == std::string::npos) {
      return Fail("Syntax error - can't find = in " + GoQuote(w) + ". Must be of the form: name=value");
    }
    n.args.push_back(w.substr(0, eq));
    n.args.push_back(w.substr(eq + 1));
  }
  return Ok();
}

// The instruction word, its flags and the rest of a line (splitCommand).
Node SplitCommand(std::string_view line, std::string& rest) {
  Node n;
  n.original = std::string(line);
  std::vector<std::string> cmdline = SplitTokens(TrimSpace(line), 2);
  n.command = GoToLower(cmdline[0]);
  rest.clear();
  if (cmdline.size() == 2) ExtractFlags(cmdline[1], rest, n.flags);
  rest = std::string(TrimSpace(rest));
  return n;
}

// The arguments of one instruction by its own syntax (Docker's dispatch
// table of line parsers).
Status ParseArgs(std::string_view rest, char escape, Node& n) {
  const std::string& c = n.command;
  if (c == "cmd" || c == "entrypoint" || c == "run" || c == "shell") return MaybeJson(rest, n);
  if (c == "add" || c == "copy" || c == "volume") return MaybeJsonToList(rest, n);
  if (c == "env") return NameValues(rest, "ENV", escape, n);
  if (c == "label") return NameValues(rest, "LABEL", escape, n);
  if (c == "expose" || c == "from") {
    if (!rest.empty()) n.args = SplitTokens(rest, -1);
    return Ok();
  }
  if (c == "maintainer" || c == "stopsignal" || c == "user" || c == "workdir") {
    if (!rest.empty()) n.args = {std::string(rest)};
    return Ok();
  }
  if (c == "arg") {
    n.args = ParseWords(rest, escape);
    return Ok();
  }
  if (c == "healthcheck") {
    size_t sep = 0;
    while (sep < rest.size() && !IsByteSpace(rest[sep])) sep++;
    if (sep == 0) return Ok();
    size_t next = sep;
    while (next < rest.size() && IsByteSpace(rest[next])) next++;
    Node cmd;
    TRY(MaybeJson(rest.substr(next), cmd));
    n.args.emplace_back(rest.substr(0, sep));
    n.args.insert(n.args.end(), cmd.args.begin(), cmd.args.end());
    n.json = cmd.json;
    return Ok();
  }
  if (c == "onbuild") {
    // The trigger's command word and its arguments; a chain of ONBUILDs
    // is walked in a loop, not by recursion (a line may hold thousands).
    std::string r(rest);
    while (!r.empty()) {
      std::string next;
      Node trigger = SplitCommand(r, next);
      n.args.push_back(trigger.command);
      if (trigger.command != "onbuild") {
        TRY(ParseArgs(next, escape, trigger));
        n.args.insert(n.args.end(), trigger.args.begin(), trigger.args.end());
        break;
      }
      r = std::move(next);
    }
    return Ok();
  }
  return Ok();  // unknown instructions keep no arguments
}

Result<Node> NodeFromLine(std::string_view line, char escape) {
  std::string rest;
  Node n = SplitCommand(line, rest);
  TRY(ParseArgs(rest, escape, n));
  return n;
}

constexpr size_t kMaxLine = 65535;  // bufio.MaxScanTokenSize - 1

bool IsComment(std::string_view line) {
  line = TrimLeft(line);
  return !line.empty() && line[0] == '#';
}

// Parser directives (BuildKit's, as docker 20.10's parser reads them):
// `# escape=` matters, `# syntax=` is accepted and ignored (berth has one
// frontend); any other line ends them.
class Directives {
 public:
  Status See(std::string_view line) {
    if (done_) return Ok();
    std::string lower = ToLower(line);
    std::string_view s = lower;
    auto skip = [&s] { while (!s.empty() && (s[0] == ' ' || s[0] == '\t')) s.remove_prefix(1); };
    std::string name;
    if (!s.empty() && s[0] == '#') {
      s.remove_prefix(1);
      skip();
      for (const char* d : {"escape", "syntax"}) {
        if (!s.starts_with(d)) continue;
        std::string_view rest = s.substr(std::string_view(d).size());
        while (!rest.empty() && (rest[0] == ' ' || rest[0] == '\t')) rest.remove_prefix(1);
        if (rest.empty() || rest[0] != '=') continue;
        rest.remove_prefix(1);
        while (!rest.empty() && (rest[0] == ' ' || rest[0] == '\t')) rest.remove_prefix(1);
        if (rest.empty()) continue;
        name = d;
        s = rest;
      }
    }
    if (name.empty()) {
      done_ = true;
      return Ok();
    }
    if (!seen_.insert(name).second) return Fail("only one " + name + " parser directive can be used");
    if (name == "syntax") return Ok();
    if (s[0] != '`' && s[0] != '\\') {
      return Fail("invalid escape token '" + std::string(1, s[0]) + "' does not match ` or \\");
    }
    escape_ = s[0];
    return Ok();
  }
  char escape() const { return escape_; }

 private:
  bool done_ = false;
  std::set<std::string> seen_;
  char escape_ = '\\';
};

// Removes a trailing escape (and blanks after it); true when the line
// continues on the next one.
bool TrimContinuation(std::string& line, char escape) {
  size_t end = line.size();
  while (end > 0 && (line[end - 1] == ' ' || line[end - 1] == '\t')) end--;
  if (end == 0 || line[end - 1] != escape) return false;
  line.resize(end - 1);
  return true;
}

}  // namespace

Result<Dockerfile> Parse(std::string_view text) {
  std::vector<std::string> lines = Split(text, '\n');
  if (!text.empty() && text.back() == '\n') lines.pop_back();
  if (!lines.empty() && lines[0].starts_with("\xEF\xBB\xBF")) lines[0].erase(0, 3);
  Directives directives;
  Dockerfile out;
  // processLine: the newline, (leading blanks), the directive check, comments.
  auto process = [&](std::string raw, bool strip_left) -> Result<std::string> {
    while (!raw.empty() && (raw.back() == '\r' || raw.back() == '\n')) raw.pop_back();
    if (strip_left) raw = std::string(TrimLeft(raw));
    TRY(directives.See(raw));
    if (IsComment(raw)) return std::string();
    return raw;
  };
  // Go's bufio.Scanner stops at a line longer than its buffer; what came
  // before still counts.
  auto too_long = [&](size_t i) { return lines[i].size() > kMaxLine; };
  auto stop = [&]() -> Result<Dockerfile> {
    if (out.nodes.empty()) return Fail("file with no instructions");
    return Fail("dockerfile line greater than max allowed size of " + std::to_string(kMaxLine));
  };
  for (size_t i = 0; i < lines.size(); i++) {
    if (too_long(i)) return stop();
    std::string line = TRY(process(lines[i], true));
    int start = static_cast<int>(i) + 1;
    bool continues = TrimContinuation(line, directives.escape());
    if (!continues && line.empty()) continue;
    bool truncated = false;
    while (continues && i + 1 < lines.size()) {
      if (too_long(i + 1)) {  // the instruction so far still counts
        truncated = true;
        break;
      }
      const std::string& raw = lines[++i];
      std::string next = TRY(process(raw, false));
      if (IsComment(raw) || TrimLeft(next).empty()) continue;
      continues = TrimContinuation(next, directives.escape());
      line += next;
    }
    Node node = TRY(NodeFromLine(line, directives.escape()));
    node.line = start;
    out.nodes.push_back(std::move(node));
    if (truncated) return stop();
  }
  if (out.nodes.empty()) return Fail("file with no instructions");
  out.escape = directives.escape();
  return out;
}

bool ExpandsVariables(std::string_view command) {
  for (std::string_view c : {"add", "arg", "copy", "env", "expose", "from", "label", "stopsignal", "user",
                             "volume", "workdir"}) {
    if (command == c) return true;
  }
  return false;
}

Result<std::map<std::string, std::string>> ParseFlags(const std::vector<std::string>& flags,
                                                      const std::vector<std::string>& known) {
  std::map<std::string, std::string> out;
  for (const std::string& f : flags) {
    if (!f.starts_with("--")) return Fail("Arg should start with -- : " + f);
    if (f == "--") break;
    std::string name = f.substr(2);
    std::optional<std::string> value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    if (std::find(known.begin(), known.end(), name) == known.end()) return Fail("Unknown flag: " + name);
    if (out.contains(name)) return Fail("Duplicate flag specified: " + name);
    if (!value) return Fail("Missing a value on flag: " + name);
    out[name] = *value;
  }
  return out;
}

std::vector<std::string> CommandLine(const Node& node) {
  if (node.args.empty()) return {};
  if (node.json) return node.args;
  return {Join(node.args, " ")};
}

}  // namespace berth::dockerfile
