// File-system helpers. Everything durable in the store goes through
// WriteFileAtomic or the content store's own ingest, never a bare write.
#include "base/file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <vector>

#include "base/io.h"

namespace berth {

Result<UniqueFd> OpenFile(const std::string& path, int flags, int mode) {
  int fd;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return ErrnoError("open " + path);
  return UniqueFd(fd);
}

Result<std::string> ReadFile(const std::string& path) {
  UniqueFd fd = TRY(OpenFile(path, O_RDONLY));
  FdReader r(fd.get());
  return TRY_CTX(ReadAll(r), "read " + path);
}

Status SyncDir(const std::string& dir) {
  UniqueFd fd = TRY(OpenFile(dir.empty() ? "." : dir, O_RDONLY | O_DIRECTORY));
  if (::fsync(fd.get()) != 0) return ErrnoError("fsync " + dir);
  return Ok();
}

std::string DirName(const std::string& path) {
  auto pos = path.rfind('/');
  if (pos == std::string::npos) return ".";
  if (pos == 0) return "/";
  return path.substr(0, pos);
}

std::string RandomName() {
  static thread_local std::mt19937_64 rng(std::random_device{}() ^
                                          static_cast<uint64_t>(::getpid()) << 32);
  static const char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string s;
  for (int i = 0; i < 12; i++) s += kChars[rng() % 36];
  return s;
}

Status WriteFileAtomic(const std::string& path, std::string_view content, int mode) {
  std::string tmp = path + ".tmp-" + RandomName();
  {
    UniqueFd fd = TRY(OpenFile(tmp, O_WRONLY | O_CREAT | O_EXCL, mode));
    FdWriter w(fd.get());
    Status st = w.Write(AsBytes(content));
    if (st.ok() && ::fchmod(fd.get(), mode) != 0) st = ErrnoError("chmod " + tmp);
    if (st.ok() && ::fsync(fd.get()) != 0) st = ErrnoError("fsync " + tmp);
    if (!st.ok()) {
      ::unlink(tmp.c_str());
      return st.error().Wrap("write " + path);
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Error e = ErrnoError("rename " + tmp);
    ::unlink(tmp.c_str());
    return e;
  }
  return SyncDir(DirName(path));
}

Status MkdirAll(const std::string& path, int mode) {
  if (path.empty()) return MakeError(Code::kInvalidArgument, "mkdir: empty path");
  // Each missing component, parents first; mode (less the umask) for each.
  for (size_t pos = path.find('/', 1);; pos = path.find('/', pos + 1)) {
    std::string part = pos == std::string::npos ? path : path.substr(0, pos);
    if (!part.empty() && part.back() != '/' && ::mkdir(part.c_str(), mode) != 0 &&
        errno != EEXIST) {
      return ErrnoError("mkdir " + part);
    }
    if (pos == std::string::npos) break;
  }
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return ErrnoError("mkdir " + path);
  if (!S_ISDIR(st.st_mode)) return MakeError(Code::kAlreadyExists, "mkdir " + path + ": not a directory");
  return Ok();
}

Result<std::vector<std::string>> ListDir(const std::string& path) {
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) {
    if (errno == ENOENT) return std::vector<std::string>();
    return ErrnoError("list " + path);
  }
  std::vector<std::string> names;
  errno = 0;
  while (struct dirent* e = ::readdir(dir)) {
    std::string_view name = e->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  int err = errno;
  ::closedir(dir);
  if (err != 0) return ErrnoError("list " + path, err);
  return names;
}

bool PathExists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

Result<std::string> MakeTempDir(const std::string& parent, std::string_view prefix) {
  for (int i = 0; i < 100; i++) {
    std::string p = JoinPath(parent, std::string(prefix) + RandomName());
    if (::mkdir(p.c_str(), 0700) == 0) return p;
    if (errno != EEXIST) return ErrnoError("mkdir " + p);
  }
  return MakeError(Code::kInternal, "could not create a temp dir in " + parent);
}

std::string JoinPath(std::string_view a, std::string_view b) {
  if (a.empty()) return std::string(b);
  if (b.empty()) return std::string(a);
  std::string out(a);
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  while (!b.empty() && b.front() == '/') b.remove_prefix(1);
  if (out != "/") out += '/';
  out += b;
  return out;
}

mode_t ProcessUmask() {
  static const mode_t mask = [] {
    FILE* f = std::fopen("/proc/self/status", "re");
    mode_t m = 022;
    if (!f) return m;
    char line[256];
    while (std::fgets(line, sizeof line, f)) {
      if (std::strncmp(line, "Umask:", 6) == 0) {
        m = static_cast<mode_t>(std::strtoul(line + 6, nullptr, 8)) & 0777;
        break;
      }
    }
    std::fclose(f);
    return m;
  }();
  return mask;
}

}  // namespace berth
