// FlagSet: Docker-style (cobra/pflag) command-line parsing. Long flags
// (--all, --format=x, --format x), shorthands combined (-aq, -fjson, -f json),
// explicit booleans (-H=false), repeated flags (-f a -f b), and "--".
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace berth::cli {

enum class FlagType { kBool, kString, kStringArray, kInt };

struct Flag {
  std::string name;       // "all"
  char shorthand = 0;     // 'a'
  FlagType type = FlagType::kBool;
  std::string usage;
  std::string value_name;  // shown in help: "string", "list", "int", or custom
  std::string default_text;  // shown as (default ...) in help when non-empty
  bool hidden = false;
  bool name_value = false;  // each value must be NAME=VALUE (docker's filter flags)

  // Current values (set from defaults, then from the command line).
  bool b = false;
  std::string s;
  std::vector<std::string> list;
  int64_t i = 0;
  bool changed = false;
};

class FlagSet {
 public:
  // use: "images [OPTIONS] [REPOSITORY[:TAG]]"; summary: one line of help.
  FlagSet(std::string command_path, std::string use, std::string summary);

  bool* Bool(const std::string& name, char shorthand, bool def, const std::string& usage);
  std::string* String(const std::string& name, char shorthand, const std::string& def,
                      const std::string& usage, const std::string& value_name = "string");
  std::vector<std::string>* StringArray(const std::string& name, char shorthand,
                                        const std::string& usage,
                                        const std::string& value_name = "list");
  // A repeatable --filter NAME=VALUE flag; a value without '=' is a usage
  // error, as docker's FilterOpt makes it.
  std::vector<std::string>* Filter(const std::string& name, char shorthand, const std::string& usage);
  int64_t* Int(const std::string& name, char shorthand, int64_t def, const std::string& usage);
  void Hide(const std::string& name);
  void SetAliases(std::vector<std::string> aliases) { aliases_ = std::move(aliases); }
  // With interspersed off (run, exec), parsing stops at the first positional.
  void SetInterspersed(bool on) { interspersed_ = on; }

  // Parses args (without the command name). Errors are usage errors
  // (InvalidArgument) worded like pflag: "unknown flag: --foo",
  // "unknown shorthand flag: 'x' in -x", "flag needs an argument: --format".
  Status Parse(const std::vector<std::string>& args);

  bool Changed(const std::string& name) const;
  bool help() const { return help_; }
  const std::vector<std::string>& args() const { return args_; }

  // The full "Usage: ..." help text Docker prints for --help.
  std::string Help() const;
  // "See 'docker images --help'." line used after usage errors.
  std::string SeeHelp() const;
  const std::string& command_path() const { return command_path_; }
  const std::string& use() const { return use_; }
  const std::string& summary() const { return summary_; }

 private:
  Flag* Add(Flag f);
  Flag* FindLong(const std::string& name);
  Flag* FindShort(char c);
  Status Set(Flag& f, const std::string& value, const std::string& display);

  std::string command_path_, use_, summary_;
  std::vector<std::string> aliases_;
  std::vector<std::unique_ptr<Flag>> flags_;
  std::vector<std::string> args_;
  bool interspersed_ = true;
  bool help_ = false;
};

}  // namespace berth::cli
