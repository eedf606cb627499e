// Values of the template engine and Go's ways of printing them (fmt %v,
// Sprint, Sprintf, encoding/json). Internal to format/.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "format/go_type.h"

namespace berth::tmpl {

using Json = nlohmann::ordered_json;

// Go's reflect.Value over JSON data: either invalid (Go's "<no value>", e.g.
// a missing map key) or a JSON value. Values taken from inside another
// value share its ownership, so they stay valid as long as any holder does.
//
// A value may carry a GoType (format/go_type.h): then it stands for that Go
// value, and JSON null is its zero value (a nil pointer, map or slice, an
// empty string, a zero struct). Without one (type() == nullptr) it is what
// json.Unmarshal into interface {} gives, and null is a nil interface.
class Value {
 public:
  Value() = default;  // invalid
  // Refers to data the caller keeps alive for the Value's lifetime.
  static Value Borrow(const Json& j, const GoType* type = nullptr) {
    return Value(std::shared_ptr<const Json>(std::shared_ptr<const Json>(), &j), type);
  }
  static Value Own(Json j, const GoType* type = nullptr) {
    return Value(std::make_shared<const Json>(std::move(j)), type);
  }
  // The zero value of type (JSON null).
  static Value Zero(const GoType* type);
  // j must be inside json(); the result shares this value's ownership. An
  // untyped child is boxed: Go sees it through the interface {} of the map
  // or slice it came from.
  Value Child(const Json& j, const GoType* type = nullptr) const {
    Value v(std::shared_ptr<const Json>(p_, &j), type);
    v.boxed_ = !v.typed();
    return v;
  }
  // The same value taken out of its interface (what a pipeline's result is).
  Value Unboxed() const {
    Value v = *this;
    v.boxed_ = false;
    return v;
  }

  bool valid() const { return p_ != nullptr; }
  const Json& json() const { return *p_; }
  // The Go type, or nullptr for untyped JSON. A typed value whose type is
  // interface {} counts as untyped.
  const GoType* type() const { return type_; }
  bool typed() const { return type_ != nullptr; }
  // True for an untyped element of a map or slice: its static Go type is
  // interface {}, which error messages name.
  bool boxed() const { return boxed_; }

 private:
  Value(std::shared_ptr<const Json> p, const GoType* type);
  std::shared_ptr<const Json> p_;
  const GoType* type_ = nullptr;
  bool boxed_ = false;
};

// Go's truth: false for invalid, null, false, 0, and empty strings, arrays
// and objects.
bool IsTrue(const Value& v);

// Go type name for messages: "string", "int", "float64", "bool",
// "[]interface {}", "map[string]interface {}", "<nil>".
std::string TypeName(const Json& j);

// fmt's %v: strings raw, integral numbers as integers, other floats like Go
// ("1.5", "1.234567e+06"), null as "<nil>", arrays "[a b]", objects
// "map[k:v]" with sorted keys.
void AppendV(const Json& j, std::string& out);
std::string FormatV(const Json& j);

// encoding/json with SetEscapeHTML(false), without the trailing newline.
// Object members keep their stored order.
std::string EncodeJson(const Json& j);

// fmt.Sprint / fmt.Sprintln / fmt.Sprintf over JSON arguments. Sprintf
// supports the verbs v s d q f F e E g G x X o b c t % with flags "+- #0",
// width and precision, and Go's error notation ("%!d(string=x)",
// "%!s(MISSING)", "%!(EXTRA int=1)"). Widths and precisions follow fmt:
// past 10^6 they are %!(BADWIDTH) / %!(BADPREC) or %!(NOVERB). Sprintf stops
// early once its output passes max_bytes: a result longer than max_bytes
// means "too large" (its content is then unspecified).
std::string Sprint(const std::vector<Json>& args);
std::string Sprintf(std::string_view format, const std::vector<Json>& args,
                    size_t max_bytes = SIZE_MAX);

}  // namespace berth::tmpl
