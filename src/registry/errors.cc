// One place that reads a registry's error body, so every command words
// registry failures the way Docker users know them.
#include "registry/errors.h"

#include <nlohmann/json.hpp>

#include "base/strings.h"

namespace berth::registry {

namespace {

std::string StatusPhrase(long status) {
  switch (status) {
    case 401: return "unauthorized: authentication required";
    case 403: return "denied: requested access to the resource is denied";
    case 404: return "not found";
    case 429: return "toomanyrequests: too many requests";
    default: return "unexpected HTTP status " + std::to_string(status);
  }
}

std::string Printable(std::string s) {
  for (char& c : s) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  if (s.size() > 300) s = s.substr(0, 300) + "...";
  return s;
}

}  // namespace

bool IsTransientStatus(long status) {
  return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 ||
         status == 504;
}

std::string RegistryErrorText(const net::Response& resp) {
  auto j = nlohmann::json::parse(resp.body, nullptr, false);
  std::string out;
  if (j.is_object() && j.contains("errors") && j["errors"].is_array()) {
    for (const auto& e : j["errors"]) {
      if (!e.is_object()) continue;
      std::string code = e.contains("code") && e["code"].is_string() ? e["code"].get<std::string>() : "";
      std::string msg = e.contains("message") && e["message"].is_string() ? e["message"].get<std::string>() : "";
      for (char& c : code) c = c == '_' ? ' ' : static_cast<char>(tolower(static_cast<unsigned char>(c)));
      std::string one = code.empty() ? msg : msg.empty() ? code : code + ": " + msg;
      if (one.empty()) continue;
      if (!out.empty()) out += "; ";
      out += one;
    }
  } else if (j.is_object() && j.contains("details") && j["details"].is_string()) {
    out = j["details"].get<std::string>();  // token servers and some proxies
  }
  return out.empty() ? StatusPhrase(resp.status) : Printable(out);
}

Error ErrorFromResponse(const net::Response& resp, std::string_view context) {
  Code code = Code::kInvalidArgument;
  if (resp.status == 401) code = Code::kUnauthenticated;
  else if (resp.status == 403) code = Code::kPermissionDenied;
  else if (resp.status == 404) code = Code::kNotFound;
  else if (IsTransientStatus(resp.status) || resp.status >= 500) code = Code::kUnavailable;
  std::string text = RegistryErrorText(resp);
  return MakeError(code, context.empty() ? text : std::string(context) + ": " + text);
}

}  // namespace berth::registry
