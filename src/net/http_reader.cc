// HTTP bodies as a Reader. An import URL or a registry blob can be gigabytes,
// and its consumer (decompress, hash, unpack) takes a stream: a temp file
// would cost a second pass over the disk and room for the whole body. So
// libcurl's multi interface is driven from Read() itself: the write callback
// copies straight into the caller's buffer, keeps what does not fit in
// pending_ and, once that holds kMaxPending, pauses the transfer
// (CURL_WRITEFUNC_PAUSE) until the next Read. Memory stays bounded however
// large the body, and TCP flow control holds the server back meanwhile.
#include "net/http_reader.h"

#include <algorithm>
#include <cstring>

#include "base/interrupt.h"
#include "base/strings.h"
#include "net/curl_api.h"

namespace berth::net {

namespace {

// Body bytes kept between Reads; past this the transfer pauses. libcurl
// hands the write callback at most CURL_MAX_WRITE_SIZE (16 KiB) at a time.
constexpr size_t kMaxPending = 256 << 10;

// "bytes 100-199/200" -> 100.
std::optional<int64_t> RangeStart(std::string_view v) {
  if (!v.starts_with("bytes ")) return std::nullopt;
  v.remove_prefix(6);
  return ParseInt(Trim(v.substr(0, v.find('-'))));
}

bool IsRedirect(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

}  // namespace

bool IsUrl(std::string_view s) { return s.starts_with("http://") || s.starts_with("https://"); }

struct HttpReader::Transfer {
  explicit Transfer(CurlEasy e) : easy(std::move(e)) {}
  ~Transfer() {
    const CurlApi& api = easy.api();
    if (added) api.multi_remove_handle(multi, easy.get());
    if (multi) api.multi_cleanup(multi);
    if (headers) api.slist_free_all(headers);  // no longer used once removed
  }
  CurlEasy easy;
  char errbuf[CURL_ERROR_SIZE] = {0};  // libcurl's detail for the last failure
  CURLM* multi = nullptr;
  curl_slist* headers = nullptr;
  bool added = false;
};

HttpReader::HttpReader(std::string url, HttpOptions opts)
    : url_(std::move(url)), opts_(std::move(opts)) {}

HttpReader::~HttpReader() = default;

Result<std::unique_ptr<HttpReader>> OpenHttp(const std::string& url, const HttpOptions& opts) {
  if (!IsUrl(url)) {
    return MakeError(Code::kInvalidArgument,
                     "unsupported URL " + Quote(url) + ": want http:// or https://");
  }
  if (opts.offset < 0) {
    return MakeError(Code::kInvalidArgument, "negative offset " + std::to_string(opts.offset));
  }
  std::unique_ptr<HttpReader> r(new HttpReader(url, opts));
  TRY(r->Configure());
  return r;
}

// Creates the handles and sets every option; sends nothing.
Status HttpReader::Configure() {
  t_ = std::make_unique<Transfer>(TRY_CTX(CurlEasy::Create(), "Get " + Quote(url_)));
  const CurlApi& api = t_->easy.api();
  CurlEasy& e = t_->easy;
  TRY(AppendHeaders(e, &t_->headers, opts_.headers));
  TRY(SetConnection(e, {.url = url_, .errbuf = t_->errbuf, .headers = t_->headers,
                        .connect_timeout_s = opts_.connect_timeout_s,
                        .low_speed_limit = opts_.low_speed_limit,
                        .low_speed_time_s = opts_.low_speed_time_s,
                        .follow_redirects = opts_.follow_redirects, .tls = opts_.tls}));
  CURLcode rc = CURLE_OK;
  auto set = [&](CURLoption opt, auto value) {
    if (rc == CURLE_OK) rc = e.Set(opt, value);
  };
  set(CURLOPT_HEADERFUNCTION, &HttpReader::OnHeader);
  set(CURLOPT_HEADERDATA, static_cast<void*>(this));
  set(CURLOPT_WRITEFUNCTION, &HttpReader::OnBody);
  set(CURLOPT_WRITEDATA, static_cast<void*>(this));
  std::string range = std::to_string(opts_.offset) + "-";
  if (opts_.offset > 0) set(CURLOPT_RANGE, range.c_str());  // "Range: bytes=N-"
  if (rc != CURLE_OK) {
    return MakeError(Code::kInternal, std::string("curl_easy_setopt: ") + e.StrError(rc));
  }

  t_->multi = api.multi_init();
  if (!t_->multi) return MakeError(Code::kInternal, "curl_multi_init failed");
  if (CURLMcode mc = api.multi_add_handle(t_->multi, e.get()); mc != CURLM_OK) {
    return MakeError(Code::kInternal,
                     std::string("curl_multi_add_handle: ") + api.multi_strerror(mc));
  }
  t_->added = true;
  return Ok();
}

Status HttpReader::Start() {
  if (!headers_done_ && !error_) Drive(&HttpReader::HeadersDone);
  if (headers_ok_) return Ok();  // a body error found meanwhile waits for Read()
  return error_ ? *error_ : Fail(Code::kInternal, "no response");
}

Result<size_t> HttpReader::Read(std::span<std::byte> buf) {
  TRY(Start());
  if (buf.empty()) return 0;
  if (pending_pos_ < pending_.size()) return TakePending(buf);
  if (!done_ && !error_) {
    dest_ = buf;
    filled_ = 0;
    Drive(&HttpReader::GotBody);
    dest_ = {};
    if (filled_ > 0) return std::exchange(filled_, 0);  // an error, if any, comes next time
  }
  if (error_) return *error_;
  if (done_ && skip_ > 0) {
    error_ = Fail(Code::kUnavailable, "body ended before offset " + std::to_string(opts_.offset));
    return *error_;
  }
  return 0;
}

std::optional<std::string_view> HttpReader::Header(std::string_view name) const {
  std::string key = ToLower(name);
  for (const auto& [k, v] : headers_) {
    if (k == key) return std::string_view(v);
  }
  return std::nullopt;
}

// Runs libcurl until (this->*ready)() holds or the transfer ends or fails
// (error_ then says why).
void HttpReader::Drive(bool (HttpReader::*ready)() const) {
  const CurlApi& api = t_->easy.api();
  while (!(this->*ready)() && !done_ && !error_) {
    if (Interrupted()) {
      error_ = MakeError(Code::kCancelled, "interrupted");
      break;
    }
    if (paused_) {  // the callback takes the held-back chunk before this returns
      paused_ = false;
      CURLcode rc = api.easy_pause(t_->easy.get(), CURLPAUSE_CONT);
      if (rc != CURLE_OK && !error_) error_ = Fail(Code::kUnavailable, t_->easy.StrError(rc));
      continue;
    }
    int running = 0;
    CURLMcode mc = api.multi_perform(t_->multi, &running);
    if (mc == CURLM_OK) {
      CollectDone();
      if ((this->*ready)() || done_ || error_) break;
      mc = api.multi_poll(t_->multi, nullptr, 0, 1000, nullptr);
    }
    if (mc != CURLM_OK && !error_) error_ = Fail(Code::kInternal, api.multi_strerror(mc));
  }
}

// Notes the end of the transfer; a libcurl failure becomes error_ unless a
// callback already set it (it aborted the transfer for that reason).
void HttpReader::CollectDone() {
  const CurlApi& api = t_->easy.api();
  int left = 0;
  while (CURLMsg* m = api.multi_info_read(t_->multi, &left)) {
    if (m->msg != CURLMSG_DONE) continue;
    done_ = true;
    if (error_) continue;
    if (m->data.result != CURLE_OK) {
      error_ = Fail(Code::kUnavailable, t_->errbuf[0] ? t_->errbuf : t_->easy.StrError(m->data.result));
    } else if (!headers_done_) {
      EndOfHeaders();
    }
  }
}

size_t HttpReader::OnHeader(char* data, size_t size, size_t n, void* self) {
  return static_cast<HttpReader*>(self)->TakeHeader(std::string_view(data, size * n));
}

size_t HttpReader::OnBody(char* data, size_t size, size_t n, void* self) {
  return static_cast<HttpReader*>(self)->TakeBody(data, size * n);
}

// One header line of some response. A status line starts a response (a
// redirect's or a 1xx's come before the final one); the empty line ends it.
size_t HttpReader::TakeHeader(std::string_view line) {
  if (headers_done_) return line.size();  // trailers
  if (long code = StatusLineCode(line)) {
    status_ = code;
    headers_.clear();
    return line.size();
  }
  std::string_view trimmed = Trim(line);
  if (trimmed.empty()) {
    if (!Interim()) EndOfHeaders();
    return error_ ? 0 : line.size();  // 0 aborts the transfer
  }
  if (auto kv = Cut(trimmed, ':')) {
    headers_.emplace_back(ToLower(Trim(kv->first)), std::string(Trim(kv->second)));
  }
  return line.size();
}

// True when the response just received is not the final one.
bool HttpReader::Interim() const {
  if (status_ < 200) return true;
  return opts_.follow_redirects && IsRedirect(status_) && Header("location").has_value();
}

// The final response's headers are in: check the status, the Content-Range
// of a 206, and the size.
void HttpReader::EndOfHeaders() {
  headers_done_ = true;
  if (status_ < 200 || status_ >= 300) {
    error_ = Fail(status_ == 404 ? Code::kNotFound : Code::kUnavailable,
                  "HTTP status " + std::to_string(status_));
    return;
  }
  if (auto v = Header("content-length")) {
    if (auto n = ParseInt(*v); n && *n >= 0) content_length_ = *n;
  }
  if (status_ == 206) {
    std::string_view range = Header("content-range").value_or("");
    if (RangeStart(range) != opts_.offset) {
      error_ = Fail(Code::kUnavailable,
                    "Content-Range " + Quote(range) + " does not start at offset " +
                        std::to_string(opts_.offset));
      return;
    }
  } else if (opts_.offset > 0) {  // Range ignored: the whole resource follows
    skip_ = static_cast<uint64_t>(opts_.offset);
    if (content_length_) content_length_ = std::max<int64_t>(0, *content_length_ - opts_.offset);
  }
  if (opts_.max_body_size >= 0 && content_length_ > opts_.max_body_size) {
    error_ = TooLarge();
    return;
  }
  headers_ok_ = true;
}

// Body bytes from libcurl: dropped while skipping to the offset, then copied
// to the Read() buffer, the rest kept in pending_, or refused for now.
size_t HttpReader::TakeBody(const char* data, size_t n) {
  if (!headers_done_ && !error_) EndOfHeaders();
  if (error_) return 0;
  size_t drop = static_cast<size_t>(std::min<uint64_t>(skip_, n));
  size_t keep = n - drop;
  size_t direct = std::min(keep, dest_.size() - filled_);
  size_t excess = keep - direct;
  if (excess > 0 && !pending_.empty() && pending_.size() + excess > kMaxPending) {
    paused_ = true;  // libcurl holds this chunk and offers it again on resume
    return CURL_WRITEFUNC_PAUSE;
  }
  if (opts_.max_body_size >= 0 && delivered_ + static_cast<int64_t>(keep) > opts_.max_body_size) {
    error_ = TooLarge();
    return 0;
  }
  skip_ -= drop;
  delivered_ += static_cast<int64_t>(keep);
  if (direct > 0) std::memcpy(dest_.data() + filled_, data + drop, direct);
  filled_ += direct;
  pending_.append(data + drop + direct, excess);
  return n;
}

size_t HttpReader::TakePending(std::span<std::byte> buf) {
  size_t n = std::min(buf.size(), pending_.size() - pending_pos_);
  std::memcpy(buf.data(), pending_.data() + pending_pos_, n);
  pending_pos_ += n;
  if (pending_pos_ == pending_.size()) {
    pending_.clear();
    pending_pos_ = 0;
  }
  return n;
}

Error HttpReader::TooLarge() const {
  return Fail(Code::kInvalidArgument,
              "body exceeds the limit of " + std::to_string(opts_.max_body_size) + " bytes");
}

Error HttpReader::Fail(Code code, std::string_view why) const {
  return MakeError(code, "Get " + Quote(url_) + ": " + std::string(why));
}

}  // namespace berth::net
