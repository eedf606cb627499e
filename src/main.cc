// berth: the binary is the CLI; everything lives in the modules.
#include "cli/main.h"

int main(int argc, char** argv) { return berth::cli::Main(argc, argv); }
