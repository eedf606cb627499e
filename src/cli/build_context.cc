// A build's input other than a plain directory is untrusted bytes: a tar on
// stdin or from a URL may hold "../x" names or a symlink to / followed by a
// write through it. It goes through the layer applier (tar/apply.h), which
// resolves every name inside the staging dir, and the Dockerfile is read
// inside that dir too. The raw input is staged in the store's ingest area
// first (so its head can be inspected and it can be read twice) and all of
// it is removed when the build ends.
#include "cli/build_context.h"

#include <fcntl.h>
#include <unistd.h>

#include "base/fd.h"
#include "base/file.h"
#include "base/io.h"
#include "compress/compression.h"
#include "net/http_reader.h"
#include "registry/endpoint.h"
#include "tar/apply.h"
#include "tar/root_fs.h"

namespace berth::cli {
namespace {

Error Prepare(const std::string& what) {
  return MakeError(Code::kInvalidArgument, "unable to prepare context: " + what);
}

// host[:port] of an http(s) URL.
std::string UrlHost(const std::string& url) {
  size_t start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  std::string host = url.substr(start, url.find_first_of("/?#", start) - start);
  if (size_t at = host.rfind('@'); at != std::string::npos) host = host.substr(at + 1);
  return host;
}

// Copies src into a new file at path.
Status Stage(Reader& src, const std::string& path) {
  UniqueFd fd = TRY(OpenFile(path, O_WRONLY | O_CREAT | O_EXCL, 0600));
  FdWriter w(fd.get());
  TRY(Copy(src, w));
  return Ok();
}

// The staged input's first decompressed bytes, and whether it is a tar.
Result<bool> IsTar(const std::string& path) {
  FdReader raw(TRY(OpenFile(path, O_RDONLY)));
  auto plain = NewAutoDecompressor(raw, nullptr);
  if (!plain.ok()) return false;
  auto head = ReadHead(**plain, 512);
  return head.ok() && LooksLikeTar(*head);
}

Status Unpack(const std::string& path, const std::string& dir) {
  FdReader raw(TRY(OpenFile(path, O_RDONLY)));
  std::unique_ptr<Reader> plain = TRY(NewAutoDecompressor(raw, nullptr));
  TRY(MkdirAll(dir, 0755));
  TRY(ApplyLayer(dir, *plain, {.same_owner = false, .limits = TRY(ApplyLimitsFromEnv())}));
  return Ok();
}

// The Dockerfile named inside an unpacked context, resolved inside it.
Result<std::string> ReadConfined(const std::string& dir, const std::string& name) {
  RootFs root = TRY(RootFs::Open(dir));
  auto fd = root.OpenAt(CleanRootPath(name), O_RDONLY);
  if (!fd.ok()) return MakeError(Code::kNotFound, "Cannot locate specified Dockerfile: " + name);
  FdReader r(std::move(*fd));
  return ReadAll(r, 16 << 20);
}

// A staged input (stdin or a download): a tar is the context, anything
// else the Dockerfile with an empty context.
Result<BuildInput> FromStaged(BuildInput in, const std::string& raw, const std::string& file) {
  in.dir = in.staging->Join("context");
  if (TRY(IsTar(raw))) {
    TRY(Unpack(raw, in.dir));
    in.dockerfile = TRY(ReadConfined(in.dir, file.empty() ? "Dockerfile" : file));
  } else {
    TRY(MkdirAll(in.dir, 0755));
    in.dockerfile = TRY(ReadFile(raw));
  }
  (void)::unlink(raw.c_str());
  return in;
}

Result<BuildInput> FromDirectory(const InputOptions& o) {
  BuildInput in;
  char cwd[4096];
  const std::string& path = o.path;
  in.dir = path.starts_with("/") ? path : std::string(::getcwd(cwd, sizeof cwd) ? cwd : ".") + "/" + path;
  if (!PathExists(in.dir)) return Prepare("path \"" + path + "\" not found");
  if (o.file == "-") {
    FdReader r(o.stdin_fd);
    in.dockerfile = TRY(ReadAll(r));
    return in;
  }
  std::string f = o.file.empty() ? JoinPath(in.dir, "Dockerfile") : o.file;
  if (!o.file.empty() && !PathExists(f)) f = JoinPath(in.dir, o.file);
  auto text = ReadFile(f);
  if (!text.ok()) {
    return Prepare("unable to evaluate symlinks in Dockerfile path: lstat " + f + ": no such file or directory");
  }
  in.dockerfile = *text;
  return in;
}

}  // namespace

bool IsGitUrl(const std::string& s) {
  if (s.starts_with("git://") || s.starts_with("git@") || s.starts_with("github.com/")) return true;
  if (!net::IsUrl(s)) return false;
  std::string path = s.substr(0, s.find('#'));
  return path.ends_with(".git");
}

bool LooksLikeTar(std::string_view head) {
  if (head.size() < 512) return false;
  auto byte = [&](size_t i) { return static_cast<unsigned char>(head[i]); };
  int64_t sum = 0;
  for (size_t i = 0; i < 512; ++i) sum += (i >= 148 && i < 156) ? ' ' : byte(i);
  int64_t recorded = 0;
  bool digits = false;
  for (size_t i = 148; i < 156; ++i) {
    char c = head[i];
    if (c >= '0' && c <= '7') {
      recorded = recorded * 8 + (c - '0');
      digits = true;
    } else if (c != ' ' && c != '\0') {
      return false;
    } else if (digits) {
      break;
    }
  }
  return digits && recorded == sum;
}

Result<BuildInput> ReadBuildInput(store::Store& store, const InputOptions& o) {
  if (IsGitUrl(o.path)) {
    return MakeError(Code::kUnimplemented, "berth does not clone git build contexts (" + o.path +
                                               "): clone it and build the directory");
  }
  if (o.path != "-" && !net::IsUrl(o.path)) return FromDirectory(o);
  if (o.path == "-" && o.file == "-") {
    return MakeError(Code::kInvalidArgument, "invalid argument: can't use stdin for both build context and dockerfile");
  }
  BuildInput in;
  in.staging.emplace(TRY(store::IngestDir::Create(store.content().ingest_dir())));
  std::string raw = in.staging->Join("input");
  if (o.path == "-") {
    FdReader r(o.stdin_fd);
    TRY(Stage(r, raw));
  } else {
    bool loopback = registry::IsLoopbackHost(UrlHost(o.path));
    auto http = TRY(net::OpenHttp(o.path, {.tls = {.verify = !loopback}}));
    if (Status st = Stage(*http, raw); !st.ok()) {
      return MakeError(st.error().code, "unable to download remote context " + o.path + ": " + st.error().message);
    }
  }
  return FromStaged(std::move(in), raw, o.file);
}

}  // namespace berth::cli
