// .dockerignore: which files of a build context are left out, with the
// rules of Docker's patternmatcher (moby/patternmatcher, used by docker
// 20.10's classic builder and BuildKit alike).
#pragma once

#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace berth::build {

class IgnoreMatcher {
 public:
  // Parses a .dockerignore's text as dockerignore.ReadAll does: '#' lines
  // are comments, each pattern is trimmed, a leading '!' makes it an
  // exception, the rest is cleaned like a path (a leading '/' dropped).
  // InvalidArgument "syntax error in pattern" for a pattern Go's
  // filepath.Match refuses (an unclosed '[').
  static Result<IgnoreMatcher> Parse(std::string_view dockerignore);

  // Whether path (relative to the context, '/'-separated, cleaned) is
  // excluded: the last pattern that matches it or one of its parent
  // directories decides, an exception re-including it.
  bool Excluded(std::string_view path) const;

  // The pattern (as cleaned) that excludes path, nullopt when it is not
  // excluded.
  std::optional<std::string> ExcludedBy(std::string_view path) const;

  // Whether an exception could re-include something below dir, so that a
  // walk must enter an excluded directory (docker's same check).
  bool HasExceptions() const { return has_exceptions_; }

  bool empty() const { return patterns_.empty(); }

 private:
  struct Pattern {
    std::string text;     // cleaned, without '!'
    bool exception = false;
    std::regex regex;     // patternmatcher's regexp, compiled once
  };
  bool Match(const Pattern& p, std::string_view path) const;

  std::vector<Pattern> patterns_;
  bool has_exceptions_ = false;
};

// filepath.Clean for '/'-separated paths: "a//b/../c/" -> "a/c", "" -> ".".
std::string CleanSlashPath(std::string_view path);

}  // namespace berth::build
