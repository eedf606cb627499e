// Go semantics of typed template values (Values that carry a GoType):
// printing as fmt prints Go values, encoding as encoding/json marshals them,
// field access, truth, len and index as text/template does. Internal to
// format/; untyped values keep the JSON rules of template_value.h.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "format/go_time.h"
#include "format/template_value.h"

namespace berth::tmpl {

// True when j can stand for a value of type t (null always can, as the zero
// value or nil). Values whose JSON does not fit their type are untyped.
bool FitsType(const Json& j, const GoType& t);

// What text/template prints for an action's final value (printableValue,
// then fmt.Fprint): a pointer is followed once, so `{{.Config}}` prints its
// struct; a nil pointer prints "<nil>".
void AppendPrintable(const Value& v, std::string& out);

// fmt's %v of a typed value. depth 0 is an argument of Print/Printf (a
// non-nil pointer to a struct, map or slice prints "&" and the value);
// deeper pointers print an address, as Go does. Go's addresses differ from
// run to run; berth prints a fixed one (0xc000010000).
void AppendTypedV(const Value& v, std::string& out, int depth);

// encoding/json's Marshal (no HTML escaping): struct fields in declaration
// order minus empty omitempty ones, nil pointers, maps and slices as null,
// map keys sorted, times as RFC 3339 strings, durations as integers.
std::string EncodeTyped(const Value& v);

// Go's truth of a typed value: structs (and times) are always true, nil
// pointers, maps and slices false, as are zero numbers and empty strings.
bool IsTrueTyped(const Value& v);

// A result or Go's error message.
struct Lookup {
  Value value{};
  std::string error{};
};

// The method name of v's type (pointers followed), or nullptr. For a method
// call with arguments (the executor evaluates them).
const GoMethod* FindMethod(const Value& v, const std::string& name);
// True when v's type (pointers followed) is a struct whose fields stand for
// methods and has a field name.
bool IsFieldMethod(const Value& v, const std::string& name);
// Calls m on v (pointers followed): a string value.
Value CallMethod(const Value& v, const GoMethod& m, const std::vector<std::string>& args);

// text/template's evalField on a typed receiver: a struct field (absent
// JSON gives the zero value), a map entry (missing: invalid, or an error
// with missing_key_error), a method of time.Time (String, Unix, UnixNano,
// IsZero) or time.Duration (String, Seconds, Nanoseconds); pointers are
// followed. Errors as Go words them, e.g. "can't evaluate field X in type
// *formatter.imageContext", "nil pointer evaluating *container.HealthConfig.Test".
Lookup TypedField(const Value& receiver, const std::string& name, bool has_args,
                  bool missing_key_error);

// The (key, element) pairs `range` visits in a typed value: slice elements
// with int indexes, map entries in key order; nil maps and slices have
// none. Error "range can't iterate over <v>" for other kinds.
struct RangeItems {
  std::vector<std::pair<Value, Value>> items{};
  std::string error{};
};
RangeItems TypedRange(const Value& v);

// The index builtin on a typed item (a missing map key gives the element's
// zero value), and len. Go's error messages.
Lookup TypedIndex(const Value& item, const Value& key);
Lookup TypedLen(const Value& item);

// For fmt functions over mixed arguments: the untyped JSON that prints as
// the typed value does with %v and %s (strings, numbers, bools and lists of
// them as themselves, zero values filled in; times, durations, structs,
// maps and pointers as their %v text). Untyped values are returned as is.
Json PrintfArg(const Value& v);

// fmt.Sprint and fmt.Sprintln over values: Sprint puts a space between
// operands when neither is a string (a Go string kind, typed or not).
std::string SprintValues(const std::vector<Value>& args);
std::string SprintlnValues(const std::vector<Value>& args);

}  // namespace berth::tmpl
