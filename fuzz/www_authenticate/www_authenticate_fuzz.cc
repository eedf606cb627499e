// libFuzzer target for the registry's WWW-Authenticate parser
// (registry::ParseChallenge, issue 12): the header comes from whatever
// server a user pulls from. Besides the sanitizers' findings it fails on
// what the parser promises: the scheme is one lower-case token, parameter
// names are lower case and trimmed, at most 33 are kept, and a challenge
// written back out (every value quoted and escaped) parses to the same
// challenge.
#include <cctype>
#include <cstdint>
#include <string>

#include "fuzz_util.h"
#include "registry/auth.h"

namespace {

using berth::registry::Challenge;

void Fail(const std::string& what, std::string_view input) {
  berth::fuzz::Die("www_authenticate_fuzz", what + " (input: \"" + std::string(input) + "\")");
}

bool HasUpper(std::string_view s) {
  for (char c : s) {
    if (c >= 'A' && c <= 'Z') return true;
  }
  return false;
}

// The challenge as a header: scheme, then key="value" pairs with '"' and
// '\' escaped.
std::string Write(const Challenge& c) {
  std::string out = c.scheme;
  bool first = true;
  for (const auto& [k, v] : c.params) {
    out += first ? " " : ",";
    first = false;
    out += k + "=\"";
    for (char ch : v) {
      if (ch == '"' || ch == '\\') out += '\\';
      out += ch;
    }
    out += '"';
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto c = berth::registry::ParseChallenge(input);
  if (!c) return 0;
  if (c->scheme.empty() || c->scheme.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-.^_`|~") !=
                               std::string::npos) {
    Fail("scheme not a lower-case token: " + c->scheme, input);
  }
  if (HasUpper(c->scheme)) Fail("scheme not lower case: " + c->scheme, input);
  if (c->params.size() > 33) Fail("more than 33 parameters", input);
  for (const auto& [k, v] : c->params) {
    if (HasUpper(k)) Fail("parameter name not lower case: " + k, input);
    if (k.find('=') != std::string::npos) Fail("parameter name with '=': " + k, input);
    if (!k.empty() && (std::isspace(static_cast<unsigned char>(k.front())) ||
                       std::isspace(static_cast<unsigned char>(k.back())))) {
      Fail("parameter name not trimmed: " + k, input);
    }
  }
  std::string written = Write(*c);
  auto again = berth::registry::ParseChallenge(written);
  if (!again) Fail("written challenge does not parse: " + written, input);
  if (again->scheme != c->scheme || again->params != c->params) {
    Fail("written challenge parses differently: " + written + " -> " + Write(*again), input);
  }
  return 0;
}
