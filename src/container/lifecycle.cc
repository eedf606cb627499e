// Lifecycle operations. None of them keeps a process around: the monitor
// owns a running container, and these talk to it through the runtime
// (signals), its lock (is it alive? wait for it) and its state file.
#include "container/lifecycle.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "base/clock.h"
#include "base/file.h"
#include "base/interrupt.h"
#include "base/strings.h"
#include "container/attach.h"
#include "container/bundle.h"
#include "container/monitor.h"
#include "container/process.h"
#include "container/runc.h"
#include "store/ingest.h"

namespace berth::container {
namespace {

const std::pair<const char*, int> kSignals[] = {
    {"ABRT", SIGABRT}, {"ALRM", SIGALRM}, {"BUS", SIGBUS},   {"CHLD", SIGCHLD}, {"CONT", SIGCONT},
    {"FPE", SIGFPE},   {"HUP", SIGHUP},   {"ILL", SIGILL},   {"INT", SIGINT},   {"IO", SIGIO},
    {"IOT", SIGIOT},   {"KILL", SIGKILL}, {"PIPE", SIGPIPE}, {"PROF", SIGPROF}, {"PWR", SIGPWR},
    {"QUIT", SIGQUIT}, {"SEGV", SIGSEGV}, {"STKFLT", SIGSTKFLT}, {"STOP", SIGSTOP},
    {"SYS", SIGSYS},   {"TERM", SIGTERM}, {"TRAP", SIGTRAP}, {"TSTP", SIGTSTP}, {"TTIN", SIGTTIN},
    {"TTOU", SIGTTOU}, {"URG", SIGURG},   {"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"VTALRM", SIGVTALRM},
    {"WINCH", SIGWINCH}, {"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ}};

Status NotRunning(const Container& c) {
  return MakeError(Code::kConflict, "Container " + c.id + " is not running");
}

// Waits until the monitor lock is free or deadline_ns passes (0: forever).
// Returns whether it is free.
Result<bool> WaitMonitorGone(const ContainerDir& d, int64_t deadline_ns) {
  UniqueFd fd(::open(d.lock().c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return true;
  for (;;) {
    if (::flock(fd.get(), LOCK_SH | LOCK_NB) == 0) return true;
    TRY(CheckInterrupted());
    if (deadline_ns != 0 && NowNanos() >= deadline_ns) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace

Result<Container> LoadContainer(const store::Store& store, std::string_view id) {
  for (const store::ContainerRecord& r : TRY(store.metadata().ListContainers())) {
    if (r.id == id) return Container::FromRecord(r);
  }
  return MakeError(Code::kNotFound, "No such container: " + std::string(id));
}

Result<Container> FindContainer(const store::Store& store, std::string_view ref) {
  std::string_view name = ref;
  if (name.starts_with("/")) name.remove_prefix(1);
  auto rows = TRY(store.metadata().ListContainers());
  for (const auto& r : rows) {
    if (r.id == ref) return Container::FromRecord(r);
  }
  for (const auto& r : rows) {
    if (r.name == name) return Container::FromRecord(r);
  }
  const store::ContainerRecord* match = nullptr;
  if (!ref.empty() && IsHex(ref)) {
    for (const auto& r : rows) {
      if (!r.id.starts_with(ref)) continue;
      if (match != nullptr) {
        return MakeError(Code::kInvalidArgument,
                         "multiple IDs found with provided prefix: " + std::string(ref));
      }
      match = &r;
    }
  }
  if (match != nullptr) return Container::FromRecord(*match);
  return MakeError(Code::kNotFound, "No such container: " + std::string(ref));
}

Result<std::vector<Container>> ListContainers(const store::Store& store) {
  std::vector<Container> out;
  for (const auto& r : TRY(store.metadata().ListContainers())) out.push_back(TRY(Container::FromRecord(r)));
  std::stable_sort(out.begin(), out.end(),
                   [](const Container& a, const Container& b) { return a.created > b.created; });
  return out;
}

Result<Container> CreateContainer(store::Store& store, Container c) {
  c.id = NewContainerId();
  c.created = NowNanos();
  auto image = TRY(store.metadata().GetImage(c.image_id));
  if (!image) return MakeError(Code::kNotFound, "No such image: " + c.image_id.str());
  if (!image->layers.empty()) c.chain_id = image->layers.back().chain_id;
  if (c.config.hostname.empty()) c.config.hostname = c.id.substr(0, 12);
  // The directory is made in a locked ingest staging and renamed into
  // containers/ inside the transaction that inserts the row: a crash leaves
  // either garbage in ingest/ or a dir without a row, which GC removes.
  auto staging = TRY(store::IngestDir::Create(store.content().ingest_dir()));
  ContainerDir d{staging.Join("c")};
  TRY(MkdirAll(d.dir, 0700));
  TRY(MkdirAll(d.upper(), 0755));
  TRY(MkdirAll(d.work(), 0700));
  TRY(WriteInitLayer(d));
  TRY(WriteState(d, State{}));
  std::string final_dir = ContainerDir::Of(store.root(), c.id).dir;
  bool generated = c.name.empty();
  for (int attempt = 0;; ++attempt) {
    if (generated) c.name = GenerateName(attempt);
    Status st = store.metadata().Transaction([&]() -> Status {
      if (!TRY(store.metadata().GetImage(c.image_id))) {
        return MakeError(Code::kNotFound, "No such image: " + c.image_id.str());
      }
      TRY(store.metadata().PutContainer(c.ToRecord()));
      if (::rename(d.dir.c_str(), final_dir.c_str()) != 0) return ErrnoError("rename " + d.dir);
      return Ok();
    });
    if (st.ok()) return c;
    if (st.error().code == Code::kConflict && generated && attempt < 10) continue;
    if (st.error().code == Code::kConflict) {
      std::string other;
      if (auto found = FindContainer(store, c.name); found.ok()) other = found->id;
      return MakeError(Code::kConflict, "Conflict. The container name \"/" + c.name +
                                            "\" is already in use by container \"" + other +
                                            "\". You have to remove (or rename) that container "
                                            "to be able to reuse that name.");
    }
    return st.error();
  }
}

Result<UniqueFd> StartContainer(const store::Store& store, const Container& c, int* status) {
  *status = 125;
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return ErrnoError("socketpair");
  UniqueFd ours(sv[0]), theirs(sv[1]);
  ContainerDir d = ContainerDir::Of(store.root(), c.id);
  UniqueFd log(::open((d.dir + "/monitor.log").c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600));
  pid_t pid = TRY(Spawn({.argv = {SelfExe(), "--root", store.root(), kMonitorCommand, c.id},
                         .fds = {-1, -1, log.valid() ? log.get() : -1, theirs.get()},
                         .new_session = true}));
  (void)pid;  // reparented to init when this command exits; reaped by WaitExit callers otherwise
  theirs.Reset();
  TRY(WaitStarted(ours.get(), status));
  return ours;
}

Status KillContainer(const store::Store& store, const Container& c, int signal) {
  ContainerDir d = ContainerDir::Of(store.root(), c.id);
  State s = TRY(CurrentState(d, c.id));
  if (!s.Running()) return NotRunning(c);
  Status st = RuncKill(c.id, signal, c.host.runtime);
  if (!st.ok() && st.error().code == Code::kNotFound) return NotRunning(c);
  return st;
}

Status StopContainer(const store::Store& store, const Container& c, int timeout_s) {
  ContainerDir d = ContainerDir::Of(store.root(), c.id);
  State s = TRY(CurrentState(d, c.id));
  if (!s.Running()) return Ok();
  int sig = SIGTERM;
  if (!c.config.stop_signal.empty()) sig = ParseSignal(c.config.stop_signal).value_or(SIGTERM);
  if (s.status == "paused") (void)RuncPause(c.id, false, c.host.runtime);
  if (timeout_s != 0) {
    (void)RuncKill(c.id, sig, c.host.runtime);
    int64_t deadline = timeout_s < 0 ? 0 : NowNanos() + int64_t{timeout_s} * 1'000'000'000;
    if (TRY(WaitMonitorGone(d, deadline))) return Ok();
  }
  (void)RuncKill(c.id, SIGKILL, c.host.runtime);
  TRY(WaitMonitorGone(d, 0));
  return Ok();
}

Result<State> WaitContainer(const store::Store& store, const Container& c) {
  ContainerDir d = ContainerDir::Of(store.root(), c.id);
  TRY(WaitMonitorGone(d, 0));
  return CurrentState(d, c.id);
}

Status RemoveContainer(store::Store& store, const Container& c, bool force) {
  ContainerDir d = ContainerDir::Of(store.root(), c.id);
  State s = TRY(CurrentState(d, c.id));
  if (s.Running()) {
    if (!force) {
      return MakeError(Code::kConflict,
                       "You cannot remove a running container " + c.id +
                           ". Stop the container before attempting removal or force remove");
    }
    TRY(StopContainer(store, c, 0));
  }
  return RemoveContainerNow(store, c);
}

Status RemoveContainerNow(store::Store& store, const Container& c) {
  ContainerDir d = ContainerDir::Of(store.root(), c.id);
  Status st = store.metadata().DeleteContainer(c.id);
  if (!st.ok() && st.error().code != Code::kNotFound) return st;
  TRY(store.trash().MoveIn(d.dir, "container"));
  (void)store.trash().EmptyInBackground();
  return Ok();
}

Result<int> ParseSignal(std::string_view s) {
  std::string up;
  for (char ch : s) up += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  if (auto n = ParseInt(up)) {
    if (*n > 0 && *n < NSIG) return static_cast<int>(*n);
  } else {
    std::string_view name = up;
    if (name.starts_with("SIG")) name.remove_prefix(3);
    for (const auto& [n2, num] : kSignals) {
      if (name == n2) return num;
    }
  }
  return MakeError(Code::kInvalidArgument, "Invalid signal: " + std::string(s));
}

}  // namespace berth::container
