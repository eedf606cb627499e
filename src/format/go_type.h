// GoType: what a template can see of a Go type. docker runs its templates
// against Go values (types.ImageInspect, a listing row), and Go prints and
// walks a struct, a map, a slice, a pointer or a time.Time each its own way.
// berth's documents are JSON; a GoType laid over a JSON document tells the
// template engine which Go value the JSON stands for, so `{{.RootFS}}` prints
// `{layers [sha256:...] }` and an absent field is Go's zero value.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace berth {

enum class GoKind {
  kInterface,  // interface {}: the JSON decides, as after a json.Unmarshal into interface {}
  kString,
  kInt,
  kBool,
  kFloat,
  kStruct,
  kPointer,   // to elem; JSON null is the nil pointer
  kSlice,     // of elem; JSON null is the nil slice
  kMap,       // key -> elem; JSON object, null is the nil map
  kTime,      // time.Time; JSON: an RFC 3339 string
  kDuration,  // time.Duration; JSON: integer nanoseconds
};

struct GoType;

struct GoField {
  std::string name{};        // Go's field name: "ID"
  std::string json{};        // its key in the JSON document: "Id"
  const GoType* type = nullptr;
  bool omitempty = false;    // encoding/json's omitempty
  // An embedded struct (or pointer to one): its fields are promoted (found
  // as the outer struct's) and its JSON is inlined in the outer object;
  // printed, it is a nested value, as Go prints it.
  bool embedded = false;
};

// A method with string parameters returning a string, as docker's listing
// contexts have (`{{.Label "x"}}`). call gets the receiver's JSON (the
// struct's or map's document, pointers followed) and the arguments.
struct GoMethod {
  std::string name{};
  size_t params = 0;
  std::function<std::string(const nlohmann::ordered_json& receiver,
                            const std::vector<std::string>& args)>
      call{};
};

struct GoType {
  GoKind kind = GoKind::kInterface;
  std::string name{};  // as reflect prints it: "types.RootFS", "[]string", "*container.Config"
  const GoType* elem = nullptr;  // pointer, slice and map
  const GoType* key = nullptr;   // map: a string kind ("string", "nat.Port")
  std::vector<GoField> fields{};  // struct, in declaration order
  // struct: its MarshalJSON goes through json.Marshal, which escapes <, >
  // and & even inside the json template function (docker's listing rows).
  bool json_escapes_html = false;
  // struct: its fields stand for methods without parameters (docker's
  // listing contexts), so calling one with arguments is Go's "wrong number
  // of args" error.
  bool fields_are_methods = false;
  // Methods, looked up before fields and map keys, as Go's evalField does.
  std::vector<GoMethod> methods{};
};

// Constructors. Each returns a type that lives as long as the program, meant
// to be built once (function-local statics) and shared.
const GoType* GoInterfaceType();  // "interface {}"
const GoType* GoBasicType(GoKind kind, std::string name);  // string, int, bool, float, time, duration
const GoType* GoStructType(std::string name, std::vector<GoField> fields,
                           bool json_escapes_html = false);
const GoType* GoPointerType(const GoType* elem);  // named "*" + elem's name
const GoType* GoSliceType(const GoType* elem, std::string name = "");  // default "[]" + elem's name
const GoType* GoMapType(const GoType* key, const GoType* elem, std::string name = "");  // default "map[k]v"
// t, a type the caller has just made for this, with methods added (in place:
// t is returned).
const GoType* GoWithMethods(const GoType* t, std::vector<GoMethod> methods);

// The basic types by their Go names.
const GoType* GoStringType();    // string
const GoType* GoInt64Type();     // int64
const GoType* GoIntType();       // int
const GoType* GoBoolType();      // bool
const GoType* GoTimeType();      // time.Time
const GoType* GoDurationType();  // time.Duration
const GoType* GoEmptyStructType();  // struct {}

}  // namespace berth
