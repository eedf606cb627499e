// Why berth handles signals at all: the default action of SIGINT/SIGTERM
// kills the process where it stands, leaving a half-written ingest dir for
// the next GC. Instead the handler records the signal, the next (or the
// interrupted) read or write fails with Cancelled, the error unwinds the
// command through the destructors that remove what was in flight, and main
// exits 128+signal. The handler is the only code here that runs in signal
// context; it touches one lock-free atomic and, on a second signal,
// sigaction() and raise(), all async-signal-safe.
#include "base/interrupt.h"

#include <signal.h>

#include <atomic>
#include <cerrno>

namespace berth {
namespace {

constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};

std::atomic<int> g_signal{0};
static_assert(std::atomic<int>::is_always_lock_free, "the handler needs a lock-free flag");

// Sets sig's disposition to handler (SIG_DFL or a function), no SA_RESTART.
void SetDisposition(int sig, void (*handler)(int)) {
  struct sigaction sa = {};
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;
  ::sigaction(sig, &sa, nullptr);
}

void OnSignal(int sig) {
  int none = 0;
  if (g_signal.compare_exchange_strong(none, sig)) return;
  // Second signal: the user means it. sig is blocked while this handler
  // runs, so the re-raised signal is delivered, with its default action,
  // as soon as the handler returns.
  int saved_errno = errno;
  SetDisposition(sig, SIG_DFL);
  ::raise(sig);
  errno = saved_errno;
}

bool IgnoredAtStart(int sig) {
  struct sigaction old = {};
  return ::sigaction(sig, nullptr, &old) == 0 && old.sa_handler == SIG_IGN;
}

}  // namespace

void BlockInterruptSignalsInThisThread() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : kSignals) sigaddset(&set, sig);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void InstallInterruptHandlers() {
  for (int sig : kSignals) {
    if (!IgnoredAtStart(sig)) SetDisposition(sig, OnSignal);
  }
}

bool Interrupted() { return g_signal.load(std::memory_order_relaxed) != 0; }

int InterruptSignal() { return g_signal.load(std::memory_order_relaxed); }

Status CheckInterrupted() {
  if (!Interrupted()) return Ok();
  return MakeError(Code::kCancelled, "interrupted");
}

void ResetInterruptForTesting() { g_signal.store(0); }

}  // namespace berth
