// Run-time loading of optional shared libraries. berth links only what every
// command needs; heavy libraries used by a few commands (libcurl and its
// dozens of dependencies: TLS, LDAP, Kerberos, SSH, IDN ...) are opened here
// on first use, which keeps `berth version` or `berth images` starting in a
// few milliseconds. The same split git makes with git-remote-https.
#include "base/dynload.h"

#include <dlfcn.h>

namespace berth {

Result<DynamicLibrary> DynamicLibrary::Open(std::initializer_list<const char*> sonames,
                                            std::string_view what, std::string_view package) {
  std::string why;
  for (const char* name : sonames) {
    void* h = ::dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (h) {
      DynamicLibrary lib;
      lib.handle_ = h;
      lib.soname_ = name;
      return lib;
    }
    const char* err = ::dlerror();
    if (why.empty() && err) why = err;
  }
  std::string msg = std::string(what) + " is not installed (" + std::string(package) + ")";
  if (!why.empty()) msg += ": " + why;
  return MakeError(Code::kUnavailable, std::move(msg));
}

Result<void*> DynamicLibrary::Symbol(const char* name) const {
  if (!handle_) return MakeError(Code::kUnavailable, std::string("no library loaded for ") + name);
  ::dlerror();  // clear any stale error
  void* p = ::dlsym(handle_, name);
  if (!p) {
    const char* err = ::dlerror();
    return MakeError(Code::kUnavailable, soname_ + " has no symbol " + name +
                                             (err ? std::string(" (") + err + ")" : ""));
  }
  return p;
}

}  // namespace berth
