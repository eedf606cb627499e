// `import -c` takes Dockerfile instructions, and scripts written for docker
// depend on exactly what dockerd 20.10 stores and refuses. The text goes
// through the dockerfile module (lines, arguments, substitution); this file
// holds what the daemon does next: which instructions a change may use, each
// one's argument checks (BuildKit's instructions/parse.go) and how it lands
// in the config (moby's builder/dockerfile dispatchers), with their messages.
#include "image/changes.h"

#include <arpa/inet.h>

#include <algorithm>
#include <optional>

#include "base/strings.h"
#include "dockerfile/lex.h"
#include "dockerfile/parser.h"
#include "dockerfile/utf8.h"

namespace berth::image {

namespace {

using dockerfile::Node;

Error Fail(std::string message) { return Error{Code::kInvalidArgument, std::move(message)}; }

bool ValidChange(const std::string& command) {
  for (const char* c : {"cmd", "entrypoint", "healthcheck", "env", "expose", "label", "onbuild", "user",
                        "volume", "workdir"}) {
    if (command == c) return true;
  }
  return false;
}

// Go's time.ParseDuration, in nanoseconds, computed as Go computes it.
Result<int64_t> ParseGoDuration(const std::string& orig) {
  std::string_view s = orig;
  auto invalid = [&] { return Fail("time: invalid duration " + dockerfile::GoQuote(orig)); };
  constexpr uint64_t kMax = uint64_t{1} << 63;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return int64_t{0};
  if (s.empty()) return invalid();
  uint64_t total = 0;
  while (!s.empty()) {
    uint64_t v = 0, f = 0;
    double scale = 1;
    size_t i = 0;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; i++) {
      if (v > (kMax - 1) / 10) return invalid();
      v = v * 10 + static_cast<uint64_t>(s[i] - '0');
      if (v > kMax) return invalid();
    }
    bool pre = i > 0, post = false;
    s.remove_prefix(i);
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      bool overflow = false;
      for (i = 0; i < s.size() && s[i] >= '0' && s[i] <= '9'; i++) {
        if (overflow) continue;
        if (f > (kMax - 1) / 10) {
          overflow = true;
          continue;
        }
        uint64_t y = f * 10 + static_cast<uint64_t>(s[i] - '0');
        if (y > kMax) {
          overflow = true;
          continue;
        }
        f = y;
        scale *= 10;
      }
      post = i > 0;
      s.remove_prefix(i);
    }
    if (!pre && !post) return invalid();
    for (i = 0; i < s.size() && s[i] != '.' && (s[i] < '0' || s[i] > '9'); i++) {
    }
    std::string unit(s.substr(0, i));
    s.remove_prefix(i);
    if (unit.empty()) return Fail("time: missing unit in duration " + dockerfile::GoQuote(orig));
    uint64_t mult;
    if (unit == "ns") mult = 1;
    else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") mult = 1000;
    else if (unit == "ms") mult = 1000000;
    else if (unit == "s") mult = 1000000000;
    else if (unit == "m") mult = 60000000000;
    else if (unit == "h") mult = 3600000000000;
    else return Fail("time: unknown unit " + dockerfile::GoQuote(unit) + " in duration " + dockerfile::GoQuote(orig));
    if (v > kMax / mult) return invalid();
    v *= mult;
    if (f > 0) {
      v += static_cast<uint64_t>(static_cast<double>(f) * (static_cast<double>(mult) / scale));
      if (v > kMax) return invalid();
    }
    total += v;
    if (total > kMax) return invalid();
  }
  if (neg) return static_cast<int64_t>(0 - total);
  if (total > kMax - 1) return invalid();
  return static_cast<int64_t>(total);
}

// Go's strconv.ParseInt(s, 10, 32).
Result<int64_t> ParseInt32(const std::string& s) {
  auto v = ParseInt(!s.empty() && s[0] == '+' ? std::string_view(s).substr(1) : std::string_view(s));
  std::string_view digits = s;
  if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) digits.remove_prefix(1);
  bool syntax = !digits.empty() && digits.find_first_not_of("0123456789") == std::string_view::npos;
  if (!syntax) return Fail("strconv.ParseInt: parsing " + dockerfile::GoQuote(s) + ": invalid syntax");
  if (!v || *v > 2147483647 || *v < -2147483648LL) {
    return Fail("strconv.ParseInt: parsing " + dockerfile::GoQuote(s) + ": value out of range");
  }
  return *v;
}

// Go's filepath.Clean for absolute paths.
std::string CleanPath(const std::string& p) {
  std::vector<std::string> out;
  for (const std::string& part : Split(p, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!out.empty()) out.pop_back();
      continue;
    }
    out.push_back(part);
  }
  return "/" + Join(out, "/");
}

// Go's strconv.ParseUint(s, 10, 16).
std::optional<uint64_t> ParsePort(const std::string& s) {
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos || s.size() > 6) return std::nullopt;
  uint64_t v = std::stoull(s);
  if (v > 65535) return std::nullopt;
  return v;
}

// docker/go-connections nat.ParsePortRange.
std::optional<std::pair<uint64_t, uint64_t>> ParsePortRange(const std::string& ports) {
  if (ports.find('-') == std::string::npos) {
    auto p = ParsePort(ports);
    if (!p) return std::nullopt;
    return std::pair{*p, *p};
  }
  std::vector<std::string> parts = Split(ports, '-');
  auto a = ParsePort(parts[0]), b = ParsePort(parts[1]);
  if (!a || !b || *b < *a) return std::nullopt;
  return std::pair{*a, *b};
}

// The ip of ip:host:container (nat's splitParts).
std::string raw_ip_of(const std::vector<std::string>& parts) {
  if (parts.size() < 3) return "";
  return Join(std::vector<std::string>(parts.begin(), parts.end() - 2), ":");
}

// The host of Go's net.SplitHostPort(raw + ":"), with its errors as nat
// words them: "Invalid ip address <raw>: address <raw>:: <why>".
Result<std::string> SplitHost(const std::string& raw) {
  std::string hostport = raw + ":";
  auto fail = [&](const char* why) {
    return Fail("Invalid ip address " + raw + ": address " + hostport + ": " + why);
  };
  size_t i = hostport.size() - 1;  // the last colon
  size_t j = 0, k = 0;
  std::string host;
  if (hostport[0] == '[') {
    size_t end = hostport.find(']');
    if (end == std::string::npos) return fail("missing ']' in address");
    if (end + 1 == hostport.size()) return fail("missing port in address");
    if (end + 1 != i) return fail(hostport[end + 1] == ':' ? "too many colons in address" : "missing port in address");
    host = hostport.substr(1, end - 1);
    j = 1;
    k = end + 1;
  } else {
    host = hostport.substr(0, i);
    if (host.find(':') != std::string::npos) return fail("too many colons in address");
  }
  if (hostport.find('[', j) != std::string::npos) return fail("unexpected '[' in address");
  if (hostport.find(']', k) != std::string::npos) return fail("unexpected ']' in address");
  return host;
}

// nat.ParsePortSpec for what EXPOSE keeps: the container ports, "80/tcp".
Status ParsePortSpec(const std::string& raw, std::set<std::string>& out) {
  std::vector<std::string> parts = Split(raw, ':');
  std::string container = parts.back(), host;
  if (parts.size() >= 2) host = parts[parts.size() - 2];
  // nat.SplitProtoPort: only the part after the first '/' names the protocol.
  std::string proto;
  std::vector<std::string> pp = Split(container, '/');
  if (container.empty() || pp[0].empty()) {
    container.clear();
  } else {
    proto = pp.size() == 1 || pp[1].empty() ? "tcp" : pp[1];
    container = pp[0];
  }
  std::string host_ip = TRY(SplitHost(raw_ip_of(parts)));
  if (!host_ip.empty()) {
    unsigned char buf[16];
    if (inet_pton(AF_INET, host_ip.c_str(), buf) != 1 && inet_pton(AF_INET6, host_ip.c_str(), buf) != 1) {
      return Fail("Invalid ip address: " + host_ip);
    }
  }
  if (container.empty()) return Fail("No port specified: " + raw + "<empty>");
  auto range = ParsePortRange(container);
  if (!range) return Fail("Invalid containerPort: " + container);
  if (!host.empty()) {
    auto hr = ParsePortRange(host);
    if (!hr) return Fail("Invalid hostPort: " + host);
    if (range->second - range->first != hr->second - hr->first && range->first != range->second) {
      return Fail("Invalid ranges specified for container and host Ports: " + container + " and " + host);
    }
  }
  std::string lower = ToLower(proto);
  if (lower != "tcp" && lower != "udp" && lower != "sctp") return Fail("Invalid proto: " + proto);
  for (uint64_t p = range->first; p <= range->second; p++) out.insert(std::to_string(p) + "/" + lower);
  return Ok();
}

// One instruction, checked and applied. Parsing (Docker's ParseCommand)
// happens for every change before any is applied, so Check runs first for
// all, then Apply in order.
class Change {
 public:
  explicit Change(Node node) : n_(std::move(node)) {}

  Status Check() {
    const std::string& c = n_.command;
    const auto& a = n_.args;
    if (c == "env" || c == "label") {
      TRY(Flags({}));
      std::string name = c == "env" ? "ENV" : "LABEL";
      if (a.empty()) return Fail(name + " requires at least one argument");
      for (size_t i = 0; i < a.size(); i += 2) {
        if (a[i].empty()) return Fail(name + " names can not be blank");
      }
    } else if (c == "cmd" || c == "entrypoint") {
      TRY(Flags({}));
    } else if (c == "expose" || c == "volume" || c == "onbuild") {
      std::string name = c == "expose" ? "EXPOSE" : c == "volume" ? "VOLUME" : "ONBUILD";
      if (a.empty()) return Fail(name + " requires at least one argument");
      TRY(Flags({}));
      if (c == "volume") {
        for (const std::string& v : a) {
          if (Trim(v).empty()) return Fail("VOLUME specified can not be an empty string");
        }
      }
      if (c == "onbuild") TRY(CheckTrigger());
    } else if (c == "user" || c == "workdir") {
      if (a.size() != 1) return Fail((c == "user" ? "USER" : "WORKDIR") + std::string(" requires exactly one argument"));
      TRY(Flags({}));
    } else if (c == "healthcheck") {
      TRY(CheckHealthcheck());
    }
    return Ok();
  }

  // Variables expand against extra (a build's ARG values) and then the
  // config's environment before this instruction (which wins).
  Status Apply(ContainerConfig& c, bool& cmd_set, const dockerfile::Env& extra = {}) {
    const std::string& cmd = n_.command;
    dockerfile::Env env = extra;
    env.insert(env.end(), c.env.begin(), c.env.end());
    auto word = [&](const std::string& w) { return dockerfile::ProcessWord(w, env, lex_); };
    if (cmd == "env" || cmd == "label") {
      std::vector<std::pair<std::string, std::string>> kvs;
      for (size_t i = 0; i + 1 < n_.args.size(); i += 2) {
        std::string key = TRY(word(n_.args[i]));
        kvs.emplace_back(std::move(key), TRY(word(n_.args[i + 1])));
      }
      for (auto& [k, v] : kvs) {
        if (cmd == "label") {
          c.labels[k] = v;
        } else {
          SetEnv(c.env, k, v);
        }
      }
    } else if (cmd == "cmd") {
      c.cmd = CommandLine(c);
      if (!n_.args.empty()) cmd_set = true;
    } else if (cmd == "entrypoint") {
      if (dockerfile::CommandLine(n_).empty()) {
        c.entrypoint.reset();  // ENTRYPOINT and ENTRYPOINT [] clear it: null
      } else {
        c.entrypoint = CommandLine(c);
      }
      if (!cmd_set) c.cmd.reset();
    } else if (cmd == "expose") {
      std::vector<std::string> specs = n_.args;
      std::sort(specs.begin(), specs.end());
      std::vector<std::string> ports;
      for (const std::string& s : specs) {
        for (std::string& p : TRY(dockerfile::ProcessWords(s, env, lex_))) ports.push_back(std::move(p));
      }
      std::set<std::string> parsed;
      for (const std::string& p : ports) TRY(ParsePortSpec(p, parsed));
      c.exposed_ports.insert(parsed.begin(), parsed.end());
    } else if (cmd == "user") {
      c.user = TRY(word(n_.args[0]));
    } else if (cmd == "volume") {
      std::vector<std::string> vols;
      for (const std::string& v : n_.args) vols.push_back(TRY(word(std::string(Trim(v)))));
      for (const std::string& v : vols) {
        if (v.empty()) return Fail("VOLUME specified can not be an empty string");
      }
      c.volumes.insert(vols.begin(), vols.end());
    } else if (cmd == "workdir") {
      std::string dir = TRY(word(n_.args[0]));
      if (dir.empty()) return Fail("cannot normalize nothing");
      c.working_dir = dir[0] == '/' ? dir : CleanPath("/" + c.working_dir + "/" + dir);
    } else if (cmd == "onbuild") {
      c.on_build.push_back(OnbuildExpression());
    } else if (cmd == "healthcheck") {
      c.healthcheck = health_;
    }
    return Ok();
  }

  void set_lex(dockerfile::LexOptions o) { lex_ = o; }

 private:
  Result<std::map<std::string, std::string>> Flags(const std::vector<std::string>& known) {
    return dockerfile::ParseFlags(n_.flags, known);
  }

  Status CheckTrigger() {
    std::string trigger = n_.args[0];
    for (char& ch : trigger) ch = static_cast<char>(toupper(static_cast<unsigned char>(ch)));
    if (trigger == "ONBUILD") return Fail("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
    if (trigger == "MAINTAINER" || trigger == "FROM") return Fail(trigger + " isn't allowed as an ONBUILD trigger");
    return Ok();
  }

  // The line without its ONBUILD word: (?i)^\s*ONBUILD\s*
  std::string OnbuildExpression() const {
    std::string_view s = n_.original;
    while (!s.empty() && isspace(static_cast<unsigned char>(s[0]))) s.remove_prefix(1);
    s.remove_prefix(std::min<size_t>(7, s.size()));
    while (!s.empty() && isspace(static_cast<unsigned char>(s[0]))) s.remove_prefix(1);
    return std::string(s);
  }

  Status CheckHealthcheck() {
    const auto& a = n_.args;
    if (a.empty()) return Fail("HEALTHCHECK requires at least one argument");
    std::string type = dockerfile::GoToUpper(a[0]);
    std::vector<std::string> rest(a.begin() + 1, a.end());
    if (type == "NONE") {
      if (!rest.empty()) return Fail("HEALTHCHECK NONE takes no arguments");
      health_ = Json{{"Test", Json::array({"NONE"})}};
      return Ok();
    }
    auto flags = TRY(Flags({"interval", "timeout", "start-period", "retries"}));
    if (type != "CMD") return Fail("Unknown type " + dockerfile::GoQuote(type) + " in HEALTHCHECK (try CMD)");
    Node cmd = n_;
    cmd.args = rest;
    std::vector<std::string> line = dockerfile::CommandLine(cmd);
    if (line.empty()) return Fail("Missing command after HEALTHCHECK CMD");
    line.insert(line.begin(), n_.json ? "CMD" : "CMD-SHELL");
    health_ = Json{{"Test", line}};
    for (const char* name : {"interval", "timeout", "start-period"}) {
      auto it = flags.find(name);
      if (it == flags.end() || it->second.empty()) continue;
      int64_t d = TRY(ParseGoDuration(it->second));
      if (d < 1000000) return Fail(std::string("Interval \"") + name + "\" cannot be less than 1ms");
      if (d != 0) health_[name == std::string("interval") ? "Interval" : name == std::string("timeout") ? "Timeout" : "StartPeriod"] = d;
    }
    if (auto it = flags.find("retries"); it != flags.end() && !it->second.empty()) {
      int64_t r = TRY(ParseInt32(it->second));
      if (r < 1) return Fail("--retries must be at least 1 (not " + std::to_string(r) + ")");
      health_["Retries"] = r;
    }
    return Ok();
  }

  // CMD/ENTRYPOINT: exec form as given, shell form behind the image's
  // shell; no arguments at all is [] (CMD) and then null (ENTRYPOINT).
  std::vector<std::string> CommandLine(const ContainerConfig& c) const {
    std::vector<std::string> line = dockerfile::CommandLine(n_);
    if (n_.json) return line;
    std::vector<std::string> shell = c.shell.empty() ? std::vector<std::string>{"/bin/sh", "-c"} : c.shell;
    shell.insert(shell.end(), line.begin(), line.end());
    return shell;
  }

  static void SetEnv(std::vector<std::string>& env, const std::string& key, const std::string& value) {
    for (auto& e : env) {
      if (e.substr(0, e.find('=')) == key) {
        e = key + "=" + value;
        return;
      }
    }
    env.push_back(key + "=" + value);
  }

  Node n_;
  Json health_;
  dockerfile::LexOptions lex_;
};

}  // namespace

namespace {

Status Apply(const std::vector<std::string>& changes, ContainerConfig& config) {
  // 1. One Dockerfile, parsed whole.
  dockerfile::Dockerfile file = TRY(dockerfile::Parse(Join(changes, "\n")));
  // 2. Only metadata instructions.
  for (const Node& n : file.nodes) {
    if (!ValidChange(n.command)) return Fail(n.command + " is not a valid change command");
  }
  // 3. Every instruction's arguments, before anything is applied.
  std::vector<Change> parsed;
  for (Node& n : file.nodes) {
    parsed.emplace_back(std::move(n));
    parsed.back().set_lex({.escape = file.escape});
    TRY(parsed.back().Check());
  }
  // 4. Applied in order on a copy.
  ContainerConfig out = config;
  bool cmd_set = false;
  for (Change& c : parsed) TRY(c.Apply(out, cmd_set));
  config = std::move(out);
  return Ok();
}

}  // namespace

Status ApplyInstruction(const dockerfile::Node& node, ContainerConfig& config,
                        const dockerfile::Env& args, char escape, bool& cmd_set) {
  if (!ValidChange(node.command)) return Fail(node.command + " is not a metadata instruction");
  Change change(node);
  change.set_lex({.escape = escape});
  TRY(change.Check());
  ContainerConfig out = config;
  TRY(change.Apply(out, cmd_set, args));
  config = std::move(out);
  return Ok();
}

Status ApplyChanges(const std::vector<std::string>& changes, ContainerConfig& config) {
  if (changes.empty()) return Ok();
  Status st = Apply(changes, config);
  if (!st.ok()) {  // docker's client trims the daemon's message ("RUN" alone: "<empty>"...)
    return Fail(std::string(Trim(st.error().message)));
  }
  return st;
}

}  // namespace berth::image
