// The subset of Dockerfile semantics that `-c/--change` needs. The builder
// issue will grow a full Dockerfile parser; until then this file owns the
// instruction-to-config mapping for metadata-only instructions.
#include "image/changes.h"

#include <nlohmann/json.hpp>

#include "base/strings.h"

namespace berth::image {

namespace {

Result<std::vector<std::string>> ParseJsonArray(std::string_view s) {
  try {
    auto j = nlohmann::json::parse(s);
    if (!j.is_array()) return MakeError(Code::kInvalidArgument, "not a JSON array");
    std::vector<std::string> out;
    for (auto& e : j) {
      if (!e.is_string()) return MakeError(Code::kInvalidArgument, "not a JSON array of strings");
      out.push_back(e.get<std::string>());
    }
    return out;
  } catch (const nlohmann::json::exception&) {
    return MakeError(Code::kInvalidArgument, "not a JSON array");
  }
}

// Exec form when the argument is a JSON array of strings, else shell form.
std::vector<std::string> CommandForm(std::string_view arg) {
  if (!arg.empty() && arg[0] == '[') {
    auto list = ParseJsonArray(arg);
    if (list.ok()) return *list;
  }
  return {"/bin/sh", "-c", std::string(arg)};
}

// ${VAR}, $VAR expansion against the config's environment so far.
std::string Expand(std::string_view s, const std::vector<std::string>& env) {
  auto lookup = [&](const std::string& name) -> std::string {
    for (auto it = env.rbegin(); it != env.rend(); ++it) {
      if (it->starts_with(name + "=")) return it->substr(name.size() + 1);
    }
    return "";
  };
  std::string out;
  for (size_t i = 0; i < s.size(); i++) {
    if (s[i] == '\\' && i + 1 < s.size() && s[i + 1] == '$') {
      out += '$';
      i++;
    } else if (s[i] == '$' && i + 1 < s.size() && s[i + 1] == '{') {
      size_t end = s.find('}', i);
      if (end == std::string_view::npos) {
        out += s.substr(i);
        break;
      }
      out += lookup(std::string(s.substr(i + 2, end - i - 2)));
      i = end;
    } else if (s[i] == '$' && i + 1 < s.size() && (isalnum(s[i + 1]) || s[i + 1] == '_')) {
      size_t j = i + 1;
      while (j < s.size() && (isalnum(s[j]) || s[j] == '_')) j++;
      out += lookup(std::string(s.substr(i + 1, j - i - 1)));
      i = j - 1;
    } else {
      out += s[i];
    }
  }
  return out;
}

void SetEnv(std::vector<std::string>& env, const std::string& key, const std::string& value) {
  for (auto& e : env) {
    if (e.starts_with(key + "=")) {
      e = key + "=" + value;
      return;
    }
  }
  env.push_back(key + "=" + value);
}

// KEY=VALUE pairs (ENV, LABEL), or the legacy "KEY VALUE..." form.
Result<std::vector<std::pair<std::string, std::string>>> KeyValues(std::string_view instr,
                                                                   std::string_view arg) {
  auto words = TRY(SplitWords(arg));
  std::vector<std::pair<std::string, std::string>> out;
  if (words.empty()) {
    return MakeError(Code::kInvalidArgument, std::string(instr) + " requires at least one argument");
  }
  if (words[0].find('=') == std::string::npos) {
    if (words.size() < 2) {
      return MakeError(Code::kInvalidArgument, std::string(instr) + " requires two arguments");
    }
    std::string_view rest = Trim(arg);
    rest = Trim(rest.substr(rest.find_first_of(" \t")));
    out.emplace_back(words[0], std::string(rest));
    return out;
  }
  for (const auto& w : words) {
    auto kv = Cut(w, '=');
    if (!kv || kv->first.empty()) {
      return MakeError(Code::kInvalidArgument,
                       "Syntax error - can't find = in " + Quote(w) + ". Must be of the form: name=value");
    }
    out.push_back(*kv);
  }
  return out;
}

Status ApplyExpose(std::string_view arg, ContainerConfig& c) {
  for (const auto& p : TRY(SplitWords(arg))) {
    std::string port = p, proto = "tcp";
    if (auto cut = Cut(p, '/')) {
      port = cut->first;
      proto = ToLower(cut->second);
    }
    if (proto != "tcp" && proto != "udp" && proto != "sctp") {
      return MakeError(Code::kInvalidArgument, "invalid proto: " + proto);
    }
    int64_t lo, hi;
    if (auto range = Cut(port, '-')) {
      auto a = ParseInt(range->first), b = ParseInt(range->second);
      if (!a || !b || *a > *b) return MakeError(Code::kInvalidArgument, "invalid range format for --expose: " + p);
      lo = *a;
      hi = *b;
    } else {
      auto a = ParseInt(port);
      if (!a) return MakeError(Code::kInvalidArgument, "invalid containerPort: " + port);
      lo = hi = *a;
    }
    if (lo < 1 || hi > 65535) return MakeError(Code::kInvalidArgument, "invalid containerPort: " + port);
    for (int64_t x = lo; x <= hi; x++) c.exposed_ports.insert(std::to_string(x) + "/" + proto);
  }
  return Ok();
}

Status ApplyOne(std::string_view line, ContainerConfig& c) {
  line = Trim(line);
  size_t sp = line.find_first_of(" \t");
  std::string instr = ToLower(line.substr(0, sp));
  std::string_view arg = sp == std::string_view::npos ? "" : Trim(line.substr(sp));
  if (instr == "cmd") {
    c.cmd = CommandForm(arg);
  } else if (instr == "entrypoint") {
    c.entrypoint = CommandForm(arg);
  } else if (instr == "env") {
    for (auto& [k, v] : TRY(KeyValues("ENV", arg))) SetEnv(c.env, k, Expand(v, c.env));
  } else if (instr == "label") {
    for (auto& [k, v] : TRY(KeyValues("LABEL", arg))) c.labels[k] = Expand(v, c.env);
  } else if (instr == "expose") {
    TRY(ApplyExpose(Expand(arg, c.env), c));
  } else if (instr == "onbuild") {
    std::string sub = ToLower(arg.substr(0, arg.find_first_of(" \t")));
    if (sub == "onbuild" || sub == "from" || sub == "maintainer") {
      return MakeError(Code::kInvalidArgument, sub + " isn't allowed as an ONBUILD trigger");
    }
    c.on_build.emplace_back(arg);
  } else if (instr == "user") {
    c.user = Expand(arg, c.env);
  } else if (instr == "stopsignal") {
    c.stop_signal = Expand(arg, c.env);
  } else if (instr == "volume") {
    std::vector<std::string> vols;
    if (!arg.empty() && arg[0] == '[') {
      vols = TRY(ParseJsonArray(arg));
    } else {
      vols = TRY(SplitWords(arg));
    }
    for (auto& v : vols) {
      std::string p = Expand(v, c.env);
      if (p.empty()) return MakeError(Code::kInvalidArgument, "VOLUME specified can not be an empty string");
      c.volumes.insert(p);
    }
  } else if (instr == "workdir") {
    std::string dir = Expand(arg, c.env);
    if (dir.empty()) return MakeError(Code::kInvalidArgument, "WORKDIR requires exactly one argument");
    if (dir[0] != '/') dir = (c.working_dir.empty() ? std::string("/") : c.working_dir + "/") + dir;
    c.working_dir = dir;
  } else {
    return MakeError(Code::kInvalidArgument, instr + " is not a valid change command");
  }
  return Ok();
}

}  // namespace

Result<std::vector<std::string>> SplitWords(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < s.size(); i++) {
    char ch = s[i];
    if (quote) {
      if (ch == quote) {
        quote = 0;
      } else if (ch == '\\' && quote == '"' && i + 1 < s.size()) {
        cur += s[++i];
      } else {
        cur += ch;
      }
    } else if (ch == '"' || ch == '\'') {
      quote = ch;
      in_word = true;
    } else if (ch == '\\' && i + 1 < s.size()) {
      cur += s[++i];
      in_word = true;
    } else if (ch == ' ' || ch == '\t') {
      if (in_word) out.push_back(std::move(cur));
      cur.clear();
      in_word = false;
    } else {
      cur += ch;
      in_word = true;
    }
  }
  if (quote) return MakeError(Code::kInvalidArgument, "unexpected end of statement while looking for matching " + std::string(1, quote));
  if (in_word) out.push_back(std::move(cur));
  return out;
}

Status ApplyChanges(const std::vector<std::string>& changes, ContainerConfig& config) {
  for (const auto& line : changes) TRY(ApplyOne(line, config));
  return Ok();
}

}  // namespace berth::image
