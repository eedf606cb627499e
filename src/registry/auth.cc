// Authentication as Docker's registry client does it (distribution's
// registry/client/auth): learn the scheme from the first 401, then send Basic
// credentials or fetch a Bearer token for each scope and reuse it until it
// expires. A token the registry refuses is fetched once more; a second
// refusal is the registry's final word.
#include "registry/auth.h"

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/strings.h"
#include "registry/errors.h"

namespace berth::registry {

namespace {

constexpr int64_t kMaxTokenBody = 1 << 20;
constexpr int64_t kDefaultTokenSeconds = 60;

// An RFC 7230 token character (the scheme's, as distribution's expectToken).
bool IsTokenChar(char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(ch) != std::string_view::npos;
}

}  // namespace

std::optional<Challenge> ParseChallenge(std::string_view h) {
  h = Trim(h);
  // The scheme is the leading token, as in distribution's parser; parameters
  // follow whitespace (a tab as well as a space).
  size_t end = 0;
  while (end < h.size() && IsTokenChar(h[end])) end++;
  Challenge c;
  c.scheme = ToLower(h.substr(0, end));
  if (c.scheme.empty()) return std::nullopt;
  if (end == h.size() || (h[end] != ' ' && h[end] != '\t')) return c;
  std::string_view rest = h.substr(end + 1);
  while (!rest.empty()) {
    rest = Trim(rest);
    size_t eq = rest.find('=');
    if (eq == std::string_view::npos) break;
    std::string key = ToLower(Trim(rest.substr(0, eq)));
    rest.remove_prefix(eq + 1);
    std::string value;
    if (rest.starts_with("\"")) {
      size_t i = 1;
      for (; i < rest.size() && rest[i] != '"'; i++) {
        if (rest[i] == '\\' && i + 1 < rest.size()) i++;
        value += rest[i];
      }
      rest.remove_prefix(std::min(rest.size(), i + 1));
    } else {
      size_t end = rest.find(',');
      value = std::string(Trim(rest.substr(0, end)));
      rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
    }
    c.params[key] = value;
    rest = Trim(rest);
    if (rest.starts_with(",")) rest.remove_prefix(1);
    if (c.params.size() > 32) break;
  }
  return c;
}

std::string RepositoryScope(std::string_view repository, std::string_view actions) {
  return "repository:" + std::string(repository) + ":" + std::string(actions);
}

std::string Base64Encode(std::string_view data) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    uint32_t v = (uint8_t(data[i]) << 16) | (uint8_t(data[i + 1]) << 8) | uint8_t(data[i + 2]);
    out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], t[v & 63]};
  }
  if (i + 1 == data.size()) {
    uint32_t v = uint8_t(data[i]) << 16;
    out += {t[v >> 18], t[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == data.size()) {
    uint32_t v = (uint8_t(data[i]) << 16) | (uint8_t(data[i + 1]) << 8);
    out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], '='};
  }
  return out;
}

Result<std::string> Base64Decode(std::string_view data) {
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : data) {
    if (c == '=' || c == '\n' || c == '\r') continue;
    int v = val(c);
    if (v < 0) return MakeError(Code::kInvalidArgument, "invalid base64");
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

std::string BasicAuthorization(const Credentials& c) {
  return "Authorization: Basic " + Base64Encode(c.username + ":" + c.password);
}

Result<std::optional<std::string>> Authenticator::HeaderFor(const std::string& scope) {
  std::unique_lock lock(mu_);
  if (!challenge_) return std::optional<std::string>();
  if (challenge_->scheme == "basic") {
    if (credentials_.username.empty()) return std::optional<std::string>();
    return std::optional<std::string>(BasicAuthorization(credentials_));
  }
  if (challenge_->scheme != "bearer") return std::optional<std::string>();
  auto it = tokens_.find(scope);
  if (it != tokens_.end() && it->second.expires_ns > NowNanos()) {
    return std::optional<std::string>("Authorization: Bearer " + it->second.value);
  }
  lock.unlock();  // fetching may take a while; another thread may fetch the same
  std::string token = TRY(FetchToken(scope));
  return std::optional<std::string>("Authorization: Bearer " + token);
}

bool Authenticator::OnUnauthorized(const std::string& scope, std::string_view www_authenticate) {
  std::lock_guard lock(mu_);
  auto c = ParseChallenge(www_authenticate);
  if (!c) return false;
  bool first = !challenge_;
  challenge_ = c;
  if (c->scheme == "basic") return first && !credentials_.username.empty();
  if (c->scheme != "bearer") return false;
  auto it = tokens_.find(scope);
  if (it == tokens_.end()) return true;
  if (!it->second.fresh) return false;  // refused twice
  it->second.fresh = false;
  it->second.expires_ns = 0;
  return true;
}

Result<std::string> Authenticator::FetchToken(const std::string& scope) {
  Challenge c;
  {
    std::lock_guard lock(mu_);
    c = *challenge_;
  }
  std::string realm = c.params["realm"];
  if (!realm.starts_with("https://") && !realm.starts_with("http://")) {
    return MakeError(Code::kUnauthenticated, "the registry's token realm " + Quote(realm) + " is not an http(s) URL");
  }
  net::Request req{.url = realm, .max_response = kMaxTokenBody, .tls = tls_};
  std::string service = c.params.count("service") ? c.params["service"] : "";
  if (!credentials_.identity_token.empty()) {
    req.method = "POST";
    req.headers.push_back("Content-Type: application/x-www-form-urlencoded");
    req.body = "grant_type=refresh_token&client_id=berth&service=" + net::PercentEncode(service) +
               "&scope=" + net::PercentEncode(scope) + "&refresh_token=" + net::PercentEncode(credentials_.identity_token);
  } else {
    req.url += (realm.find('?') == std::string::npos ? "?" : "&");
    req.url += "service=" + net::PercentEncode(service);
    for (std::string_view one : Split(scope, ' ')) {  // several scopes: one parameter each
      if (!one.empty()) req.url += "&scope=" + net::PercentEncode(one);
    }
    if (!credentials_.username.empty()) req.headers.push_back(BasicAuthorization(credentials_));
  }
  net::Response resp = TRY(net::Exchange(req));
  if (resp.status == 401 || resp.status == 403) {  // Docker's words: "unauthorized: <why>"
    std::string why = RegistryErrorText(resp);
    if (!why.starts_with("unauthorized")) why = "unauthorized: " + why;
    return MakeError(Code::kUnauthenticated, why + " (token server " + realm + ")");
  }
  if (!resp.ok()) return ErrorFromResponse(resp, "GET " + Quote(realm));
  auto j = nlohmann::json::parse(resp.body, nullptr, false);
  std::string token;
  if (j.is_object()) {
    if (j.contains("token") && j["token"].is_string()) token = j["token"].get<std::string>();
    if (token.empty() && j.contains("access_token") && j["access_token"].is_string()) {
      token = j["access_token"].get<std::string>();
    }
  }
  if (token.empty() || token.find_first_of("\r\n") != std::string::npos) {
    return MakeError(Code::kUnauthenticated, "the token server " + Quote(realm) + " returned no token");
  }
  int64_t seconds = kDefaultTokenSeconds;
  if (j.contains("expires_in") && j["expires_in"].is_number_integer()) {
    seconds = std::max<int64_t>(j["expires_in"].get<int64_t>(), 1);
  }
  std::lock_guard lock(mu_);
  Token& t = tokens_[scope];
  bool refused = !t.fresh && !t.value.empty();
  t = Token{.value = token, .expires_ns = NowNanos() + (seconds - 1) * 1'000'000'000LL, .fresh = !refused};
  return token;
}

}  // namespace berth::registry
