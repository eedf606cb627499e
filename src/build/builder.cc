// The classic builder's loop. For each instruction: print "Step i/n : ...",
// work out the container config the step records (its Cmd becomes the
// history's created_by), look for a cached child of the current image with
// that config (docker's cache rule: same parent, same config), else perform
// it (RUN in a container, COPY into a staging layer, the rest as config
// only) and commit the result as a new image, the next step's parent.
#include "build/builder.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "base/file.h"
#include "base/strings.h"
#include "build/context.h"
#include "container/attach.h"
#include "container/lifecycle.h"
#include "dockerfile/lex.h"
#include "dockerfile/parser.h"
#include "dockerfile/utf8.h"
#include "image/changes.h"
#include "image/commit.h"
#include "image/resolve.h"
#include "oci/image_config.h"
#include "store/ingest.h"

namespace berth::build {
namespace {

using dockerfile::Node;

Error Fail(std::string m) { return Error{Code::kInvalidArgument, std::move(m)}; }

// Go's %q of a []string: ["a" "b"].
std::string GoQuoteList(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? " " : "") + dockerfile::GoQuote(v[i]);
  return out + "]";
}

// A step's container config for the cache and the history: the stage's
// config with Cmd ["/bin/sh", "-c", "#(nop) ", text] (docker's
// withCmdComment: history shows "/bin/sh -c #(nop)  CMD [...]").
ContainerConfig NopConfig(const ContainerConfig& c, const std::string& text) {
  ContainerConfig cc = c;
  cc.cmd = std::vector<std::string>{"/bin/sh", "-c", "#(nop) ", text};
  return cc;
}

// docker's cache comparison (image/cache/compare.go): the fields a step
// can change, not the hostname or image name.
bool SameStep(const ContainerConfig& a, const ContainerConfig& b) {
  return a.cmd == b.cmd && a.entrypoint == b.entrypoint && a.env == b.env && a.labels == b.labels &&
         a.exposed_ports == b.exposed_ports && a.volumes == b.volumes && a.user == b.user &&
         a.working_dir == b.working_dir && a.tty == b.tty && a.open_stdin == b.open_stdin &&
         a.stop_signal == b.stop_signal && a.on_build == b.on_build && a.healthcheck == b.healthcheck;
}

struct Stage {
  std::optional<Digest> image{};  // nullopt: scratch with nothing committed yet
  ContainerConfig config{};
  bool cmd_set = false;
  std::map<std::string, std::string> args{};  // ARGs in scope, with their values
};

class Builder {
 public:
  Builder(store::Store& store, const BuildOptions& o, int* exit_status)
      : store_(store), o_(o), exit_status_(exit_status) {}

  Result<BuildResult> Run();

 private:
  Status Step(const Node& n);
  Status From(const Node& n);
  Status Arg(const Node& n);
  Status Metadata(const Node& n);
  Status RunStep(const Node& n);
  Status Copy(const Node& n);
  Result<bool> FromCache(const ContainerConfig& cc);
  // Commits the step; prints " ---> <id>" unless before_id says what to print first.
  Status Commit(const std::string& upper, const ContainerConfig& cc, const ContainerConfig& image_config,
                const std::string& container_id, const std::string& before_id = "");
  dockerfile::Env WordEnv() const;
  void Print(const std::string& line) {
    if (o_.quiet) return;
    std::fprintf(o_.out, "%s\n", line.c_str());
    std::fflush(o_.out);
  }

  store::Store& store_;
  const BuildOptions& o_;
  int* exit_status_;
  dockerfile::Dockerfile file_;
  std::unique_ptr<Context> context_;
  Stage stage_;
  bool seen_from_ = false;
  std::map<std::string, std::string> given_args_;  // --build-arg
  std::map<std::string, std::string> meta_args_;   // ARGs before the first FROM
};

dockerfile::Env Builder::WordEnv() const {
  dockerfile::Env env;
  for (const auto& [k, v] : stage_.args) env.push_back(k + "=" + v);
  env.insert(env.end(), stage_.config.env.begin(), stage_.config.env.end());
  return env;
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
  size_t total = file_.nodes.size();
  for (size_t i = 0; i < total; ++i) {
    const Node& n = file_.nodes[i];
    Print("Step " + std::to_string(i + 1) + "/" + std::to_string(total) + " : " +
          std::string(Trim(n.original)));
    TRY(Step(n));
  }
  if (!o_.labels.empty() && stage_.image) {
    ContainerConfig next = stage_.config;
    std::string text = "LABEL";
    for (const auto& [k, v] : o_.labels) {
      next.labels[k] = v;
      text += " " + dockerfile::GoQuote(k) + "=" + dockerfile::GoQuote(v);
    }
    ContainerConfig cc = NopConfig(next, text);
    if (!TRY(FromCache(cc))) TRY(Commit("", cc, next, ""));
  }
  if (!stage_.image) return Fail("No image was generated. Is your Dockerfile empty?");
  return BuildResult{*stage_.image};
}

Status Builder::Step(const Node& n) {
  const std::string& c = n.command;
  if (c == "from") return From(n);
  if (c == "arg") return Arg(n);
  if (!seen_from_) {
    return Fail("Please provide a source image with `from` prior to commit");
  }
  if (c == "run") return RunStep(n);
  if (c == "copy") return Copy(n);
  if (c == "cmd" || c == "entrypoint" || c == "env" || c == "label" || c == "expose" ||
      c == "user" || c == "workdir" || c == "volume" || c == "healthcheck" || c == "onbuild" ||
      c == "stopsignal" || c == "maintainer") {
    return Metadata(n);
  }
  if (c == "add" || c == "shell") {
    return MakeError(Code::kUnimplemented, "berth does not build " + dockerfile::GoToUpper(c) + " instructions yet");
  }
  return Fail("dockerfile parse error line " + std::to_string(n.line) + ": unknown instruction: " +
              dockerfile::GoToUpper(c));
}

Status Builder::From(const Node& n) {
  if (n.args.size() != 1 && n.args.size() != 3) return Fail("FROM requires either one or three arguments");
  if (n.args.size() == 3) {
    return MakeError(Code::kUnimplemented, "berth does not build multi-stage Dockerfiles (FROM ... AS) yet");
  }
  if (seen_from_) {
    return MakeError(Code::kUnimplemented, "berth does not build multi-stage Dockerfiles yet");
  }
  seen_from_ = true;
  dockerfile::Env env;
  for (const auto& [k, v] : meta_args_) env.push_back(k + "=" + v);
  std::string name = TRY(dockerfile::ProcessWord(n.args[0], env, {.escape = file_.escape}));
  stage_ = Stage{};
  if (name == "scratch") return MakeError(Code::kUnimplemented, "berth does not build FROM scratch yet");
  auto id = image::ResolveImage(store_, name);
  if (!id.ok() && id.error().code == Code::kNotFound && o_.pull) {
    if (auto ref = ParseNormalizedNamed(name); ref.ok()) {
      if (int rc = o_.pull(WithDefaultTag(*ref)); rc != 0) {
        *exit_status_ = rc;
        return MakeError(Code::kCancelled, "");
      }
      id = image::ResolveImage(store_, name);
    }
  }
  if (!id.ok()) return id.error();
  ImageConfig cfg = TRY(ImageConfig::Parse(TRY(store_.content().ReadSmall(*id))));
  if (!cfg.config.on_build.empty()) {
    return MakeError(Code::kUnimplemented, "berth does not run ONBUILD triggers yet");
  }
  stage_.image = *id;
  stage_.config = cfg.config;
  Print(" ---> " + id->Short());
  return Ok();
}

Status Builder::Arg(const Node& n) {
  if (n.args.size() != 1) return Fail("ARG requires exactly one argument");
  const std::string& decl = n.args[0];
  auto kv = Cut(decl, '=');
  std::string name = kv ? kv->first : decl;
  std::optional<std::string> value;
  if (kv) value = TRY(dockerfile::ProcessWord(kv->second, WordEnv(), {.escape = file_.escape}));
  if (given_args_.count(name)) value = given_args_[name];
  if (!seen_from_) {
    if (value) meta_args_[name] = *value;
    return Ok();
  }
  if (!value && meta_args_.count(name)) value = meta_args_[name];
  if (value) stage_.args[name] = *value;
  ContainerConfig cc = NopConfig(stage_.config, "ARG " + decl);
  if (TRY(FromCache(cc))) return Ok();
  return Commit("", cc, stage_.config, "");
}

Status Builder::Metadata(const Node& n) {
  ContainerConfig next = stage_.config;
  bool cmd_set = stage_.cmd_set;
  std::string text;
  if (n.command == "maintainer" || n.command == "stopsignal") {
    if (n.args.size() != 1) return Fail(dockerfile::GoToUpper(n.command) + " requires exactly one argument");
    std::string v = n.command == "stopsignal"
                        ? TRY(dockerfile::ProcessWord(n.args[0], WordEnv(), {.escape = file_.escape}))
                        : n.args[0];
    if (n.command == "stopsignal") next.stop_signal = v;
    text = dockerfile::GoToUpper(n.command) + " " + v;
  } else {
    dockerfile::Env args;
    for (const auto& [k, v] : stage_.args) args.push_back(k + "=" + v);
    TRY(image::ApplyInstruction(n, next, args, file_.escape, cmd_set));
    const std::string& c = n.command;
    if (c == "cmd") {
      text = "CMD " + GoQuoteList(next.cmd.value_or(std::vector<std::string>{}));
    } else if (c == "entrypoint") {
      text = "ENTRYPOINT " + GoQuoteList(next.entrypoint.value_or(std::vector<std::string>{}));
    } else if (c == "env" || c == "label") {
      text = dockerfile::GoToUpper(c);
      for (size_t i = 0; i + 1 < n.args.size(); i += 2) {
        std::string k = TRY(dockerfile::ProcessWord(n.args[i], WordEnv(), {.escape = file_.escape}));
        std::string v = TRY(dockerfile::ProcessWord(n.args[i + 1], WordEnv(), {.escape = file_.escape}));
        text += " " + (c == "label" ? dockerfile::GoQuote(k) + "=" + dockerfile::GoQuote(v) : k + "=" + v);
      }
    } else if (c == "expose") {
      text = "EXPOSE";
      for (const std::string& p : next.exposed_ports) {
        if (!stage_.config.exposed_ports.count(p)) text += " " + p;
      }
    } else if (c == "user") {
      text = "USER " + next.user;
    } else if (c == "workdir") {
      text = "WORKDIR " + next.working_dir;
    } else if (c == "volume") {
      std::vector<std::string> v(next.volumes.begin(), next.volumes.end());
      text = "VOLUME [" + Join(v, " ") + "]";
    } else {
      text = std::string(Trim(n.original));
    }
  }
  ContainerConfig cc = NopConfig(next, text);
  stage_.cmd_set = cmd_set;
  if (TRY(FromCache(cc))) {
    stage_.config = next;
    return Ok();
  }
  TRY(Commit("", cc, next, ""));
  return Ok();
}

Result<bool> Builder::FromCache(const ContainerConfig& cc) {
  if (o_.no_cache || !stage_.image) return false;
  for (const store::ImageRecord& img : TRY(store_.metadata().ListImages())) {
    if (img.parent != stage_.image->str()) continue;
    auto raw = store_.content().ReadSmall(img.id);
    if (!raw.ok()) continue;
    auto cfg = ImageConfig::Parse(*raw);
    if (!cfg.ok() || !cfg->container_config || !SameStep(*cfg->container_config, cc)) continue;
    Print(" ---> Using cache");
    Print(" ---> " + img.id.Short());
    stage_.image = img.id;
    stage_.config = cfg->config;
    return true;
  }
  return false;
}

Status Builder::Commit(const std::string& upper, const ContainerConfig& cc,
                       const ContainerConfig& image_config, const std::string& container_id,
                       const std::string& before_id) {
  std::string dir = upper;
  std::optional<store::IngestDir> empty;
  if (dir.empty()) {
    empty.emplace(TRY(store::IngestDir::Create(store_.content().ingest_dir())));
    dir = empty->Join("empty");
    TRY(MkdirAll(dir, 0755));
  }
  auto res = TRY(image::Commit(store_, {.parent_image = stage_.image,
                                         .upper_dir = dir,
                                         .container_config = cc,
                                         .container_id = container_id,
                                         .image_config = image_config,
                                         .source_date_epoch = o_.source_date_epoch}));
  stage_.image = res.id;
  stage_.config = image_config;
  if (!before_id.empty()) Print(before_id);
  Print(" ---> " + res.id.Short());
  return Ok();
}

Status Builder::RunStep(const Node& n) {
  std::vector<std::string> line = dockerfile::CommandLine(n);
  std::vector<std::string> cmd = line;
  if (!n.json) {
    cmd = stage_.config.shell.empty() ? std::vector<std::string>{"/bin/sh", "-c"} : stage_.config.shell;
    cmd.insert(cmd.end(), line.begin(), line.end());
  }
  // The cache key carries the build args in use, as docker's "|N K=V" prefix.
  ContainerConfig cc = stage_.config;
  cc.entrypoint.reset();
  cc.cmd = cmd;
  if (!stage_.args.empty()) {
    std::vector<std::string> keyed{"|" + std::to_string(stage_.args.size())};
    for (const auto& [k, v] : stage_.args) keyed.push_back(k + "=" + v);
    keyed.insert(keyed.end(), cmd.begin(), cmd.end());
    cc.cmd = keyed;
  }
  if (TRY(FromCache(cc))) return Ok();
  container::Container c;
  c.image = stage_.image->str();
  c.image_id = *stage_.image;
  c.config = stage_.config;
  c.config.cmd = cmd;
  c.config.entrypoint.reset();
  for (const auto& [k, v] : stage_.args) {
    bool set = false;
    for (const std::string& e : c.config.env) set = set || e.starts_with(k + "=");
    if (!set) c.config.env.push_back(k + "=" + v);
  }
  c.host.network_mode = o_.network;
  c = TRY(container::CreateContainer(store_, std::move(c)));
  Print(" ---> Running in " + c.id.substr(0, 12));
  int status = 125;
  auto sock = container::StartContainer(store_, c, &status);
  Result<int> code = sock.ok() ? container::Relay(sock->get(), {.sig_proxy = false, .discard_output = o_.quiet})
                               : Result<int>(sock.error());
  if (!code.ok() || *code != 0) {
    if (o_.force_rm) (void)container::RemoveContainerNow(store_, c);
    if (!code.ok()) return code.error();
    *exit_status_ = *code;
    return MakeError(Code::kInternal, "The command '" + Join(cmd, " ") + "' returned a non-zero code: " +
                                          std::to_string(*code));
  }
  (void)container::WaitContainer(store_, c);  // the monitor lets go of the upper dir
  container::ContainerDir d = container::ContainerDir::Of(store_.root(), c.id);
  TRY(Commit(d.upper(), cc, stage_.config, c.id, "Removing intermediate container " + c.id.substr(0, 12)));
  return container::RemoveContainerNow(store_, c);
}

Status Builder::Copy(const Node& n) {
  if (!n.flags.empty()) return MakeError(Code::kUnimplemented, "berth does not build COPY flags (" + n.flags[0] + ") yet");
  const std::vector<std::string>& words = n.args;
  if (words.size() < 2) return Fail("COPY requires at least two arguments, but got " + std::to_string(words.size()));
  std::vector<std::string> srcs;
  for (size_t i = 0; i + 1 < words.size(); ++i) {
    srcs.push_back(TRY(dockerfile::ProcessWord(words[i], WordEnv(), {.escape = file_.escape})));
  }
  std::string dest = TRY(dockerfile::ProcessWord(words.back(), WordEnv(), {.escape = file_.escape}));
  std::vector<std::string> paths;
  for (const std::string& s : srcs) {
    for (std::string& p : TRY(context_->Sources(s))) paths.push_back(std::move(p));
  }
  bool dest_is_dir = dest.ends_with("/") || paths.size() > 1;
  if (dest.empty() || dest[0] != '/') {
    dest = (stage_.config.working_dir.empty() ? std::string("/") : stage_.config.working_dir + "/") + dest;
  }
  Digest hash = TRY(context_->Hash(paths));
  bool one_dir = paths.size() == 1 && TRY(context_->IsDir(paths[0]));
  std::string kind = paths.size() > 1 ? "multi" : one_dir ? "dir" : "file";
  // docker's withCmdCommentString: one word, so history shows one space.
  ContainerConfig cc = stage_.config;
  cc.cmd = std::vector<std::string>{"/bin/sh", "-c", "#(nop) COPY " + kind + ":" + hash.hex() + " in " + dest + " "};
  if (TRY(FromCache(cc))) return Ok();
  // Stage the layer: dest's directories, then the sources.
  store::IngestDir staging = TRY(store::IngestDir::Create(store_.content().ingest_dir()));
  std::string layer = staging.Join("layer");
  RootPath target = CleanRootPath(dest);
  std::string target_name;
  if (!dest_is_dir && !one_dir) {
    target_name = target.back();
    target.pop_back();
  }
  TRY(MkdirAll(layer, 0755));
  RootFs root = TRY(RootFs::Open(layer));
  UniqueFd into = TRY(root.OpenDir(target, /*create=*/true));
  for (const std::string& p : paths) {
    // A directory's contents go into the target; a file gets its own name
    // there, or the target's name when COPY names a file.
    std::string name = TRY(context_->IsDir(p)) ? "."
                       : !target_name.empty() ? target_name
                                              : CleanRootPath(p).back();
    TRY(context_->CopyTo(p, into.get(), name));
  }
  TRY(Commit(layer, cc, stage_.config, ""));
  return Ok();
}

}  // namespace

Result<BuildResult> Build(store::Store& store, const BuildOptions& options, int* exit_status) {
  *exit_status = 1;
  return Builder(store, options, exit_status).Run();
}

}  // namespace berth::build
