// pflag-compatible parsing and help rendering, so that berth accepts every
// command line docker accepts and rejects the rest with docker's words.
#include "cli/flags.h"

#include <algorithm>

#include "base/strings.h"

namespace berth::cli {

FlagSet::FlagSet(std::string command_path, std::string use, std::string summary)
    : command_path_(std::move(command_path)), use_(std::move(use)), summary_(std::move(summary)) {
  Flag h;
  h.name = "help";
  h.type = FlagType::kBool;
  h.usage = "Print usage";
  h.hidden = true;
  Add(std::move(h));
}

namespace {

// A flag with its identity set and every value at its default. (Assigned
// member by member: GCC 12's -Wextra flags designated initializers that
// leave members out.)
Flag NewFlag(const std::string& name, char shorthand, FlagType type, const std::string& usage,
             const std::string& value_name = "") {
  Flag f;
  f.name = name;
  f.shorthand = shorthand;
  f.type = type;
  f.usage = usage;
  f.value_name = value_name;
  return f;
}

}  // namespace

Flag* FlagSet::Add(Flag f) {
  flags_.push_back(std::make_unique<Flag>(std::move(f)));
  return flags_.back().get();
}

bool* FlagSet::Bool(const std::string& name, char shorthand, bool def, const std::string& usage) {
  Flag f = NewFlag(name, shorthand, FlagType::kBool, usage);
  f.b = def;
  if (def) f.default_text = "true";
  return &Add(std::move(f))->b;
}

std::string* FlagSet::String(const std::string& name, char shorthand, const std::string& def,
                             const std::string& usage, const std::string& value_name) {
  Flag f = NewFlag(name, shorthand, FlagType::kString, usage, value_name);
  f.s = def;
  if (!def.empty()) f.default_text = Quote(def);
  return &Add(std::move(f))->s;
}

std::vector<std::string>* FlagSet::StringArray(const std::string& name, char shorthand,
                                               const std::string& usage,
                                               const std::string& value_name) {
  Flag f = NewFlag(name, shorthand, FlagType::kStringArray, usage, value_name);
  return &Add(std::move(f))->list;
}

std::vector<std::string>* FlagSet::Filter(const std::string& name, char shorthand, const std::string& usage) {
  Flag f = NewFlag(name, shorthand, FlagType::kStringArray, usage, "filter");
  f.name_value = true;
  return &Add(std::move(f))->list;
}

int64_t* FlagSet::Int(const std::string& name, char shorthand, int64_t def,
                      const std::string& usage) {
  Flag f = NewFlag(name, shorthand, FlagType::kInt, usage, "int");
  f.i = def;
  if (def != 0) f.default_text = std::to_string(def);
  return &Add(std::move(f))->i;
}

void FlagSet::Hide(const std::string& name) {
  if (Flag* f = FindLong(name)) f->hidden = true;
}

Flag* FlagSet::FindLong(const std::string& name) {
  for (auto& f : flags_) {
    if (f->name == name) return f.get();
  }
  return nullptr;
}

Flag* FlagSet::FindShort(char c) {
  if (c == 'h') return FindLong("help");
  for (auto& f : flags_) {
    if (f->shorthand == c) return f.get();
  }
  return nullptr;
}

bool FlagSet::Changed(const std::string& name) const {
  for (auto& f : flags_) {
    if (f->name == name) return f->changed;
  }
  return false;
}

static std::string FlagDisplay(const Flag& f) {
  if (f.shorthand) return std::string("-") + f.shorthand + ", --" + f.name;
  return "--" + f.name;
}

Status FlagSet::Set(Flag& f, const std::string& value, const std::string& display) {
  auto invalid = [&](const std::string& why) {
    return MakeError(Code::kInvalidArgument, "invalid argument " + Quote(value) + " for " +
                                                 Quote(FlagDisplay(f)) + " flag: " + why);
  };
  switch (f.type) {
    case FlagType::kBool:
      if (value == "true" || value == "1" || value == "t" || value == "T" || value == "TRUE" ||
          value == "True") {
        f.b = true;
      } else if (value == "false" || value == "0" || value == "f" || value == "F" ||
                 value == "FALSE" || value == "False") {
        f.b = false;
      } else {
        return invalid("strconv.ParseBool: parsing " + Quote(value) + ": invalid syntax");
      }
      break;
    case FlagType::kString: f.s = value; break;
    case FlagType::kStringArray:
      if (f.name_value && value.find('=') == std::string::npos) {
        return invalid("bad format of filter (expected name=value)");
      }
      f.list.push_back(value);
      break;
    case FlagType::kInt: {
      auto v = ParseInt(value);
      if (!v) return invalid("strconv.ParseInt: parsing " + Quote(value) + ": invalid syntax");
      f.i = *v;
      break;
    }
  }
  (void)display;
  f.changed = true;
  if (f.name == "help" && f.b) help_ = true;
  return Ok();
}

Status FlagSet::Parse(const std::vector<std::string>& args) {
  args_.clear();
  for (size_t i = 0; i < args.size(); i++) {
    const std::string& a = args[i];
    if (a == "--") {
      args_.insert(args_.end(), args.begin() + static_cast<long>(i) + 1, args.end());
      return Ok();
    }
    if (a.size() < 2 || a[0] != '-') {
      if (!interspersed_) {
        args_.insert(args_.end(), args.begin() + static_cast<long>(i), args.end());
        return Ok();
      }
      args_.push_back(a);
      continue;
    }
    if (a[1] == '-') {  // --name[=value]
      std::string body = a.substr(2);
      std::optional<std::string> inline_value;
      if (auto kv = Cut(body, '=')) {
        body = kv->first;
        inline_value = kv->second;
      }
      Flag* f = FindLong(body);
      if (!f) return MakeError(Code::kInvalidArgument, "unknown flag: --" + body);
      if (inline_value) {
        TRY(Set(*f, *inline_value, a));
      } else if (f->type == FlagType::kBool) {
        TRY(Set(*f, "true", a));
      } else if (i + 1 < args.size()) {
        TRY(Set(*f, args[++i], a));
      } else {
        return MakeError(Code::kInvalidArgument, "flag needs an argument: --" + body);
      }
      continue;
    }
    // -abc, -fvalue, -f value, -a=false
    for (size_t j = 1; j < a.size(); j++) {
      char c = a[j];
      Flag* f = FindShort(c);
      if (!f) {
        return MakeError(Code::kInvalidArgument,
                         std::string("unknown shorthand flag: '") + c + "' in " + a);
      }
      std::string rest = a.substr(j + 1);
      if (f->type == FlagType::kBool) {
        if (!rest.empty() && rest[0] == '=') {
          TRY(Set(*f, rest.substr(1), a));
          break;
        }
        TRY(Set(*f, "true", a));
        continue;
      }
      if (!rest.empty()) {
        TRY(Set(*f, rest[0] == '=' ? rest.substr(1) : rest, a));
      } else if (i + 1 < args.size()) {
        TRY(Set(*f, args[++i], a));
      } else {
        return MakeError(Code::kInvalidArgument,
                         std::string("flag needs an argument: '") + c + "' in -" + c);
      }
      break;
    }
  }
  return Ok();
}

std::string FlagSet::SeeHelp() const { return "See '" + command_path_ + " --help'."; }

std::string FlagSet::Help() const {
  std::string out = "\nUsage:  " + command_path_;
  std::string use_args = use_;
  if (auto sp = use_args.find(' '); sp != std::string::npos) {
    out += use_args.substr(sp);
  }
  out += "\n\n" + summary_ + "\n";
  if (!aliases_.empty()) out += "\nAliases:\n  " + Join(aliases_, ", ") + "\n";
  std::vector<std::pair<std::string, std::string>> lines;
  size_t maxlen = 0;
  std::vector<const Flag*> visible;
  for (auto& f : flags_) {
    if (!f->hidden) visible.push_back(f.get());
  }
  std::sort(visible.begin(), visible.end(),
            [](const Flag* a, const Flag* b) { return a->name < b->name; });
  for (const Flag* f : visible) {
    std::string line = f->shorthand ? std::string("  -") + f->shorthand + ", --" + f->name
                                    : "      --" + f->name;
    if (f->type != FlagType::kBool) line += " " + f->value_name;
    std::string usage = f->usage;
    if (!f->default_text.empty()) usage += " (default " + f->default_text + ")";
    maxlen = std::max(maxlen, line.size());
    lines.emplace_back(line, usage);
  }
  if (!lines.empty()) {
    out += "\nOptions:\n";
    for (auto& [line, usage] : lines) {
      out += line + std::string(maxlen - line.size() + 3, ' ') + usage + "\n";
    }
  }
  return out;
}

}  // namespace berth::cli
