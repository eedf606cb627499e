// Reading the build context. Every lookup goes through the context's RootFs
// (openat2 RESOLVE_IN_ROOT), and every walk below a source uses O_NOFOLLOW,
// so neither "../" in a source nor a symlink in the context can make a
// build read a file outside it.
#include "build/context.h"

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <functional>

#include "base/fd.h"
#include "base/file.h"
#include "base/strings.h"
#include "container/copy.h"
#include "digest/digest.h"

namespace berth::build {
namespace {

Error NotInContext(const std::string& source) {
  return MakeError(Code::kNotFound,
                   "COPY failed: file not found in build context or excluded by .dockerignore: stat " +
                       source + ": file does not exist");
}

// The names in directory fd, sorted.
std::vector<std::string> Names(int fd) {
  std::vector<std::string> out;
  UniqueFd dup(::dup(fd));
  DIR* d = dup.valid() ? ::fdopendir(dup.release()) : nullptr;
  if (d == nullptr) return out;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") out.push_back(n);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

bool HasWildcard(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }

std::string JoinRel(const std::string& a, const std::string& b) { return a.empty() ? b : a + "/" + b; }

}  // namespace

Result<Context> Context::Open(const std::string& dir) {
  RootFs root = TRY(RootFs::Open(dir));
  std::string text;
  auto fd = root.OpenAt(std::vector<std::string>{".dockerignore"}, O_RDONLY);
  if (fd.ok()) {
    char buf[65536];
    ssize_t n;
    while ((n = ::read(fd->get(), buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  }
  IgnoreMatcher ignore = TRY(IgnoreMatcher::Parse(text));
  return Context(dir, std::move(root), std::move(ignore), false);
}

Result<Context> Context::OpenRoot(const std::string& dir) {
  RootFs root = TRY(RootFs::Open(dir));
  return Context(dir, std::move(root), TRY(IgnoreMatcher::Parse("")), true);
}

Result<std::vector<std::string>> Context::Sources(const std::string& source) const {
  std::string clean = CleanSlashPath(source);
  while (clean.starts_with("/")) clean = clean.substr(1);
  while (clean.starts_with("../")) clean = clean.substr(3);  // cannot climb out
  if (clean == ".." || clean.empty()) clean = ".";
  std::vector<std::string> out;
  if (!HasWildcard(clean)) {
    if (clean != "." && ignore_.Excluded(clean)) return NotInContext(source);
    auto fd = root_.OpenAt(CleanRootPath(clean), O_PATH);
    if (!fd.ok()) return NotInContext(source);
    out.push_back(clean == "." ? "" : clean);
    return out;
  }
  std::vector<std::string> parts = Split(clean, '/');
  std::function<void(const std::string&, size_t)> walk = [&](const std::string& rel, size_t i) {
    if (i == parts.size()) {
      if (!ignore_.Excluded(rel)) out.push_back(rel);
      return;
    }
    auto dir = root_.OpenDir(CleanRootPath(rel), false);
    if (!dir.ok()) return;
    for (const std::string& name : Names(dir->get())) {
      if (::fnmatch(parts[i].c_str(), name.c_str(), FNM_PATHNAME) == 0) walk(JoinRel(rel, name), i + 1);
    }
  };
  walk("", 0);
  if (out.empty()) return NotInContext(source);
  return out;
}

Result<UniqueFd> Context::OpenFile(const std::string& path) const {
  return root_.OpenAt(CleanRootPath(path), O_RDONLY);
}

Result<bool> Context::IsDir(const std::string& path) const {
  if (path.empty()) return true;
  return root_.OpenDir(CleanRootPath(path), false).ok();
}

Status Context::CopyTo(const std::string& path, int dst_dir, const std::string& dst_name) const {
  RootPath p = CleanRootPath(path);
  if (TRY(IsDir(path))) {
    UniqueFd src = TRY(root_.OpenDir(p, false));
    if (::mkdirat(dst_dir, dst_name.c_str(), 0755) != 0 && errno != EEXIST) {
      return ErrnoError("mkdir " + dst_name);
    }
    UniqueFd dst(::openat(dst_dir, dst_name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dst.valid()) return ErrnoError("open " + dst_name);
    for (const std::string& name : Names(src.get())) {
      std::string rel = JoinRel(path, name);
      if (ignore_.Excluded(rel) && !ignore_.HasExceptions()) continue;
      struct stat st;
      if (::fstatat(src.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      if (S_ISDIR(st.st_mode)) {
        TRY(CopyTo(rel, dst.get(), name));
        // An excluded directory entered for an exception stays only if the
        // exception brought something in (rmdir fails on a non-empty one).
        if (ignore_.Excluded(rel)) ::unlinkat(dst.get(), name.c_str(), AT_REMOVEDIR);
      } else if (!ignore_.Excluded(rel)) {
        TRY(container::CopyTreeAt(src.get(), name, dst.get(), name, keep_owner_));
      }
    }
    return Ok();
  }
  // A named file is followed (inside the root) as docker's scoped lookup
  // does; what is below a copied directory is copied as it is.
  UniqueFd src = TRY(root_.OpenAt(p, O_RDONLY));
  struct stat st;
  if (::fstat(src.get(), &st) != 0) return ErrnoError("stat " + path);
  if (!S_ISREG(st.st_mode)) {
    std::string name = p.back();
    p.pop_back();
    UniqueFd parent = TRY(root_.OpenDir(p, false));
    return container::CopyTreeAt(parent.get(), name, dst_dir, dst_name, keep_owner_);
  }
  return container::CopyOpenFile(src.get(), dst_dir, dst_name, keep_owner_);
}

Result<Digest> Context::Hash(const std::vector<std::string>& paths) const {
  Sha256 h;
  std::function<Status(const std::string&)> add = [&](const std::string& rel) -> Status {
    if (!rel.empty() && ignore_.Excluded(rel)) return Ok();
    auto fd = root_.OpenAt(CleanRootPath(rel), O_RDONLY | O_NOFOLLOW);
    struct stat st;
    if (!fd.ok()) {
      auto link = TRY(root_.OpenAt(CleanRootPath(rel), O_PATH | O_NOFOLLOW));
      if (::fstat(link.get(), &st) != 0) return ErrnoError("stat " + rel);
      h.Update(rel + "\n" + std::to_string(st.st_mode) + "\n");
      return Ok();
    }
    if (::fstat(fd->get(), &st) != 0) return ErrnoError("stat " + rel);
    h.Update(rel + "\n" + std::to_string(st.st_mode) + "\n");
    if (keep_owner_) h.Update(std::to_string(st.st_uid) + ":" + std::to_string(st.st_gid) + "\n");
    if (S_ISDIR(st.st_mode)) {
      for (const std::string& name : Names(fd->get())) TRY(add(JoinRel(rel, name)));
    } else if (S_ISREG(st.st_mode)) {
      char buf[65536];
      ssize_t n;
      while ((n = ::read(fd->get(), buf, sizeof buf)) > 0) h.Update(std::string_view(buf, static_cast<size_t>(n)));
    }
    return Ok();
  };
  for (const std::string& p : paths) TRY(add(p));
  return h.Finish();
}

Result<int64_t> Context::Size() const {
  int64_t total = 0;
  std::function<void(const std::string&)> walk = [&](const std::string& rel) {
    auto dir = root_.OpenDir(CleanRootPath(rel), false);
    if (!dir.ok()) return;
    for (const std::string& name : Names(dir->get())) {
      std::string r = JoinRel(rel, name);
      struct stat st;
      if (::fstatat(dir->get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      if (S_ISDIR(st.st_mode)) {
        if (!ignore_.Excluded(r) || ignore_.HasExceptions()) walk(r);
      } else if (!ignore_.Excluded(r)) {
        total += st.st_size;
      }
    }
  };
  walk("");
  return total;
}

}  // namespace berth::build
