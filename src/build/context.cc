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
#include <climits>
#include <functional>

#include "base/fd.h"
#include "base/file.h"
#include "base/strings.h"
#include "build/fs_ops.h"
#include "container/copy.h"
#include "digest/digest.h"

namespace berth::build {
namespace {

Error NotInContext(const std::string& source) {
  return MakeError(Code::kNotFound,
                   "COPY failed: file not found in build context or excluded by .dockerignore: stat " +
                       source + ": file does not exist");
}


// Better than docker's one message for both cases: the path is there, a
// pattern keeps it out.
Error Excluded(const std::string& source, const std::string& pattern) {
  return MakeError(Code::kNotFound, "COPY failed: " + source + " is excluded by .dockerignore (pattern \"" +
                                        pattern + "\")");
}

bool HasWildcard(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }

std::string JoinRel(const std::string& a, const std::string& b) { return a.empty() ? b : a + "/" + b; }

}  // namespace

Result<Context> Context::Open(const std::string& dir, const std::string& stat_cache) {
  RootFs root = TRY(RootFs::Open(dir));
  std::string text;
  auto fd = root.OpenAt(std::vector<std::string>{".dockerignore"}, O_RDONLY);
  if (fd.ok()) {
    char buf[65536];
    ssize_t n;
    while ((n = ::read(fd->get(), buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  }
  IgnoreMatcher ignore = TRY(IgnoreMatcher::Parse(text));
  return Context(dir, std::move(root), std::move(ignore), false,
                 stat_cache.empty() ? StatCache() : StatCache::Load(stat_cache));
}

Result<Context> Context::OpenRoot(const std::string& dir) {
  RootFs root = TRY(RootFs::Open(dir));
  return Context(dir, std::move(root), TRY(IgnoreMatcher::Parse("")), true, StatCache());
}

std::string StatCachePath(const std::string& store_root, const std::string& dir) {
  // A context unpacked from stdin or a URL lives in the store's ingest area
  // for one build: a cache of it would never be read.
  if (dir.starts_with(store_root + "/")) return "";
  std::string cache_dir = JoinPath(store_root, "build-cache");
  if (::mkdir(cache_dir.c_str(), 0700) != 0 && errno != EEXIST) return "";
  return JoinPath(cache_dir, Digest::Of(dir).hex());
}

Result<std::vector<std::string>> Context::Sources(const std::string& source) const {
  std::string clean = CleanSlashPath(source);
  while (clean.starts_with("/")) clean = clean.substr(1);
  while (clean.starts_with("../")) clean = clean.substr(3);  // cannot climb out
  if (clean == ".." || clean.empty()) clean = ".";
  std::vector<std::string> out;
  if (!HasWildcard(clean)) {
    auto fd = root_.OpenAt(CleanRootPath(clean), O_PATH);
    if (!fd.ok()) return NotInContext(source);
    if (auto by = clean != "." ? ignore_.ExcludedBy(clean) : std::nullopt) return Excluded(source, *by);
    out.push_back(clean == "." ? "" : clean);
    return out;
  }
  std::vector<std::string> parts = Split(clean, '/');
  std::optional<std::string> excluded_by;
  std::function<void(const std::string&, size_t)> walk = [&](const std::string& rel, size_t i) {
    if (i == parts.size()) {
      auto by = ignore_.ExcludedBy(rel);
      if (!by) out.push_back(rel);
      if (by && !excluded_by) excluded_by = by;
      return;
    }
    auto dir = root_.OpenDir(CleanRootPath(rel), false);
    if (!dir.ok()) return;
    for (const std::string& name : SortedNames(dir->get())) {
      if (::fnmatch(parts[i].c_str(), name.c_str(), FNM_PATHNAME) == 0) walk(JoinRel(rel, name), i + 1);
    }
  };
  walk("", 0);
  if (out.empty() && excluded_by) return Excluded(source, *excluded_by);
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
    for (const std::string& name : SortedNames(src.get())) {
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

// One Hash pass: entries go into the digest as "name\0mode\0what\0",
// what being a file's content digest or a symlink's target.
class Context::Hasher {
 public:
  explicit Hasher(const Context& c) : c_(c) {}

  // A source as CopyTo takes it: a directory's tree, else the file it
  // names followed inside the root, else the entry itself.
  Status Source(const std::string& rel) {
    if (!rel.empty() && c_.ignore_.Excluded(rel)) return Ok();
    RootPath p = CleanRootPath(rel);
    if (auto dir = c_.root_.OpenDir(p, false); dir.ok()) return Dir(dir->get(), rel, true);
    auto fd = c_.root_.OpenAt(p, O_RDONLY | O_NONBLOCK);  // a fifo must not block
    struct stat st;
    if (fd.ok() && ::fstat(fd->get(), &st) == 0 && S_ISREG(st.st_mode)) {
      return Add(rel, st, TRY(c_.FileDigest(fd->get(), rel, st)).hex());
    }
    std::string name = p.back();
    p.pop_back();
    UniqueFd parent = TRY(c_.root_.OpenDir(p, false));
    return Entry(parent.get(), name, rel);
  }

  Digest Finish() { return h_.Finish(); }

 private:
  Status Add(const std::string& rel, const struct stat& st, const std::string& what) {
    h_.Update(rel);
    h_.Update(std::string_view("\0", 1));
    h_.Update(std::to_string(st.st_mode));
    h_.Update(std::string_view("\0", 1));
    // From an image root (COPY --from) the owners are copied too.
    if (c_.keep_owner_) h_.Update(std::to_string(st.st_uid) + ":" + std::to_string(st.st_gid) + "\n");
    h_.Update(what);
    h_.Update(std::string_view("\0", 1));
    return Ok();
  }

  // Directory fd's tree (the directory itself counts unless excluded).
  Status Dir(int fd, const std::string& rel, bool top) {
    struct stat st;
    if (::fstat(fd, &st) != 0) return ErrnoError("stat " + rel);
    if (top || !c_.ignore_.Excluded(rel)) TRY(Add(rel, st, ""));
    for (const std::string& name : SortedNames(fd)) {
      std::string r = JoinRel(rel, name);
      if (c_.ignore_.Excluded(r) && !c_.ignore_.HasExceptions()) continue;
      TRY(Entry(fd, name, r));
    }
    return Ok();
  }

  // The entry name in directory dir, not followed.
  Status Entry(int dir, const std::string& name, const std::string& rel) {
    struct stat st;
    if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return Ok();  // gone meanwhile
    if (S_ISDIR(st.st_mode)) {
      UniqueFd sub(::openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!sub.valid()) return ErrnoError("open " + rel);
      return Dir(sub.get(), rel, false);
    }
    if (c_.ignore_.Excluded(rel)) return Ok();
    if (S_ISLNK(st.st_mode)) {
      char target[PATH_MAX + 1];
      ssize_t n = ::readlinkat(dir, name.c_str(), target, PATH_MAX);
      if (n < 0) return ErrnoError("readlink " + rel);
      return Add(rel, st, std::string(target, static_cast<size_t>(n)));
    }
    if (!S_ISREG(st.st_mode)) return Add(rel, st, "");
    if (auto d = c_.cache_.Lookup(rel, st)) return Add(rel, st, d->hex());
    UniqueFd fd(::openat(dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd.valid() || ::fstat(fd.get(), &st) != 0) return ErrnoError("open " + rel);
    return Add(rel, st, TRY(c_.FileDigest(fd.get(), rel, st)).hex());
  }

  const Context& c_;
  Sha256 h_;
};

Result<Digest> Context::FileDigest(int fd, const std::string& rel, const struct stat& st) const {
  if (auto d = cache_.Lookup(rel, st)) return *d;
  constexpr size_t kBuf = 1 << 18;
  if (!buf_) buf_ = std::make_unique_for_overwrite<char[]>(kBuf);  // once: not zeroed per file
  Sha256 h;
  ssize_t n;
  while ((n = ::read(fd, buf_.get(), kBuf)) > 0) h.Update(std::string_view(buf_.get(), static_cast<size_t>(n)));
  if (n < 0) return ErrnoError("read " + rel);
  ++files_read_;
  Digest d = h.Finish();
  cache_.Put(rel, st, d);
  return d;
}

Result<Digest> Context::Hash(const std::vector<std::string>& paths) const {
  Hasher h(*this);
  for (const std::string& p : paths) {
    TRY(h.Source(p));
    cache_.ForgetUnseen(p);
  }
  (void)cache_.Save();  // a cache: failing to keep it costs a re-hash next time
  return h.Finish();
}

Result<int64_t> Context::Size() const {
  int64_t total = 0;
  std::function<void(const std::string&)> walk = [&](const std::string& rel) {
    auto dir = root_.OpenDir(CleanRootPath(rel), false);
    if (!dir.ok()) return;
    for (const std::string& name : SortedNames(dir->get())) {
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
