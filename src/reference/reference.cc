// Image reference grammar. Every command that takes an image name goes
// through here, so it mirrors Docker's distribution/reference exactly (same
// normalization, same error text) with a hand-written matcher instead of
// regular expressions: the grammar is small, and a matcher cannot blow up on
// hostile input.
#include "reference/reference.h"

#include <optional>

#include "base/strings.h"

namespace berth {
namespace {

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsAlnum(char c) { return IsLowerAlnum(c) || (c >= 'A' && c <= 'Z'); }
bool IsWord(char c) { return IsAlnum(c) || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsXDigit(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// alpha-numeric [separator alpha-numeric]*, separator := [._] | __ | -+
bool IsPathComponent(std::string_view c) {
  if (c.empty() || !IsLowerAlnum(c.front()) || !IsLowerAlnum(c.back())) return false;
  size_t i = 0;
  while (i < c.size()) {
    if (IsLowerAlnum(c[i])) {
      i++;
      continue;
    }
    size_t j = i;
    while (j < c.size() && !IsLowerAlnum(c[j])) j++;
    std::string_view sep = c.substr(i, j - i);
    bool dashes = sep.find_first_not_of('-') == std::string_view::npos;
    if (!(sep == "." || sep == "_" || sep == "__" || dashes)) return false;
    i = j;
  }
  return true;
}

// [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
bool IsDomainComponent(std::string_view c) {
  if (c.empty() || !IsAlnum(c.front()) || !IsAlnum(c.back())) return false;
  for (char ch : c) {
    if (!IsAlnum(ch) && ch != '-') return false;
  }
  return true;
}

bool IsPort(std::string_view p) {
  if (p.empty()) return false;
  for (char c : p) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

// [A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[[:xdigit:]]{32,}
// Only the shape; Digest::Parse decides whether it is a digest berth supports.
bool IsDigestShape(std::string_view s) {
  size_t colon = s.find(':');
  if (colon == std::string_view::npos) return false;
  std::string_view alg = s.substr(0, colon);
  std::string_view hex = s.substr(colon + 1);
  if (hex.size() < 32) return false;
  for (char c : hex) {
    if (!IsXDigit(c)) return false;
  }
  bool want_letter = true;
  for (char c : alg) {
    bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (want_letter) {
      if (!letter) return false;
      want_letter = false;
    } else if (c == '-' || c == '_' || c == '+' || c == '.') {
      want_letter = true;
    } else if (!letter && !IsDigit(c)) {
      return false;
    }
  }
  return !want_letter;
}

struct Match {
  std::string domain;  // "" when the name has no domain component
  std::string path;
  std::string tag;
  std::string digest;
  size_t name_length = 0;
};

// The anchored reference grammar: name [":" tag] ["@" digest].
std::optional<Match> MatchReference(std::string_view s) {
  Match m;
  std::string_view rest = s;
  if (size_t at = rest.find('@'); at != std::string_view::npos) {
    std::string_view dg = rest.substr(at + 1);
    if (!IsDigestShape(dg)) return std::nullopt;
    m.digest = std::string(dg);
    rest = rest.substr(0, at);
  }
  size_t slash = rest.rfind('/');
  size_t colon = rest.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    std::string_view tag = rest.substr(colon + 1);
    if (!IsValidTag(tag)) return std::nullopt;
    m.tag = std::string(tag);
    rest = rest.substr(0, colon);
  }
  m.name_length = rest.size();
  if (size_t first = rest.find('/'); first != std::string_view::npos) {
    std::string_view domain = rest.substr(0, first);
    std::string_view path = rest.substr(first + 1);
    if (IsValidDomain(domain) && IsValidRepositoryPath(path)) {
      m.domain = std::string(domain);
      m.path = std::string(path);
      return m;
    }
  }
  if (!IsValidRepositoryPath(rest)) return std::nullopt;
  m.path = std::string(rest);
  return m;
}

// distribution/reference's Parse: the grammar plus its error reporting.
Result<Reference> ParseAny(std::string_view s) {
  std::optional<Match> m = MatchReference(s);
  if (!m) {
    if (s.empty()) {
      return MakeError(Code::kInvalidArgument, "repository name must have at least one component");
    }
    if (MatchReference(ToLower(s))) {
      return MakeError(Code::kInvalidArgument, "repository name must be lowercase");
    }
    return MakeError(Code::kInvalidArgument, "invalid reference format");
  }
  if (m->name_length > kNameTotalLengthMax) {
    return MakeError(Code::kInvalidArgument,
                     "repository name must not be more than 255 characters");
  }
  Reference ref;
  ref.domain = std::move(m->domain);
  ref.path = std::move(m->path);
  ref.tag = std::move(m->tag);
  if (!m->digest.empty()) ref.digest = TRY(Digest::Parse(m->digest));
  return ref;
}

bool IsIdentifier(std::string_view s) { return s.size() == 64 && IsHex(s); }

}  // namespace

bool IsValidTag(std::string_view tag) {
  if (tag.empty() || tag.size() > 128 || !IsWord(tag.front())) return false;
  for (char c : tag.substr(1)) {
    if (!IsWord(c) && c != '.' && c != '-') return false;
  }
  return true;
}

bool IsValidRepositoryPath(std::string_view path) {
  for (const std::string& c : Split(path, '/')) {
    if (!IsPathComponent(c)) return false;
  }
  return true;
}

bool IsValidDomain(std::string_view domain) {
  std::string_view host = domain;
  std::string_view port;
  bool has_port = false;
  if (!domain.empty() && domain.front() == '[') {
    size_t close = domain.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    for (char c : domain.substr(1, close - 1)) {
      if (!IsXDigit(c) && c != ':') return false;
    }
    std::string_view after = domain.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return false;
      return IsPort(after.substr(1));
    }
    return true;
  }
  if (size_t colon = domain.find(':'); colon != std::string_view::npos) {
    host = domain.substr(0, colon);
    port = domain.substr(colon + 1);
    has_port = true;
  }
  if (has_port && !IsPort(port)) return false;
  for (const std::string& c : Split(host, '.')) {
    if (!IsDomainComponent(c)) return false;
  }
  return true;
}

std::string Reference::Name() const {
  if (domain.empty()) return path;
  return domain + "/" + path;
}

std::string Reference::String() const {
  std::string s = Name();
  if (HasTag()) s += ":" + tag;
  if (HasDigest()) s += "@" + digest.str();
  return s;
}

std::string Reference::FamiliarName() const {
  if (domain != kDefaultDomain) return Name();
  if (path.starts_with(kOfficialRepoPrefix) &&
      path.find('/', kOfficialRepoPrefix.size()) == std::string::npos) {
    return path.substr(kOfficialRepoPrefix.size());
  }
  return path;
}

std::string Reference::FamiliarString() const {
  std::string s = FamiliarName();
  if (HasTag()) s += ":" + tag;
  if (HasDigest()) s += "@" + digest.str();
  return s;
}

Result<Reference> ParseNormalizedNamed(std::string_view s) {
  if (IsIdentifier(s)) {
    return MakeError(Code::kInvalidArgument, "invalid repository name (" + std::string(s) +
                                                 "), cannot specify 64-byte hexadecimal strings");
  }
  // splitDockerDomain: the first component names a registry only when it
  // looks like a host.
  std::string domain(kDefaultDomain);
  std::string remainder(s);
  if (size_t slash = s.find('/'); slash != std::string_view::npos) {
    std::string_view first = s.substr(0, slash);
    if (first.find_first_of(".:") != std::string_view::npos || first == "localhost") {
      domain = std::string(first);
      remainder = std::string(s.substr(slash + 1));
    }
  }
  if (domain == kLegacyDefaultDomain) domain = std::string(kDefaultDomain);
  if (domain == kDefaultDomain && remainder.find('/') == std::string::npos) {
    remainder = std::string(kOfficialRepoPrefix) + remainder;
  }
  std::string remote = remainder.substr(0, remainder.find(':'));
  if (ToLower(remote) != remote) {
    return MakeError(Code::kInvalidArgument,
                     "invalid reference format: repository name must be lowercase");
  }
  Reference ref = TRY(ParseAny(domain + "/" + remainder));
  // The grammar would read "foo_bar.com/x" as a domain-less path; Docker then
  // has no registry to talk to. berth refuses it instead.
  if (ref.domain.empty()) return MakeError(Code::kInvalidArgument, "invalid reference format");
  return ref;
}

Reference WithDefaultTag(Reference r) {
  if (!r.HasTag() && !r.HasDigest()) r.tag = std::string(kDefaultTag);
  return r;
}

Result<Reference> ParseCanonical(std::string_view s) {
  Reference ref = TRY(ParseNormalizedNamed(s));
  if (ref.String() != s) {
    return MakeError(Code::kInvalidArgument, "repository name must be canonical");
  }
  return ref;
}

}  // namespace berth
