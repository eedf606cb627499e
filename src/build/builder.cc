// The classic builder's loop. The Dockerfile is cut into stages at each
// FROM; the target (the last stage, or --target) and the stages it builds
// on or copies from are built, in file order, the others skipped. For each
// instruction: print "Step i/n : ...", work out the container config the
// step records (its Cmd becomes the history's created_by), look for a
// cached child of the current image with that config (docker's cache rule:
// same parent, same config), else perform it (steps.cc, copy_step.cc) and
// commit the result as a new image, the next step's parent.
#include "build/builder.h"

#include <cstdlib>

#include "base/strings.h"
#include "build/builder_internal.h"
#include "dockerfile/utf8.h"
#include "image/resolve.h"
#include "oci/image_config.h"

namespace berth::build {
namespace internal {

Error Fail(std::string m) { return Error{Code::kInvalidArgument, std::move(m)}; }

namespace {

bool IsDigits(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

// The value of a node's --from (COPY) or "" when it has none.
std::string FromFlag(const Node& n) {
  for (const std::string& f : n.flags) {
    if (f.starts_with("--from=")) return f.substr(7);
  }
  return "";
}

}  // namespace

void Builder::Print(const std::string& line) {
  if (o_.quiet) return;
  std::fprintf(o_.out, "%s\n", line.c_str());
  std::fflush(o_.out);
}

dockerfile::Env Builder::WordEnv() const {
  dockerfile::Env env;
  for (const auto& [k, v] : stage_->args) env.push_back(k + "=" + v);
  env.insert(env.end(), stage_->config.env.begin(), stage_->config.env.end());
  return env;
}

Result<std::string> Builder::Word(const std::string& w) const {
  return dockerfile::ProcessWord(w, WordEnv(), {.escape = file_.escape});
}

Result<BuildResult> Builder::Run() {
  auto parsed = dockerfile::Parse(o_.dockerfile);
  if (!parsed.ok()) return Fail("dockerfile parse error: " + parsed.error().message);
  file_ = std::move(*parsed);
  for (const std::string& a : o_.build_args) {
    if (auto kv = Cut(a, '=')) {
      given_args_[kv->first] = kv->second;
    } else if (const char* v = std::getenv(a.c_str())) {
      given_args_[a] = v;
    }
  }
  context_ = std::make_unique<Context>(TRY(Context::Open(o_.context_dir, StatCachePath(store_.root(), o_.context_dir))));
  std::vector<Digest> sources;
  for (const std::string& name : o_.cache_from) {
    auto id = image::ResolveImage(store_, name);  // docker skips a missing one
    if (id.ok()) sources.push_back(*id);
  }
  cache_sources_ = CacheSources(std::move(sources));
  TRY(Plan());
  stages_.resize(plans_.size());
  Stage meta;
  stage_ = &meta;
  meta_phase_ = true;
  for (const Node& n : file_.nodes) {  // the ARGs before the first FROM
    if (&n == plans_[0].from) break;
    Print("Step " + std::to_string(++step_) + "/" + std::to_string(total_steps_) + " : " +
          std::string(Trim(n.original)));
    TRY(Arg(n));
  }
  meta_phase_ = false;
  for (size_t i = 0; i < plans_.size(); ++i) {
    if (plans_[i].needed) TRY(BuildStage(i));
  }
  TRY(FinalLabels());
  std::vector<std::string> unused;
  for (const auto& [k, v] : given_args_) {
    if (!used_args_.count(k) && !ProxyArg(k)) unused.push_back(k);
  }
  if (!unused.empty()) Print("[Warning] One or more build-args [" + Join(unused, " ") + "] were not consumed");
  if (!stage_->image) return Fail("No image was generated. Is your Dockerfile empty?");
  return BuildResult{*stage_->image};
}

// moby's setDefaultPath: every stage's config has a PATH.
static void SetDefaultPath(ContainerConfig& c) {
  for (const std::string& e : c.env) {
    if (e.starts_with("PATH=")) return;
  }
  c.env.push_back("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
}

static bool Known(const std::string& c) {
  for (const char* k : {"add", "arg", "cmd", "copy", "entrypoint", "env", "expose", "from", "healthcheck", "label",
                        "maintainer", "onbuild", "run", "shell", "stopsignal", "user", "volume", "workdir"}) {
    if (c == k) return true;
  }
  return false;
}

// Cuts the file into stages, finds the target and marks what it needs.
// Unknown instructions fail here, before any step runs, as docker's parse.
Status Builder::Plan() {
  for (const Node& n : file_.nodes) {
    if (!Known(n.command)) {
      return Fail("dockerfile parse error line " + std::to_string(n.line) + ": unknown instruction: " +
                  dockerfile::GoToUpper(n.command));
    }
  }
  for (const Node& n : file_.nodes) {
    if (n.command == "from") {
      StagePlan p;
      p.from = &n;
      if (n.args.size() == 3) {
        if (ToLower(n.args[1]) != "as") return Fail("FROM requires either one or three arguments");
        p.name = ToLower(n.args[2]);
        for (const StagePlan& q : plans_) {
          if (q.name == p.name) return Fail("duplicate name " + n.args[2]);
        }
      } else if (n.args.size() != 1) {
        return Fail("FROM requires either one or three arguments");
      }
      plans_.push_back(std::move(p));
    } else if (!plans_.empty()) {
      plans_.back().nodes.push_back(&n);
    } else if (n.command != "arg") {
      return Fail("Please provide a source image with `from` prior to commit");
    }
  }
  if (plans_.empty()) return Fail("No image was generated. Is your Dockerfile empty?");
  size_t target = plans_.size() - 1;
  if (!o_.target.empty()) {
    target = plans_.size();
    for (size_t i = 0; i < plans_.size(); ++i) {
      if (plans_[i].name == ToLower(o_.target)) target = i;
    }
    if (target == plans_.size()) return Fail("failed to reach build target " + o_.target + " in Dockerfile");
  }
  // A stage needs the earlier stages its FROM or a COPY --from names.
  auto stage_named = [&](const std::string& ref, size_t before) -> std::optional<size_t> {
    if (IsDigits(ref)) {
      size_t i = std::stoul(ref);
      if (i < before) return i;
      return std::nullopt;
    }
    for (size_t i = 0; i < before; ++i) {
      if (!plans_[i].name.empty() && plans_[i].name == ToLower(ref)) return i;
    }
    return std::nullopt;
  };
  plans_[target].needed = true;
  for (size_t i = target + 1; i-- > 0;) {
    if (!plans_[i].needed) continue;
    if (auto s = stage_named(plans_[i].from->args[0], i); s && !IsDigits(plans_[i].from->args[0])) {
      plans_[*s].needed = true;
    }
    for (const Node* n : plans_[i].nodes) {
      std::string from = FromFlag(*n);
      if (auto s = stage_named(from, i); !from.empty() && s) plans_[*s].needed = true;
    }
  }
  for (const Node& n : file_.nodes) {
    if (&n == plans_[0].from) break;
    ++total_steps_;
  }
  for (const StagePlan& p : plans_) {
    if (p.needed) total_steps_ += 1 + p.nodes.size();
  }
  plans_.resize(target + 1);
  return Ok();
}

Status Builder::BuildStage(size_t index) {
  current_ = index;
  stage_ = &stages_[index];
  const StagePlan& p = plans_[index];
  Print("Step " + std::to_string(++step_) + "/" + std::to_string(total_steps_) + " : " +
        std::string(Trim(p.from->original)));
  TRY(From(*p.from, index));
  for (const Node* n : p.nodes) {
    Print("Step " + std::to_string(++step_) + "/" + std::to_string(total_steps_) + " : " +
          std::string(Trim(n->original)));
    TRY(Step(*n));
  }
  stage_->built = true;
  return Ok();
}

Status Builder::Step(const Node& n) {
  const std::string& c = n.command;
  if (c == "arg") return Arg(n);
  if (c == "run") return RunStep(n);
  if (c == "copy" || c == "add") return Copy(n);
  if (c == "cmd" || c == "entrypoint" || c == "env" || c == "label" || c == "expose" || c == "user" ||
      c == "workdir" || c == "volume" || c == "healthcheck" || c == "onbuild" || c == "stopsignal" ||
      c == "maintainer" || c == "shell") {
    return Metadata(n);
  }
  if (c == "from") return Fail("FROM is not allowed here");  // only in ONBUILD triggers
  return Fail("dockerfile parse error line " + std::to_string(n.line) + ": unknown instruction: " +
              dockerfile::GoToUpper(c));
}

// An image by name for FROM or COPY --from: in the store, else pulled (as
// docker pulls a missing base; --pull pulls a FROM image every time).
Result<Digest> Builder::ImageFor(const std::string& name) {
  auto id = image::ResolveImage(store_, name);
  bool pull = o_.always_pull || (!id.ok() && id.error().code == Code::kNotFound);
  if (pull && o_.pull) {
    auto ref = ParseNormalizedNamed(name);
    if (!ref.ok()) return id.ok() ? Result<Digest>(*id) : ref.error();
    if (int rc = o_.pull(WithDefaultTag(*ref)); rc != 0) {
      *exit_status_ = rc;
      return MakeError(Code::kCancelled, "");
    }
    id = image::ResolveImage(store_, name);
  }
  return id;
}

Status Builder::From(const Node& n, size_t index) {
  dockerfile::Env env;
  for (const auto& [k, v] : meta_args_) env.push_back(k + "=" + v);
  TRY(dockerfile::ParseFlags(n.flags, {"platform"}));
  for (const std::string& f : n.flags) {
    std::string platform = TRY(dockerfile::ProcessWord(f.substr(f.find('=') + 1), env, {.escape = file_.escape}));
    if (o_.check_platform) TRY(o_.check_platform(platform));
  }
  std::string name = TRY(dockerfile::ProcessWord(n.args[0], env, {.escape = file_.escape}));
  *stage_ = Stage{};
  for (size_t i = 0; i < index; ++i) {
    if (!plans_[i].name.empty() && plans_[i].name == ToLower(name)) {
      Stage& base = stages_[i];
      stage_->image = base.image;
      stage_->config = base.config;
      SetDefaultPath(stage_->config);
      if (base.image && base.config.on_build.empty()) Print(" ---> " + base.image->Short());
      return RunTriggers(base.config.on_build);
    }
  }
  if (name == "scratch") {
    Print(" ---> ");  // docker prints the empty id
    SetDefaultPath(stage_->config);
    return Ok();
  }
  Digest id = TRY(ImageFor(name));
  ImageConfig cfg = TRY(ImageConfig::Parse(TRY(store_.content().ReadSmall(id))));
  stage_->image = id;
  stage_->config = cfg.config;
  SetDefaultPath(stage_->config);
  if (cfg.config.on_build.empty()) Print(" ---> " + id.Short());
  return RunTriggers(cfg.config.on_build);
}

// docker's processOnBuild: the base's triggers run as steps of this stage
// (without Step lines), and the stage's own config starts with none.
Status Builder::RunTriggers(std::vector<std::string> triggers) {
  stage_->config.on_build.clear();
  if (triggers.empty()) return Ok();
  Print("# Executing " + std::to_string(triggers.size()) + " build trigger" + (triggers.size() > 1 ? "s" : ""));
  for (const std::string& t : triggers) {
    auto parsed = dockerfile::Parse(t);
    if (!parsed.ok()) return Fail("dockerfile parse error: " + parsed.error().message);
    for (const Node& n : parsed->nodes) {
      std::string upper = dockerfile::GoToUpper(n.command);
      if (n.command == "onbuild") return Fail("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
      if (n.command == "maintainer" || n.command == "from") return Fail(upper + " isn't allowed as an ONBUILD trigger");
      TRY(Step(n));
    }
  }
  return Ok();
}

Status Builder::Arg(const Node& n) {
  if (n.args.size() != 1) return Fail("ARG requires exactly one argument");
  const std::string& decl = n.args[0];
  auto kv = Cut(decl, '=');
  std::string name = kv ? kv->first : decl;
  std::optional<std::string> value;
  if (kv) value = TRY(Word(kv->second));
  if (given_args_.count(name)) {
    value = given_args_[name];
    used_args_.insert(name);
  }
  if (meta_phase_) {
    if (value) meta_args_[name] = *value;
    return Ok();
  }
  if (!value && meta_args_.count(name)) value = meta_args_[name];
  if (value) stage_->args[name] = *value;
  ContainerConfig cc = NopConfig(stage_->config, "ARG " + decl);
  if (TRY(FromCache(cc, stage_->config))) return Ok();
  return Commit("", cc, stage_->config, "");
}

// --label: one more step on the target, as docker adds it.
Status Builder::FinalLabels() {
  if (o_.labels.empty() || !stage_->image) return Ok();
  ContainerConfig next = stage_->config;
  std::string text = "LABEL";
  for (const auto& [k, v] : o_.labels) {
    next.labels[k] = v;
    text += " " + dockerfile::GoQuote(k) + "=" + dockerfile::GoQuote(v);
  }
  ContainerConfig cc = NopConfig(next, text);
  if (!TRY(FromCache(cc, next))) TRY(Commit("", cc, next, ""));
  return Ok();
}

}  // namespace internal

Result<BuildResult> Build(store::Store& store, const BuildOptions& options, int* exit_status) {
  *exit_status = 1;
  return internal::Builder(store, options, exit_status).Run();
}

}  // namespace berth::build
