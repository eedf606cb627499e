// COPY and ADD: the sources (the context, or with --from a stage's or an
// image's root, or for ADD a URL) are copied into a staging directory laid
// out as the step's layer, which is committed without running a container.
// The destination is resolved inside the stage's image as docker resolves
// it in the container (a link on the way is followed, inside the root), and
// the directories on the way keep the image's modes and owners in the
// layer. ADD unpacks a local tar archive (any compression) with the layer
// applier, confined like an image layer.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <deque>

#include "base/file.h"
#include "base/io.h"
#include "base/strings.h"
#include "build/builder_internal.h"
#include "build/fs_ops.h"
#include "compress/compression.h"
#include "container/copy.h"
#include "dockerfile/utf8.h"
#include "runtime/user.h"
#include "store/ingest.h"
#include "tar/apply.h"
#include "tar/root_fs.h"

namespace berth::build::internal {
namespace {

bool IsUrl(const std::string& s) { return s.starts_with("http://") || s.starts_with("https://"); }

// Whether the file at fd is a tar archive (plain or compressed), as docker's
// isArchivePath decides: its first header reads as one.
bool IsArchive(int fd) {
  UniqueFd dup(::dup(fd));
  if (!dup.valid() || ::lseek(dup.get(), 0, SEEK_SET) != 0) return false;
  FdReader raw(dup.get());
  Compression c;
  auto r = NewAutoDecompressor(raw, &c);
  if (!r.ok()) return false;
  std::byte head[512];
  size_t got = 0;
  while (got < sizeof head) {
    auto n = (*r)->Read(std::span<std::byte>(head + got, sizeof head - got));
    if (!n.ok() || *n == 0) break;
    got += *n;
  }
  ::lseek(fd, 0, SEEK_SET);
  return got == sizeof head && TarHeaderChecksumOk(head);
}

// docker's text: "COPY --chown=a:bfile:<hex> in /dest " (no space after the
// chown value: docker's own concatenation); --chmod, which docker 20.10's
// classic builder lacks, is written as a separate word.
std::string HistoryText(const CopyPlan& plan, const std::string& source) {
  std::string text = plan.add ? "ADD " : "COPY ";
  if (!plan.chown_text.empty()) text += "--chown=" + plan.chown_text;
  if (!plan.chmod_text.empty()) text += (plan.chown_text.empty() ? "" : " ") + std::string("--chmod=") + plan.chmod_text + " ";
  return text + source + " in " + plan.dest + " ";
}

}  // namespace

// --from: a stage by name or index, else an image (pulled when missing).
Result<Context*> Builder::CopySource(const std::string& from) {
  std::optional<Digest> image;
  bool found = false;
  for (size_t i = 0; i < current_; ++i) {
    bool by_index = from == std::to_string(i);
    if (by_index || (!plans_[i].name.empty() && plans_[i].name == ToLower(from))) {
      image = stages_[i].image;
      found = true;
    }
  }
  if (!found) {
    if (from == std::to_string(current_) || plans_[current_].name == ToLower(from)) {
      return Fail("invalid from flag value " + from + ": refers to current build stage");
    }
    image = TRY(ImageFor(from));
  }
  std::string key = image ? image->str() : "scratch";
  if (!sources_.count(key)) {
    roots_.push_back(TRY(ImageRoot::Open(store_, image)));
    sources_[key] = std::make_unique<Context>(TRY(Context::OpenRoot(roots_.back()->path())));
  }
  return sources_[key].get();
}

// docker's parseChownFlag: USER[:GROUP] by name or number against the
// stage's /etc/passwd and /etc/group; a lone USER also names the group.
Result<std::pair<uint32_t, uint32_t>> Builder::ChownIds(const std::string& spec) {
  auto [user, group] = Cut(spec, ':').value_or(std::pair<std::string, std::string>{spec, spec});
  auto root = TRY(ImageRoot::Open(store_, stage_->image));
  RootFs fs = TRY(RootFs::Open(root->path()));
  auto uid = runtime::ResolveUserInRoot(fs, user);
  if (!uid.ok()) {
    return Fail("unable to convert uid/gid chown string to host mapping: can't find uid for user " + user + ": " +
                uid.error().message);
  }
  auto gid = runtime::ResolveUserInRoot(fs, "0:" + group);
  if (!gid.ok()) {
    return Fail("unable to convert uid/gid chown string to host mapping: can't find gid for group " + group +
                ": " + gid.error().message);
  }
  return std::pair<uint32_t, uint32_t>{uid->uid, gid->gid};
}

Status Builder::Copy(const Node& n) {
  bool add = n.command == "add";
  std::string name = add ? "ADD" : "COPY";
  auto flags = TRY(dockerfile::ParseFlags(
      n.flags, add ? std::vector<std::string>{"chown", "chmod"} : std::vector<std::string>{"from", "chown", "chmod"}));
  const std::vector<std::string>& words = n.args;
  if (words.size() < 2) {
    return Fail(name + " requires at least two arguments, but got " + std::to_string(words.size()));
  }
  CopyPlan plan;
  for (size_t i = 0; i + 1 < words.size(); ++i) plan.sources.push_back(TRY(Word(words[i])));
  plan.dest = TRY(Word(words.back()));
  plan.add = add;
  if (flags.count("chown")) {
    plan.chown_text = TRY(Word(flags["chown"]));
    plan.owner = TRY(ChownIds(plan.chown_text));
  }
  if (flags.count("chmod")) {
    std::string m = TRY(Word(flags["chmod"]));
    char* end = nullptr;
    unsigned long mode = std::strtoul(m.c_str(), &end, 8);
    if (m.empty() || *end != '\0' || mode > 07777) return Fail("invalid chmod parameter " + m);
    plan.mode = static_cast<mode_t>(mode);
    plan.chmod_text = m;
  }
  Context* src = context_.get();
  std::string from = flags.count("from") ? TRY(Word(flags["from"])) : "";
  if (!from.empty()) src = TRY(CopySource(from));
  return CopyFiles(*src, plan, from);
}

Status Builder::CopyFiles(const Context& src, CopyPlan& plan, const std::string& from) {
  std::string name = plan.add ? "ADD" : "COPY";
  std::vector<std::string> paths, urls;
  for (const std::string& s : plan.sources) {
    if (plan.add && IsUrl(s)) {
      urls.push_back(s);
      continue;
    }
    auto found = src.Sources(s);
    if (!found.ok() && !from.empty()) {
      return MakeError(Code::kNotFound, name + " failed: stat " + s + ": file does not exist in " + from);
    }
    if (!found.ok()) {
      std::string m = found.error().message;
      if (m.starts_with("COPY ")) m = name + m.substr(4);
      return MakeError(found.error().code, m);
    }
    for (std::string& p : *found) paths.push_back(std::move(p));
  }
  if (!plan.dest.empty() && plan.dest[0] != '/') {
    plan.dest = (stage_->config.working_dir.empty() ? std::string("/") : stage_->config.working_dir + "/") + plan.dest;
  }
  size_t count = paths.size() + urls.size();
  bool one_dir = urls.empty() && paths.size() == 1 && TRY(src.IsDir(paths[0]));
  // Staging before the cache lookup only for URLs (their content is the key).
  store::IngestDir staging = TRY(store::IngestDir::Create(store_.content().ingest_dir()));
  std::vector<std::string> fetched;
  Digest hash = TRY(src.Hash(paths));
  if (!urls.empty()) {
    Sha256 key;
    if (!paths.empty()) key.Update(hash.str());
    for (const std::string& u : urls) {
      fetched.push_back(staging.Join("url-" + std::to_string(fetched.size())));
      key.Update(TRY(Download(u, fetched.back())).str());
    }
    hash = key.Finish();
  }
  std::string kind = count > 1 ? "multi" : one_dir ? "dir" : "file";
  // docker's withCmdCommentString: one word, so history shows one space.
  ContainerConfig cc = stage_->config;
  cc.cmd = Shell();
  cc.cmd->push_back("#(nop) " + HistoryText(plan, kind + ":" + hash.hex()));
  if (TRY(FromCache(cc, stage_->config))) return Ok();

  auto image = TRY(ImageRoot::Open(store_, stage_->image));
  RootFs image_fs = TRY(RootFs::Open(image->path()));
  std::string layer = staging.Join("layer");
  TRY(MkdirAll(layer, 0755));
  bool as_dir = count > 1 || one_dir || plan.dest.ends_with("/") || plan.dest.ends_with("/.");
  LayerTarget t = TRY(PrepareTarget(image_fs, layer, plan.dest, as_dir));
  for (const std::string& p : paths) {
    // A directory's contents go into the target; a file gets its own name
    // there, or the target's name when COPY names a file.
    bool dir = TRY(src.IsDir(p));
    std::string to = dir ? "." : !t.name.empty() ? t.name : CleanRootPath(p).back();
    if (plan.add && !dir && TRY(UnpackIfArchive(src, p, staging, t))) continue;
    TRY(src.CopyTo(p, t.dir.get(), to));
    TRY(FixOwnership(t.dir.get(), to, plan.owner, plan.mode, dir && !t.existed));
  }
  for (size_t i = 0; i < urls.size(); ++i) {
    std::string to = !t.name.empty() ? t.name : TRY(UrlFileName(urls[i]));
    TRY(MoveFileInto(fetched[i], t.dir.get(), to));
    TRY(FixOwnership(t.dir.get(), to, plan.owner, plan.mode, false));
  }
  return Commit(layer, cc, stage_->config, "");
}

// ADD of a local tar archive: unpacked (confined, as a layer is) into a
// scratch dir, then merged into the target. False when p is no archive.
Result<bool> Builder::UnpackIfArchive(const Context& src, const std::string& p, store::IngestDir& staging,
                                      const LayerTarget& t) {
  UniqueFd fd = TRY(src.OpenFile(p));
  if (!IsArchive(fd.get())) return false;
  FdReader raw(fd.get());
  Compression c;
  auto tar = TRY(NewAutoDecompressor(raw, &c));
  std::string scratch = staging.Join("unpack-" + std::to_string(++unpacked_));
  TRY(MkdirAll(scratch, 0755));
  TRY(ApplyLayer(scratch, *tar, {.limits = TRY(ApplyLimitsFromEnv())}));
  // An archive always unpacks into a directory, the destination itself.
  UniqueFd into(::dup(t.dir.get()));
  if (!t.name.empty()) {
    if (::mkdirat(t.dir.get(), t.name.c_str(), 0755) != 0 && errno != EEXIST) return ErrnoError("mkdir " + t.name);
    into = UniqueFd(::openat(t.dir.get(), t.name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!into.valid()) return ErrnoError("open " + t.name);
  }
  TRY(MergeTree(scratch, into.get()));
  return true;
}

}  // namespace berth::build::internal
