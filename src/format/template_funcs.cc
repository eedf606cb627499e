// The function table of docker's templates: Go's builtins (len, index,
// slice, print*, html, js, urlquery, comparisons, not; and, or and call live
// in the executor) and docker's basicFunctions (json, join, split, title,
// lower, upper, pad, truncate), each with Go's argument checks and error
// wording. Functions that can make large strings check the size first
// against the caller's byte budget, so a template cannot allocate without
// bound.
#include "format/template_funcs.h"

#include <cmath>
#include <map>

#include "format/template_escape.h"
#include "format/template_typed.h"

namespace berth::tmpl {
namespace {

struct Arity {
  size_t min;
  size_t max;  // SIZE_MAX: variadic
};

constexpr size_t kVariadic = static_cast<size_t>(-1);

const std::map<std::string_view, Arity>& Table() {
  static const std::map<std::string_view, Arity> kTable = {
      {"and", {1, kVariadic}},   {"or", {1, kVariadic}},      {"not", {1, 1}},
      {"len", {1, 1}},           {"index", {1, kVariadic}},   {"print", {0, kVariadic}},
      {"println", {0, kVariadic}}, {"printf", {1, kVariadic}}, {"eq", {1, kVariadic}},
      {"ne", {2, 2}},            {"lt", {2, 2}},              {"le", {2, 2}},
      {"gt", {2, 2}},            {"ge", {2, 2}},              {"json", {1, 1}},
      {"join", {2, 2}},          {"split", {2, 2}},           {"title", {1, 1}},
      {"lower", {1, 1}},         {"upper", {1, 1}},           {"pad", {3, 3}},
      {"truncate", {2, 2}},      {"slice", {1, kVariadic}},   {"html", {0, kVariadic}},
      {"js", {0, kVariadic}},    {"urlquery", {0, kVariadic}}, {"call", {1, kVariadic}},
  };
  return kTable;
}

Error ArgError(std::string msg) { return MakeError(Code::kInvalidArgument, std::move(msg)); }
Error CallError(std::string msg) { return MakeError(Code::kInternal, std::move(msg)); }

Error TooLarge(size_t max_bytes) {
  return CallError("result too large: more than the " + std::to_string(max_bytes) +
                   " bytes left under the template output limit");
}

Result<std::string> StringArg(const Value& v) {
  if (!v.valid()) return ArgError("invalid value; expected string");
  if (!v.json().is_string()) return ArgError("wrong type for value; expected string; got " + TypeName(v.json()));
  return v.json().get<std::string>();
}

Result<int64_t> IntArg(const Value& v) {
  if (!v.valid()) return ArgError("invalid value; expected int");
  const Json& j = v.json();
  if (j.is_number_integer()) return j.get<int64_t>();
  if (j.is_number_float() && j.get<double>() == std::trunc(j.get<double>())) {
    return static_cast<int64_t>(j.get<double>());
  }
  return ArgError("wrong type for value; expected int; got " + TypeName(j));
}

// A []string argument; null counts as an empty list (a typed nil slice).
Result<std::vector<std::string>> StringListArg(const Value& v) {
  std::vector<std::string> out;
  if (!v.valid() || v.json().is_null()) return out;
  if (!v.json().is_array()) {
    return ArgError("wrong type for value; expected []string; got " + TypeName(v.json()));
  }
  for (const auto& e : v.json()) out.push_back(FormatV(e));
  return out;
}

enum class Kind { kBool, kNumber, kString, kNil, kOther };

Kind KindOf(const Value& v) {
  if (!v.valid()) return Kind::kNil;
  switch (v.json().type()) {
    case Json::value_t::boolean:
      return Kind::kBool;
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      return Kind::kNumber;
    case Json::value_t::string:
      return Kind::kString;
    case Json::value_t::null:
      return Kind::kNil;
    default:
      return Kind::kOther;
  }
}

// Numbers compare by value whether integral or not (Go would reject int
// against float64; docker's JSON numbers make that distinction invisible).
int CompareNumbers(const Json& a, const Json& b) {
  if (a.is_number_integer() && b.is_number_integer()) {
    int64_t x = a.get<int64_t>(), y = b.get<int64_t>();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  double x = a.get<double>(), y = b.get<double>();
  return x < y ? -1 : x > y ? 1 : 0;
}

Result<bool> Eq(const std::vector<Value>& args) {
  if (args.size() < 2) return CallError("missing argument for comparison");
  Kind k1 = KindOf(args[0]);
  for (size_t i = 1; i < args.size(); i++) {
    Kind k2 = KindOf(args[i]);
    bool truth = false;
    if (k1 != k2) {
      if (k1 != Kind::kNil && k2 != Kind::kNil) return CallError("incompatible types for comparison");
    } else {
      switch (k1) {
        case Kind::kBool:
          truth = args[0].json().get<bool>() == args[i].json().get<bool>();
          break;
        case Kind::kNumber:
          truth = CompareNumbers(args[0].json(), args[i].json()) == 0;
          break;
        case Kind::kString:
          truth = args[0].json().get_ref<const std::string&>() ==
                  args[i].json().get_ref<const std::string&>();
          break;
        case Kind::kNil:
          truth = true;
          break;
        case Kind::kOther:
          return CallError("non-comparable type " + FormatV(args[i].json()) + ": " +
                           TypeName(args[i].json()));
      }
    }
    if (truth) return true;
  }
  return false;
}

Result<bool> Lt(const Value& a, const Value& b) {
  Kind k1 = KindOf(a), k2 = KindOf(b);
  if (k1 == Kind::kNil || k1 == Kind::kOther || k2 == Kind::kNil || k2 == Kind::kOther) {
    return CallError("invalid type for comparison");
  }
  if (k1 != k2) return CallError("incompatible types for comparison");
  if (k1 == Kind::kBool) return CallError("invalid type for comparison");
  if (k1 == Kind::kNumber) return CompareNumbers(a.json(), b.json()) < 0;
  return a.json().get_ref<const std::string&>() < b.json().get_ref<const std::string&>();
}

// Go's indexArg: an integer index in [0, cap].
Result<int64_t> IndexArg(const Value& key, size_t cap) {
  if (!key.valid() || key.json().is_null()) return CallError("cannot index slice/array with nil");
  const Json& k = key.json();
  if (!k.is_number_integer()) return CallError("cannot index slice/array with type " + TypeName(k));
  if (k.is_number_unsigned() && k.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
    return CallError("index out of range: " + std::to_string(static_cast<int64_t>(k.get<uint64_t>())));
  }
  int64_t x = k.get<int64_t>();
  if (x < 0 || static_cast<uint64_t>(x) > cap) return CallError("index out of range: " + std::to_string(x));
  return x;
}

// The capacity Go's encoding/json gives a decoded list of len elements: it
// appends one by one, doubling from 1 (exact up to 512 elements; past that
// Go's growth depends on its allocator's size classes, and len is used).
size_t GoCap(size_t len) {
  if (len == 0 || len > 512) return len;
  size_t cap = 1;
  while (cap < len) cap *= 2;
  return cap;
}

// Go's slice builtin: item[i:j] or item[i:j:k] of a string or a list (the
// capacity of a JSON list is its length). A list is copied, which must fit
// in max_bytes.
Result<Value> Slice(const std::vector<Value>& args, size_t max_bytes) {
  const Value& item = args[0];
  if (!item.valid() || item.json().is_null()) return CallError("slice of untyped nil");
  size_t count = args.size() - 1;
  if (count > 3) return CallError("too many slice indexes: " + std::to_string(count));
  const Json& j = item.json();
  size_t len = 0, cap = 0;
  if (j.is_string()) {
    if (count == 3) return CallError("cannot 3-index slice a string");
    len = j.get_ref<const std::string&>().size();
    cap = len;
  } else if (j.is_array()) {
    len = j.size();
    cap = GoCap(len);
  } else {
    return CallError("can't slice item of type " + TypeName(j));
  }
  size_t idx[3] = {0, len, cap};
  for (size_t i = 0; i < count; i++) idx[i] = static_cast<size_t>(TRY(IndexArg(args[i + 1], cap)));
  if (idx[0] > idx[1]) {
    return CallError("invalid slice index: " + std::to_string(idx[0]) + " > " + std::to_string(idx[1]));
  }
  if (count == 3 && idx[1] > idx[2]) {
    return CallError("invalid slice index: " + std::to_string(idx[1]) + " > " + std::to_string(idx[2]));
  }
  if (j.is_string()) return Value::Own(j.get_ref<const std::string&>().substr(idx[0], idx[1] - idx[0]));
  size_t weight = 0;
  for (size_t i = idx[0]; i < idx[1] && i < len && weight <= max_bytes; i++) {
    weight += Weight(j[i], max_bytes);
  }
  if (weight > max_bytes) return TooLarge(max_bytes);
  Json out = Json::array();
  // Past len, up to cap, Go's backing array holds nil.
  for (size_t i = idx[0]; i < idx[1]; i++) out.push_back(i < len ? j[i] : Json());
  return Value::Own(std::move(out));
}

// text/template's evalArgs for html, js and urlquery: a lone string as is,
// else fmt.Sprint of the arguments with missing values as "<no value>".
std::string EvalArgs(const std::vector<Value>& args) {
  if (args.size() == 1 && args[0].valid() && args[0].json().is_string()) {
    return args[0].json().get<std::string>();
  }
  std::vector<Json> list;
  for (const auto& a : args) {
    list.push_back(!a.valid() || a.json().is_null() ? Json("<no value>") : a.json());
  }
  return Sprint(list);
}

Result<Value> Index(const std::vector<Value>& args) {
  Value item = args[0];
  if (!item.valid() || (!item.typed() && item.json().is_null())) return CallError("index of untyped nil");
  for (size_t i = 1; i < args.size(); i++) {
    const Value& key = args[i];
    if (item.typed()) {
      Lookup r = TypedIndex(item, key);
      if (!r.error.empty()) return CallError(r.error);
      item = r.value;
      continue;
    }
    if (!item.valid() || item.json().is_null()) return CallError("index of nil pointer");
    const Json& j = item.json();
    if (j.is_array() || j.is_string()) {
      size_t len = j.is_string() ? j.get_ref<const std::string&>().size() : j.size();
      int64_t x = TRY(IndexArg(key, len));
      if (static_cast<size_t>(x) == len) {  // Go's reflect panics, recovered by the call
        return CallError(std::string("reflect: ") + (j.is_string() ? "string" : "slice") +
                         " index out of range");
      }
      if (j.is_string()) {
        item = Value::Own(static_cast<int64_t>(
            static_cast<unsigned char>(j.get_ref<const std::string&>()[static_cast<size_t>(x)])));
      } else {
        item = item.Child(j[static_cast<size_t>(x)]);
      }
    } else if (j.is_object()) {
      if (!key.valid() || key.json().is_null()) return CallError("value is nil; should be of type string");
      if (!key.json().is_string()) {
        return CallError("value has type " + TypeName(key.json()) + "; should be string");
      }
      auto it = j.find(key.json().get_ref<const std::string&>());
      item = it == j.end() ? Value::Own(Json()) : item.Child(*it);
    } else {
      return CallError("can't index item of type " + TypeName(j));
    }
  }
  return item;
}

bool IsTitleSeparator(uint32_t c) {
  if (c >= 0x80) return false;  // non-ASCII letters and digits
  return !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_');
}

std::vector<std::string> GoSplit(const std::string& s, const std::string& sep) {
  std::vector<std::string> out;
  if (sep.empty()) {
    for (size_t i = 0; i < s.size();) {
      size_t n = 1;
      while (i + n < s.size() && (static_cast<unsigned char>(s[i + n]) & 0xc0) == 0x80) n++;
      out.push_back(s.substr(i, n));
      i += n;
    }
    return out;
  }
  size_t start = 0;
  for (;;) {
    size_t pos = s.find(sep, start);
    if (pos == std::string::npos) break;
    out.push_back(s.substr(start, pos - start));
    start = pos + sep.size();
  }
  out.push_back(s.substr(start));
  return out;
}

std::vector<Json> JsonArgs(const std::vector<Value>& args, size_t from) {
  std::vector<Json> out;
  for (size_t i = from; i < args.size(); i++) out.push_back(PrintfArg(args[i]));
  return out;
}


// Bytes a Sprint-like call makes from the strings among args (other values
// are bounded by the data).
size_t StringBytes(const std::vector<Value>& args) {
  size_t n = 0;
  for (const auto& a : args) {
    if (a.valid() && a.json().is_string()) n += a.json().get_ref<const std::string&>().size();
  }
  return n;
}

}  // namespace

bool IsFunction(std::string_view name) { return Table().count(name) > 0; }

size_t Weight(const Json& j, size_t limit) {
  size_t w = 16;
  if (j.is_string()) return w + j.get_ref<const std::string&>().size();
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      if (w > limit) break;
      w += k.size() + Weight(v, limit);
    }
  } else if (j.is_array()) {
    for (const auto& e : j) {
      if (w > limit) break;
      w += Weight(e, limit);
    }
  }
  return w;
}

std::string_view ParamKinds(std::string_view name) {
  static const std::map<std::string_view, std::string_view> kKinds = {
      {"printf", "s"}, {"split", "ss"}, {"join", "Ls"}, {"title", "s"}, {"lower", "s"},
      {"upper", "s"},  {"pad", "sii"},  {"truncate", "si"},
  };
  auto it = kKinds.find(name);
  return it == kKinds.end() ? std::string_view() : it->second;
}

Result<Value> CallFunction(std::string_view name, const std::vector<Value>& args,
                           bool header_mode, size_t max_bytes) {
  auto it = Table().find(name);
  if (it == Table().end()) return ArgError("\"" + std::string(name) + "\" is not a defined function");
  const Arity& arity = it->second;
  if (args.size() < arity.min || args.size() > arity.max) {
    std::string want = arity.max == kVariadic ? "at least " + std::to_string(arity.min)
                                              : std::to_string(arity.min);
    return ArgError("wrong number of args for " + std::string(name) + ": want " + want + " got " +
                    std::to_string(args.size()));
  }
  static const std::string_view kDockerFuncs[] = {"json",  "split", "join", "title",
                                                  "lower", "upper", "pad",  "truncate"};
  if (header_mode) {
    for (auto f : kDockerFuncs) {
      if (f == name) return args[0];
    }
  }

  if (name == "not") return Value::Own(!IsTrue(args[0]));
  if (name == "len" && args[0].typed()) {
    Lookup r = TypedLen(args[0]);
    if (!r.error.empty()) return CallError(r.error);
    return r.value;
  }
  if (name == "len") {
    // A JSON null is a nil interface {}: Go's len refuses it (typed nil
    // maps and lists have length 0, above).
    if (!args[0].valid()) return CallError("reflect: call of reflect.Value.Type on zero Value");
    if (args[0].json().is_null()) return CallError("len of nil pointer");
    const Json& j = args[0].json();
    if (j.is_string()) return Value::Own(static_cast<int64_t>(j.get_ref<const std::string&>().size()));
    if (j.is_array() || j.is_object()) return Value::Own(static_cast<int64_t>(j.size()));
    return CallError("len of type " + TypeName(j));
  }
  if (name == "index") return Index(args);
  if (name == "slice") return Slice(args, max_bytes);
  if (name == "print" || name == "println" || name == "html" || name == "js" || name == "urlquery") {
    if (StringBytes(args) > max_bytes) return TooLarge(max_bytes);
  }
  if (name == "print") return Value::Own(SprintValues(args));
  if (name == "println") return Value::Own(SprintlnValues(args));
  if (name == "html") return Value::Own(HtmlEscape(EvalArgs(args)));
  if (name == "js") return Value::Own(JsEscape(EvalArgs(args)));
  if (name == "urlquery") return Value::Own(UrlQueryEscape(EvalArgs(args)));
  if (name == "printf") {
    std::string format = TRY(StringArg(args[0]));
    std::string out = Sprintf(format, JsonArgs(args, 1), max_bytes);
    if (out.size() > max_bytes) return TooLarge(max_bytes);
    return Value::Own(std::move(out));
  }
  if (name == "eq") return Value::Own(TRY(Eq(args)));
  if (name == "ne") return Value::Own(!TRY(Eq(args)));
  if (name == "lt") return Value::Own(TRY(Lt(args[0], args[1])));
  if (name == "le") {
    bool lt = TRY(Lt(args[0], args[1]));
    return Value::Own(lt || TRY(Eq(args)));
  }
  if (name == "gt") {
    bool lt = TRY(Lt(args[0], args[1]));
    return Value::Own(!lt && !TRY(Eq(args)));
  }
  if (name == "ge") return Value::Own(!TRY(Lt(args[0], args[1])));
  if (name == "json") return Value::Own(EncodeTyped(args[0]));
  if (name == "join") {
    auto list = TRY(StringListArg(args[0]));
    std::string sep = TRY(StringArg(args[1]));
    size_t total = 0;
    for (const auto& e : list) total += e.size() + sep.size();
    if (total > max_bytes) return TooLarge(max_bytes);
    std::string out;
    for (size_t i = 0; i < list.size(); i++) {
      if (i) out += sep;
      out += list[i];
    }
    return Value::Own(std::move(out));
  }
  if (name == "split") {
    std::string s = TRY(StringArg(args[0]));
    std::string sep = TRY(StringArg(args[1]));
    // Each piece costs a JSON string besides its bytes: count 64 for it.
    size_t pieces = 1;
    if (sep.empty()) {
      pieces = s.size();
    } else {
      for (size_t at = s.find(sep); at != std::string::npos; at = s.find(sep, at + sep.size())) pieces++;
    }
    if (pieces > max_bytes / 64 || s.size() + 64 * pieces > max_bytes) return TooLarge(max_bytes);
    return Value::Own(Json(GoSplit(s, sep)));
  }
  if (name == "title") {
    std::string s = TRY(StringArg(args[0]));
    // strings.Title: the first letter after a separator takes its title case.
    std::string out;
    uint32_t prev = ' ';
    for (size_t i = 0; i < s.size();) {
      size_t size = 1;
      uint32_t r = DecodeRune(s, i, size);
      bool invalid = r == 0xfffd && size == 1 && static_cast<unsigned char>(s[i]) >= 0x80;
      if (!invalid && IsTitleSeparator(prev)) {
        out += MapRunes(s.substr(i, size), ToTitleRune);
      } else {
        out += s.substr(i, size);
      }
      prev = r;
      i += size;
    }
    return Value::Own(std::move(out));
  }
  if (name == "lower" || name == "upper") {
    return Value::Own(MapRunes(TRY(StringArg(args[0])), name == "upper" ? ToUpperRune : ToLowerRune));
  }
  if (name == "pad") {
    std::string s = TRY(StringArg(args[0]));
    int64_t left = TRY(IntArg(args[1]));
    int64_t right = TRY(IntArg(args[2]));
    if (s.empty()) return Value::Own(std::move(s));
    if (left < 0 || right < 0) return CallError("strings: negative Repeat count");
    if (static_cast<uint64_t>(left) > max_bytes || static_cast<uint64_t>(right) > max_bytes ||
        s.size() + static_cast<size_t>(left) + static_cast<size_t>(right) > max_bytes) {
      return TooLarge(max_bytes);
    }
    return Value::Own(std::string(static_cast<size_t>(left), ' ') + s +
                      std::string(static_cast<size_t>(right), ' '));
  }
  if (name == "truncate") {
    std::string s = TRY(StringArg(args[0]));
    int64_t n = TRY(IntArg(args[1]));
    if (static_cast<int64_t>(s.size()) < n) return Value::Own(std::move(s));
    if (n < 0) return CallError("runtime error: slice bounds out of range [:" + std::to_string(n) + "]");
    return Value::Own(s.substr(0, static_cast<size_t>(n)));  // bytes, as docker does
  }
  return ArgError("\"" + std::string(name) + "\" is not a defined function");  // and/or
}

}  // namespace berth::tmpl
