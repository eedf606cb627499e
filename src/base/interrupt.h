// Interrupts: Ctrl-C (SIGINT), SIGTERM and SIGHUP turned into a Cancelled
// error that unwinds the command, so destructors clean up in-flight work
// (ingest dirs, staging snapshots) before berth exits 128+signal.
#pragma once

#include "base/result.h"

namespace berth {

// Installs berth's handler for SIGINT, SIGTERM and SIGHUP, without
// SA_RESTART so a blocked read() or write() returns EINTR. A signal ignored
// when berth started (nohup, a background job of a non-interactive shell)
// stays ignored. The first signal only records itself (async-signal-safe);
// a second one, of any of the three, restores the default disposition and
// re-raises itself, so a stuck berth still dies at once. SIGPIPE is left
// alone. Call once, early in main; calling again is harmless.
void InstallInterruptHandlers();

// For worker threads: blocks SIGINT, SIGTERM and SIGHUP in the calling
// thread, so they reach the main thread, whose blocked read() or write()
// then returns EINTR (a signal taken by a thread waiting on a condition
// variable would wake nothing).
void BlockInterruptSignalsInThisThread();

// True once one of the signals above has arrived.
bool Interrupted();

// The first signal that arrived (SIGINT, SIGTERM, SIGHUP), 0 when none.
int InterruptSignal();

// Error{Code::kCancelled, "interrupted"} once interrupted, Ok() before.
// Long loops that do not read or write a Reader/Writer check it themselves.
Status CheckInterrupted();

// Forgets a recorded signal. For tests only: berth never un-interrupts.
void ResetInterruptForTesting();

}  // namespace berth
