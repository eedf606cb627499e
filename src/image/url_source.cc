// URL sources for import. The body goes to an anonymous temp file (O_TMPFILE)
// in the store's tmp dir, so nothing is left behind if berth is killed.
// libcurl is loaded on first use (net/curl_api.h).
#include "image/url_source.h"

#include <fcntl.h>
#include <unistd.h>

#include "base/file.h"
#include "base/io.h"
#include "net/curl_api.h"

namespace berth::image {

using net::CurlEasy;

namespace {

size_t WriteBody(char* data, size_t size, size_t n, void* user) {
  auto* w = static_cast<FdWriter*>(user);
  auto st = w->Write(std::span<const std::byte>(reinterpret_cast<std::byte*>(data), size * n));
  return st.ok() ? size * n : 0;
}

}  // namespace

bool IsUrl(std::string_view s) { return s.starts_with("http://") || s.starts_with("https://"); }

Result<UniqueFd> DownloadToTemp(const std::string& url, const std::string& dir) {
  TRY(MkdirAll(dir));
  int raw = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (raw < 0) return ErrnoError("create temp file in " + dir);
  UniqueFd fd(raw);
  FdWriter w(fd.get());
  auto curl = TRY_CTX(CurlEasy::Create(), "Get \"" + url + "\"");
  curl.Set(CURLOPT_URL, url.c_str());
  curl.Set(CURLOPT_FOLLOWLOCATION, 1L);
  curl.Set(CURLOPT_WRITEFUNCTION, &WriteBody);
  curl.Set(CURLOPT_WRITEDATA, static_cast<void*>(&w));
  curl.Set(CURLOPT_FAILONERROR, 1L);
  curl.Set(CURLOPT_USERAGENT, "berth");
  CURLcode rc = curl.Perform();
  long status = curl.ResponseCode();
  if (rc != CURLE_OK) {
    std::string why = curl.StrError(rc);
    if (status >= 400) why = "HTTP status " + std::to_string(status);
    return MakeError(Code::kUnavailable, "Get \"" + url + "\": " + why);
  }
  if (::lseek(fd.get(), 0, SEEK_SET) != 0) return ErrnoError("seek temp file");
  return fd;
}

}  // namespace berth::image
