// Entry point of the berth binary: global flags, then dispatch to a command.
#pragma once

namespace berth::cli {

// Runs berth with argv; returns the exit status: 0, 1 for a failed command,
// 125 for bad flags, a command's own (e.g. 64 for a template error), or
// 128+signal when SIGINT, SIGTERM or SIGHUP interrupted it (130, 143, 129),
// after the command has unwound and printed at most its one error line.
int Main(int argc, char** argv);

}  // namespace berth::cli
