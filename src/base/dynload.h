// DynamicLibrary: a shared library opened at run time with dlopen, for
// dependencies that only a few commands need (libcurl), so that every other
// command starts without loading them.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include "base/result.h"

namespace berth {

class DynamicLibrary {
 public:
  DynamicLibrary() = default;  // not loaded; Symbol() fails

  // Opens the first of sonames that loads (RTLD_NOW | RTLD_LOCAL). The
  // library stays loaded for the life of the process: never dlclosed, since
  // libraries such as libcurl/OpenSSL register handlers that outlive any
  // handle. Errors: Unavailable "<what> is not installed (<package>)",
  // followed by the loader's message.
  static Result<DynamicLibrary> Open(std::initializer_list<const char*> sonames,
                                     std::string_view what, std::string_view package);

  bool loaded() const { return handle_ != nullptr; }
  // The soname that was actually opened ("" if not loaded).
  const std::string& soname() const { return soname_; }

  // The address of symbol name. Unavailable if the library lacks it (an
  // older version), naming the soname and the symbol.
  Result<void*> Symbol(const char* name) const;

  // Resolves name into fn, typed as the function pointer it is assigned to:
  //   decltype(&curl_easy_init) init; TRY(lib.Bind(init, "curl_easy_init"));
  template <class F>
  Status Bind(F*& fn, const char* name) const {
    void* p = TRY(Symbol(name));
    fn = reinterpret_cast<F*>(p);
    return Ok();
  }

 private:
  void* handle_ = nullptr;
  std::string soname_;
};

}  // namespace berth
