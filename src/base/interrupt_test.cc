#include "base/interrupt.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "base/io.h"

namespace berth {
namespace {

constexpr int kHandled[] = {SIGINT, SIGTERM, SIGHUP};

// Each test starts uninterrupted with the default dispositions and leaves
// the process that way, whatever order the tests run in.
class InterruptTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 3; i++) ::sigaction(kHandled[i], nullptr, &saved_[i]);
    ResetInterruptForTesting();
  }
  void TearDown() override {
    for (int i = 0; i < 3; i++) ::sigaction(kHandled[i], &saved_[i], nullptr);
    ResetInterruptForTesting();
  }

  // A pipe whose write end stays open with nothing written: reads block.
  void MakePipe() {
    int fds[2];
    ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    read_end_ = UniqueFd(fds[0]);
    write_end_ = UniqueFd(fds[1]);
  }

  // Sends sig to the calling thread from another thread after delay, while
  // the calling thread is (by then) blocked in a syscall.
  std::thread SignalLater(int sig, std::chrono::milliseconds delay) {
    pthread_t target = ::pthread_self();
    return std::thread([=] {
      std::this_thread::sleep_for(delay);
      ::pthread_kill(target, sig);
    });
  }

  struct sigaction saved_[3] = {};
  UniqueFd read_end_, write_end_;
};

TEST_F(InterruptTest, NothingRecordedBeforeASignal) {
  InstallInterruptHandlers();
  EXPECT_FALSE(Interrupted());
  EXPECT_EQ(InterruptSignal(), 0);
  EXPECT_TRUE(CheckInterrupted().ok());
}

TEST_F(InterruptTest, FirstSignalOnlySetsTheFlag) {
  InstallInterruptHandlers();
  ASSERT_EQ(::raise(SIGINT), 0);  // still alive afterwards
  EXPECT_TRUE(Interrupted());
  EXPECT_EQ(InterruptSignal(), SIGINT);
  Status st = CheckInterrupted();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Code::kCancelled);
  EXPECT_EQ(st.error().message, "interrupted");
}

TEST_F(InterruptTest, HandlersDoNotRestartSyscalls) {
  InstallInterruptHandlers();
  for (int sig : kHandled) {
    struct sigaction sa = {};
    ASSERT_EQ(::sigaction(sig, nullptr, &sa), 0);
    EXPECT_NE(sa.sa_handler, SIG_DFL) << sig;
    EXPECT_EQ(sa.sa_flags & SA_RESTART, 0) << sig;
  }
}

TEST_F(InterruptTest, SignalIgnoredAtStartStaysIgnored) {
  ::signal(SIGHUP, SIG_IGN);
  InstallInterruptHandlers();
  struct sigaction sa = {};
  ASSERT_EQ(::sigaction(SIGHUP, nullptr, &sa), 0);
  EXPECT_EQ(sa.sa_handler, SIG_IGN);
}

TEST_F(InterruptTest, ReadAfterTheSignalIsCancelledWithoutBlocking) {
  MakePipe();
  InstallInterruptHandlers();
  ASSERT_EQ(::raise(SIGTERM), 0);
  std::byte buf[16];
  auto r = FdReader(read_end_.get()).Read(buf);  // would block forever otherwise
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kCancelled);
  EXPECT_EQ(InterruptSignal(), SIGTERM);
}

TEST_F(InterruptTest, BlockedReadOnASilentPipeUnwinds) {
  MakePipe();
  InstallInterruptHandlers();
  std::thread t = SignalLater(SIGINT, std::chrono::milliseconds(100));
  std::byte buf[16];
  auto start = std::chrono::steady_clock::now();
  auto r = FdReader(read_end_.get()).Read(buf);
  t.join();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kCancelled);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_F(InterruptTest, BlockedWriteOnAFullPipeUnwinds) {
  MakePipe();
  // Fill the pipe so that the next blocking write waits for a reader.
  int flags = ::fcntl(write_end_.get(), F_GETFL);
  ASSERT_EQ(::fcntl(write_end_.get(), F_SETFL, flags | O_NONBLOCK), 0);
  std::byte chunk[4096] = {};
  while (::write(write_end_.get(), chunk, sizeof chunk) > 0) {
  }
  ASSERT_EQ(errno, EAGAIN);
  ASSERT_EQ(::fcntl(write_end_.get(), F_SETFL, flags), 0);
  InstallInterruptHandlers();
  std::thread t = SignalLater(SIGTERM, std::chrono::milliseconds(100));
  Status st = FdWriter(write_end_.get()).Write(chunk);
  t.join();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Code::kCancelled);
}

TEST_F(InterruptTest, WriteAfterTheSignalIsCancelled) {
  MakePipe();
  InstallInterruptHandlers();
  ASSERT_EQ(::raise(SIGHUP), 0);
  Status st = FdWriter(write_end_.get()).Write(AsBytes("x"));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Code::kCancelled);
}

// Runs first then second in a forked child with the handlers installed;
// returns the child's wait status. The child exits 0 if it survives both.
int StatusAfterTwoSignals(int first, int second) {
  pid_t pid = ::fork();
  if (pid == 0) {
    InstallInterruptHandlers();
    ::raise(first);
    if (InterruptSignal() != first) ::_exit(2);
    ::raise(second);
    ::_exit(0);
  }
  int status = 0;
  EXPECT_EQ(::waitpid(pid, &status, 0), pid);
  return status;
}

TEST_F(InterruptTest, SecondSignalKillsAtOnce) {
  int status = StatusAfterTwoSignals(SIGINT, SIGINT);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), SIGINT);
}

TEST_F(InterruptTest, SecondSignalOfAnotherKindKillsWithThatSignal) {
  int status = StatusAfterTwoSignals(SIGINT, SIGTERM);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), SIGTERM);
}

}  // namespace
}  // namespace berth
