// Entry point of the berth binary: global flags, then dispatch to a command.
#pragma once

namespace berth::cli {

int Main(int argc, char** argv);

}  // namespace berth::cli
