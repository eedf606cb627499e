// Registry error responses ({"errors":[{"code":"MANIFEST_UNKNOWN","message":
// "manifest unknown",...}]}) turned into berth Errors worded as Docker words
// them: "manifest unknown: manifest unknown" (the code in lower case with
// spaces, then the message).
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "net/http.h"

namespace berth::registry {

// The error a non-2xx response stands for. Code: 401 Unauthenticated, 403
// PermissionDenied, 404 NotFound, 408/429/5xx Unavailable, others
// InvalidArgument. Message: context (when not empty) + ": " + the registry's
// errors, or a phrase for the status when the body has none.
Error ErrorFromResponse(const net::Response& resp, std::string_view context);

// The registry's own error text of resp ("manifest unknown: manifest
// unknown"), or a phrase for the status.
std::string RegistryErrorText(const net::Response& resp);

// True for statuses worth retrying: 408, 429, 500, 502, 503, 504.
bool IsTransientStatus(long status);

}  // namespace berth::registry
