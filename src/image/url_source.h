// Fetching an import source given as a URL (`import https://.../rootfs.tar.gz`).
#pragma once

#include <string>
#include <string_view>

#include "base/fd.h"
#include "base/result.h"

namespace berth::image {

// True for http:// and https:// sources.
bool IsUrl(std::string_view s);

// Downloads url into an unlinked temp file under dir and returns it opened
// for reading at offset 0. TLS is verified (libcurl defaults). Errors:
// Unavailable for network failures and HTTP status >= 400, naming the URL.
Result<UniqueFd> DownloadToTemp(const std::string& url, const std::string& dir);

}  // namespace berth::image
