// Printing values the way Go's fmt and encoding/json do. docker's --format
// output is whatever fmt.Fprint makes of the value, so "[a b]", "map[k:v]",
// "<nil>" and Go's float spellings are part of the interface.
#include "format/template_value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "format/template_lex.h"
#include "format/template_typed.h"
#include "base/utf8.h"

namespace berth::tmpl {
namespace {

// Shortest round-trip digits of |f| and the decimal point position:
// f = 0.<digits> * 10^dp.
void ShortestDigits(double f, std::string& digits, int& dp) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, std::fabs(f), std::chars_format::scientific);
  std::string_view s(buf, static_cast<size_t>(res.ptr - buf));
  size_t e = s.find('e');
  digits.clear();
  for (char c : s.substr(0, e)) {
    if (c != '.') digits += c;
  }
  int exp = 0;
  std::from_chars(s.data() + e + 1 + (s[e + 1] == '+'), s.data() + s.size(), exp);
  dp = exp + 1;
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
}

std::string FixedFromDigits(const std::string& digits, int dp) {
  std::string out;
  if (dp <= 0) {
    out = "0." + std::string(static_cast<size_t>(-dp), '0') + digits;
  } else if (static_cast<size_t>(dp) >= digits.size()) {
    out = digits + std::string(static_cast<size_t>(dp) - digits.size(), '0');
  } else {
    out = digits.substr(0, static_cast<size_t>(dp)) + "." + digits.substr(static_cast<size_t>(dp));
  }
  return out;
}

std::string ExpFromDigits(const std::string& digits, int dp, bool two_digit_exp) {
  std::string out = digits.substr(0, 1);
  if (digits.size() > 1) out += "." + digits.substr(1);
  int exp = dp - 1;
  out += exp < 0 ? "e-" : "e+";
  std::string e = std::to_string(std::abs(exp));
  if (two_digit_exp && e.size() < 2) e = "0" + e;
  return out + e;
}

// Integral doubles print as integers (JSON numbers arrive in docker as
// json.Number, printed as written); others as Go's %v (strconv 'g', -1).
std::string FormatFloat(double f) {
  if (std::isnan(f)) return "NaN";
  if (std::isinf(f)) return f > 0 ? "+Inf" : "-Inf";
  if (f == std::trunc(f) && std::fabs(f) < 1e21) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f", f);
    return buf;
  }
  std::string digits;
  int dp = 0;
  ShortestDigits(f, digits, dp);
  int exp = dp - 1;
  // strconv's shortest 'g' switches to an exponent at 1e-4 and 1e6.
  std::string body = (exp < -4 || exp >= 6) ? ExpFromDigits(digits, dp, true)
                                             : FixedFromDigits(digits, dp);
  return (f < 0 ? "-" : "") + body;
}

std::string JsonFloat(double f) {
  if (f == std::trunc(f) && std::fabs(f) < 1e21) return FormatFloat(f);
  std::string digits;
  int dp = 0;
  ShortestDigits(f, digits, dp);
  double a = std::fabs(f);
  std::string body = (a < 1e-6 || a >= 1e21) ? ExpFromDigits(digits, dp, false)
                                             : FixedFromDigits(digits, dp);
  return (f < 0 ? "-" : "") + body;
}

void EncodeString(std::string_view s, std::string& out) {
  static const char* kHex = "0123456789abcdef";
  out += '"';
  size_t i = 0;
  while (i < s.size()) {
    unsigned char b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      if (b == '"' || b == '\\') {
        out += '\\';
        out += static_cast<char>(b);
      } else if (b == '\n') {
        out += "\\n";
      } else if (b == '\r') {
        out += "\\r";
      } else if (b == '\t') {
        out += "\\t";
      } else if (b < 0x20) {
        out += "\\u00";
        out += kHex[b >> 4];
        out += kHex[b & 0xf];
      } else {
        out += static_cast<char>(b);
      }
      i++;
      continue;
    }
    size_t len = (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xe ? 3 : (b >> 3) == 0x1e ? 4 : 0;
    bool valid = len > 0 && i + len <= s.size() && b != 0xc0 && b != 0xc1;
    for (size_t k = 1; valid && k < len; k++) {
      valid = (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
    }
    if (!valid) {
      out += "\\ufffd";
      i++;
      continue;
    }
    std::string_view seq = s.substr(i, len);
    if (seq == "\xe2\x80\xa8" || seq == "\xe2\x80\xa9") {
      out += seq == "\xe2\x80\xa8" ? "\\u2028" : "\\u2029";
    } else {
      out += seq;
    }
    i += len;
  }
  out += '"';
}

void Encode(const Json& j, std::string& out) {
  switch (j.type()) {
    case Json::value_t::null:
      out += "null";
      return;
    case Json::value_t::boolean:
      out += j.get<bool>() ? "true" : "false";
      return;
    case Json::value_t::number_integer:
      out += std::to_string(j.get<int64_t>());
      return;
    case Json::value_t::number_unsigned:
      out += std::to_string(j.get<uint64_t>());
      return;
    case Json::value_t::number_float:
      out += JsonFloat(j.get<double>());
      return;
    case Json::value_t::string:
      EncodeString(j.get_ref<const std::string&>(), out);
      return;
    case Json::value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& e : j) {
        if (!first) out += ',';
        first = false;
        Encode(e, out);
      }
      out += ']';
      return;
    }
    case Json::value_t::object: {
      out += '{';
      bool first = true;
      for (const auto& [k, v] : j.items()) {
        if (!first) out += ',';
        first = false;
        EncodeString(k, out);
        out += ':';
        Encode(v, out);
      }
      out += '}';
      return;
    }
    default:
      out += "null";  // binary and discarded values have no JSON spelling
      return;
  }
}

std::vector<std::string> SortedKeys(const Json& j) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.push_back(k);
  std::sort(keys.begin(), keys.end());
  return keys;
}

int RuneCount(std::string_view s) {
  int n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xc0) != 0x80;
  return n;
}

// One parsed %-directive.
struct Spec {
  bool minus = false, plus = false, sharp = false, space = false, zero = false;
  int width = -1;
  int prec = -1;
  char verb = 0;
};

std::string Pad(std::string s, const Spec& sp, bool numeric) {
  int n = RuneCount(s);
  if (sp.width < 0 || n >= sp.width) return s;
  size_t fill = static_cast<size_t>(sp.width - n);
  if (sp.minus) return s + std::string(fill, ' ');
  if (sp.zero && numeric) {
    size_t sign = (!s.empty() && (s[0] == '-' || s[0] == '+' || s[0] == ' ')) ? 1 : 0;
    return s.substr(0, sign) + std::string(fill, '0') + s.substr(sign);
  }
  return std::string(fill, ' ') + s;
}

std::string CFormat(const Spec& sp, std::string_view conv, auto value) {
  std::string f = "%";
  if (sp.minus) f += '-';
  if (sp.plus) f += '+';
  if (sp.sharp) f += '#';
  if (sp.space) f += ' ';
  if (sp.zero && !sp.minus) f += '0';
  if (sp.width >= 0) f += std::to_string(sp.width);
  if (sp.prec >= 0) f += "." + std::to_string(sp.prec);
  f += conv;
  // Widths and precisions reach 10^7 (see Sprintf): size the buffer first.
  int n = std::snprintf(nullptr, 0, f.c_str(), value);
  if (n <= 0) return "";
  std::string buf(static_cast<size_t>(n) + 1, '\0');
  std::snprintf(buf.data(), buf.size(), f.c_str(), value);
  buf.resize(static_cast<size_t>(n));
  return buf;
}

std::string BadVerb(const Spec& sp, const Json& j) {
  std::string out = "%!";
  out += sp.verb;
  out += '(';
  if (j.is_null()) return out + "<nil>)";
  return out + TypeName(j) + "=" + FormatV(j) + ")";
}

std::string FormatOne(const Spec& sp, const Json& j);

std::string FormatInt(const Spec& sp, int64_t v, const Json& j) {
  switch (sp.verb) {
    case 'v':
    case 'd':
      return CFormat(sp, "lld", static_cast<long long>(v));
    case 'x':
      return CFormat(sp, "llx", static_cast<long long>(v));
    case 'X':
      return CFormat(sp, "llX", static_cast<long long>(v));
    case 'o':
      return CFormat(sp, "llo", static_cast<long long>(v));
    case 'b': {
      uint64_t u = v < 0 ? static_cast<uint64_t>(-(v + 1)) + 1 : static_cast<uint64_t>(v);
      std::string bits;
      do {
        bits.insert(bits.begin(), static_cast<char>('0' + (u & 1)));
        u >>= 1;
      } while (u);
      return Pad((v < 0 ? "-" : sp.plus ? "+" : "") + bits, sp, true);
    }
    case 'c': {
      std::string s;
      Json str = std::string(1, static_cast<char>(v));
      if (v >= 0x80 && v <= 0x10ffff) {
        AppendUtf8(s, static_cast<char32_t>(v));
      } else {
        s = str.get<std::string>();
      }
      return Pad(s, sp, false);
    }
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G':
    case 's':
    case 'q':
    case 't':
    default:
      return BadVerb(sp, j);
  }
}

std::string FormatDouble(const Spec& sp, double v, const Json& j) {
  switch (sp.verb) {
    case 'v':
    case 'g':
    case 'G':
      if (sp.prec < 0) {
        std::string s = FormatFloat(v);
        if (sp.plus && v >= 0) s = "+" + s;
        return Pad(s, sp, true);
      }
      return CFormat(sp, sp.verb == 'G' ? "G" : "g", v);
    case 'e':
    case 'E':
    case 'f':
    case 'F':
      return CFormat(sp, std::string(1, sp.verb), v);
    default:
      return BadVerb(sp, j);
  }
}

std::string FormatString(const Spec& sp, const std::string& s, const Json& j) {
  switch (sp.verb) {
    case 'v':
    case 's': {
      std::string t = s;
      if (sp.prec >= 0) {
        size_t cut = 0;
        int runes = 0;
        while (cut < t.size() && runes < sp.prec) {
          cut++;
          while (cut < t.size() && (static_cast<unsigned char>(t[cut]) & 0xc0) == 0x80) cut++;
          runes++;
        }
        t.resize(cut);
      }
      return Pad(t, sp, false);
    }
    case 'q':
      return Pad(GoQuote(s), sp, false);
    case 'x':
    case 'X': {
      std::string out;
      char buf[4];
      for (unsigned char c : s) {
        std::snprintf(buf, sizeof buf, sp.verb == 'x' ? "%02x" : "%02X", c);
        out += buf;
      }
      return Pad(out, sp, false);
    }
    default:
      return BadVerb(sp, j);
  }
}

std::string FormatOne(const Spec& sp, const Json& j) {
  switch (j.type()) {
    case Json::value_t::string:
      return FormatString(sp, j.get_ref<const std::string&>(), j);
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return FormatInt(sp, j.get<int64_t>(), j);
    case Json::value_t::number_float:
      return FormatDouble(sp, j.get<double>(), j);
    case Json::value_t::boolean:
      if (sp.verb == 'v' || sp.verb == 't') return Pad(j.get<bool>() ? "true" : "false", sp, false);
      return BadVerb(sp, j);
    case Json::value_t::null:
      if (sp.verb == 'v') return Pad("<nil>", sp, false);
      return BadVerb(sp, j);
    case Json::value_t::array: {
      std::string out = "[";
      bool first = true;
      for (const auto& e : j) {
        if (!first) out += ' ';
        first = false;
        out += FormatOne(sp, e);
      }
      return out + "]";
    }
    case Json::value_t::object: {
      std::string out = "map[";
      bool first = true;
      for (const auto& k : SortedKeys(j)) {
        if (!first) out += ' ';
        first = false;
        out += FormatOne(sp, k) + ":" + FormatOne(sp, j.at(k));
      }
      return out + "]";
    }
    default:
      return BadVerb(sp, j);
  }
}

}  // namespace

bool IsTrue(const Value& v) {
  if (!v.valid()) return false;
  if (v.typed()) return IsTrueTyped(v);
  const Json& j = v.json();
  switch (j.type()) {
    case Json::value_t::boolean:
      return j.get<bool>();
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return j.get<int64_t>() != 0;
    case Json::value_t::number_float:
      return j.get<double>() != 0;
    case Json::value_t::string:
    case Json::value_t::array:
    case Json::value_t::object:
      return !j.empty() && !(j.is_string() && j.get_ref<const std::string&>().empty());
    default:
      return false;
  }
}

std::string TypeName(const Json& j) {
  switch (j.type()) {
    case Json::value_t::string:
      return "string";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "int";
    case Json::value_t::number_float:
      return "float64";
    case Json::value_t::boolean:
      return "bool";
    case Json::value_t::array:
      return "[]interface {}";
    case Json::value_t::object:
      return "map[string]interface {}";
    default:
      return "<nil>";
  }
}

void AppendV(const Json& j, std::string& out) {
  switch (j.type()) {
    case Json::value_t::string:
      out += j.get_ref<const std::string&>();
      return;
    case Json::value_t::number_integer:
      out += std::to_string(j.get<int64_t>());
      return;
    case Json::value_t::number_unsigned:
      out += std::to_string(j.get<uint64_t>());
      return;
    case Json::value_t::number_float:
      out += FormatFloat(j.get<double>());
      return;
    case Json::value_t::boolean:
      out += j.get<bool>() ? "true" : "false";
      return;
    case Json::value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& e : j) {
        if (!first) out += ' ';
        first = false;
        AppendV(e, out);
      }
      out += ']';
      return;
    }
    case Json::value_t::object: {
      out += "map[";
      bool first = true;
      for (const auto& k : SortedKeys(j)) {
        if (!first) out += ' ';
        first = false;
        out += k;
        out += ':';
        AppendV(j.at(k), out);
      }
      out += ']';
      return;
    }
    default:
      out += "<nil>";
      return;
  }
}

std::string FormatV(const Json& j) {
  std::string out;
  AppendV(j, out);
  return out;
}

std::string EncodeJson(const Json& j) {
  std::string out;
  Encode(j, out);
  return out;
}

std::string Sprint(const std::vector<Json>& args) {
  std::string out;
  bool prev_string = false;
  for (size_t i = 0; i < args.size(); i++) {
    bool is_string = args[i].is_string();
    if (i > 0 && !is_string && !prev_string) out += ' ';
    AppendV(args[i], out);
    prev_string = is_string;
  }
  return out;
}

// Scalars inside j (an array or object counts its elements' scalars).
size_t CountLeaves(const Json& j) {
  if (!j.is_array() && !j.is_object()) return 1;
  size_t n = 0;
  for (const auto& e : j) n += CountLeaves(e);
  return n;
}

// fmt's tooLarge: widths and precisions past 10^6 in magnitude are refused.
bool TooLarge(int64_t x) { return x > 1000000 || x < -1000000; }

std::string Sprintf(std::string_view format, const std::vector<Json>& args, size_t max_bytes) {
  std::string out;
  size_t argi = 0;
  size_t i = 0;
  // fmt's intFromArg for '*': false when the argument is missing, not an
  // integer or too large; it is consumed unless missing.
  auto int_from_arg = [&](int& dst) {
    if (argi >= args.size()) return false;
    const Json& a = args[argi++];
    if (!a.is_number_integer()) return false;
    if (a.is_number_unsigned() && a.get<uint64_t>() > 1000000) return false;
    int64_t v = a.get<int64_t>();
    if (TooLarge(v)) return false;
    dst = static_cast<int>(v);
    return true;
  };
  // fmt's parsenum: false when there are no digits; a number that grows
  // past 10^6 consumes the rest of the format (Go: "crazy long number").
  auto parse_num = [&](int& dst) {
    if (i >= format.size() || format[i] < '0' || format[i] > '9') return false;
    int64_t num = 0;
    for (; i < format.size() && format[i] >= '0' && format[i] <= '9'; i++) {
      if (TooLarge(num)) {
        i = format.size();
        return false;
      }
      num = num * 10 + (format[i] - '0');
    }
    dst = static_cast<int>(num);
    return true;
  };
  while (i < format.size()) {
    if (format[i] != '%') {
      out += format[i++];
      continue;
    }
    i++;
    Spec sp;
    for (; i < format.size(); i++) {
      char c = format[i];
      if (c == '-') sp.minus = true;
      else if (c == '+') sp.plus = true;
      else if (c == '#') sp.sharp = true;
      else if (c == ' ') sp.space = true;
      else if (c == '0') sp.zero = true;
      else break;
    }
    if (i < format.size() && format[i] == '*') {
      i++;
      if (!int_from_arg(sp.width)) {
        sp.width = -1;
        out += "%!(BADWIDTH)";
      } else if (sp.width < 0) {
        sp.minus = true;
        sp.zero = false;
        sp.width = -sp.width;
      }
    } else if (!parse_num(sp.width)) {
      sp.width = -1;
    }
    if (i + 1 < format.size() && format[i] == '.') {
      i++;
      if (format[i] == '*') {
        i++;
        if (!int_from_arg(sp.prec) || sp.prec < 0) {
          sp.prec = -1;
          out += "%!(BADPREC)";
        }
      } else if (!parse_num(sp.prec)) {
        sp.prec = 0;
      }
    }
    if (i >= format.size()) {
      out += "%!(NOVERB)";
      break;
    }
    sp.verb = format[i++];
    if (sp.verb == '%') {
      out += '%';
      continue;
    }
    if (argi >= args.size()) {
      out += "%!";
      out += sp.verb;
      out += "(MISSING)";
      continue;
    }
    const Json& a = args[argi++];
    static const std::string_view kVerbs = "vsdqfFeEgGxXobct";
    if (kVerbs.find(sp.verb) == std::string_view::npos) {
      out += BadVerb(sp, a);
      continue;
    }
    // The width, and a number's precision, are at least as many bytes: a
    // list or map formats every element with them. Refuse before making
    // more than max_bytes.
    size_t least = static_cast<size_t>(std::max(sp.width, 0));
    if (std::string_view("dfFeEgGxXob").find(sp.verb) != std::string_view::npos) {
      least = std::max(least, static_cast<size_t>(std::max(sp.prec, 0)));
    }
    if (least > max_bytes - std::min(out.size(), max_bytes)) {
      out.resize(max_bytes + 1);  // callers see size() > max_bytes
      return out;
    }
    size_t each = static_cast<size_t>(std::max(sp.width, 0)) + static_cast<size_t>(std::max(sp.prec, 0));
    if (each > 4096 && (a.is_array() || a.is_object()) &&
        CountLeaves(a) > (max_bytes - std::min(out.size(), max_bytes)) / each) {
      out.resize(max_bytes + 1);  // callers see size() > max_bytes
      return out;
    }
    out += FormatOne(sp, a);
    if (out.size() > max_bytes) return out;
  }
  if (argi < args.size()) {
    out += "%!(EXTRA ";
    for (size_t k = argi; k < args.size(); k++) {
      if (k > argi) out += ", ";
      out += args[k].is_null() ? "<nil>" : TypeName(args[k]) + "=" + FormatV(args[k]);
    }
    out += ")";
  }
  return out;
}

}  // namespace berth::tmpl
