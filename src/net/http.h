// Exchange: one HTTP request whose response body is small enough to hold in
// memory (registry manifests, tokens, upload sessions, search results), with
// a request body from memory or streamed from a Reader (a blob upload).
// TlsOptions is shared with HttpReader, which streams large GET bodies.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/io.h"
#include "base/result.h"

struct curl_slist;

namespace berth::net {

class CurlEasy;

struct TlsOptions {
  // Verify the server's certificate chain and name. Off only for registries
  // the user marked insecure or loopback ones without a configured CA.
  bool verify = true;
  // A PEM file of CA certificates to trust instead of the system store
  // (libcurl's CAINFO), e.g. certs.d/<host>/ca.crt.
  std::string ca_file{};
  // PEM text of CA certificates to trust instead (wins over ca_file): the
  // system bundle plus a certs.d directory's *.crt, as Docker trusts them.
  std::string ca_pem{};
  // A client certificate and its key (PEM), both or neither.
  std::string client_cert{};
  std::string client_key{};
};

struct Request {
  std::string method = "GET";  // GET HEAD POST PUT PATCH DELETE
  std::string url;
  std::vector<std::string> headers{};  // "Name: value"
  // The request body: body_reader when set (body_size bytes; -1: unknown,
  // sent chunked), else body (sent when non-empty, or for POST/PUT/PATCH).
  std::string body{};
  Reader* body_reader = nullptr;
  int64_t body_size = -1;
  // Response bodies longer than this fail with InvalidArgument.
  int64_t max_response = 1 << 20;
  bool follow_redirects = false;
  TlsOptions tls{};
  long connect_timeout_s = 30;
  // The transfer fails once under 1 byte/s moves for this long.
  long low_speed_time_s = 60;
  // Called as request body bytes go out (total sent so far).
  std::function<void(int64_t)> on_upload{};
};

struct Response {
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers{};  // final response, lower-case names
  std::string body{};
  std::string url{};  // the effective URL (after redirects)

  // The first value of header name (any case).
  std::optional<std::string_view> Header(std::string_view name) const;
  bool ok() const { return status >= 200 && status < 300; }
};

// What kind of transport failure an Exchange met.
enum class Failure {
  kNone,
  kConnect,  // no connection (refused, unreachable, name not resolved)
  kTls,      // the TLS handshake or the certificate (a plain-HTTP server answering https:// too)
  kOther,    // timeouts, broken transfers, ...
};

// Performs the request. Any HTTP status is a result, not an error. Errors:
// Unavailable `<METHOD> "<url>": <libcurl's message>` for connection, TLS and
// timeout failures (*failure, when given, says which); InvalidArgument when
// the response body exceeds max_response or the URL is not http(s);
// Cancelled when interrupted (Ctrl-C); the body reader's own error when it
// fails.
Result<Response> Exchange(const Request& request, Failure* failure = nullptr);

// RFC 3986 percent-encoding of everything but unreserved characters (for
// query parameters: scopes, search terms).
std::string PercentEncode(std::string_view s);

// "HTTP/1.1 206 Partial Content" -> 206; 0 when line is no status line.
long StatusLineCode(std::string_view line);

// Classifies a libcurl result code.
Failure FailureOf(int curl_code);

// What Exchange and HttpReader set alike on their easy handle: the URL,
// libcurl's error buffer (CURL_ERROR_SIZE bytes), the request headers,
// timeouts, redirects (http and https only) and TLS. Internal on a setopt failure.
struct Connection {
  const std::string& url;
  char* errbuf;
  curl_slist* headers;  // may be null
  long connect_timeout_s;
  long low_speed_limit;
  long low_speed_time_s;
  bool follow_redirects;
  const TlsOptions& tls;
};
Status SetConnection(CurlEasy& easy, const Connection& c);

// Appends "Name: value" headers to a libcurl list (which starts as *list,
// may be null, and is owned by the caller also on failure).
Status AppendHeaders(CurlEasy& easy, curl_slist** list, const std::vector<std::string>& headers);

}  // namespace berth::net
