// The builder's steps that are not COPY or ADD: RUN (a container whose
// upper dir becomes the layer), the metadata instructions (a new config,
// no layer; WORKDIR also makes its directory as docker does), and what
// every step shares: the cache lookup and the commit.
#include <fcntl.h>

#include "base/file.h"
#include "base/strings.h"
#include "build/builder_internal.h"
#include "container/attach.h"
#include "container/lifecycle.h"
#include "dockerfile/utf8.h"
#include "image/changes.h"
#include "image/commit.h"
#include "oci/image_config.h"
#include "store/ingest.h"
#include "tar/root_fs.h"

namespace berth::build::internal {
namespace {

// Go's %q of a []string: ["a" "b"].
std::string GoQuoteList(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? " " : "") + dockerfile::GoQuote(v[i]);
  return out + "]";
}

// docker's cache comparison (image/cache/compare.go): the fields a step
// can change, not the hostname or image name.
bool SameStep(const ContainerConfig& a, const ContainerConfig& b) {
  return a.cmd == b.cmd && a.entrypoint == b.entrypoint && a.env == b.env && a.labels == b.labels &&
         a.exposed_ports == b.exposed_ports && a.volumes == b.volumes && a.user == b.user &&
         a.working_dir == b.working_dir && a.tty == b.tty && a.open_stdin == b.open_stdin &&
         a.stop_signal == b.stop_signal && a.on_build == b.on_build && a.healthcheck == b.healthcheck &&
         a.shell == b.shell;
}

}  // namespace

// The build args docker passes to RUN without an ARG and keeps out of the
// cache key and the history.
bool ProxyArg(const std::string& k) {
  for (const char* p : {"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy",
                        "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"}) {
    if (k == p) return true;
  }
  return false;
}

std::vector<std::string> Builder::Shell() const {
  return stage_->config.shell.empty() ? std::vector<std::string>{"/bin/sh", "-c"} : stage_->config.shell;
}

ContainerConfig Builder::NopConfig(const ContainerConfig& c, const std::string& text) const {
  ContainerConfig cc = c;
  cc.cmd = c.shell.empty() ? std::vector<std::string>{"/bin/sh", "-c"} : c.shell;
  cc.cmd->push_back("#(nop) ");
  cc.cmd->push_back(text);
  return cc;
}

Status Builder::Metadata(const Node& n) {
  ContainerConfig next = stage_->config;
  bool cmd_set = stage_->cmd_set;
  std::string text;
  const std::string& c = n.command;
  if (c == "maintainer" || c == "stopsignal") {
    if (n.args.size() != 1) return Fail(dockerfile::GoToUpper(c) + " requires exactly one argument");
    std::string v = c == "stopsignal" ? TRY(Word(n.args[0])) : n.args[0];
    if (c == "stopsignal") next.stop_signal = v;
    if (c == "maintainer") stage_->maintainer = v;
    text = dockerfile::GoToUpper(c) + " " + v;
  } else if (c == "shell") {
    if (!n.json) return Fail("SHELL requires the arguments to be in JSON form");
    if (n.args.empty()) return Fail("SHELL requires at least one argument");
    next.shell = n.args;
    text = "SHELL [" + Join(n.args, " ") + "]";
  } else {
    dockerfile::Env args;
    for (const auto& [k, v] : stage_->args) args.push_back(k + "=" + v);
    TRY(image::ApplyInstruction(n, next, args, file_.escape, cmd_set));
    if (c == "cmd") {
      text = "CMD " + GoQuoteList(next.cmd.value_or(std::vector<std::string>{}));
    } else if (c == "entrypoint") {
      text = "ENTRYPOINT " + GoQuoteList(next.entrypoint.value_or(std::vector<std::string>{}));
    } else if (c == "env" || c == "label") {
      text = dockerfile::GoToUpper(c);
      for (size_t i = 0; i + 1 < n.args.size(); i += 2) {
        std::string k = TRY(Word(n.args[i]));
        std::string v = TRY(Word(n.args[i + 1]));
        text += " " + (c == "label" ? dockerfile::GoQuote(k) + "=" + dockerfile::GoQuote(v) : k + "=" + v);
      }
    } else if (c == "expose") {
      text = "EXPOSE";
      for (const std::string& p : next.exposed_ports) {
        if (!stage_->config.exposed_ports.count(p)) text += " " + p;
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
  if (c == "workdir") {  // docker's withCmdCommentString: one word, one space
    cc.cmd = Shell();
    cc.cmd->push_back("#(nop) " + text);
  }
  stage_->cmd_set = cmd_set;
  if (TRY(FromCache(cc, next))) {
    stage_->config = next;
    return Ok();
  }
  if (c == "workdir") return Workdir(cc, next);
  return Commit("", cc, next, "");
}

// docker makes WORKDIR's directory (root's, 0755) when the image lacks it;
// the step's layer then holds it.
Status Builder::Workdir(const ContainerConfig& cc, const ContainerConfig& next) {
  RootPath dir = CleanRootPath(next.working_dir);
  {
    auto root = TRY(ImageRoot::Open(store_, stage_->image));
    RootFs fs = TRY(RootFs::Open(root->path()));
    if (fs.OpenAt(dir, O_PATH).ok()) return Commit("", cc, next, "");
  }
  store::IngestDir staging = TRY(store::IngestDir::Create(store_.content().ingest_dir()));
  std::string layer = staging.Join("layer");
  TRY(MkdirAll(layer, 0755));
  RootFs fs = TRY(RootFs::Open(layer));
  TRY(fs.OpenDir(dir, /*create=*/true));
  return Commit(layer, cc, next, "");
}

Result<bool> Builder::FromCache(const ContainerConfig& cc, const ContainerConfig& image_config) {
  if (o_.no_cache) return false;
  std::string parent = stage_->image ? stage_->image->str() : "";  // "": a step on scratch
  for (const store::ImageRecord& img : TRY(store_.metadata().ListImages())) {
    if (img.parent != parent) continue;
    auto raw = store_.content().ReadSmall(img.id);
    if (!raw.ok()) continue;
    auto cfg = ImageConfig::Parse(*raw);
    if (!cfg.ok() || !cfg->container_config || !SameStep(*cfg->container_config, cc)) continue;
    Print(" ---> Using cache");
    Print(" ---> " + img.id.Short());
    stage_->image = img.id;
    stage_->config = cfg->config;
    return true;
  }
  if (cache_sources_.empty()) return false;
  auto id = TRY(cache_sources_.Find(store_, stage_->image, cc, image_config));
  if (!id) return false;
  ImageConfig cfg = TRY(ImageConfig::Parse(TRY(store_.content().ReadSmall(*id))));
  Print(" ---> Using cache");
  Print(" ---> " + id->Short());
  stage_->image = *id;
  stage_->config = cfg.config;
  return true;
}

Status Builder::Commit(const std::string& upper, const ContainerConfig& cc, const ContainerConfig& image_config,
                       const std::string& container_id, const std::string& before_id) {
  std::string dir = upper;
  std::optional<store::IngestDir> empty;
  if (dir.empty()) {
    empty.emplace(TRY(store::IngestDir::Create(store_.content().ingest_dir())));
    dir = empty->Join("empty");
    TRY(MkdirAll(dir, 0755));
  }
  auto res = TRY(image::Commit(store_, {.parent_image = stage_->image,
                                         .upper_dir = dir,
                                         .container_config = cc,
                                         .container_id = container_id,
                                         .author = stage_->maintainer,
                                         .image_config = image_config,
                                         // COPY/ADD/WORKDIR layers are built in
                                         // staging dirs the snapshot can take over.
                                         .adopt_upper = container_id.empty(),
                                         .source_date_epoch = o_.source_date_epoch}));
  stage_->image = res.id;
  stage_->config = image_config;
  if (!before_id.empty()) Print(before_id);
  Print(" ---> " + res.id.Short());
  return Ok();
}

Status Builder::RunStep(const Node& n) {
  if (!stage_->image) return Fail("RUN needs a filesystem: this stage is FROM scratch with nothing in it yet");
  std::vector<std::string> line = dockerfile::CommandLine(n);
  std::vector<std::string> cmd = line;
  if (!n.json) {
    cmd = Shell();
    cmd.insert(cmd.end(), line.begin(), line.end());
  }
  // The cache key carries the build args in use, as docker's "|N K=V" prefix.
  ContainerConfig cc = stage_->config;
  cc.entrypoint.reset();
  cc.cmd = cmd;
  if (!stage_->args.empty()) {
    std::vector<std::string> keyed{"|" + std::to_string(stage_->args.size())};
    for (const auto& [k, v] : stage_->args) keyed.push_back(k + "=" + v);
    keyed.insert(keyed.end(), cmd.begin(), cmd.end());
    cc.cmd = keyed;
  }
  if (TRY(FromCache(cc, stage_->config))) return Ok();
  container::Container c;
  c.image = stage_->image->str();
  c.image_id = *stage_->image;
  c.config = stage_->config;
  c.config.cmd = cmd;
  c.config.entrypoint.reset();
  std::map<std::string, std::string> env = stage_->args;
  for (const auto& [k, v] : given_args_) {
    if (ProxyArg(k)) env.emplace(k, v);
  }
  for (const auto& [k, v] : env) {
    bool set = false;
    for (const std::string& e : c.config.env) set = set || e.starts_with(k + "=");
    if (!set) c.config.env.push_back(k + "=" + v);
  }
  c.host.network_mode = o_.network;
  // The image's VOLUMEs are fresh directories during the step, as docker's
  // anonymous volumes: the mountpoints land in the layer, what is written
  // inside them does not.
  std::optional<store::IngestDir> volumes;
  if (!stage_->config.volumes.empty()) {
    volumes.emplace(TRY(store::IngestDir::Create(store_.content().ingest_dir())));
    int i = 0;
    for (const std::string& v : stage_->config.volumes) {
      std::string dir = volumes->Join("volume-" + std::to_string(i++));
      TRY(MkdirAll(dir, 0755));
      c.host.binds.push_back(dir + ":" + v);
    }
  }
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
  if (!o_.remove) {  // --rm=false keeps the step's container, as docker does
    return Commit(d.upper(), cc, stage_->config, c.id);
  }
  TRY(Commit(d.upper(), cc, stage_->config, c.id, "Removing intermediate container " + c.id.substr(0, 12)));
  return container::RemoveContainerNow(store_, c);
}

}  // namespace berth::build::internal
