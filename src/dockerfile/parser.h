// Dockerfile text to instruction nodes: logical lines (continuations,
// comments, the `# escape=` directive), the instruction word, its --flags,
// and the arguments each instruction's own line syntax gives (JSON arrays,
// KEY=VALUE pairs, whitespace lists). No variable is expanded here.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace berth::dockerfile {

struct Node {
  std::string command;             // lower-case instruction word ("env")
  std::string original;            // the logical line as written
  std::vector<std::string> flags;  // "--interval=5s", in order
  // Arguments as the instruction's line syntax splits them, quotes kept
  // (they go later through ProcessWord): ENV/LABEL as key, value, key,
  // value...; ONBUILD as the trigger's command word then its arguments;
  // HEALTHCHECK as the type then the command.
  std::vector<std::string> args;
  bool json = false;  // the arguments were a JSON array (exec form)
  int line = 0;       // first line of the instruction, from 1
};

struct Dockerfile {
  std::vector<Node> nodes;
  char escape = '\\';
};

// Parses a whole Dockerfile. InvalidArgument with Docker's messages:
// "file with no instructions", "ENV must have two arguments",
// "Syntax error - can't find = in \"x\". Must be of the form: name=value",
// "when using JSON array syntax, arrays must be comprised of strings only".
// Unknown instructions parse (as Docker does) with no arguments.
Result<Dockerfile> Parse(std::string_view text);

// Whether Docker expands variables in an instruction's arguments: ADD ARG
// COPY ENV EXPOSE FROM LABEL STOPSIGNAL USER VOLUME WORKDIR (lower-case
// command). Not CMD, ENTRYPOINT, HEALTHCHECK, ONBUILD, RUN, SHELL,
// MAINTAINER: those keep $ for the shell or for the later build.
bool ExpandsVariables(std::string_view command);

// An instruction's --flags against the names it takes (Docker's BFlags,
// string flags only): name -> value. InvalidArgument "Unknown flag: x",
// "Missing a value on flag: x", "Duplicate flag specified: x". "--" ends
// the flags.
Result<std::map<std::string, std::string>> ParseFlags(const std::vector<std::string>& flags,
                                                      const std::vector<std::string>& known);

// Docker's handleJSONArgs: JSON arguments as they are, shell form joined
// into one string, no arguments as none.
std::vector<std::string> CommandLine(const Node& node);

}  // namespace berth::dockerfile
