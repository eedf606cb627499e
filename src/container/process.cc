// Spawning children with a known set of descriptors. berth holds its
// database, ingest locks and sockets open; none of that may leak into runc,
// into a container, or into a monitor that outlives the command, so the
// child closes every descriptor beyond the ones it is handed.
#include "container/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "base/fd.h"
#include "base/file.h"
#include "base/strings.h"

extern char** environ;

namespace berth::container {
namespace {

// In the child, after fork: moves each wanted descriptor above every target
// slot first, so dup2 into slot i never clobbers a source still needed.
[[noreturn]] void ExecChild(const SpawnOptions& o, const std::vector<char*>& argv,
                            const std::vector<char*>& envp) {
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int s = 1; s < NSIG; ++s) ::signal(s, SIG_DFL);
  if (o.new_session) ::setsid();
  int devnull = ::open("/dev/null", O_RDWR);
  int n = static_cast<int>(o.fds.size());
  std::vector<int> high(n, -1);
  int base = std::max(n, 3) + 16;
  for (int i = 0; i < n; ++i) {
    int src = o.fds[i] >= 0 ? o.fds[i] : devnull;
    high[i] = ::fcntl(src, F_DUPFD, base);
    if (high[i] < 0) ::_exit(125);
  }
  for (int i = 0; i < n; ++i) {
    if (::dup2(high[i], i) < 0) ::_exit(125);
  }
  ::syscall(SYS_close_range, static_cast<unsigned>(n), ~0U, 0U);
  if (!o.cwd.empty() && ::chdir(o.cwd.c_str()) != 0) ::_exit(125);
  ::execve(argv[0], argv.data(), envp.data());
  ::_exit(errno == ENOENT ? 127 : 126);
}

}  // namespace

Result<pid_t> Spawn(const SpawnOptions& o) {
  if (o.argv.empty()) return MakeError(Code::kInvalidArgument, "spawn: no program");
  std::vector<char*> argv;
  for (const std::string& a : o.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  if (o.env.empty()) {
    for (char** e = environ; *e != nullptr; ++e) envp.push_back(*e);
  } else {
    for (const std::string& e : o.env) envp.push_back(const_cast<char*>(e.c_str()));
  }
  envp.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return ErrnoError("fork");
  if (pid == 0) ExecChild(o, argv, envp);
  return pid;
}

Result<int> WaitExit(pid_t pid) {
  int st = 0;
  while (::waitpid(pid, &st, 0) < 0) {
    if (errno != EINTR) return ErrnoError("waitpid");
  }
  if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
  return WEXITSTATUS(st);
}

Result<Output> RunCapture(const std::vector<std::string>& argv, const std::string& input,
                          const std::vector<std::string>& env) {
  int out[2], err[2], in[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return ErrnoError("pipe");
  UniqueFd out_r(out[0]), out_w(out[1]);
  if (::pipe2(err, O_CLOEXEC) != 0) return ErrnoError("pipe");
  UniqueFd err_r(err[0]), err_w(err[1]);
  if (::pipe2(in, O_CLOEXEC) != 0) return ErrnoError("pipe");
  UniqueFd in_r(in[0]), in_w(in[1]);
  pid_t pid = TRY(Spawn({.argv = argv,
                         .fds = {input.empty() ? -1 : in_r.get(), out_w.get(), err_w.get()},
                         .env = env}));
  out_w.Reset();
  err_w.Reset();
  in_r.Reset();
  if (!input.empty()) {
    (void)!::write(in_w.get(), input.data(), input.size());  // small (< 64 KiB): a pipe holds it
  }
  in_w.Reset();
  Output result;
  pollfd pfd[2] = {{out_r.get(), POLLIN, 0}, {err_r.get(), POLLIN, 0}};
  int open = 2;
  char buf[8192];
  while (open > 0) {
    if (::poll(pfd, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (pfd[i].fd < 0 || pfd[i].revents == 0) continue;
      ssize_t n = ::read(pfd[i].fd, buf, sizeof buf);
      if (n > 0) {
        (i == 0 ? result.out : result.err).append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        pfd[i].fd = -1;
        --open;
      }
    }
  }
  result.status = TRY(WaitExit(pid));
  return result;
}

std::string FindProgram(const std::string& name) {
  if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0 ? name : "";
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr && *path != '\0' ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  // runc lives in sbin, which a non-login root shell may not have on PATH.
  dirs += ":/usr/local/sbin:/usr/sbin:/sbin";
  for (const std::string& d : Split(dirs, ':')) {
    if (d.empty()) continue;
    std::string p = JoinPath(d, name);
    if (::access(p.c_str(), X_OK) == 0) return p;
  }
  return "";
}

std::string SelfExe() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "/proc/self/exe";
  return std::string(buf, static_cast<size_t>(n));
}

}  // namespace berth::container
