// HttpReader: an HTTP(S) GET whose body is pulled through berth::Reader.
// libcurl (dlopen'ed, net/curl_api.h) runs only inside Start() and Read(), so
// a body of any size streams straight to its consumer through a bounded
// buffer, with no temp file and no thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/io.h"
#include "base/result.h"
#include "net/http.h"

namespace berth::net {

// True for http:// and https:// URLs, the ones OpenHttp takes.
bool IsUrl(std::string_view s);

// Redirects followed at most (when HttpOptions::follow_redirects).
inline constexpr long kMaxRedirects = 10;

struct HttpOptions {
  // Where in the resource the body starts. Above 0 the request carries
  // "Range: bytes=<offset>-"; a 206 answer must carry a Content-Range that
  // starts at offset. A server that ignores Range answers 200 with the whole
  // resource: its first offset bytes are then received and dropped, so Read()
  // yields the same bytes either way (status() tells which happened).
  int64_t offset = 0;
  // Extra request headers, "Name: value" each.
  std::vector<std::string> headers{};
  // The most body bytes Read() may yield; -1 for no limit.
  int64_t max_body_size = -1;
  // Seconds to set up the connection (TCP and TLS), per connection.
  long connect_timeout_s = 30;
  // The transfer fails once fewer than low_speed_limit bytes/s arrive for
  // low_speed_time_s seconds while Read() waits (0 seconds: never).
  long low_speed_limit = 1;
  long low_speed_time_s = 60;
  // Follow up to kMaxRedirects redirects, to http and https URLs only. A
  // custom Authorization header goes only to the original host (libcurl's
  // rule since 7.58), so a registry's redirect to a presigned URL elsewhere
  // works without leaking credentials.
  bool follow_redirects = true;
  TlsOptions tls{};
};

// A GET in flight. Not movable: libcurl's callbacks point at it.
class HttpReader : public Reader {
 public:
  ~HttpReader() override;
  HttpReader(const HttpReader&) = delete;
  HttpReader& operator=(const HttpReader&) = delete;

  // Sends the request and waits for the final response's headers (after
  // redirects). Does nothing once it has succeeded; Read() calls it first.
  // Errors, all `Get "<url>": ...`: NotFound for status 404 and Unavailable
  // for other statuses outside 2xx ("HTTP status <n>"), for connection, TLS
  // and timeout failures (libcurl's message) and for a Content-Range that does
  // not start at the offset; InvalidArgument when the Content-Length is over
  // max_body_size ("body exceeds the limit of <n> bytes").
  Status Start();

  // Reads up to buf.size() body bytes; 0 at the end of the body. Errors as
  // Start(), plus Unavailable when the transfer breaks off or stalls (or a 200
  // body ends before the offset) and InvalidArgument when the body grows past
  // max_body_size, and Cancelled on Ctrl-C; the bytes before the failure are
  // read first. An error ends the reader: later calls return it again.
  Result<size_t> Read(std::span<std::byte> buf) override;

  // The final response, valid after Start() succeeded.
  long status() const { return status_; }
  // The number of bytes Read() will yield in all, when the server said.
  std::optional<int64_t> content_length() const { return content_length_; }
  // The first value of header name (any case) in the final response.
  std::optional<std::string_view> Header(std::string_view name) const;
  const std::string& url() const { return url_; }

 private:
  friend Result<std::unique_ptr<HttpReader>> OpenHttp(const std::string& url,
                                                      const HttpOptions& opts);
  struct Transfer;  // the libcurl handles
  HttpReader(std::string url, HttpOptions opts);
  Status Configure();

  static size_t OnHeader(char* data, size_t size, size_t n, void* self);
  static size_t OnBody(char* data, size_t size, size_t n, void* self);
  size_t TakeHeader(std::string_view line);
  size_t TakeBody(const char* data, size_t n);
  bool Interim() const;
  void EndOfHeaders();
  void Drive(bool (HttpReader::*ready)() const);
  void CollectDone();
  bool HeadersDone() const { return headers_done_; }
  bool GotBody() const { return filled_ > 0; }
  size_t TakePending(std::span<std::byte> buf);
  Error Fail(Code code, std::string_view why) const;  // `Get "<url>": <why>`
  Error TooLarge() const;

  std::string url_;
  HttpOptions opts_;
  std::unique_ptr<Transfer> t_;
  bool headers_done_ = false;  // the final response's headers are in
  bool headers_ok_ = false;    // ... and passed EndOfHeaders' checks
  bool done_ = false;    // libcurl finished the transfer
  bool paused_ = false;  // TakeBody returned CURL_WRITEFUNC_PAUSE
  std::optional<Error> error_;
  long status_ = 0;
  std::vector<std::pair<std::string, std::string>> headers_;  // lower-case names
  std::optional<int64_t> content_length_;
  uint64_t skip_ = 0;      // bytes of a 200 answer still to drop (the offset)
  int64_t delivered_ = 0;  // body bytes accepted for Read()
  std::span<std::byte> dest_;  // the buffer of the Read() in progress
  size_t filled_ = 0;
  std::string pending_;  // received, not yet read: ~256 KiB at most
  size_t pending_pos_ = 0;
};

// Prepares a GET of url; nothing is sent before Start() or the first Read().
// InvalidArgument unless url is http(s) and offset >= 0; Unavailable when
// libcurl cannot be loaded.
Result<std::unique_ptr<HttpReader>> OpenHttp(const std::string& url, const HttpOptions& opts = {});

}  // namespace berth::net
