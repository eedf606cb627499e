// The function table of docker's templates: Go's builtins (len, index,
// print*, comparisons, not) and docker's basicFunctions (json, join, split,
// title, lower, upper, pad, truncate), each with Go's argument checks and
// error wording.
#include "format/template_funcs.h"

#include <cmath>
#include <map>

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
      {"truncate", {2, 2}},
  };
  return kTable;
}

Error ArgError(std::string msg) { return MakeError(Code::kInvalidArgument, std::move(msg)); }
Error CallError(std::string msg) { return MakeError(Code::kInternal, std::move(msg)); }

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
      const char* what = j.is_array() ? "slice/array" : "string";
      if (!key.valid() || key.json().is_null()) return CallError(std::string("cannot index ") + what + " with nil");
      if (!key.json().is_number_integer()) {
        return CallError(std::string("cannot index ") + what + " with type " + TypeName(key.json()));
      }
      int64_t x = key.json().get<int64_t>();
      size_t len = j.is_string() ? j.get_ref<const std::string&>().size() : j.size();
      if (x < 0 || static_cast<size_t>(x) >= len) {
        return CallError("index out of range: " + std::to_string(x));
      }
      if (j.is_string()) {
        item = Value::Own(static_cast<int64_t>(
            static_cast<unsigned char>(j.get_ref<const std::string&>()[static_cast<size_t>(x)])));
      } else {
        item = item.Child(j[static_cast<size_t>(x)]);
      }
    } else if (j.is_object()) {
      if (!key.valid() || !key.json().is_string()) {
        return CallError("value has type " + (key.valid() ? TypeName(key.json()) : "<nil>") +
                         "; should be string");
      }
      auto it = j.find(key.json().get_ref<const std::string&>());
      item = it == j.end() ? Value::Own(Json()) : item.Child(*it);
    } else {
      return CallError("can't index item of type " + TypeName(j));
    }
  }
  return item;
}

bool IsTitleSeparator(unsigned char c) {
  if (c >= 0x80) return false;  // non-ASCII letters and digits
  return !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_');
}

std::string MapAscii(std::string s, bool upper) {
  for (char& c : s) {
    if (upper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (!upper && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
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

}  // namespace

bool IsFunction(std::string_view name) { return Table().count(name) > 0; }

Result<Value> CallFunction(std::string_view name, const std::vector<Value>& args,
                           bool header_mode) {
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
    if (!args[0].valid()) return Value::Own(0);
    if (args[0].json().is_null()) return CallError("len of nil pointer");  // a nil interface {}
    const Json& j = args[0].json();
    if (j.is_string()) return Value::Own(static_cast<int64_t>(j.get_ref<const std::string&>().size()));
    if (j.is_array() || j.is_object()) return Value::Own(static_cast<int64_t>(j.size()));
    return CallError("len of type " + TypeName(j));
  }
  if (name == "index") return Index(args);
  if (name == "print") return Value::Own(SprintValues(args));
  if (name == "println") return Value::Own(SprintlnValues(args));
  if (name == "printf") {
    std::string format = TRY(StringArg(args[0]));
    return Value::Own(Sprintf(format, JsonArgs(args, 1)));
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
    return Value::Own(Json(GoSplit(s, sep)));
  }
  if (name == "title") {
    std::string s = TRY(StringArg(args[0]));
    unsigned char prev = ' ';
    for (char& c : s) {
      unsigned char u = static_cast<unsigned char>(c);
      if (IsTitleSeparator(prev) && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      // A UTF-8 continuation byte belongs to the previous character.
      if ((u & 0xc0) != 0x80) prev = u;
    }
    return Value::Own(std::move(s));
  }
  if (name == "lower" || name == "upper") {
    return Value::Own(MapAscii(TRY(StringArg(args[0])), name == "upper"));
  }
  if (name == "pad") {
    std::string s = TRY(StringArg(args[0]));
    int64_t left = TRY(IntArg(args[1]));
    int64_t right = TRY(IntArg(args[2]));
    if (s.empty()) return Value::Own(std::move(s));
    if (left < 0 || right < 0) return CallError("strings: negative Repeat count");
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
