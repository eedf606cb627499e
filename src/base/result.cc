// Error helpers: code names for logs and the errno mapping used by every
// module that talks to the kernel.
#include "base/result.h"

#include <cerrno>
#include <cstring>

namespace berth {

std::string_view CodeName(Code code) {
  switch (code) {
    case Code::kOk: return "Ok";
    case Code::kNotFound: return "NotFound";
    case Code::kAlreadyExists: return "AlreadyExists";
    case Code::kInvalidArgument: return "InvalidArgument";
    case Code::kConflict: return "Conflict";
    case Code::kUnauthenticated: return "Unauthenticated";
    case Code::kPermissionDenied: return "PermissionDenied";
    case Code::kUnavailable: return "Unavailable";
    case Code::kDataLoss: return "DataLoss";
    case Code::kInternal: return "Internal";
    case Code::kCancelled: return "Cancelled";
    case Code::kUnimplemented: return "Unimplemented";
  }
  return "Unknown";
}

Error Error::Wrap(std::string_view context) const {
  std::string m(context);
  if (!message.empty()) {
    m += ": ";
    m += message;
  }
  return Error{code, std::move(m)};
}

Error ErrnoError(std::string_view what, int err) {
  Code code = Code::kInternal;
  switch (err) {
    case ENOENT: code = Code::kNotFound; break;
    case EEXIST: code = Code::kAlreadyExists; break;
    case EACCES:
    case EPERM: code = Code::kPermissionDenied; break;
    case EINVAL: code = Code::kInvalidArgument; break;
    default: break;
  }
  std::string m(what);
  m += ": ";
  m += std::strerror(err);
  return Error{code, std::move(m)};
}

Error ErrnoError(std::string_view what) { return ErrnoError(what, errno); }

}  // namespace berth
