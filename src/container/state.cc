// Run state on disk. The monitor is the only writer while it lives; after
// it, whoever holds monitor.lock (start, rm, or a reader repairing a dead
// monitor's state) is. That one lock is what lets `ps` tell the truth after
// `kill -9` of a monitor without any daemon keeping watch.
#include "container/state.h"

#include <fcntl.h>
#include <sys/file.h>
#include <cerrno>
#include <unistd.h>

#include "base/clock.h"
#include "base/file.h"
#include "container/network.h"
#include "container/runc.h"
#include "oci/json_fields.h"

namespace berth::container {

ContainerDir ContainerDir::Of(const std::string& store_root, const std::string& id) {
  return ContainerDir{store_root + "/containers/" + id};
}

Status ReplaceFile(const std::string& path, std::string_view content, int mode) {
  std::string tmp = path + ".tmp" + std::to_string(::getpid());
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  if (!fd.valid()) return ErrnoError("create " + tmp);
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = ::write(fd.get(), content.data() + off, content.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::unlink(tmp.c_str());
      return ErrnoError("write " + tmp, err);
    }
    off += static_cast<size_t>(n);
  }
  fd.Reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return ErrnoError("rename " + tmp, err);
  }
  return Ok();
}

Result<State> ReadState(const ContainerDir& d) {
  auto text = ReadFile(d.state());
  if (!text.ok()) {
    if (text.error().code == Code::kNotFound) return State{};
    return std::move(text).error();
  }
  auto parsed = ParseJsonObject(*text, "container state");
  if (!parsed.ok()) {
    return State{.status = "exited", .exit_code = 255, .error = "the container's state was lost"};
  }
  Json& j = *parsed;
  State s;
  s.status = j.value("Status", "created");
  s.pid = j.value("Pid", 0);
  s.exit_code = j.value("ExitCode", 0);
  s.error = j.value("Error", "");
  s.started_at = j.value("StartedAt", int64_t{0});
  s.finished_at = j.value("FinishedAt", int64_t{0});
  s.monitor_pid = j.value("MonitorPid", 0);
  return s;
}

Status WriteState(const ContainerDir& d, const State& s) {
  Json j{{"Status", s.status},         {"Pid", s.pid},
         {"ExitCode", s.exit_code},    {"Error", s.error},
         {"StartedAt", s.started_at},  {"FinishedAt", s.finished_at},
         {"MonitorPid", s.monitor_pid}};
  return ReplaceFile(d.state(), DumpJson(j) + "\n", 0600);
}

Result<std::optional<UniqueFd>> TryLockMonitor(const ContainerDir& d) {
  UniqueFd fd(::open(d.lock().c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd.valid()) return ErrnoError("open " + d.lock());
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) return std::optional<UniqueFd>{};
    return ErrnoError("lock " + d.lock());
  }
  return std::optional<UniqueFd>(std::move(fd));
}

Result<UniqueFd> LockMonitor(const ContainerDir& d, int timeout_ms) {
  for (int waited = 0;; waited += 10) {
    auto lock = TRY(TryLockMonitor(d));
    if (lock) return std::move(*lock);
    if (waited >= timeout_ms) {
      return MakeError(Code::kUnavailable, "the container is in use by another berth command");
    }
    ::usleep(10'000);
  }
}

bool MonitorAlive(const ContainerDir& d) {
  UniqueFd fd(::open(d.lock().c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return false;
  if (::flock(fd.get(), LOCK_SH | LOCK_NB) == 0) return false;
  return errno == EWOULDBLOCK;
}

Result<State> CurrentState(const ContainerDir& d, const std::string& id) {
  State s = TRY(ReadState(d));
  if (!s.Running()) return s;
  auto lock = TRY(TryLockMonitor(d));
  if (!lock) return s;  // a live monitor: the state is its word
  s = TRY(ReadState(d));  // it may have finished just before unlocking
  if (!s.Running()) return s;
  (void)RuncDelete(id, /*force=*/true);
  std::string net = d.dir + "/network.json";
  if (auto a = LoadAttachment(net); a.ok()) {
    (void)NetworkDel(id, "", a->ports);
    ::unlink(net.c_str());
  }
  s.status = "exited";
  s.exit_code = 255;
  s.error = "the container's monitor died";
  s.finished_at = NowNanos();
  s.pid = 0;
  TRY(WriteState(d, s));
  return s;
}

}  // namespace berth::container
