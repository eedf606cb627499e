// ADD of a URL: the body is fetched (TLS verified unless the host is
// loopback, as for registries), stored as a 0600 file as docker stores it,
// with the Last-Modified time when the server sends one. Its digest is
// part of the step's cache key, so a changed resource rebuilds the step.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>

#include "base/file.h"
#include "build/builder_internal.h"
#include "digest/digest.h"
#include "net/http.h"
#include "registry/endpoint.h"

namespace berth::build::internal {
namespace {

std::string HostOf(const std::string& url) {
  size_t start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  size_t end = url.find_first_of("/?#", start);
  return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// "Wed, 21 Oct 2015 07:28:00 GMT" -> seconds; nullopt when it is not that.
std::optional<time_t> HttpDate(std::string_view v) {
  std::tm tm{};
  std::string s(v);
  const char* end = ::strptime(s.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr) return std::nullopt;
  return ::timegm(&tm);
}

}  // namespace

Result<std::string> UrlFileName(const std::string& url) {
  std::string host = HostOf(url);
  size_t at = url.find(host) + host.size();
  std::string path = url.substr(at);
  path = path.substr(0, path.find_first_of("?#"));
  std::string name = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
  if (name.empty() || name == "." || name == "..") {
    return Fail("cannot determine filename from url: " + url);
  }
  return name;
}

Status MoveFileInto(const std::string& path, int dir, const std::string& name) {
  struct stat st;
  if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) TRY(RemoveTreeAt(dir, name));
  if (::renameat(AT_FDCWD, path.c_str(), dir, name.c_str()) != 0) return ErrnoError("rename " + name);
  return Ok();
}

Result<Digest> Builder::Download(const std::string& url, const std::string& path) {
  net::Request req;
  req.url = url;
  req.follow_redirects = true;
  req.max_response = int64_t{1} << 30;
  req.tls.verify = !registry::IsLoopbackHost(HostOf(url));
  net::Response res = TRY(net::Exchange(req));
  if (!res.ok()) {
    return Fail("ADD failed: GET " + url + ": unexpected status " + std::to_string(res.status));
  }
  TRY(WriteFileAtomic(path, res.body, 0600));
  if (auto lm = res.Header("last-modified")) {
    if (auto t = HttpDate(*lm)) {
      struct timespec ts[2] = {{*t, 0}, {*t, 0}};
      ::utimensat(AT_FDCWD, path.c_str(), ts, 0);
    }
  }
  Sha256 h;
  h.Update(res.body);
  return h.Finish();
}

}  // namespace berth::build::internal
