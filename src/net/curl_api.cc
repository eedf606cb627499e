// libcurl loaded on demand. Linking libcurl pulls in about thirty shared
// libraries (GnuTLS/OpenSSL, LDAP, Kerberos, SSH, RTMP, IDN, PSL, brotli,
// nghttp2 ...) whose loading and relocation cost every berth invocation
// several milliseconds; only commands that fetch URLs need any of it. Here the
// few entry points berth calls are resolved from libcurl.so.4 the first time
// one is needed.
#include "net/curl_api.h"

#include "base/dynload.h"

namespace berth::net {

namespace {

Result<CurlApi> Load() {
  auto lib = TRY(DynamicLibrary::Open({"libcurl.so.4"}, "libcurl", "libcurl4"));
  CurlApi api;
  TRY(lib.Bind(api.global_init, "curl_global_init"));
  TRY(lib.Bind(api.version_info, "curl_version_info"));
  TRY(lib.Bind(api.easy_init, "curl_easy_init"));
  TRY(lib.Bind(api.easy_setopt, "curl_easy_setopt"));
  TRY(lib.Bind(api.easy_perform, "curl_easy_perform"));
  TRY(lib.Bind(api.easy_getinfo, "curl_easy_getinfo"));
  TRY(lib.Bind(api.easy_cleanup, "curl_easy_cleanup"));
  TRY(lib.Bind(api.easy_reset, "curl_easy_reset"));
  TRY(lib.Bind(api.easy_strerror, "curl_easy_strerror"));
  TRY(lib.Bind(api.easy_pause, "curl_easy_pause"));
  TRY(lib.Bind(api.multi_init, "curl_multi_init"));
  TRY(lib.Bind(api.multi_add_handle, "curl_multi_add_handle"));
  TRY(lib.Bind(api.multi_remove_handle, "curl_multi_remove_handle"));
  TRY(lib.Bind(api.multi_perform, "curl_multi_perform"));
  TRY(lib.Bind(api.multi_poll, "curl_multi_poll"));
  TRY(lib.Bind(api.multi_info_read, "curl_multi_info_read"));
  TRY(lib.Bind(api.multi_strerror, "curl_multi_strerror"));
  TRY(lib.Bind(api.multi_cleanup, "curl_multi_cleanup"));
  TRY(lib.Bind(api.slist_append, "curl_slist_append"));
  TRY(lib.Bind(api.slist_free_all, "curl_slist_free_all"));
  CURLcode rc = api.global_init(CURL_GLOBAL_DEFAULT);
  if (rc != CURLE_OK) {
    return MakeError(Code::kInternal,
                     std::string("curl_global_init: ") + api.easy_strerror(rc));
  }
  return api;
}

}  // namespace

Result<const CurlApi*> Curl() {
  static const Result<CurlApi> api = Load();  // magic static: loaded once, thread-safe
  if (!api.ok()) return api.error();
  return &api.value();
}

Result<CurlEasy> CurlEasy::Create() {
  const CurlApi* api = TRY(Curl());
  CURL* h = api->easy_init();
  if (!h) return MakeError(Code::kInternal, "curl_easy_init failed");
  return CurlEasy(api, h);
}

CurlEasy& CurlEasy::operator=(CurlEasy&& o) noexcept {
  if (this != &o) {
    if (h_) api_->easy_cleanup(h_);
    api_ = o.api_;
    h_ = o.h_;
    o.h_ = nullptr;
  }
  return *this;
}

CurlEasy::~CurlEasy() {
  if (h_) api_->easy_cleanup(h_);
}

long CurlEasy::ResponseCode() const {
  long status = 0;
  api_->easy_getinfo(h_, CURLINFO_RESPONSE_CODE, &status);
  return status;
}

}  // namespace berth::net
