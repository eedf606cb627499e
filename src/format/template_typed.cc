// Typed template values behave as the Go values docker's templates run on:
// a struct prints "{a b}", a map "map[k:v]", a time.Time its String(), an
// absent field its zero value, and json marshals by the struct's rules. This
// file holds those rules; the executor and the functions call them when a
// value carries a GoType.
#include "format/template_typed.h"

#include <algorithm>
#include <cstdio>
#include <optional>

#include "format/go_time.h"
#include "format/template_lex.h"

namespace berth::tmpl {
namespace {

constexpr const char* kFakeAddress = "0xc000010000";

const Json& Null() {
  static const Json kNull;
  return kNull;
}

GoTime TimeOf(const Value& v) {
  GoTime t;
  if (v.json().is_string()) ParseGoTime(v.json().get_ref<const std::string&>(), t);
  return t;
}

int64_t IntOf(const Json& j) {
  if (j.is_number_unsigned()) return static_cast<int64_t>(j.get<uint64_t>());
  if (j.is_number_integer()) return j.get<int64_t>();
  return 0;
}

// v with its pointer followed; null pointers stay.
Value Deref(const Value& v) {
  if (v.typed() && v.type()->kind == GoKind::kPointer && !v.json().is_null()) {
    return v.Child(v.json(), v.type()->elem);
  }
  return v;
}

Value FieldValue(const Value& s, const GoField& f) {
  if (f.embedded) return s.json().is_object() ? s.Child(s.json(), f.type) : Value::Zero(f.type);
  if (s.json().is_object()) {
    auto it = s.json().find(f.json);
    if (it != s.json().end()) return s.Child(*it, f.type);
  }
  return Value::Zero(f.type);
}

std::vector<std::string> SortedKeys(const Json& j) {
  std::vector<std::string> keys;
  if (j.is_object()) {
    for (const auto& [k, e] : j.items()) keys.push_back(k);
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

bool IsEmpty(const Value& v) {
  const Json& j = v.json();
  if (!v.typed()) return j.is_null();  // a nil interface
  switch (v.type()->kind) {
    case GoKind::kStruct:
    case GoKind::kTime:
      return false;
    case GoKind::kString:
      return j.is_null() || j.get_ref<const std::string&>().empty();
    case GoKind::kSlice:
    case GoKind::kMap:
      return j.is_null() || j.empty();
    default:
      return !IsTrueTyped(v);
  }
}

Lookup Method(const Value& v, const std::string& name, bool has_args) {
  GoKind k = v.type()->kind;
  Value result;
  if (k == GoKind::kTime) {
    GoTime t = TimeOf(v);
    if (name == "String") result = Value::Own(GoTimeString(t));
    if (name == "Unix") result = Value::Own(t.unix_seconds, GoInt64Type());
    if (name == "UnixNano") {
      // Go's arithmetic wraps for times outside int64 nanoseconds (the zero time).
      uint64_t ns = static_cast<uint64_t>(t.unix_seconds) * 1000000000ULL + static_cast<uint64_t>(t.nanos);
      result = Value::Own(static_cast<int64_t>(ns), GoInt64Type());
    }
    if (name == "IsZero") result = Value::Own(t.unix_seconds == GoTime{}.unix_seconds && t.nanos == 0);
  } else if (k == GoKind::kDuration) {
    int64_t ns = IntOf(v.json());
    if (name == "String") result = Value::Own(GoDurationString(ns));
    if (name == "Nanoseconds") result = Value::Own(ns, GoInt64Type());
    if (name == "Seconds") {
      result = Value::Own(static_cast<double>(ns / 1000000000) +
                          static_cast<double>(ns % 1000000000) / 1e9);
    }
  }
  if (result.valid() && has_args) return {.error = "wrong number of args for " + name + ": want 0 got 1"};
  return {.value = result};
}

// json.Marshal's HTML escaping of encoded JSON (<, >, & only occur inside
// strings there).
std::string EscapeHtml(const std::string& json) {
  std::string out;
  out.reserve(json.size());
  for (char c : json) {
    if (c == '<') {
      out += "\\u003c";
    } else if (c == '>') {
      out += "\\u003e";
    } else if (c == '&') {
      out += "\\u0026";
    } else {
      out += c;
    }
  }
  return out;
}

void AppendInt(const Json& j, std::string& out) {
  if (j.is_number_unsigned()) {
    out += std::to_string(j.get<uint64_t>());
  } else {
    out += std::to_string(IntOf(j));
  }
}

}  // namespace

Value Value::Zero(const GoType* type) {
  // Basic kinds get their zero spelled out, so comparisons and string
  // functions see "" or 0 rather than a nil.
  switch (type ? type->kind : GoKind::kInterface) {
    case GoKind::kString:
      return Own(Json(""), type);
    case GoKind::kInt:
    case GoKind::kDuration:
      return Own(Json(0), type);
    case GoKind::kFloat:
      return Own(Json(0.0), type);
    case GoKind::kBool:
      return Own(Json(false), type);
    default:
      return Borrow(Null(), type);
  }
}

Value::Value(std::shared_ptr<const Json> p, const GoType* type) : p_(std::move(p)), type_(type) {
  if (type_ && (type_->kind == GoKind::kInterface || !p_ || !FitsType(*p_, *type_))) type_ = nullptr;
}

bool FitsType(const Json& j, const GoType& t) {
  if (j.is_null()) return true;
  switch (t.kind) {
    case GoKind::kInterface:
      return true;
    case GoKind::kString:
    case GoKind::kTime:
      return j.is_string();
    case GoKind::kInt:
    case GoKind::kDuration:
      return j.is_number_integer();
    case GoKind::kBool:
      return j.is_boolean();
    case GoKind::kFloat:
      return j.is_number();
    case GoKind::kStruct:
    case GoKind::kMap:
      return j.is_object();
    case GoKind::kPointer:
      return FitsType(j, *t.elem);
    case GoKind::kSlice:
      return j.is_array();
  }
  return false;
}

void AppendTypedV(const Value& v, std::string& out, int depth) {
  if (!v.valid()) {
    out += "<nil>";
    return;
  }
  if (!v.typed()) {
    AppendV(v.json(), out);
    return;
  }
  const Json& j = v.json();
  const GoType& t = *v.type();
  switch (t.kind) {
    case GoKind::kInterface:
      AppendV(j, out);
      return;
    case GoKind::kString:
      if (j.is_string()) out += j.get_ref<const std::string&>();
      return;
    case GoKind::kInt:
      AppendInt(j, out);
      return;
    case GoKind::kBool:
      out += j.is_boolean() && j.get<bool>() ? "true" : "false";
      return;
    case GoKind::kFloat:
      out += j.is_null() ? "0" : FormatV(j);
      return;
    case GoKind::kTime:
      out += GoTimeString(TimeOf(v));
      return;
    case GoKind::kDuration:
      out += GoDurationString(IntOf(j));
      return;
    case GoKind::kStruct:
      out += '{';
      for (size_t i = 0; i < t.fields.size(); i++) {
        if (i) out += ' ';
        AppendTypedV(FieldValue(v, t.fields[i]), out, depth + 1);
      }
      out += '}';
      return;
    case GoKind::kPointer: {
      if (j.is_null()) {
        out += "<nil>";
        return;
      }
      GoKind ek = t.elem->kind;
      if (depth == 0 && (ek == GoKind::kStruct || ek == GoKind::kMap || ek == GoKind::kSlice)) {
        out += '&';
        AppendTypedV(Deref(v), out, depth + 1);
        return;
      }
      out += kFakeAddress;
      return;
    }
    case GoKind::kSlice:
      out += '[';
      if (j.is_array()) {
        for (size_t i = 0; i < j.size(); i++) {
          if (i) out += ' ';
          AppendTypedV(v.Child(j[i], t.elem), out, depth + 1);
        }
      }
      out += ']';
      return;
    case GoKind::kMap: {
      out += "map[";
      bool first = true;
      for (const auto& k : SortedKeys(j)) {
        if (!first) out += ' ';
        first = false;
        out += k;
        out += ':';
        AppendTypedV(v.Child(*j.find(k), t.elem), out, depth + 1);
      }
      out += ']';
      return;
    }
  }
}

void AppendPrintable(const Value& v, std::string& out) {
  if (!v.valid()) {
    out += "<no value>";
    return;
  }
  if (v.typed() && v.type()->kind == GoKind::kPointer && !v.json().is_null()) {
    AppendTypedV(Deref(v), out, 0);
    return;
  }
  AppendTypedV(v, out, 0);
}

namespace {

// The "key":value members of struct v, embedded structs' inlined.
void AppendJsonFields(const Value& v, std::string& out, bool& first) {
  for (const auto& f : v.type()->fields) {
    Value fv = FieldValue(v, f);
    if (f.embedded) {
      Value inner = Deref(fv);
      if (inner.typed() && inner.type()->kind == GoKind::kStruct && !inner.json().is_null()) {
        AppendJsonFields(inner, out, first);
      }
      continue;
    }
    if (f.omitempty && IsEmpty(fv)) continue;
    if (!first) out += ',';
    first = false;
    out += EncodeJson(Json(f.json)) + ":" + EncodeTyped(fv);
  }
}

}  // namespace

std::string EncodeTyped(const Value& v) {
  if (!v.valid()) return "null";
  if (!v.typed()) return EncodeJson(v.json());
  const Json& j = v.json();
  const GoType& t = *v.type();
  switch (t.kind) {
    case GoKind::kInterface:
      return EncodeJson(j);
    case GoKind::kString:
      return j.is_null() ? "\"\"" : EncodeJson(j);
    case GoKind::kInt:
    case GoKind::kDuration:
    case GoKind::kFloat:
      return j.is_null() ? "0" : EncodeJson(j);
    case GoKind::kBool:
      return j.is_null() ? "false" : EncodeJson(j);
    case GoKind::kTime:
      return j.is_null() || j.get_ref<const std::string&>().empty() ? "\"0001-01-01T00:00:00Z\""
                                                                     : EncodeJson(j);
    case GoKind::kPointer:
      return j.is_null() ? "null" : EncodeTyped(Deref(v));
    case GoKind::kStruct: {
      std::string out = "{";
      bool first = true;
      AppendJsonFields(v, out, first);
      out += "}";
      return t.json_escapes_html ? EscapeHtml(out) : out;
    }
    case GoKind::kSlice: {
      if (j.is_null()) return "null";
      std::string out = "[";
      for (size_t i = 0; i < j.size(); i++) {
        if (i) out += ',';
        out += EncodeTyped(v.Child(j[i], t.elem));
      }
      return out + "]";
    }
    case GoKind::kMap: {
      if (j.is_null()) return "null";
      std::string out = "{";
      bool first = true;
      for (const auto& k : SortedKeys(j)) {
        if (!first) out += ',';
        first = false;
        out += EncodeJson(Json(k)) + ":" + EncodeTyped(v.Child(*j.find(k), t.elem));
      }
      return out + "}";
    }
  }
  return "null";
}

bool IsTrueTyped(const Value& v) {
  if (!v.valid()) return false;
  const Json& j = v.json();
  if (!v.typed()) return IsTrue(v);
  switch (v.type()->kind) {
    case GoKind::kStruct:
    case GoKind::kTime:
      return true;
    case GoKind::kString:
      return j.is_string() && !j.get_ref<const std::string&>().empty();
    case GoKind::kInt:
    case GoKind::kDuration:
      return IntOf(j) != 0;
    case GoKind::kFloat:
      return j.is_number() && j.get<double>() != 0;
    case GoKind::kBool:
      return j.is_boolean() && j.get<bool>();
    case GoKind::kPointer:
      return !j.is_null();
    case GoKind::kSlice:
    case GoKind::kMap:
      return !j.is_null() && !j.empty();
    case GoKind::kInterface:
      return IsTrue(v);
  }
  return false;
}

namespace {

// Go's field lookup in struct s: its own fields, then those promoted from
// embedded structs (a nil embedded pointer hides its fields).
std::optional<Value> StructField(const Value& s, const std::string& name) {
  for (const auto& f : s.type()->fields) {
    if (f.name == name) return FieldValue(s, f);
  }
  for (const auto& f : s.type()->fields) {
    if (!f.embedded) continue;
    Value inner = Deref(FieldValue(s, f));
    if (!inner.typed() || inner.type()->kind != GoKind::kStruct || inner.json().is_null()) continue;
    if (auto v = StructField(inner, name)) return v;
  }
  return std::nullopt;
}

}  // namespace

const GoMethod* FindMethod(const Value& v, const std::string& name) {
  if (!v.typed()) return nullptr;
  const GoType* t = v.type();
  for (const GoType* u : {t, t->kind == GoKind::kPointer ? t->elem : nullptr}) {
    if (u == nullptr) continue;
    for (const auto& m : u->methods) {
      if (m.name == name) return &m;
    }
  }
  return nullptr;
}

bool IsFieldMethod(const Value& v, const std::string& name) {
  if (!v.typed()) return false;
  const GoType* t = v.type()->kind == GoKind::kPointer ? v.type()->elem : v.type();
  if (t == nullptr || t->kind != GoKind::kStruct || !t->fields_are_methods) return false;
  return std::any_of(t->fields.begin(), t->fields.end(),
                     [&](const GoField& f) { return f.name == name; });
}

Value CallMethod(const Value& v, const GoMethod& m, const std::vector<std::string>& args) {
  Value r = Deref(v);
  return Value::Own(m.call(r.json(), args), GoStringType());
}

Lookup TypedField(const Value& receiver, const std::string& name, bool has_args,
                  bool missing_key_error) {
  const GoType& typ = *receiver.type();
  bool is_nil = typ.kind == GoKind::kPointer && receiver.json().is_null();
  Value r = Deref(receiver);
  if (const GoMethod* m = is_nil ? nullptr : FindMethod(receiver, name)) {
    // Calls with arguments are made by the executor (CallMethod).
    if (has_args) return {.error = "can't call method " + name + " here"};
    if (m->params != 0) {
      return {.error = "wrong number of args for " + name + ": want " + std::to_string(m->params) + " got 0"};
    }
    return {.value = CallMethod(receiver, *m, {})};
  }
  if (!is_nil && r.typed()) {
    Lookup m = Method(r, name, has_args);
    if (m.value.valid() || !m.error.empty()) return m;
  }
  const GoType& rt = is_nil ? typ : *r.type();
  if (!is_nil && rt.kind == GoKind::kStruct) {
    if (auto v = StructField(r, name)) {
      if (has_args) return {.error = name + " has arguments but cannot be invoked as function"};
      return {.value = *v};
    }
  } else if (!is_nil && rt.kind == GoKind::kMap && rt.key->name == "string") {
    if (has_args) return {.error = name + " is not a method but has arguments"};
    if (r.json().is_object()) {
      auto it = r.json().find(name);
      if (it != r.json().end()) return {.value = r.Child(*it, rt.elem)};
    }
    if (missing_key_error) return {.error = "map has no entry for key " + GoQuote(name)};
    return {};
  } else if (is_nil && typ.elem->kind == GoKind::kStruct) {
    for (const auto& f : typ.elem->fields) {
      if (f.name == name) return {.error = "nil pointer evaluating " + typ.name + "." + name};
    }
  }
  return {.error = "can't evaluate field " + name + " in type " + typ.name};
}

RangeItems TypedRange(const Value& v) {
  RangeItems r;
  const Json& j = v.json();
  const GoType& t = *v.type();
  if (t.kind == GoKind::kSlice) {
    if (j.is_array()) {
      for (size_t i = 0; i < j.size(); i++) {
        r.items.emplace_back(Value::Own(static_cast<int64_t>(i), GoIntType()), v.Child(j[i], t.elem));
      }
    }
    return r;
  }
  if (t.kind == GoKind::kMap) {
    for (const auto& k : SortedKeys(j)) {
      r.items.emplace_back(Value::Own(k, t.key), v.Child(*j.find(k), t.elem));
    }
    return r;
  }
  std::string shown;
  AppendPrintable(v, shown);
  r.error = "range can't iterate over " + shown;
  return r;
}

Lookup TypedIndex(const Value& item, const Value& key) {
  if (item.type()->kind == GoKind::kPointer && item.json().is_null()) return {.error = "index of nil pointer"};
  Value it = Deref(item);
  const GoType& t = *it.type();
  const Json& j = it.json();
  if (t.kind == GoKind::kSlice || t.kind == GoKind::kString) {
    const char* what = t.kind == GoKind::kSlice ? "slice/array" : "string";
    if (!key.valid() || key.json().is_null()) return {.error = std::string("cannot index ") + what + " with nil"};
    if (!key.json().is_number_integer()) {
      std::string kt = key.typed() ? key.type()->name : TypeName(key.json());
      return {.error = std::string("cannot index ") + what + " with type " + kt};
    }
    int64_t x = IntOf(key.json());
    size_t len = j.is_null() ? 0 : j.is_string() ? j.get_ref<const std::string&>().size() : j.size();
    if (x < 0 || static_cast<uint64_t>(x) >= len) return {.error = "index out of range: " + std::to_string(x)};
    if (t.kind == GoKind::kString) {
      auto byte = static_cast<unsigned char>(j.get_ref<const std::string&>()[static_cast<size_t>(x)]);
      static const GoType* kUint8 = GoBasicType(GoKind::kInt, "uint8");
      return {.value = Value::Own(static_cast<int64_t>(byte), kUint8)};
    }
    return {.value = it.Child(j[static_cast<size_t>(x)], t.elem)};
  }
  if (t.kind == GoKind::kMap) {
    const GoType& kt = *t.key;
    if (!key.valid() || key.json().is_null()) return {.error = "value is nil; should be of type " + kt.name};
    std::string have = key.typed() ? key.type()->name : TypeName(key.json());
    if (have != kt.name || !key.json().is_string()) {
      return {.error = "value has type " + have + "; should be " + kt.name};
    }
    if (j.is_object()) {
      auto found = j.find(key.json().get_ref<const std::string&>());
      if (found != j.end()) return {.value = it.Child(*found, t.elem)};
    }
    return {.value = Value::Zero(t.elem)};
  }
  return {.error = "can't index item of type " + t.name};
}

Lookup TypedLen(const Value& item) {
  if (item.type()->kind == GoKind::kPointer && item.json().is_null()) return {.error = "len of nil pointer"};
  Value it = Deref(item);
  const Json& j = it.json();
  switch (it.type()->kind) {
    case GoKind::kString:
      return {.value = Value::Own(static_cast<int64_t>(j.is_string() ? j.get_ref<const std::string&>().size() : 0), GoIntType())};
    case GoKind::kSlice:
    case GoKind::kMap:
      return {.value = Value::Own(static_cast<int64_t>(j.is_null() ? 0 : j.size()), GoIntType())};
    default:
      return {.error = "len of type " + it.type()->name};
  }
}

Json PrintfArg(const Value& v) {
  if (!v.valid()) return Json();
  if (!v.typed()) return v.json();
  const Json& j = v.json();
  switch (v.type()->kind) {
    case GoKind::kString:
      return j.is_null() ? Json("") : j;
    case GoKind::kInt:
      return j.is_null() ? Json(0) : j;
    case GoKind::kFloat:
      return j.is_null() ? Json(0.0) : j;
    case GoKind::kBool:
      return j.is_null() ? Json(false) : j;
    case GoKind::kSlice: {
      Json out = Json::array();
      for (size_t i = 0; j.is_array() && i < j.size(); i++) out.push_back(PrintfArg(v.Child(j[i], v.type()->elem)));
      return out;
    }
    default: {
      std::string s;
      AppendTypedV(v, s, 0);
      return s;
    }
  }
}

std::string SprintValues(const std::vector<Value>& args) {
  std::string out;
  bool prev_string = false;
  for (size_t i = 0; i < args.size(); i++) {
    const Value& a = args[i];
    bool is_string = a.valid() && (a.typed() ? a.type()->kind == GoKind::kString : a.json().is_string());
    if (i > 0 && !is_string && !prev_string) out += ' ';
    AppendTypedV(a, out, 0);
    prev_string = is_string;
  }
  return out;
}

std::string SprintlnValues(const std::vector<Value>& args) {
  std::string out;
  for (size_t i = 0; i < args.size(); i++) {
    if (i > 0) out += ' ';
    AppendTypedV(args[i], out, 0);
  }
  return out + "\n";
}

}  // namespace berth::tmpl
