// See fs_ops.h. Everything below the layer and the image roots is reached
// through RootFs or O_NOFOLLOW lookups relative to an open directory.
#include "build/fs_ops.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <vector>

#include "base/file.h"

namespace berth::build {
namespace {

// dest with every link on the way replaced by its target, inside the root.
Result<RootPath> Resolve(const RootFs& image, const RootPath& dest) {
  std::deque<std::string> todo(dest.begin(), dest.end());
  RootPath done;
  int hops = 0;
  while (!todo.empty()) {
    std::string name = todo.front();
    todo.pop_front();
    if (name.empty() || name == ".") continue;
    if (name == "..") {
      if (!done.empty()) done.pop_back();
      continue;
    }
    done.push_back(name);
    auto fd = image.OpenAt(done, O_PATH | O_NOFOLLOW);
    if (!fd.ok()) break;  // not in the image: the rest is made fresh
    struct stat st;
    if (::fstat(fd->get(), &st) != 0 || !S_ISLNK(st.st_mode)) continue;
    if (++hops > 40) return MakeError(Code::kInvalidArgument, "too many links in " + RootPathString(dest));
    char buf[4096];
    ssize_t n = ::readlinkat(fd->get(), "", buf, sizeof buf);
    if (n < 0) return ErrnoError("readlink " + RootPathString(done));
    std::string target(buf, static_cast<size_t>(n));
    done.pop_back();
    if (target.starts_with("/")) done.clear();
    RootPath parts = CleanRootPath(target);  // cleaned as if absolute: ".." stays inside
    if (!target.starts_with("/")) {
      parts.clear();
      size_t start = 0;
      while (start <= target.size()) {
        size_t end = target.find('/', start);
        if (end == std::string::npos) end = target.size();
        parts.push_back(target.substr(start, end - start));
        start = end + 1;
      }
    }
    todo.insert(todo.begin(), parts.begin(), parts.end());
  }
  for (const std::string& rest : todo) {
    if (rest.empty() || rest == ".") continue;
    if (rest == "..") {
      if (!done.empty()) done.pop_back();
    } else {
      done.push_back(rest);
    }
  }
  return done;
}

// Creates dir/name as the image has it (mode, owner) or root's 0755.
Result<UniqueFd> MakeDir(int dir, const std::string& name, const struct stat* like) {
  if (::mkdirat(dir, name.c_str(), like ? (like->st_mode & 07777) : 0755) != 0 && errno != EEXIST) {
    return ErrnoError("mkdir " + name);
  }
  UniqueFd fd(::openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) return ErrnoError("open " + name);
  if (like) {
    if (::fchown(fd.get(), like->st_uid, like->st_gid) != 0) return ErrnoError("chown " + name);
    if (::fchmod(fd.get(), like->st_mode & 07777) != 0) return ErrnoError("chmod " + name);
  }
  return fd;
}

Status Fix(int dir, const std::string& name, const std::optional<std::pair<uint32_t, uint32_t>>& owner,
           const std::optional<mode_t>& mode) {
  struct stat st;
  if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return ErrnoError("stat " + name);
  if (owner && ::fchownat(dir, name.c_str(), owner->first, owner->second, AT_SYMLINK_NOFOLLOW) != 0) {
    return ErrnoError("chown " + name);
  }
  if (mode && !S_ISLNK(st.st_mode) && ::fchmodat(dir, name.c_str(), *mode, 0) != 0) {
    return ErrnoError("chmod " + name);
  }
  if (!S_ISDIR(st.st_mode)) return Ok();
  UniqueFd sub(::openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!sub.valid()) return ErrnoError("open " + name);
  for (const std::string& n : SortedNames(sub.get())) TRY(Fix(sub.get(), n, owner, mode));
  return Ok();
}

}  // namespace

std::vector<std::string> SortedNames(int fd) {
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

bool TarHeaderChecksumOk(const std::byte* block) {
  const auto* b = reinterpret_cast<const unsigned char*>(block);
  if (std::all_of(b, b + 512, [](unsigned char c) { return c == 0; })) return false;
  unsigned sum = 0;
  for (int i = 0; i < 512; ++i) sum += (i >= 148 && i < 156) ? ' ' : b[i];
  std::string field(reinterpret_cast<const char*>(b + 148), 8);
  field = field.substr(0, field.find_first_of(std::string("\0 ", 2)));
  if (field.empty()) return false;
  char* end = nullptr;
  unsigned long want = std::strtoul(field.c_str(), &end, 8);
  return *end == '\0' && want == sum;
}

Result<LayerTarget> PrepareTarget(const RootFs& image, const std::string& layer, const std::string& dest,
                                  bool as_dir, const std::optional<std::pair<uint32_t, uint32_t>>& owner) {
  RootPath path = TRY(Resolve(image, CleanRootPath(dest)));
  LayerTarget t;
  auto at = image.OpenAt(path, O_PATH | O_NOFOLLOW);
  struct stat st;
  bool is_dir = at.ok() && ::fstat(at->get(), &st) == 0 && S_ISDIR(st.st_mode);
  if (!as_dir && !is_dir && !path.empty()) {
    t.name = path.back();
    path.pop_back();
  }
  t.dir = UniqueFd(::open(layer.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!t.dir.valid()) return ErrnoError("open " + layer);
  RootPath walked;
  t.existed = true;
  for (const std::string& name : path) {
    walked.push_back(name);
    auto in_image = image.OpenAt(walked, O_PATH | O_NOFOLLOW);
    struct stat like;
    bool have = in_image.ok() && ::fstat(in_image->get(), &like) == 0 && S_ISDIR(like.st_mode);
    t.existed = have;
    t.dir = TRY(MakeDir(t.dir.get(), name, have ? &like : nullptr));
    if (!have && owner && ::fchown(t.dir.get(), owner->first, owner->second) != 0) {
      return ErrnoError("chown " + name);
    }
  }
  return t;
}

Status FixOwnership(int dir, const std::string& name, const std::optional<std::pair<uint32_t, uint32_t>>& owner,
                    const std::optional<mode_t>& mode, bool include_top) {
  if (!owner && !mode) return Ok();
  if (name != ".") return Fix(dir, name, owner, mode);
  if (include_top) {
    if (owner && ::fchown(dir, owner->first, owner->second) != 0) return ErrnoError("chown");
    if (mode && ::fchmod(dir, *mode) != 0) return ErrnoError("chmod");
  }
  for (const std::string& n : SortedNames(dir)) TRY(Fix(dir, n, owner, mode));
  return Ok();
}

Status MergeTree(const std::string& from, int into) {
  UniqueFd src(::open(from.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!src.valid()) return ErrnoError("open " + from);
  for (const std::string& n : SortedNames(src.get())) {
    struct stat a, b;
    if (::fstatat(src.get(), n.c_str(), &a, AT_SYMLINK_NOFOLLOW) != 0) return ErrnoError("stat " + n);
    bool exists = ::fstatat(into, n.c_str(), &b, AT_SYMLINK_NOFOLLOW) == 0;
    if (exists && S_ISDIR(a.st_mode) && S_ISDIR(b.st_mode)) {
      UniqueFd sub(::openat(into, n.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!sub.valid()) return ErrnoError("open " + n);
      TRY(MergeTree(from + "/" + n, sub.get()));
      continue;
    }
    if (exists) TRY(RemoveTreeAt(into, n));
    if (::renameat(src.get(), n.c_str(), into, n.c_str()) != 0) return ErrnoError("rename " + n);
  }
  return Ok();
}

}  // namespace berth::build
