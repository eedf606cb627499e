// Liveness of a lease must be decidable by any process without waiting: an
// owner that died (however it died: SIGKILL, OOM, power loss) cannot clean up,
// so its lease names the process by pid, start time and boot id, and anyone
// can check /proc to see whether that exact process still runs.
#include "store/lease.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <utility>

#include "base/clock.h"
#include "base/file.h"
#include "base/strings.h"
#include "store/metadata.h"

namespace berth::store {
namespace {

// A small /proc file read with plain syscalls: unlike ReadFile, it does not
// stop at a pending interrupt, so an interrupted command's last GC still sees
// which other processes are alive (and does not collect their leases).
// nullopt when the file cannot be opened (the process is gone).
std::optional<std::string> ReadProcFile(const std::string& path) {
  int fd;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return std::nullopt;
  std::string out;
  char buf[1024];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

// Field 22 of /proc/<pid>/stat (the fields after the parenthesised command,
// which may itself hold spaces and parentheses). 0 when unreadable.
int64_t StartTimeOf(int64_t pid) {
  auto stat = ReadProcFile("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return 0;
  size_t close = stat->rfind(')');
  if (close == std::string::npos) return 0;
  std::vector<std::string> fields = Split(Trim(std::string_view(*stat).substr(close + 1)), ' ');
  // fields[0] is field 3 (state), so field 22 is fields[19].
  if (fields.size() < 20) return 0;
  auto v = ParseInt(fields[19]);
  return v ? *v : 0;
}

std::string BootId() {
  auto id = ReadProcFile("/proc/sys/kernel/random/boot_id");
  return id ? std::string(Trim(*id)) : std::string();
}

}  // namespace

const ProcessId& ProcessId::Self() {
  // Computed per pid: a forked child is another owner.
  static thread_local ProcessId self;
  if (self.pid != ::getpid()) {
    self = ProcessId{::getpid(), StartTimeOf(::getpid()), BootId()};
  }
  return self;
}

bool ProcessId::Alive() const {
  if (pid <= 0) return false;
  if (boot_id != Self().boot_id) return false;
  int64_t start = StartTimeOf(pid);
  return start != 0 && start == start_time;
}

std::string_view ResourceKindName(ResourceKind kind) {
  switch (kind) {
    case ResourceKind::kBlob: return "blob";
    case ResourceKind::kSnapshot: return "snapshot";
    case ResourceKind::kImage: return "image";
    case ResourceKind::kIngest: return "ingest";
  }
  return "blob";
}

bool LeaseRecord::Alive(int64_t now_ns) const {
  if (expires != 0 && expires <= now_ns) return false;
  return owner.Alive();
}

Lease::Lease(Lease&& o) noexcept
    : metadata_(std::exchange(o.metadata_, nullptr)), id_(std::exchange(o.id_, 0)) {}

Lease& Lease::operator=(Lease&& o) noexcept {
  if (this != &o) {
    (void)Release();
    metadata_ = std::exchange(o.metadata_, nullptr);
    id_ = std::exchange(o.id_, 0);
  }
  return *this;
}

Lease::~Lease() { (void)Release(); }

Result<Lease> Lease::Create(Metadata& metadata, std::string_view label, int64_t expires_ns) {
  LeaseRecord rec{.owner = ProcessId::Self(), .label = std::string(label),
                  .created = NowNanos(), .expires = expires_ns};
  int64_t id = TRY_CTX(metadata.CreateLease(rec), "create lease");
  return Lease(&metadata, id);
}

Status Lease::Add(ResourceKind kind, std::string_view key) {
  if (!valid()) return Ok();
  return metadata_->AddLeaseResource(id_, {kind, std::string(key)});
}

Status Lease::Release() {
  if (!valid()) return Ok();
  int64_t id = std::exchange(id_, 0);
  return metadata_->DeleteLease(id);
}

}  // namespace berth::store
