// libFuzzer target for image references (src/reference/, issue 12): every
// name a user types or an archive, a tag or a registry hands berth goes
// through ParseNormalizedNamed or ParseCanonical. Besides the sanitizers'
// findings it fails on what the parsers promise: errors are
// InvalidArgument with a message, a parsed reference is made of valid
// parts, its String() is canonical (re-parses to the same reference, with
// either parser), its FamiliarString() re-parses to it too, and
// ParseCanonical accepts exactly the strings that are their own String().
#include <cstdint>
#include <string>

#include "fuzz_util.h"
#include "reference/reference.h"

namespace {

using berth::Reference;
using berth::Result;

void Fail(const std::string& what, std::string_view input) {
  berth::fuzz::Die("reference_fuzz", what + " (input: \"" + std::string(input) + "\")");
}

void CheckError(const Result<Reference>& r, std::string_view input) {
  if (r.error().code != berth::Code::kInvalidArgument) Fail("error not InvalidArgument", input);
  if (r.error().message.empty()) Fail("error without a message", input);
}

void CheckParsed(const Reference& r, std::string_view input) {
  if (r.domain.empty() || !berth::IsValidDomain(r.domain)) Fail("bad domain " + r.domain, input);
  if (!berth::IsValidRepositoryPath(r.path)) Fail("bad path " + r.path, input);
  if (r.HasTag() && !berth::IsValidTag(r.tag)) Fail("bad tag " + r.tag, input);
  if (r.domain == berth::kLegacyDefaultDomain) Fail("legacy domain kept", input);
  if (r.domain == berth::kDefaultDomain && r.path.find('/') == std::string::npos) {
    Fail("docker.io name without library/", input);
  }
  std::string s = r.String();
  auto again = berth::ParseNormalizedNamed(s);
  if (!again.ok()) Fail("String() " + s + " does not re-parse: " + again.error().message, input);
  if (*again != r) Fail("String() " + s + " re-parses to " + again->String(), input);
  auto canonical = berth::ParseCanonical(s);
  if (!canonical.ok()) Fail("String() " + s + " is not canonical: " + canonical.error().message, input);
  if (*canonical != r) Fail("ParseCanonical(String()) differs: " + canonical->String(), input);
  // Docker's familiar form is ambiguous in two cases, which berth keeps for
  // its output to match: a name of 64 hex digits (docker.io/library/<hex>
  // shows as <hex>, an image ID) and a docker.io path whose first component
  // looks like a host (docker.io/a.b/c shows as a.b/c, the registry a.b).
  std::string familiar = r.FamiliarName();
  std::string first = familiar.substr(0, familiar.find('/'));
  bool hex_name = familiar.size() == 64 && familiar.find_first_not_of("0123456789abcdef") == std::string::npos;
  bool host_like = familiar.find('/') != std::string::npos &&
                   (first.find_first_of(".:") != std::string::npos || first == "localhost");
  if (!hex_name && !(r.domain == berth::kDefaultDomain && host_like)) {
    auto f = berth::ParseNormalizedNamed(r.FamiliarString());
    if (!f.ok()) Fail("FamiliarString() " + r.FamiliarString() + " does not re-parse: " + f.error().message, input);
    if (*f != r) Fail("FamiliarString() " + r.FamiliarString() + " re-parses to " + f->String(), input);
  }
  Reference tagged = berth::WithDefaultTag(r);
  if (r.HasTag() || r.HasDigest()) {
    if (tagged != r) Fail("WithDefaultTag changed a tagged reference", input);
  } else if (tagged.tag != berth::kDefaultTag) {
    Fail("WithDefaultTag did not add latest", input);
  }
  auto t = berth::ParseNormalizedNamed(tagged.String());
  if (!t.ok() || *t != tagged) Fail("WithDefaultTag(r).String() does not re-parse", input);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto r = berth::ParseNormalizedNamed(input);
  if (r.ok()) {
    CheckParsed(*r, input);
  } else {
    CheckError(r, input);
  }
  auto c = berth::ParseCanonical(input);
  if (c.ok()) {
    if (c->String() != input) Fail("ParseCanonical accepted a non-canonical string", input);
    if (!r.ok() || *r != *c) Fail("ParseCanonical and ParseNormalizedNamed disagree", input);
  } else {
    CheckError(c, input);
    if (r.ok() && r->String() == input) Fail("ParseCanonical refused its own String()", input);
  }
  berth::IsValidTag(input);
  berth::IsValidDomain(input);
  berth::IsValidRepositoryPath(input);
  return 0;
}
