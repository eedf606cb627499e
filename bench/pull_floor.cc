// pull_floor: the least work any correct pull of an image's layers must do on
// this machine, timed, so that the bench can say how far each pull is from it.
// A pull cannot skip any of these steps: fetch every layer blob, hash the
// compressed bytes (the blob digest), inflate them, hash the tar (the diff id)
// and unpack it securely. This tool does exactly that with berth's own code —
// net's HttpReader, compress's ISA-L gzip reader, digest's SHA-256 and tar's
// ApplyLayer — each layer streamed once, N layers at a time, and nothing else
// (no store, no metadata, no blob file unless --durable). Modes:
//   full (default)  fetch + sha256 + inflate + sha256 + ApplyLayer into OUT/<i>
//   hash            the same without unpacking (the tar goes nowhere)
//   fetch           the GETs alone, bodies to nowhere (the network's floor)
//   breakdown       one thread, each stage alone from memory: the CPU cost of
//                   fetch, sha256, inflate and unpack, and their MB/s
// --durable adds what a crash-safe pull must also do: the compressed bytes
// written to OUT/<i>.blob and fsynced, and syncfs of the unpacked layer.
// Prints one JSON object on stdout; exits 1 on any error (digest mismatch
// included), 2 on bad usage.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/file.h"
#include "base/io.h"
#include "base/strings.h"
#include "compress/compression.h"
#include "digest/digest.h"
#include "net/curl_api.h"
#include "net/http_reader.h"
#include "tar/apply.h"

namespace berth {
namespace {

using json = nlohmann::json;

struct Options {
  std::string registry;  // host:port, plain HTTP
  std::string repo;
  std::vector<Digest> layers;
  std::vector<Digest> diff_ids;
  std::string out;
  int jobs = 0;  // 0: one thread per layer
  std::string mode = "full";
  bool durable = false;
};

double Now() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

double ThreadCpu() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double Secs(const timeval& tv) {
  return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) * 1e-6;
}

std::string BlobUrl(const Options& o, const Digest& d) {
  return "http://" + o.registry + "/v2/" + o.repo + "/blobs/" + d.str();
}

Status CheckDigest(const char* what, const Digest& want, const Digest& got) {
  if (want == got) return Ok();
  return MakeError(Code::kDataLoss,
                   std::string(what) + " mismatch: expected " + want.str() + ", got " + got.str());
}

// What one layer's pull did.
struct LayerRun {
  uint64_t compressed = 0;
  uint64_t tar = 0;
  uint64_t entries = 0;
  std::string compression;
  double start = 0, end = 0;
  double cpu = 0;  // the thread's CPU time (user + system) for this layer
};

// The durable extras: the blob file the compressed bytes are teed into.
struct BlobFile {
  UniqueFd fd;
  std::unique_ptr<FdWriter> writer;
  NullWriter none;
  Writer& sink() { return writer ? static_cast<Writer&>(*writer) : none; }
};

Result<BlobFile> OpenBlobFile(const Options& o, size_t i) {
  BlobFile b;
  if (!o.durable) return b;
  b.fd = TRY(OpenFile(JoinPath(o.out, std::to_string(i) + ".blob"),
                      O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  b.writer = std::make_unique<FdWriter>(b.fd.get());
  return b;
}

Status SyncLayer(const BlobFile& blob, const std::string& dir) {
  if (::fsync(blob.fd.get()) != 0) return ErrnoError("fsync blob");
  UniqueFd d = TRY(OpenFile(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (::syncfs(d.get()) != 0) return ErrnoError("syncfs " + dir);
  return Ok();
}

// Streams layer i once: GET -> sha256 -> (blob file) -> inflate -> sha256 ->
// ApplyLayer (or nowhere), then checks both digests.
Result<LayerRun> PullLayer(const Options& o, size_t i) {
  LayerRun run;
  auto http = TRY(net::OpenHttp(BlobUrl(o, o.layers[i])));
  if (o.mode == "fetch") {
    NullWriter none;
    run.compressed = TRY(Copy(*http, none, 128 << 10));
    return run;
  }
  HashingReader blob_hash(*http);
  BlobFile blob = TRY(OpenBlobFile(o, i));
  TeeReader raw(blob_hash, blob.sink());
  Compression c = Compression::kNone;
  auto tar = TRY(NewAutoDecompressor(raw, &c));
  run.compression = std::string(CompressionName(c));
  HashingReader tar_hash(*tar);
  std::string dir = JoinPath(o.out, std::to_string(i));
  if (o.mode == "full") {
    if (::mkdir(dir.c_str(), 0755) != 0) return ErrnoError("mkdir " + dir);
    ApplyStats st = TRY(ApplyLayer(dir, tar_hash, ApplyOptions{}));
    run.entries = st.entries;
  } else {
    NullWriter none;
    TRY(Copy(tar_hash, none, 128 << 10));
  }
  run.compressed = blob_hash.bytes();
  run.tar = tar_hash.bytes();
  TRY(CheckDigest("blob digest", o.layers[i], blob_hash.Finish()));
  TRY(CheckDigest("diff id", o.diff_ids[i], tar_hash.Finish()));
  if (o.durable) TRY(SyncLayer(blob, o.mode == "full" ? dir : o.out));
  return run;
}

// Runs every layer on o.jobs threads, taking layers in manifest order.
Result<json> RunParallel(const Options& o) {
  size_t n = o.layers.size();
  size_t jobs = o.jobs > 0 ? static_cast<size_t>(o.jobs) : n;
  std::vector<Result<LayerRun>> runs(n, MakeError(Code::kInternal, "not run"));
  std::atomic<size_t> next{0};
  rusage before{}, after{};
  getrusage(RUSAGE_SELF, &before);
  double t0 = Now();
  auto worker = [&] {
    for (size_t i; (i = next.fetch_add(1)) < n;) {
      double s = Now(), c = ThreadCpu();
      runs[i] = PullLayer(o, i);
      if (runs[i].ok()) {
        runs[i]->start = s - t0;
        runs[i]->end = Now() - t0;
        runs[i]->cpu = ThreadCpu() - c;
      }
    }
  };
  std::vector<std::thread> threads;
  for (size_t j = 0; j < std::min(jobs, n); j++) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  double wall = Now() - t0;
  getrusage(RUSAGE_SELF, &after);

  json out = {{"mode", o.mode}, {"jobs", jobs}, {"durable", o.durable}, {"wall_s", wall},
              {"cpu_user_s", Secs(after.ru_utime) - Secs(before.ru_utime)},
              {"cpu_sys_s", Secs(after.ru_stime) - Secs(before.ru_stime)}};
  uint64_t compressed = 0, tar = 0;
  for (size_t i = 0; i < n; i++) {
    if (!runs[i].ok()) return std::move(runs[i]).error().Wrap("layer " + o.layers[i].str());
    const LayerRun& r = *runs[i];
    compressed += r.compressed;
    tar += r.tar;
    out["layers"].push_back({{"digest", o.layers[i].str()}, {"compressed_bytes", r.compressed},
                             {"tar_bytes", r.tar}, {"entries", r.entries},
                             {"compression", r.compression}, {"start_s", r.start},
                             {"end_s", r.end}, {"cpu_s", r.cpu}});
  }
  out["compressed_bytes"] = compressed;
  out["tar_bytes"] = tar;
  return out;
}

// --- breakdown: each stage alone, one thread, from memory -------------------

struct Stage {
  double wall = 0, cpu = 0;
  uint64_t bytes = 0;
};

template <class Fn>
auto Timed(Stage& s, Fn&& fn) {
  double w = Now(), c = ThreadCpu();
  auto r = fn();
  s.wall += Now() - w;
  s.cpu += ThreadCpu() - c;
  return r;
}

// Reads src to its end into out (already sized, so that its pages are in),
// 128 KiB at a time (what ApplyLayer asks for); grows it if needed.
Status Slurp(Reader& src, std::string& out) {
  size_t len = 0;
  for (;;) {
    if (out.size() - len < (128 << 10)) out.resize(std::max<size_t>(out.size() * 2, 1 << 20));
    size_t n = TRY(src.Read(std::span<std::byte>(
        reinterpret_cast<std::byte*>(out.data()) + len, 128 << 10)));
    if (n == 0) break;
    len += n;
  }
  out.resize(len);
  return Ok();
}

// Reads bytes held elsewhere, without a copy.
class ViewReader : public Reader {
 public:
  explicit ViewReader(std::string_view data) : data_(data) {}
  Result<size_t> Read(std::span<std::byte> buf) override {
    size_t n = std::min(buf.size(), data_.size());
    std::memcpy(buf.data(), data_.data(), n);
    data_.remove_prefix(n);
    return n;
  }

 private:
  std::string_view data_;
};

Result<Digest> HashAll(const std::string& s) {
  Sha256 h;
  h.Update(s);
  return h.Finish();
}

// The blob into memory: the request and the body are timed, sizing the buffer
// (page faults of a fresh allocation) is not.
Result<std::string> FetchToMemory(const Options& o, size_t i, Stage& fetch) {
  auto http = TRY(Timed(fetch, [&]() -> Result<std::unique_ptr<net::HttpReader>> {
    auto r = TRY(net::OpenHttp(BlobUrl(o, o.layers[i])));
    TRY(r->Start());
    return r;
  }));
  std::string gz(static_cast<size_t>(http->content_length().value_or(1 << 20)) + (256 << 10), 'x');
  TRY(Timed(fetch, [&] { return Slurp(*http, gz); }));
  fetch.bytes += gz.size();
  return gz;
}

// Inflating alone is timed into one reused 128 KiB buffer, as the streaming
// pull does; the tar is then inflated again, untimed, into memory.
Result<std::string> InflateToMemory(const std::string& gz, Stage& inflate) {
  TRY(Timed(inflate, [&]() -> Status {
    ViewReader src(gz);
    auto r = TRY(NewAutoDecompressor(src, nullptr));
    NullWriter none;
    inflate.bytes += TRY(Copy(*r, none, 128 << 10));
    return Ok();
  }));
  ViewReader src(gz);
  auto r = TRY(NewAutoDecompressor(src, nullptr));
  std::string tar(gz.size() * 4, 'x');
  TRY(Slurp(*r, tar));
  return tar;
}

Result<json> RunBreakdown(const Options& o) {
  Stage fetch, blob_sha, inflate, tar_sha, unpack;
  for (size_t i = 0; i < o.layers.size(); i++) {
    std::string gz = TRY(FetchToMemory(o, i, fetch));
    TRY(CheckDigest("blob digest", o.layers[i], TRY(Timed(blob_sha, [&] { return HashAll(gz); }))));
    blob_sha.bytes += gz.size();
    std::string tar = TRY(InflateToMemory(gz, inflate));
    TRY(CheckDigest("diff id", o.diff_ids[i], TRY(Timed(tar_sha, [&] { return HashAll(tar); }))));
    tar_sha.bytes += tar.size();
    unpack.bytes += tar.size();
    std::string dir = JoinPath(o.out, std::to_string(i));
    if (::mkdir(dir.c_str(), 0755) != 0) return ErrnoError("mkdir " + dir);
    ViewReader src(tar);
    TRY(Timed(unpack, [&] { return ApplyLayer(dir, src, ApplyOptions{}); }));
  }
  json stages = json::object();
  double cpu = 0;
  for (auto [name, s] : {std::pair{"fetch", &fetch}, {"sha256_blob", &blob_sha},
                         {"inflate", &inflate}, {"sha256_tar", &tar_sha}, {"unpack", &unpack}}) {
    stages[name] = {{"wall_s", s->wall}, {"cpu_s", s->cpu}, {"bytes", s->bytes},
                    {"mb_per_s", s->wall > 0 ? static_cast<double>(s->bytes) / 1e6 / s->wall : 0}};
    cpu += s->cpu;
  }
  return json{{"mode", "breakdown"}, {"jobs", 1}, {"stages", stages}, {"cpu_total_s", cpu}};
}

// --- command line -------------------------------------------------------------

constexpr const char* kUsage =
    "usage: pull_floor --registry HOST:PORT --repo REPO --layers sha256:..,sha256:..\n"
    "                  --diff-ids sha256:..,sha256:.. --out DIR [--jobs N]\n"
    "                  [--mode full|hash|fetch|breakdown] [--durable]\n";

Result<std::vector<Digest>> ParseDigests(std::string_view list) {
  std::vector<Digest> out;
  for (const std::string& s : Split(list, ',')) out.push_back(TRY(Digest::Parse(s)));
  return out;
}

Result<Options> ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; i++) {
    std::string_view a = argv[i];
    if (a == "--durable") {
      o.durable = true;
      continue;
    }
    if (i + 1 >= argc) return MakeError(Code::kInvalidArgument, std::string(a) + " needs a value");
    std::string v = argv[++i];
    if (a == "--registry") o.registry = v;
    else if (a == "--repo") o.repo = v;
    else if (a == "--layers") o.layers = TRY(ParseDigests(v));
    else if (a == "--diff-ids") o.diff_ids = TRY(ParseDigests(v));
    else if (a == "--out") o.out = v;
    else if (a == "--mode") o.mode = v;
    else if (a == "--jobs") o.jobs = static_cast<int>(ParseInt(v).value_or(-1));
    else return MakeError(Code::kInvalidArgument, "unknown flag " + std::string(a));
  }
  if (o.registry.empty() || o.repo.empty() || o.out.empty() || o.layers.empty() ||
      o.layers.size() != o.diff_ids.size() || o.jobs < 0 ||
      (o.mode != "full" && o.mode != "hash" && o.mode != "fetch" && o.mode != "breakdown")) {
    return MakeError(Code::kInvalidArgument, "missing or inconsistent flags");
  }
  return o;
}

int Main(int argc, char** argv) {
  auto opts = ParseArgs(argc, argv);
  if (!opts.ok()) {
    std::cerr << "pull_floor: " << opts.error().message << "\n" << kUsage;
    return 2;
  }
  // libcurl is loaded before the clock starts: the floor is the layers' work.
  Status st = MkdirAll(opts->out);
  if (auto curl = net::Curl(); st.ok() && !curl.ok()) st = curl.error();
  Result<json> out = st.ok() ? (opts->mode == "breakdown" ? RunBreakdown(*opts)
                                                          : RunParallel(*opts))
                             : Result<json>(std::move(st).error());
  if (!out.ok()) {
    std::cerr << "pull_floor: " << out.error().message << "\n";
    return 1;
  }
  std::cout << out->dump() << "\n";
  return 0;
}

}  // namespace
}  // namespace berth

int main(int argc, char** argv) { return berth::Main(argc, argv); }
