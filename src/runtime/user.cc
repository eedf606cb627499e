// Resolving a container's user needs the image's own account files, and those
// are untrusted: /etc/passwd may be a symlink to the host's, a FIFO that
// blocks, or an entry with a uid of 2147483648 that a careless cast turns into
// root. So the files are opened inside the rootfs with RESOLVE_IN_ROOT, read
// only when regular and small, and every id is range-checked. The matching
// rules and messages are those of runc's libcontainer/user, which Docker uses.
#include "runtime/user.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>

#include "base/fd.h"

namespace berth::runtime {
namespace {

constexpr int64_t kMaxId = 2147483647;
constexpr size_t kMaxAccountFile = 16 << 20;

Error RangeError() {
  return MakeError(Code::kInvalidArgument, "uids and gids must be in range 0-2147483647");
}

// Go's strconv.Atoi on a decimal (optional sign): nullopt when not a number.
std::optional<int64_t> ParseInt(std::string_view s) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

bool InRange(std::optional<int64_t> v) { return v && *v >= 0 && *v <= kMaxId; }

std::vector<std::string_view> SplitView(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t i = 0;
  for (;;) {
    size_t j = s.find(sep, i);
    if (j == std::string_view::npos) {
      out.push_back(s.substr(i));
      return out;
    }
    out.push_back(s.substr(i, j - i));
    i = j + 1;
  }
}

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// One line of passwd or group split on ':' (missing trailing fields empty).
std::vector<std::vector<std::string_view>> Lines(std::string_view text, size_t fields) {
  std::vector<std::vector<std::string_view>> out;
  for (std::string_view line : SplitView(text, '\n')) {
    line = TrimSpace(line);
    if (line.empty()) continue;
    auto parts = SplitView(line, ':');
    parts.resize(std::max(parts.size(), fields));
    out.push_back(std::move(parts));
  }
  return out;
}

struct PasswdEntry {
  std::string_view name;
  std::optional<int64_t> uid, gid;
  std::string_view home;
};

std::optional<PasswdEntry> FindPasswd(const std::string& passwd, std::string_view user_arg,
                                      std::optional<int64_t> uid_arg) {
  for (const auto& f : Lines(passwd, 7)) {
    PasswdEntry e{f[0], ParseInt(f[2]), ParseInt(f[3]), f[5]};
    bool match = user_arg.empty() ? (e.uid && *e.uid == 0)
                 : uid_arg        ? (e.uid && *e.uid == *uid_arg)
                                  : e.name == user_arg;
    if (match) return e;
  }
  return std::nullopt;
}

// Applies the group part: an explicit group sets the gid; without one, a
// matched user name collects its supplementary groups.
Status ApplyGroups(ExecUser& u, std::string_view group_arg, std::string_view user_name,
                   const std::optional<std::string>& group) {
  std::optional<int64_t> gid_arg = ParseInt(group_arg);
  std::vector<uint32_t> sgids;
  bool found = false;
  if (group) {
    for (const auto& f : Lines(*group, 4)) {
      std::optional<int64_t> gid = ParseInt(f[2]);
      bool match = false;
      if (group_arg.empty()) {
        for (std::string_view m : SplitView(f[3], ',')) match = match || m == user_name;
      } else {
        match = gid_arg ? (gid && *gid == *gid_arg) : f[0] == group_arg;
      }
      if (!match) continue;
      if (!InRange(gid)) return RangeError();
      if (!group_arg.empty()) {
        u.gid = static_cast<uint32_t>(*gid);
        found = true;
        break;
      }
      sgids.push_back(static_cast<uint32_t>(*gid));
    }
  }
  if (!group_arg.empty() && !found) {
    if (!gid_arg) {
      return MakeError(Code::kNotFound, "unable to find group " + std::string(group_arg) +
                                            ": no matching entries in group file");
    }
    if (!InRange(gid_arg)) return RangeError();
    u.gid = static_cast<uint32_t>(*gid_arg);
  }
  u.additional_gids = {u.gid};
  u.additional_gids.insert(u.additional_gids.end(), sgids.begin(), sgids.end());
  return Ok();
}

}  // namespace

Result<ExecUser> ResolveUser(std::string_view spec, const std::optional<std::string>& passwd,
                             const std::optional<std::string>& group) {
  size_t colon = spec.find(':');
  std::string_view user_arg = spec.substr(0, colon);
  std::string_view group_arg = colon == std::string_view::npos ? "" : spec.substr(colon + 1);
  std::optional<int64_t> uid_arg = ParseInt(user_arg);

  ExecUser u;
  std::string_view matched_name;
  std::optional<PasswdEntry> e;
  if (passwd) e = FindPasswd(*passwd, user_arg, uid_arg);
  if (e) {
    if (!InRange(e->uid) || !InRange(e->gid)) return RangeError();
    matched_name = e->name;
    u.uid = static_cast<uint32_t>(*e->uid);
    u.gid = static_cast<uint32_t>(*e->gid);
    if (!e->home.empty()) u.home = std::string(e->home);
  } else if (!user_arg.empty()) {
    if (!uid_arg) {
      return MakeError(Code::kNotFound, "unable to find user " + std::string(user_arg) +
                                            ": no matching entries in passwd file");
    }
    if (!InRange(uid_arg)) return RangeError();
    u.uid = static_cast<uint32_t>(*uid_arg);
  }
  if (!group_arg.empty() || !matched_name.empty()) {
    TRY(ApplyGroups(u, group_arg, matched_name, group));
  } else {
    u.additional_gids = {u.gid};
  }
  return u;
}

Result<std::optional<std::string>> ReadFileInRoot(const RootFs& root, std::string_view path) {
  RootPath p = CleanRootPath(path);
  auto fd = root.OpenAt(p, O_PATH);
  if (!fd.ok()) {
    if (fd.error().code == Code::kNotFound) return std::optional<std::string>();
    return fd.error();
  }
  struct stat st;
  if (::fstat(fd->get(), &st) != 0) return ErrnoError("stat " + std::string(path));
  if (!S_ISREG(st.st_mode) || static_cast<size_t>(st.st_size) > kMaxAccountFile) {
    return MakeError(Code::kInvalidArgument,
                     std::string(path) + ": not a regular file of at most 16 MiB");
  }
  // Reopen the O_PATH descriptor for reading: no path lookup happens again.
  std::string proc = "/proc/self/fd/" + std::to_string(fd->get());
  UniqueFd rd(::open(proc.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!rd.valid()) return ErrnoError("open " + std::string(path));
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(rd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError("read " + std::string(path));
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > kMaxAccountFile) {
      return MakeError(Code::kInvalidArgument, std::string(path) + ": larger than 16 MiB");
    }
  }
  return std::optional<std::string>(std::move(out));
}

Result<ExecUser> ResolveUserInRoot(const RootFs& root, std::string_view spec) {
  std::optional<std::string> passwd = TRY(ReadFileInRoot(root, "/etc/passwd"));
  std::optional<std::string> group = TRY(ReadFileInRoot(root, "/etc/group"));
  return ResolveUser(spec, passwd, group);
}

}  // namespace berth::runtime
