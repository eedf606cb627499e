// The constructors of GoType. Types describe fixed schemas (docker's API
// structs), so they are allocated once and never freed: a schema is a graph
// of pointers that every template execution shares.
#include "format/go_type.h"

#include <utility>

namespace berth {
namespace {

const GoType* Make(GoType t) { return new GoType(std::move(t)); }  // lives for the program

}  // namespace

const GoType* GoInterfaceType() {
  static const GoType* t = Make({.kind = GoKind::kInterface, .name = "interface {}"});
  return t;
}

const GoType* GoBasicType(GoKind kind, std::string name) {
  return Make({.kind = kind, .name = std::move(name)});
}

const GoType* GoStructType(std::string name, std::vector<GoField> fields, bool json_escapes_html) {
  for (auto& f : fields) {
    if (f.json.empty()) f.json = f.name;
  }
  return Make({.kind = GoKind::kStruct,
               .name = std::move(name),
               .fields = std::move(fields),
               .json_escapes_html = json_escapes_html});
}

const GoType* GoPointerType(const GoType* elem) {
  return Make({.kind = GoKind::kPointer, .name = "*" + elem->name, .elem = elem});
}

const GoType* GoSliceType(const GoType* elem, std::string name) {
  if (name.empty()) name = "[]" + elem->name;
  return Make({.kind = GoKind::kSlice, .name = std::move(name), .elem = elem});
}

const GoType* GoMapType(const GoType* key, const GoType* elem, std::string name) {
  if (name.empty()) name = "map[" + key->name + "]" + elem->name;
  return Make({.kind = GoKind::kMap, .name = std::move(name), .elem = elem, .key = key});
}

const GoType* GoWithMethods(const GoType* t, std::vector<GoMethod> methods) {
  // Finished in place: a copy would leave the fresh type unreferenced (LSan
  // counts it leaked), and every type is one the caller has just made.
  auto* fresh = const_cast<GoType*>(t);
  for (auto& m : methods) fresh->methods.push_back(std::move(m));
  return fresh;
}

const GoType* GoStringType() {
  static const GoType* t = GoBasicType(GoKind::kString, "string");
  return t;
}

const GoType* GoInt64Type() {
  static const GoType* t = GoBasicType(GoKind::kInt, "int64");
  return t;
}

const GoType* GoIntType() {
  static const GoType* t = GoBasicType(GoKind::kInt, "int");
  return t;
}

const GoType* GoBoolType() {
  static const GoType* t = GoBasicType(GoKind::kBool, "bool");
  return t;
}

const GoType* GoTimeType() {
  static const GoType* t = GoBasicType(GoKind::kTime, "time.Time");
  return t;
}

const GoType* GoDurationType() {
  static const GoType* t = GoBasicType(GoKind::kDuration, "time.Duration");
  return t;
}

const GoType* GoEmptyStructType() {
  static const GoType* t = GoStructType("struct {}", {});
  return t;
}

}  // namespace berth
