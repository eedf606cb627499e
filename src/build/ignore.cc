// The .dockerignore matcher. Docker compiles each pattern to a regular
// expression ("*" any run of non-'/', "?" one non-'/', "**" any number of
// directories, '.' and '$' literal, '[...]' passed through) and asks, for
// each path, the patterns in order: only an exception can undo a match and
// only a plain pattern can make one, and a pattern matching a parent
// directory matches everything below it. This file does the same, so a
// context berth reads is the one docker would send.
#include "build/ignore.h"

#include <regex>

#include "base/strings.h"

namespace berth::build {
namespace {

// patternmatcher's compile step.
std::string ToRegex(const std::string& p) {
  std::string re = "^";
  for (size_t i = 0; i < p.size(); ++i) {
    char ch = p[i];
    if (ch == '*') {
      if (i + 1 < p.size() && p[i + 1] == '*') {
        ++i;
        if (i + 1 < p.size() && p[i + 1] == '/') ++i;  // "**/" is "**"
        re += i + 1 >= p.size() ? ".*" : "(.*/)?";
      } else {
        re += "[^/]*";
      }
    } else if (ch == '?') {
      re += "[^/]";
    } else if (ch == '.' || ch == '$') {
      re += std::string("\\") + ch;
    } else if (ch == '\\') {
      re += i + 1 < p.size() ? std::string("\\") + p[++i] : std::string("\\\\");
    } else if (ch == '(' || ch == ')' || ch == '+' || ch == '{' || ch == '}' || ch == '|' ||
               ch == '^') {
      re += std::string("\\") + ch;  // literal in Go's filepath.Match as in docker's regexp use
    } else {
      re += ch;
    }
  }
  return re + "$";
}

// An unclosed '[' (Go's filepath.Match: ErrBadPattern).
bool BadPattern(const std::string& p) {
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '\\') {
      ++i;
    } else if (p[i] == '[') {
      size_t j = i + 1;
      if (j < p.size() && (p[j] == '^' || p[j] == '!')) ++j;
      if (j < p.size() && p[j] == ']') ++j;  // a leading ']' is literal
      while (j < p.size() && p[j] != ']') j += p[j] == '\\' ? 2 : 1;
      if (j >= p.size()) return true;
      i = j;
    }
  }
  return false;
}

}  // namespace

std::string CleanSlashPath(std::string_view path) {
  bool rooted = !path.empty() && path[0] == '/';
  std::vector<std::string> out;
  for (const std::string& part : Split(path, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!out.empty() && out.back() != "..") {
        out.pop_back();
      } else if (!rooted) {
        out.push_back("..");
      }
      continue;
    }
    out.push_back(part);
  }
  std::string joined = Join(out, "/");
  if (rooted) return "/" + joined;
  return joined.empty() ? "." : joined;
}

Result<IgnoreMatcher> IgnoreMatcher::Parse(std::string_view text) {
  IgnoreMatcher m;
  for (std::string line : Split(text, '\n')) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty() && line[0] == '#') continue;
    std::string p(Trim(line));
    if (p.empty()) continue;
    bool exception = p[0] == '!';
    if (exception) p = std::string(Trim(std::string_view(p).substr(1)));
    if (!p.empty()) {
      p = CleanSlashPath(p);
      if (p.size() > 1 && p[0] == '/') p = p.substr(1);
    }
    std::regex re;
    try {
      if (BadPattern(p)) throw std::regex_error(std::regex_constants::error_brack);
      re = std::regex(ToRegex(p));
    } catch (const std::regex_error&) {
      return MakeError(Code::kInvalidArgument, "syntax error in pattern");
    }
    m.has_exceptions_ = m.has_exceptions_ || exception;
    m.patterns_.push_back(Pattern{p, exception, std::move(re)});
  }
  return m;
}

bool IgnoreMatcher::Match(const Pattern& p, std::string_view path) const {
  return std::regex_match(path.begin(), path.end(), p.regex);
}

bool IgnoreMatcher::Excluded(std::string_view path) const { return ExcludedBy(path).has_value(); }

std::optional<std::string> IgnoreMatcher::ExcludedBy(std::string_view path) const {
  std::string file = CleanSlashPath(path);
  size_t slash = file.rfind('/');
  std::string parent = slash == std::string::npos ? "." : file.substr(0, slash);
  std::vector<std::string> dirs = Split(parent, '/');
  bool matched = false;
  const Pattern* by = nullptr;
  for (const Pattern& p : patterns_) {
    if (p.exception != matched) continue;  // only an exception can undo, only a pattern can make
    bool match = Match(p, file);
    if (!match && parent != ".") {
      std::string prefix;
      for (const std::string& d : dirs) {
        prefix = prefix.empty() ? d : prefix + "/" + d;
        if (Match(p, prefix)) {
          match = true;
          break;
        }
      }
    }
    if (match) {
      matched = !p.exception;
      by = &p;
    }
  }
  if (!matched) return std::nullopt;
  return by->text;
}

}  // namespace berth::build
