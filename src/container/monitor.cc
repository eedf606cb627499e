// The monitor process. Its order of work:
//   1. take monitor.lock (one monitor per container), become a subreaper
//      (the container's init is reparented to it when runc exits);
//   2. in a private mount namespace: mount the overlay, write the bundle;
//   3. `runc run -d` with the container's stdio (pipes, or a terminal
//      received over the console socket), then tell the client it started;
//   4. relay output to the log and the client, client input to the
//      container, until the container's init is reaped and its output ends;
//   5. record the exit, tell the client, then clean up (runc delete; --rm).
#include "container/monitor.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>

#include "base/clock.h"
#include "base/file.h"
#include "base/strings.h"
#include "container/attach.h"
#include "container/bundle.h"
#include "container/lifecycle.h"
#include "container/network.h"
#include "container/process.h"
#include "container/runc.h"
#include "runtime/etc_files.h"
#include "runtime/json_log.h"

namespace berth::container {
namespace {

constexpr int kClientFd = 3;

// Receives the terminal's master end that runc sends over the console socket.
Result<UniqueFd> ReceiveConsole(int listener) {
  UniqueFd conn(::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
  if (!conn.valid()) return ErrnoError("accept the runtime's console");
  char name[256];
  iovec iov{name, sizeof name};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  if (::recvmsg(conn.get(), &msg, MSG_CMSG_CLOEXEC) < 0) return ErrnoError("receive the console");
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  if (c == nullptr || c->cmsg_type != SCM_RIGHTS) {
    return MakeError(Code::kInternal, "the runtime sent no console");
  }
  int fd;
  std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
  return UniqueFd(fd);
}

Result<UniqueFd> ListenConsole(std::string* path) {
  TRY(MkdirAll("/run/berth", 0700));
  *path = "/run/berth/console-" + RandomName() + ".sock";
  UniqueFd s(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!s.valid()) return ErrnoError("socket");
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path->c_str(), sizeof addr.sun_path - 1);
  if (::bind(s.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(s.get(), 1) != 0) {
    return ErrnoError("listen on " + *path);
  }
  return s;
}

class Monitor {
 public:
  Monitor(std::string root, std::string id)
      : root_(std::move(root)), id_(std::move(id)), dir_(ContainerDir::Of(root_, id_)) {}

  int Run();

 private:
  Status Setup();
  // Starts the container; on failure *status is Docker's exit status for it.
  Status Launch(int* status);
  Status Loop();
  Status JoinBridge();
  void LeaveBridge();
  void OnOutput(int& fd, runtime::LogStream stream);
  void OnClient();
  void FlushStdin();
  void Send(FrameType t, std::string_view payload);
  void Reap();

  std::string root_, id_;
  ContainerDir dir_;
  std::unique_ptr<store::Store> store_;
  Container c_;
  State state_;
  UniqueFd lock_;
  std::string runtime_;
  int client_ = kClientFd;
  FrameParser parser_;
  UniqueFd sigfd_, out_, err_, in_, console_;
  std::string pending_in_;
  bool close_in_ = false;
  std::unique_ptr<runtime::JsonLogWriter> log_;
  std::string netns_;  // the container's network namespace (bridge), via netns_fd_
  UniqueFd netns_fd_;
  int master_ = -1;  // the terminal's master end while it is open (-t)
  pid_t pid_ = 0;
  bool exited_ = false;
  int exit_code_ = 0;
};

void Monitor::Send(FrameType t, std::string_view payload) {
  if (client_ < 0) return;
  if (!WriteFrame(client_, t, payload).ok()) {
    ::close(client_);
    client_ = -1;
  }
}

Status Monitor::Setup() {
  // The previous monitor may still be running `runc delete` for a moment.
  auto lock = LockMonitor(dir_, 5000);
  if (!lock.ok()) return MakeError(Code::kConflict, "container " + id_ + " is already running");
  lock_ = std::move(*lock);
  store_ = TRY(store::Store::Open(root_));
  c_ = TRY(LoadContainer(*store_, id_));
  state_ = TRY(ReadState(dir_));
  runtime_ = TRY(RuntimePath(c_.host.runtime));
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  ::sigprocmask(SIG_BLOCK, &set, nullptr);
  sigfd_.Reset(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!sigfd_.valid()) return ErrnoError("signalfd");
  TRY(EnterPrivateMountNamespace());
  TRY(MountRootfs(*store_, c_, dir_));
  TRY(WriteBundle(c_, dir_));
  log_ = TRY(runtime::JsonLogWriter::Open(dir_.log(id_)));
  return Ok();
}

Status Monitor::Launch(int* status) {
  *status = 125;
  std::vector<std::string> argv = RuntimeArgv(runtime_);
  std::string pidfile = dir_.bundle() + "/pid";
  (void)::unlink(pidfile.c_str());
  // The bridge network is added between `runc create` and `runc start`.
  bool bridge = c_.host.network_mode == "bridge";
  argv.insert(argv.end(), {"--log", dir_.bundle() + "/runtime.log", "--log-format", "json"});
  if (bridge) {
    argv.push_back("create");
  } else {
    argv.insert(argv.end(), {"run", "-d"});
  }
  argv.insert(argv.end(), {"--pid-file", pidfile, "--bundle", dir_.bundle()});
  std::vector<int> fds{-1, -1, -1};
  UniqueFd child_in, child_out, child_err, listener;
  std::string console_path;
  int p[2];
  if (c_.config.tty) {
    listener = TRY(ListenConsole(&console_path));
    argv.insert(argv.end(), {"--console-socket", console_path});
    if (::pipe2(p, O_CLOEXEC) != 0) return ErrnoError("pipe");
    err_.Reset(p[0]);
    child_err.Reset(p[1]);
    fds[2] = child_err.get();
  } else {
    if (::pipe2(p, O_CLOEXEC) != 0) return ErrnoError("pipe");
    out_.Reset(p[0]);
    child_out.Reset(p[1]);
    if (::pipe2(p, O_CLOEXEC) != 0) return ErrnoError("pipe");
    err_.Reset(p[0]);
    child_err.Reset(p[1]);
    fds[1] = child_out.get();
    fds[2] = child_err.get();
    if (c_.config.open_stdin) {
      if (::pipe2(p, O_CLOEXEC) != 0) return ErrnoError("pipe");
      child_in.Reset(p[0]);
      in_.Reset(p[1]);
      fds[0] = child_in.get();
    }
  }
  argv.push_back(id_);
  (void)RuncDelete(id_, true, runtime_);  // a leftover of a monitor killed earlier
  pid_t runc = TRY(Spawn({.argv = argv, .fds = fds, .cwd = dir_.bundle()}));
  child_in.Reset();
  child_out.Reset();
  child_err.Reset();
  int rc = TRY(WaitExit(runc));
  if (!console_path.empty()) ::unlink(console_path.c_str());
  if (rc != 0) {
    std::string text = ReadFile(dir_.bundle() + "/runtime.log").value_or("");
    std::string msg = CleanRuntimeError(text);
    if (msg.empty()) msg = "the runtime failed with status " + std::to_string(rc);
    *status = StartFailureStatus(msg);
    (void)RuncDelete(id_, true, runtime_);
    return MakeError(Code::kConflict, "OCI runtime create failed: " + msg + ": unknown");
  }
  if (c_.config.tty) {
    console_ = TRY(ReceiveConsole(listener.get()));
    if (c_.config.open_stdin) in_.Reset(::dup(console_.get()));
    out_ = std::move(console_);
    err_.Reset();  // runc's own stderr: closed once it exited
  }
  auto pid_text = TRY(ReadFile(pidfile));
  pid_ = static_cast<pid_t>(ParseInt(Trim(pid_text)).value_or(0));
  if (pid_ <= 0) return MakeError(Code::kInternal, "the runtime wrote no pid");
  if (!bridge) return Ok();
  Status net = JoinBridge();
  if (!net.ok()) {
    (void)RuncDelete(id_, true, runtime_);
    LeaveBridge();
  }
  return net;
}

Status Monitor::JoinBridge() {
  std::vector<PortMapping> ports;
  for (const std::string& p : c_.host.ports) ports.push_back(TRY(ParsePortMapping(p)));
  // Held open so that the namespace outlives the container: the plugins'
  // DEL must find the address in it to remove its masquerading rules.
  netns_fd_.Reset(::open(("/proc/" + std::to_string(pid_) + "/ns/net").c_str(), O_RDONLY | O_CLOEXEC));
  if (!netns_fd_.valid()) return ErrnoError("open the container's network namespace");
  netns_ = "/proc/" + std::to_string(::getpid()) + "/fd/" + std::to_string(netns_fd_.get());
  Attachment a = TRY(NetworkAdd(id_, netns_, ports));
  TRY(SaveAttachment(dir_.dir + "/network.json", a));
  // /etc/hosts is bind-mounted already: rewrite it in place, with the address.
  std::string hosts = runtime::HostsFile(runtime::NetworkMode::kNone, "") + a.ip + "\t" +
                      c_.config.hostname + "\n";
  UniqueFd fd(::open((dir_.etc() + "/hosts").c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
  if (!fd.valid() || ::write(fd.get(), hosts.data(), hosts.size()) != static_cast<ssize_t>(hosts.size())) {
    return ErrnoError("write the container's /etc/hosts");
  }
  std::vector<std::string> argv = RuntimeArgv(runtime_);
  argv.insert(argv.end(), {"start", id_});
  Output o = TRY(RunCapture(argv));
  if (o.status != 0) {
    return MakeError(Code::kInternal, "OCI runtime start failed: " + CleanRuntimeError(o.err + o.out));
  }
  return Ok();
}

void Monitor::LeaveBridge() {
  std::string file = dir_.dir + "/network.json";
  auto a = LoadAttachment(file);
  if (!a.ok()) return;
  (void)NetworkDel(id_, netns_, a->ports);
  ::unlink(file.c_str());
}

void Monitor::OnOutput(int& fd, runtime::LogStream stream) {
  char buf[65536];
  ssize_t n = ::read(fd, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (n <= 0) {  // EOF, or EIO from a terminal whose last user left
    (void)log_->Flush(stream, NowNanos());
    if (fd == master_) master_ = -1;
    ::close(fd);
    fd = -1;
    return;
  }
  std::string_view data(buf, static_cast<size_t>(n));
  (void)log_->Write(stream, std::span<const char>(data.data(), data.size()), NowNanos());
  Send(stream == runtime::LogStream::kStdout ? FrameType::kStdout : FrameType::kStderr, data);
}

void Monitor::OnClient() {
  char buf[65536];
  ssize_t n = ::read(client_, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (n <= 0) {
    ::close(client_);
    client_ = -1;
    return;
  }
  parser_.Feed(std::string_view(buf, static_cast<size_t>(n)));
  for (;;) {
    auto f = parser_.Next();
    if (!f.ok()) {
      ::close(client_);
      client_ = -1;
      return;
    }
    if (!*f) break;
    switch ((*f)->type) {
      case FrameType::kStdin: pending_in_ += (*f)->payload; break;
      case FrameType::kStdinClose: close_in_ = true; break;
      case FrameType::kResize: {
        auto rc = Cut((*f)->payload, ' ');
        winsize ws{};
        if (rc && master_ >= 0) {
          ws.ws_row = static_cast<unsigned short>(ParseInt(rc->first).value_or(24));
          ws.ws_col = static_cast<unsigned short>(ParseInt(rc->second).value_or(80));
          ::ioctl(master_, TIOCSWINSZ, &ws);
        }
        break;
      }
      case FrameType::kSignal:
        if (pid_ > 0 && !exited_) ::kill(pid_, static_cast<int>(ParseInt((*f)->payload).value_or(SIGTERM)));
        break;
      default: break;
    }
  }
  FlushStdin();
}

void Monitor::FlushStdin() {
  if (!in_.valid()) {
    pending_in_.clear();
    return;
  }
  while (!pending_in_.empty()) {
    ssize_t n = ::write(in_.get(), pending_in_.data(), pending_in_.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return;
      pending_in_.clear();
      break;
    }
    pending_in_.erase(0, static_cast<size_t>(n));
  }
  if (close_in_ && !c_.config.tty) in_.Reset();
}

void Monitor::Reap() {
  signalfd_siginfo si;
  while (::read(sigfd_.get(), &si, sizeof si) > 0) {
  }
  int st;
  pid_t p;
  while ((p = ::waitpid(-1, &st, WNOHANG)) > 0) {
    if (p != pid_) continue;
    exited_ = true;
    exit_code_ = WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
  }
}

Status Monitor::Loop() {
  if (in_.valid()) ::fcntl(in_.get(), F_SETFL, O_NONBLOCK);
  int out = out_.release(), err = err_.release();
  if (c_.config.tty) master_ = out;
  int64_t drain_deadline = 0;
  for (;;) {
    if (exited_ && out < 0 && err < 0) break;
    if (exited_ && drain_deadline == 0) drain_deadline = NowNanos() + 2'000'000'000;
    if (drain_deadline != 0 && NowNanos() > drain_deadline) break;
    pollfd pfd[5] = {{sigfd_.get(), POLLIN, 0}, {out, POLLIN, 0}, {err, POLLIN, 0},
                     {client_, POLLIN, 0},
                     {in_.valid() && !pending_in_.empty() ? in_.get() : -1, POLLOUT, 0}};
    int timeout = drain_deadline != 0 ? 100 : -1;
    if (::poll(pfd, 5, timeout) < 0 && errno != EINTR) return ErrnoError("poll");
    if (pfd[0].revents != 0) Reap();
    if (pfd[1].revents != 0) OnOutput(out, runtime::LogStream::kStdout);
    if (pfd[2].revents != 0) OnOutput(err, runtime::LogStream::kStderr);
    if (pfd[3].revents != 0) OnClient();
    if (pfd[4].revents != 0) FlushStdin();
  }
  if (out >= 0) ::close(out);
  if (err >= 0) ::close(err);
  (void)log_->Flush(NowNanos());
  return Ok();
}

int Monitor::Run() {
  Status st = Setup();
  int status = 125;
  if (st.ok()) st = Launch(&status);
  if (!st.ok()) {
    // Recorded (or removed, for --rm) before the client hears of it, so
    // that what it does next sees the container as it is.
    if (lock_.valid() && store_ != nullptr) {
      state_.status = state_.started_at != 0 ? "exited" : "created";
      state_.exit_code = status;
      state_.error = st.error().message;
      state_.pid = 0;
      (void)WriteState(dir_, state_);
      if (c_.host.auto_remove) (void)RemoveContainerNow(*store_, c_);
    }
    Send(FrameType::kError, std::to_string(status) + " " + st.error().message);
    return 1;
  }
  state_ = State{.status = "running", .pid = pid_, .started_at = NowNanos(),
                 .monitor_pid = ::getpid()};
  (void)WriteState(dir_, state_);
  Send(FrameType::kStarted, "");
  Status loop = Loop();
  state_.status = "exited";
  state_.exit_code = exit_code_;
  state_.pid = 0;
  state_.finished_at = NowNanos();
  if (!loop.ok()) state_.error = loop.error().message;
  (void)WriteState(dir_, state_);
  if (c_.host.auto_remove) (void)store_->metadata().DeleteContainer(id_);
  Send(FrameType::kExit, std::to_string(exit_code_));
  if (client_ >= 0) ::close(client_);
  (void)RuncDelete(id_, true, runtime_);
  LeaveBridge();
  if (c_.host.auto_remove) (void)RemoveContainerNow(*store_, c_);
  return 0;
}

}  // namespace

int MonitorMain(const std::string& store_root, const std::string& id) {
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT}) ::signal(s, SIG_IGN);
  Monitor m(store_root, id);
  return m.Run();
}

}  // namespace berth::container
