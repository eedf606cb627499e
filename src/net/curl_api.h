// CurlApi: libcurl's entry points, resolved at run time from libcurl.so.4 on
// first use, and CurlEasy, an owned easy handle. berth links no libcurl at
// build time (only its headers), so commands that never touch the network
// never load it and its dozens of dependencies.
#pragma once

#include <curl/curl.h>

#include <type_traits>

#include "base/result.h"

namespace berth::net {

struct CurlApi {
  decltype(&curl_global_init) global_init = nullptr;
  decltype(&curl_version_info) version_info = nullptr;
  decltype(&curl_easy_init) easy_init = nullptr;
  decltype(&curl_easy_setopt) easy_setopt = nullptr;
  decltype(&curl_easy_perform) easy_perform = nullptr;
  decltype(&curl_easy_getinfo) easy_getinfo = nullptr;
  decltype(&curl_easy_cleanup) easy_cleanup = nullptr;
  decltype(&curl_easy_reset) easy_reset = nullptr;
  decltype(&curl_easy_strerror) easy_strerror = nullptr;
  decltype(&curl_easy_pause) easy_pause = nullptr;
  decltype(&curl_multi_init) multi_init = nullptr;
  decltype(&curl_multi_add_handle) multi_add_handle = nullptr;
  decltype(&curl_multi_remove_handle) multi_remove_handle = nullptr;
  decltype(&curl_multi_perform) multi_perform = nullptr;
  decltype(&curl_multi_poll) multi_poll = nullptr;
  decltype(&curl_multi_info_read) multi_info_read = nullptr;
  decltype(&curl_multi_strerror) multi_strerror = nullptr;
  decltype(&curl_multi_cleanup) multi_cleanup = nullptr;
  decltype(&curl_slist_append) slist_append = nullptr;
  decltype(&curl_slist_free_all) slist_free_all = nullptr;
};

// The process-wide table. The first call dlopens libcurl.so.4, resolves every
// entry and runs curl_global_init; later calls return the same table (or the
// same error). Thread-safe. Errors: Unavailable "libcurl is not installed
// (libcurl4): ..." when the library cannot be opened, Unavailable naming the
// symbol when it is too old (curl_multi_poll needs 7.66), Internal if
// curl_global_init fails.
Result<const CurlApi*> Curl();

// One easy handle, cleaned up on destruction. Create() fails as Curl() does,
// or Internal if curl_easy_init returns null.
class CurlEasy {
 public:
  static Result<CurlEasy> Create();
  CurlEasy(CurlEasy&& o) noexcept : api_(o.api_), h_(o.h_) { o.h_ = nullptr; }
  CurlEasy& operator=(CurlEasy&& o) noexcept;
  CurlEasy(const CurlEasy&) = delete;
  CurlEasy& operator=(const CurlEasy&) = delete;
  ~CurlEasy();

  CURL* get() const { return h_; }
  const CurlApi& api() const { return *api_; }

  // curl_easy_setopt, restricted to the argument types libcurl reads through
  // its varargs (long, curl_off_t, pointers, function pointers), so an int
  // where libcurl expects a long fails to compile instead of misbehaving.
  template <class T>
  CURLcode Set(CURLoption opt, T value) {
    static_assert(std::is_same_v<T, long> || std::is_same_v<T, curl_off_t> ||
                      std::is_pointer_v<T> || std::is_null_pointer_v<T>,
                  "curl options take long, curl_off_t or a pointer");
    return api_->easy_setopt(h_, opt, value);
  }
  CURLcode Perform() { return api_->easy_perform(h_); }
  // The response status of the last transfer (0 if none).
  long ResponseCode() const;
  const char* StrError(CURLcode rc) const { return api_->easy_strerror(rc); }

 private:
  CurlEasy(const CurlApi* api, CURL* h) : api_(api), h_(h) {}
  const CurlApi* api_;
  CURL* h_;
};

}  // namespace berth::net
