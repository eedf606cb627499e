// One HTTP exchange with a bounded in-memory response. The registry protocol
// is mostly small requests (manifests, tokens, upload sessions) whose answers
// must be read whole and capped; only blob downloads stream (HttpReader).
// libcurl's easy interface is enough here: the transfer is blocking, the
// progress callback aborts it on Ctrl-C, and a request body streams from a
// Reader through the read callback, so a blob upload needs no second copy.
#include "net/http.h"

#include <cctype>
#include <cstring>

#include "base/interrupt.h"
#include "base/strings.h"
#include "net/curl_api.h"
#include "net/http_reader.h"

namespace berth::net {

namespace {

struct State {
  const Request* req;
  Response* resp;
  std::optional<Error> error{};  // set by a callback that aborted the transfer
};

size_t OnHeader(char* data, size_t size, size_t n, void* p) {
  auto* st = static_cast<State*>(p);
  std::string_view line(data, size * n);
  if (long code = StatusLineCode(line)) {
    st->resp->status = code;
    st->resp->headers.clear();
    return line.size();
  }
  if (auto kv = Cut(Trim(line), ':')) {
    st->resp->headers.emplace_back(ToLower(Trim(kv->first)), std::string(Trim(kv->second)));
  }
  return line.size();
}

size_t OnBody(char* data, size_t size, size_t n, void* p) {
  auto* st = static_cast<State*>(p);
  size_t len = size * n;
  if (st->req->max_response >= 0 &&
      static_cast<int64_t>(st->resp->body.size() + len) > st->req->max_response) {
    st->error = MakeError(Code::kInvalidArgument,
                          st->req->method + " " + Quote(st->req->url) +
                              ": response exceeds the limit of " +
                              std::to_string(st->req->max_response) + " bytes");
    return 0;
  }
  st->resp->body.append(data, len);
  return len;
}

size_t OnRead(char* buf, size_t size, size_t n, void* p) {
  auto* st = static_cast<State*>(p);
  auto got = st->req->body_reader->Read(std::span(reinterpret_cast<std::byte*>(buf), size * n));
  if (!got.ok()) {
    st->error = got.error();
    return CURL_READFUNC_ABORT;
  }
  return *got;
}

int OnProgress(void* p, curl_off_t, curl_off_t, curl_off_t, curl_off_t ulnow) {
  auto* st = static_cast<State*>(p);
  if (Interrupted()) {
    st->error = MakeError(Code::kCancelled, "interrupted");
    return 1;
  }
  if (st->req->on_upload && ulnow > 0) st->req->on_upload(static_cast<int64_t>(ulnow));
  return 0;
}

bool SendsBody(const Request& r) {
  return r.body_reader || !r.body.empty() || r.method == "POST" || r.method == "PUT" ||
         r.method == "PATCH";
}

}  // namespace

long StatusLineCode(std::string_view line) {
  if (!line.starts_with("HTTP/")) return 0;
  size_t sp = line.find(' ');
  if (sp == std::string_view::npos) return 0;
  auto code = ParseInt(line.substr(sp + 1, 3));
  return code && *code >= 100 && *code <= 999 ? static_cast<long>(*code) : 0;
}

std::string PercentEncode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::optional<std::string_view> Response::Header(std::string_view name) const {
  std::string key = ToLower(name);
  for (const auto& [k, v] : headers) {
    if (k == key) return std::string_view(v);
  }
  return std::nullopt;
}

Failure FailureOf(int curl_code) {
  switch (curl_code) {
    case CURLE_OK: return Failure::kNone;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT: return Failure::kConnect;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_USE_SSL_FAILED: return Failure::kTls;
    default: return Failure::kOther;
  }
}

Status AppendHeaders(CurlEasy& e, curl_slist** list, const std::vector<std::string>& headers) {
  for (const std::string& h : headers) {
    curl_slist* l = e.api().slist_append(*list, h.c_str());
    if (!l) return MakeError(Code::kInternal, "curl_slist_append failed");
    *list = l;
  }
  return Ok();
}

Status SetConnection(CurlEasy& e, const Connection& c) {
  CURLcode rc = CURLE_OK;
  auto set = [&](CURLoption opt, auto value) {
    if (rc == CURLE_OK) rc = e.Set(opt, value);
  };
  set(CURLOPT_ERRORBUFFER, c.errbuf);
  set(CURLOPT_URL, c.url.c_str());  // strings are copied by libcurl
  set(CURLOPT_USERAGENT, "berth");
  set(CURLOPT_NOSIGNAL, 1L);
  set(CURLOPT_HTTPHEADER, c.headers);
  set(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);  // a proxy's "200 Connection established"
  set(CURLOPT_CONNECTTIMEOUT, c.connect_timeout_s);
  set(CURLOPT_LOW_SPEED_LIMIT, c.low_speed_limit);
  set(CURLOPT_LOW_SPEED_TIME, c.low_speed_time_s);
  set(CURLOPT_FOLLOWLOCATION, c.follow_redirects ? 1L : 0L);
  set(CURLOPT_MAXREDIRS, kMaxRedirects);
  const TlsOptions& tls = c.tls;
  set(CURLOPT_SSL_VERIFYPEER, tls.verify ? 1L : 0L);
  set(CURLOPT_SSL_VERIFYHOST, tls.verify ? 2L : 0L);
  if (!tls.ca_pem.empty()) {
    curl_blob blob{.data = const_cast<char*>(tls.ca_pem.data()), .len = tls.ca_pem.size(),
                   .flags = CURL_BLOB_COPY};
    set(CURLOPT_CAINFO_BLOB, &blob);
  } else if (!tls.ca_file.empty()) {
    set(CURLOPT_CAINFO, tls.ca_file.c_str());
  }
  if (!tls.client_cert.empty()) set(CURLOPT_SSLCERT, tls.client_cert.c_str());
  if (!tls.client_key.empty()) set(CURLOPT_SSLKEY, tls.client_key.c_str());
  if (rc != CURLE_OK) return MakeError(Code::kInternal, std::string("curl_easy_setopt: ") + e.StrError(rc));
  // Best effort: libcurl older than 7.85 lacks these, and then follows
  // redirects to http, https, ftp and ftps.
  (void)e.Set(CURLOPT_PROTOCOLS_STR, "http,https");
  (void)e.Set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  return Ok();
}

Result<Response> Exchange(const Request& req, Failure* failure) {
  if (failure) *failure = Failure::kNone;
  if (!IsUrl(req.url)) {
    return MakeError(Code::kInvalidArgument, "unsupported URL " + Quote(req.url));
  }
  std::string what = req.method + " " + Quote(req.url);
  CurlEasy e = TRY_CTX(CurlEasy::Create(), what);
  const CurlApi& api = e.api();
  curl_slist* headers = nullptr;
  struct FreeList {
    const CurlApi& api;
    curl_slist*& l;
    ~FreeList() { if (l) api.slist_free_all(l); }
  } free_list{api, headers};
  std::vector<std::string> hs = req.headers;
  if (SendsBody(req)) hs.push_back("Expect:");  // no 100-continue round trip
  TRY(AppendHeaders(e, &headers, hs));
  Response resp;
  State st{.req = &req, .resp = &resp};
  CURLcode rc = CURLE_OK;
  auto set = [&](CURLoption opt, auto value) {
    if (rc == CURLE_OK) rc = e.Set(opt, value);
  };
  char errbuf[CURL_ERROR_SIZE] = {0};  // libcurl's detail ("SSL certificate problem: ...")
  TRY(SetConnection(e, {.url = req.url, .errbuf = errbuf, .headers = headers,
                        .connect_timeout_s = req.connect_timeout_s, .low_speed_limit = 1,
                        .low_speed_time_s = req.low_speed_time_s,
                        .follow_redirects = req.follow_redirects, .tls = req.tls}));
  set(CURLOPT_HEADERFUNCTION, &OnHeader);
  set(CURLOPT_HEADERDATA, static_cast<void*>(&st));
  set(CURLOPT_WRITEFUNCTION, &OnBody);
  set(CURLOPT_WRITEDATA, static_cast<void*>(&st));
  set(CURLOPT_NOPROGRESS, 0L);
  set(CURLOPT_XFERINFOFUNCTION, &OnProgress);
  set(CURLOPT_XFERINFODATA, static_cast<void*>(&st));
  if (req.method == "HEAD") {
    set(CURLOPT_NOBODY, 1L);
  } else if (req.body_reader) {
    set(CURLOPT_UPLOAD, 1L);
    set(CURLOPT_READFUNCTION, &OnRead);
    set(CURLOPT_READDATA, static_cast<void*>(&st));
    if (req.body_size >= 0) set(CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(req.body_size));
    set(CURLOPT_CUSTOMREQUEST, req.method.c_str());
  } else if (SendsBody(req)) {
    set(CURLOPT_POSTFIELDS, req.body.c_str());
    set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
    set(CURLOPT_CUSTOMREQUEST, req.method.c_str());
  } else if (req.method != "GET") {
    set(CURLOPT_CUSTOMREQUEST, req.method.c_str());
  }
  if (rc != CURLE_OK) return MakeError(Code::kInternal, std::string("curl_easy_setopt: ") + e.StrError(rc));

  rc = e.Perform();
  if (st.error) return *st.error;
  if (rc != CURLE_OK) {
    if (failure) *failure = FailureOf(rc);
    return MakeError(Code::kUnavailable, what + ": " + (errbuf[0] ? errbuf : e.StrError(rc)));
  }
  char* eff = nullptr;
  if (api.easy_getinfo(e.get(), CURLINFO_EFFECTIVE_URL, &eff) == CURLE_OK && eff) resp.url = eff;
  else resp.url = req.url;
  return resp;
}

}  // namespace berth::net
