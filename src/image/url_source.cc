// URL sources for import. The body goes to an anonymous temp file (O_TMPFILE)
// in the store's tmp dir, so nothing is left behind if berth is killed.
#include "image/url_source.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include "base/file.h"
#include "base/io.h"

namespace berth::image {

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
  CURL* curl = curl_easy_init();
  if (!curl) return MakeError(Code::kInternal, "curl_easy_init failed");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &w);
  curl_easy_setopt(curl, CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "berth");
  CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) {
    std::string why = curl_easy_strerror(rc);
    if (status >= 400) why = "HTTP status " + std::to_string(status);
    return MakeError(Code::kUnavailable, "Get \"" + url + "\": " + why);
  }
  if (::lseek(fd.get(), 0, SEEK_SET) != 0) return ErrnoError("seek temp file");
  return fd;
}

}  // namespace berth::image
