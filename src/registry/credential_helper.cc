// Docker keeps credentials out of config.json by handing them to an external
// program, docker-credential-<name>, one short run per request. This file runs
// that program the way the docker CLI does (found on $PATH, the action as its
// only argument, the request on stdin, its stderr shared with berth's) and
// holds it to limits the CLI does not have: a time limit, a cap on what it may
// print, and Ctrl-C killing it. The request is written into a memfd that
// becomes the helper's stdin, so berth never blocks (or takes a SIGPIPE)
// writing to a helper that does not read, and a secret never touches a disk,
// argv or the environment.
#include "registry/credential_helper.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/fd.h"
#include "base/interrupt.h"
#include "base/strings.h"
#include "oci/json_fields.h"

extern char** environ;

namespace berth::registry {
namespace {

constexpr std::string_view kNotFoundAnswer = "credentials not found in native keychain";

using Clock = std::chrono::steady_clock;

// A spawned helper: killed and reaped on any early return, so no error path
// leaves a running helper or a zombie behind.
class Child {
 public:
  explicit Child(pid_t pid) : pid_(pid) {}
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() { Kill(); }

  // SIGKILL and reap (idempotent).
  void Kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int st = 0;
    while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }

  // Waits for the exit until the deadline; its wait status. An error (the
  // helper then killed) when the deadline passes or berth is interrupted.
  Result<int> Wait(Clock::time_point deadline, std::string_view limit_text) {
    for (long sleep_us = 500;; sleep_us = std::min(sleep_us * 2, 20000L)) {
      int st = 0;
      pid_t r = ::waitpid(pid_, &st, WNOHANG);
      if (r == pid_) {
        pid_ = -1;
        return st;
      }
      if (r < 0 && errno != EINTR) return ErrnoError("waitpid");
      if (Interrupted()) return MakeError(Code::kCancelled, "interrupted");
      if (Clock::now() >= deadline) {
        return MakeError(Code::kUnavailable, "timed out after " + std::string(limit_text));
      }
      struct timespec ts = {0, sleep_us * 1000};
      ::nanosleep(&ts, nullptr);
    }
  }

 private:
  pid_t pid_;
};

std::string DurationText(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + "s";
  return std::to_string(d.count()) + "ms";
}

// An anonymous in-memory file holding input, positioned at its start.
Result<UniqueFd> InputFile(std::string_view input) {
  UniqueFd fd(::memfd_create("berth-credential-request", MFD_CLOEXEC));
  if (!fd.valid()) return ErrnoError("memfd_create");
  size_t done = 0;
  while (done < input.size()) {
    ssize_t n = ::write(fd.get(), input.data() + done, input.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError("write helper request");
    done += static_cast<size_t>(n);
  }
  if (::lseek(fd.get(), 0, SEEK_SET) != 0) return ErrnoError("lseek helper request");
  return fd;
}

// posix_spawn of path with argv {argv0, action}: stdin from in_fd, stdout
// into out_fd, stderr shared, SIGPIPE back to default and no signal blocked.
Result<pid_t> Spawn(const std::string& path, const std::string& argv0, const std::string& action,
                    int in_fd, int out_fd) {
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_adddup2(&fa, in_fd, 0);
  posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
  sigset_t none, deflt;
  sigemptyset(&none);
  sigemptyset(&deflt);
  sigaddset(&deflt, SIGPIPE);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &deflt);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  char* argv[] = {const_cast<char*>(argv0.c_str()), const_cast<char*>(action.c_str()), nullptr};
  pid_t pid = -1;
  int err = ::posix_spawn(&pid, path.c_str(), &fa, &attr, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (err != 0) return ErrnoError("fork/exec " + path, err);
  return pid;
}

// Reads fd to its end, at most max bytes, until the deadline.
Status ReadOutput(int fd, const HelperOptions& opts, Clock::time_point deadline, std::string& out) {
  char buf[16384];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      return MakeError(Code::kUnavailable, "timed out after " + DurationText(opts.timeout));
    }
    struct pollfd p = {fd, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count() + 1, 1000)));
    if (r < 0 && errno != EINTR) return ErrnoError("poll");
    if (Interrupted()) return MakeError(Code::kCancelled, "interrupted");
    if (r <= 0) continue;
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0) return ErrnoError("read helper output");
    if (n == 0) return Ok();
    if (out.size() + static_cast<size_t>(n) > opts.max_output) {
      return MakeError(Code::kDataLoss,
                       "output larger than " + std::to_string(opts.max_output) + " bytes");
    }
    out.append(buf, static_cast<size_t>(n));
  }
}

// Go's description of a wait status: "exit status 1", "signal: killed".
std::string WaitStatusText(int st) {
  if (WIFEXITED(st)) return "exit status " + std::to_string(WEXITSTATUS(st));
  if (WIFSIGNALED(st)) {
    int sig = WTERMSIG(st);
    return std::string("signal: ") + (sig == SIGKILL ? "killed" : ::strsignal(sig));
  }
  return "wait status " + std::to_string(st);
}

struct RunResult {
  std::string out;
  bool success = false;     // exit status 0
  std::string status_text;  // "exit status 1" when not
};

// Runs `path action` with input on stdin. Errors are the run's own failures
// (spawn, limits, interrupt), not the helper's exit status.
Result<RunResult> Run(const std::string& path, const std::string& argv0, const std::string& action,
                      std::string_view input, const HelperOptions& opts) {
  TRY(CheckInterrupted());
  Clock::time_point deadline = Clock::now() + opts.timeout;
  UniqueFd in = TRY(InputFile(input));
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return ErrnoError("pipe");
  UniqueFd out_r(fds[0]), out_w(fds[1]);
  Child child(TRY(Spawn(path, argv0, action, in.get(), out_w.get())));
  out_w.Reset();
  in.Reset();
  RunResult res;
  TRY(ReadOutput(out_r.get(), opts, deadline, res.out));
  int st = TRY(child.Wait(deadline, DurationText(opts.timeout)));
  res.success = WIFEXITED(st) && WEXITSTATUS(st) == 0;
  if (!res.success) res.status_text = WaitStatusText(st);
  return res;
}

// A member of obj by Go's rules for struct fields: the exact key, else one
// equal to it ignoring case. nullptr when absent.
const Json* FindFold(const Json& obj, std::string_view key) {
  if (auto it = obj.find(key); it != obj.end()) return &*it;
  std::string lower = ToLower(key);
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (ToLower(it.key()) == lower) return &*it;
  }
  return nullptr;
}

Result<std::string> StringMember(const Json& obj, std::string_view key) {
  const Json* v = FindFold(obj, key);
  if (!v || v->is_null()) return std::string();
  if (!v->is_string()) {
    return MakeError(Code::kInvalidArgument, std::string(key) + ": not a string");
  }
  return v->get<std::string>();
}

Result<HelperCredentials> ParseAnswer(std::string_view out) {
  Json j = TRY(ParseJsonObject(out, "invalid answer"));
  HelperCredentials c;
  c.username = TRY_CTX(StringMember(j, "Username"), "invalid answer");
  c.secret = TRY_CTX(StringMember(j, "Secret"), "invalid answer");
  return c;
}

}  // namespace

std::optional<std::string> FindInPath(std::string_view name) {
  if (name.empty() || name.find('/') != std::string_view::npos) return std::nullopt;
  const char* path = std::getenv("PATH");
  if (!path) return std::nullopt;
  for (const std::string& dir : Split(path, ':')) {
    if (dir.empty() || dir[0] != '/') continue;
    std::string candidate = dir + "/" + std::string(name);
    struct stat st;
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111) &&
        ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return std::nullopt;
}

CredentialHelper::CredentialHelper(std::string name, HelperOptions options)
    : program_(std::string(kHelperPrefix) + name), options_(options) {}

namespace {

// Runs the helper for one action. A helper that exits non-zero comes back
// as a RunResult (its answer may be "not found"); everything else that goes
// wrong is an error worded as Docker words it: "error <verb> credentials -
// err: <what>, out: `<output>`".
Result<RunResult> RunAction(const std::string& program, const HelperOptions& opts,
                            const std::string& action, std::string_view verb,
                            std::string_view input) {
  auto fail = [&](Code code, const std::string& what, std::string_view out) {
    return MakeError(code, "error " + std::string(verb) + " credentials - err: " + what +
                               ", out: `" + std::string(Trim(out)) + "`");
  };
  std::optional<std::string> path = FindInPath(program);
  if (!path) {
    return fail(Code::kNotFound, "exec: " + Quote(program) + ": executable file not found in $PATH",
                "");
  }
  auto run = Run(*path, program, action, input, opts);
  if (!run.ok()) {
    if (run.error().code == Code::kCancelled) return std::move(run).error();
    return fail(run.error().code, program + ": " + run.error().message, "");
  }
  return run;
}

Error HelperFailed(const std::string& program, std::string_view verb, const RunResult& run) {
  return MakeError(Code::kUnavailable,
                   "error " + std::string(verb) + " credentials - err: " + program + ": " +
                       run.status_text + ", out: `" + std::string(Trim(run.out)) + "`");
}

}  // namespace

Result<std::optional<HelperCredentials>> CredentialHelper::Get(std::string_view server_url) const {
  RunResult run = TRY(RunAction(program_, options_, "get", "getting", server_url));
  if (!run.success) {
    if (Trim(run.out) == kNotFoundAnswer) return std::optional<HelperCredentials>();
    return HelperFailed(program_, "getting", run);
  }
  auto creds = ParseAnswer(run.out);
  if (!creds.ok()) {
    return MakeError(Code::kInvalidArgument,
                     "error getting credentials - err: " + program_ + ": " + creds.error().message);
  }
  return std::optional<HelperCredentials>(std::move(*creds));
}

Status CredentialHelper::Store(std::string_view server_url, const HelperCredentials& creds) const {
  Json req = Json::object();
  req["ServerURL"] = std::string(server_url);
  req["Username"] = creds.username;
  req["Secret"] = creds.secret;
  RunResult run = TRY(RunAction(program_, options_, "store", "storing", DumpJson(req) + "\n"));
  if (!run.success) return HelperFailed(program_, "storing", run);
  return Ok();
}

Status CredentialHelper::Erase(std::string_view server_url) const {
  RunResult run = TRY(RunAction(program_, options_, "erase", "erasing", server_url));
  if (!run.success && Trim(run.out) != kNotFoundAnswer) {
    return HelperFailed(program_, "erasing", run);
  }
  return Ok();
}

}  // namespace berth::registry
