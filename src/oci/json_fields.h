// Typed access to the fields of a JSON object, as the OCI and Docker types
// read them: tolerant of unknown fields, strict about the types of known
// ones, and errors that name the field ("layers[2].digest: not a string").
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "digest/digest.h"

namespace berth {

using Json = nlohmann::ordered_json;

// Parses text as JSON that must be an object. InvalidArgument
// ("<what>: <parser message>" or "<what>: not a JSON object") otherwise.
// Never throws.
Result<Json> ParseJsonObject(std::string_view text, std::string_view what);

// Compact serialization the way Go's encoding/json writes it: no spaces,
// "<", ">", "&", U+2028 and U+2029 escaped as \uXXXX, invalid UTF-8 replaced
// by U+FFFD. Never throws.
std::string DumpJson(const Json& j, int indent = -1);  // indent >= 0: pretty, as json.MarshalIndent

// Reads the fields of one object. Every getter leaves out untouched when the
// key is absent or null (as Go does) and returns InvalidArgument
// "<path><key>: <problem>" when the value has the wrong type. path is the
// location of the object itself, "" at top level or e.g. "layers[2]".
class JsonFields {
 public:
  // obj must outlive this reader.
  JsonFields(const Json& obj, std::string path);

  // The value at key, or nullptr when absent or null.
  const Json* Find(std::string_view key) const;
  bool Has(std::string_view key) const { return Find(key) != nullptr; }
  // The child path for key: "layers[2].digest".
  std::string PathOf(std::string_view key) const;
  // InvalidArgument "<path><key>: <problem>".
  Error FieldError(std::string_view key, std::string_view problem) const;

  Status String(std::string_view key, std::string& out) const;
  Status Bool(std::string_view key, bool& out) const;
  Status Int(std::string_view key, int64_t& out) const;
  Status OptionalInt(std::string_view key, std::optional<int64_t>& out) const;
  // RFC 3339 string to nanoseconds since the epoch; a well-formed time
  // outside 1678-2261 (e.g. Go's zero time) reads as nullopt.
  Status Time(std::string_view key, std::optional<int64_t>& out) const;
  Status DigestValue(std::string_view key, Digest& out) const;
  Status StringList(std::string_view key, std::vector<std::string>& out) const;
  // null stays distinct from []: null -> nullopt.
  Status OptionalStringList(std::string_view key,
                            std::optional<std::vector<std::string>>& out) const;
  Status StringMap(std::string_view key, std::map<std::string, std::string>& out) const;
  // An object used as a set ({"80/tcp": {}}): its keys.
  Status KeySet(std::string_view key, std::set<std::string>& out) const;
  // An object value; nullptr when absent or null, error when not an object.
  Result<const Json*> Object(std::string_view key) const;
  // An array value; nullptr when absent or null, error when not an array.
  Result<const Json*> Array(std::string_view key) const;

 private:
  const Json& obj_;
  std::string path_;
};

// JSON for a string list where an empty list is written as null (Go's nil slice).
Json StringListOrNull(const std::vector<std::string>& v);
// JSON for a string map where an empty map is written as null.
Json StringMapOrNull(const std::map<std::string, std::string>& m);
// JSON for a set written as {"k": {}}; null when empty.
Json KeySetOrNull(const std::set<std::string>& s);

}  // namespace berth
