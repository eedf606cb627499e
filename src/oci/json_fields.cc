// The one place the OCI module touches nlohmann::json's throwing API: every
// typed read and every dump goes through here, so exceptions stop at this
// file and the field-naming error messages are uniform.
#include "oci/json_fields.h"

#include <algorithm>
#include <limits>

#include "base/clock.h"

namespace berth {

Result<Json> ParseJsonObject(std::string_view text, std::string_view what) {
  Json j;
  try {
    j = Json::parse(text.begin(), text.end());
  } catch (const Json::exception& e) {
    std::string msg = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, ..." -> drop the tag.
    if (size_t close = msg.find("] ");
        msg.starts_with("[json.exception.") && close != std::string::npos) {
      msg = msg.substr(close + 2);
    }
    return MakeError(Code::kInvalidArgument, std::string(what) + ": " + msg);
  }
  if (!j.is_object()) {
    return MakeError(Code::kInvalidArgument, std::string(what) + ": not a JSON object");
  }
  return j;
}

std::string DumpJson(const Json& j, int indent) {
  std::string raw = j.dump(indent, ' ', false, Json::error_handler_t::replace);
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); i++) {
    char c = raw[i];
    if (c == '<') {
      out += "\\u003c";
    } else if (c == '>') {
      out += "\\u003e";
    } else if (c == '&') {
      out += "\\u0026";
    } else if (c == '\xe2' && i + 2 < raw.size() && raw[i + 1] == '\x80' &&
               (raw[i + 2] == '\xa8' || raw[i + 2] == '\xa9')) {
      out += raw[i + 2] == '\xa8' ? "\\u2028" : "\\u2029";
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

JsonFields::JsonFields(const Json& obj, std::string path) : obj_(obj), path_(std::move(path)) {}

const Json* JsonFields::Find(std::string_view key) const {
  auto it = obj_.find(key);
  if (it == obj_.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string JsonFields::PathOf(std::string_view key) const {
  if (path_.empty()) return std::string(key);
  return path_ + "." + std::string(key);
}

Error JsonFields::FieldError(std::string_view key, std::string_view problem) const {
  return MakeError(Code::kInvalidArgument, PathOf(key) + ": " + std::string(problem));
}

Status JsonFields::String(std::string_view key, std::string& out) const {
  const Json* v = Find(key);
  if (!v) return Ok();
  if (!v->is_string()) return FieldError(key, "not a string");
  out = v->get_ref<const std::string&>();
  return Ok();
}

Status JsonFields::Bool(std::string_view key, bool& out) const {
  const Json* v = Find(key);
  if (!v) return Ok();
  if (!v->is_boolean()) return FieldError(key, "not a boolean");
  out = v->get<bool>();
  return Ok();
}

Status JsonFields::Int(std::string_view key, int64_t& out) const {
  const Json* v = Find(key);
  if (!v) return Ok();
  if (v->is_number_unsigned()) {
    uint64_t u = v->get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return FieldError(key, "integer out of range");
    }
    out = static_cast<int64_t>(u);
    return Ok();
  }
  if (!v->is_number_integer()) return FieldError(key, "not an integer");
  out = v->get<int64_t>();
  return Ok();
}

Status JsonFields::OptionalInt(std::string_view key, std::optional<int64_t>& out) const {
  if (!Find(key)) return Ok();
  int64_t v = 0;
  TRY(Int(key, v));
  out = v;
  return Ok();
}

Status JsonFields::Time(std::string_view key, std::optional<int64_t>& out) const {
  const Json* v = Find(key);
  if (!v) return Ok();
  if (!v->is_string()) return FieldError(key, "not a string");
  const std::string& s = v->get_ref<const std::string&>();
  // Nanoseconds since 1970 in an int64 cover the years 1678-2261. Times
  // outside (Go's zero time "0001-01-01T00:00:00Z" written by some tools)
  // are read as unknown rather than overflowing.
  if (s.size() >= 4 &&
      std::all_of(s.begin(), s.begin() + 4, [](char c) { return c >= '0' && c <= '9'; })) {
    int year = std::stoi(s.substr(0, 4));
    if ((year < 1678 || year > 2261) && ParseRfc3339("1970" + s.substr(4))) {
      out.reset();
      return Ok();
    }
  }
  std::optional<int64_t> t = ParseRfc3339(s);
  if (!t) return FieldError(key, "invalid time \"" + s + "\"");
  out = t;
  return Ok();
}

Status JsonFields::DigestValue(std::string_view key, Digest& out) const {
  const Json* v = Find(key);
  if (!v) return Ok();
  if (!v->is_string()) return FieldError(key, "not a string");
  Result<Digest> d = Digest::Parse(v->get_ref<const std::string&>());
  if (!d.ok()) return FieldError(key, d.error().message);
  out = *d;
  return Ok();
}

Status JsonFields::StringList(std::string_view key, std::vector<std::string>& out) const {
  const Json* v = Find(key);
  if (!v) return Ok();
  if (!v->is_array()) return FieldError(key, "not an array of strings");
  std::vector<std::string> list;
  list.reserve(v->size());
  for (const Json& e : *v) {
    if (!e.is_string()) return FieldError(key, "not an array of strings");
    list.push_back(e.get<std::string>());
  }
  out = std::move(list);
  return Ok();
}

Status JsonFields::OptionalStringList(std::string_view key,
                                      std::optional<std::vector<std::string>>& out) const {
  if (!Find(key)) return Ok();
  std::vector<std::string> list;
  TRY(StringList(key, list));
  out = std::move(list);
  return Ok();
}

Status JsonFields::StringMap(std::string_view key, std::map<std::string, std::string>& out) const {
  const Json* v = Find(key);
  if (!v) return Ok();
  if (!v->is_object()) return FieldError(key, "not an object of strings");
  std::map<std::string, std::string> m;
  for (auto it = v->begin(); it != v->end(); ++it) {
    if (!it.value().is_string()) {
      return FieldError(std::string(key) + "." + it.key(), "not a string");
    }
    m[it.key()] = it.value().get<std::string>();
  }
  out = std::move(m);
  return Ok();
}

Status JsonFields::KeySet(std::string_view key, std::set<std::string>& out) const {
  const Json* v = Find(key);
  if (!v) return Ok();
  if (!v->is_object()) return FieldError(key, "not an object");
  std::set<std::string> s;
  for (auto it = v->begin(); it != v->end(); ++it) s.insert(it.key());
  out = std::move(s);
  return Ok();
}

Result<const Json*> JsonFields::Object(std::string_view key) const {
  const Json* v = Find(key);
  if (v && !v->is_object()) return FieldError(key, "not an object");
  return v;
}

Result<const Json*> JsonFields::Array(std::string_view key) const {
  const Json* v = Find(key);
  if (v && !v->is_array()) return FieldError(key, "not an array");
  return v;
}

Json StringListOrNull(const std::vector<std::string>& v) {
  if (v.empty()) return nullptr;
  return Json(v);
}

Json StringMapOrNull(const std::map<std::string, std::string>& m) {
  if (m.empty()) return nullptr;
  Json j = Json::object();
  for (const auto& [k, v] : m) j[k] = v;
  return j;
}

Json KeySetOrNull(const std::set<std::string>& s) {
  if (s.empty()) return nullptr;
  Json j = Json::object();
  for (const std::string& k : s) j[k] = Json::object();
  return j;
}

}  // namespace berth
