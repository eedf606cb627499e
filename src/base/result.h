// Result<T> and Error: how every fallible berth function reports failure.
// Code branches on Error::code, never on message text.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace berth {

enum class Code {
  kOk = 0,
  kNotFound,
  kAlreadyExists,
  kInvalidArgument,
  kConflict,
  kUnauthenticated,
  kPermissionDenied,
  kUnavailable,
  kDataLoss,
  kInternal,
  kCancelled,
  kUnimplemented,
};

// Name of a code for logs and tests, e.g. "NotFound".
std::string_view CodeName(Code code);

struct Error {
  Code code = Code::kInternal;
  std::string message;

  // Returns a copy whose message is "context: message"; the code is kept.
  Error Wrap(std::string_view context) const;
};

// Builds an Error from errno: ENOENT -> NotFound, EEXIST -> AlreadyExists,
// EACCES/EPERM -> PermissionDenied, everything else -> Internal.
// The message is "what: strerror(err)".
Error ErrnoError(std::string_view what, int err);
Error ErrnoError(std::string_view what);  // uses the current errno

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT
  template <class U>
    requires(std::is_constructible_v<T, U &&> && !std::is_same_v<std::decay_t<U>, Error> &&
             !std::is_same_v<std::decay_t<U>, T> && !std::is_same_v<std::decay_t<U>, Result>)
  Result(U&& value) : v_(T(std::forward<U>(value))) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  // The value, or fallback when this holds an error.
  template <typename U>
  T value_or(U&& fallback) const& {
    return ok() ? value() : static_cast<T>(std::forward<U>(fallback));
  }

  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  void value() const {}
  const Error& error() const& { return error_; }
  Error&& error() && { return std::move(error_); }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;
inline Status Ok() { return {}; }

inline Error MakeError(Code code, std::string message) { return Error{code, std::move(message)}; }

}  // namespace berth

// TRY(expr): evaluates a Result; on error returns the error from the
// enclosing function, otherwise yields the value (GNU statement expression).
#define TRY(expr)                                      \
  ({                                                   \
    auto&& berth_try_r_ = (expr);                      \
    if (!berth_try_r_.ok()) return std::move(berth_try_r_).error(); \
    std::move(berth_try_r_).value();                   \
  })

// TRY_CTX(expr, context): as TRY, but prefixes the error message with context.
#define TRY_CTX(expr, context)                         \
  ({                                                   \
    auto&& berth_try_r_ = (expr);                      \
    if (!berth_try_r_.ok()) return berth_try_r_.error().Wrap(context); \
    std::move(berth_try_r_).value();                   \
  })
