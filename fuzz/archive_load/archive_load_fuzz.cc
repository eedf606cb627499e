// libFuzzer target for `load` (image::Load, issue 12): an image archive
// from anywhere, in the three layouts Docker and OCI tools write. Each input
// is loaded into a fresh store (on tmpfs when there is one, so the fsyncs
// cost nothing), either as the archive's raw bytes (plain or compressed) or
// as the text listing of fuzz_util.h turned into a tar, which reaches the
// metadata parsers far more often: there a file whose content is itself a
// listing marked "+++ " becomes a nested tar (a layer); "@N@", "#N#" and
// "$N$" in names and contents become the digest ("sha256:<hex>"), the hex
// and the size of the N-th file (0-9, only files listed before), and a name
// ending in "/=" ends in the file's own hex instead, so that seeds and
// mutants can name their blobs and diff ids. After every run it fails when the store is
// not consistent (Store::Check finds a problem: a load must never tear it,
// even when it fails), when the load created anything outside the store or
// changed "/", or when an error is not one of those a hostile archive
// should get. Then the store is removed. BERTH_FUZZ_VERBOSE=1 prints what
// each load did (to check that a seed loads).
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "base/file.h"
#include "base/io.h"
#include "digest/digest.h"
#include "fuzz_util.h"
#include "image/load.h"
#include "store/store.h"

namespace {

constexpr const char* kName = "archive_load_fuzz";

void Fail(const std::string& what) { berth::fuzz::Die(kName, what); }

struct Sandbox {
  std::string base;  // this target's: only <pid> dirs
  std::string dir;   // base/<pid>: only the store
  std::string store;
  std::vector<std::string> slash_before;
};

Sandbox& Box() {
  static Sandbox* box = [] {
    auto* b = new Sandbox;
    b->base = berth::fuzz::SandboxBase(kName, "berth-archive-load-fuzz");
    b->dir = b->base + "/" + std::to_string(getpid());
    (void)berth::RemoveAll(b->dir);
    if (!berth::MkdirAll(b->dir, 0700).ok()) Fail("cannot create " + b->dir);
    b->store = b->dir + "/store";
    b->slash_before = berth::fuzz::SortedNames(kName, "/");
    setenv("BERTH_LOAD_JOBS", "1", 1);
    std::atexit([] { (void)berth::RemoveAll(Box().dir); });
    return b;
  }();
  return *box;
}

// Replaces "@N@" with done[N]'s digest, "#N#" with its hex, "$N$" with its size.
std::string Substitute(std::string s, const std::vector<std::string>& done) {
  for (char mark : {'@', '#', '$'}) {
    for (size_t i = 0; i < done.size(); ++i) {
      std::string token = std::string(1, mark) + char('0' + i) + mark;
      if (s.find(token) == std::string::npos) continue;
      berth::Digest d = berth::Digest::Of(done[i]);
      std::string value = mark == '@' ? d.str() : mark == '#' ? d.hex() : std::to_string(done[i].size());
      for (size_t pos; (pos = s.find(token)) != std::string::npos;) s.replace(pos, token.size(), value);
    }
  }
  return s;
}

// The archive a listing describes (see the top of this file).
std::string ArchiveOf(std::vector<berth::fuzz::ListedEntry> entries) {
  std::vector<std::string> done;  // the contents of the files so far, for Substitute
  for (auto& e : entries) {
    auto nested = berth::fuzz::ParseListing(e.content, "+++ ");
    if (!nested.empty()) e.content = berth::fuzz::BuildListedTar(nested);
    e.content = Substitute(std::move(e.content), done);
    e.name = Substitute(std::move(e.name), done);
    e.arg = Substitute(std::move(e.arg), done);
    if (e.name.ends_with("/=")) e.name = e.name.substr(0, e.name.size() - 1) + berth::Digest::Of(e.content).hex();
    if (done.size() < 10) done.push_back(e.content);
  }
  return berth::fuzz::BuildListedTar(entries);
}

void CheckStore(berth::store::Store& store) {
  auto report = store.Check();
  if (!report.ok()) Fail("store check failed: " + report.error().message);
  if (!report->problems.empty()) {
    std::string all;
    for (const auto& p : report->problems) all += "\n  " + p;
    Fail("the store is not consistent after a load:" + all);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Sandbox& b = Box();
  std::string input(reinterpret_cast<const char*>(data), size);
  auto listing = berth::fuzz::ParseListing(input, "--- ");
  std::string archive = listing.empty() ? input : ArchiveOf(std::move(listing));
  {
    auto store = berth::store::Store::Open(b.store);
    if (!store.ok()) Fail("cannot open a store: " + store.error().message);
    berth::StringReader reader(std::move(archive));
    berth::image::LoadOptions options;
    options.platform = {.os = "linux", .architecture = "amd64"};
    auto loaded = berth::image::Load(**store, reader, options);
    if (berth::fuzz::Verbose()) {
      std::fprintf(stderr, "%s: %s\n", kName,
                   loaded.ok() ? ("loaded " + std::to_string(loaded->size()) + " image(s)").c_str()
                               : loaded.error().message.c_str());
    }
    if (loaded.ok()) {
      for (const auto& image : *loaded) {
        auto rec = (*store)->metadata().GetImage(image.id);
        if (!rec.ok() || !*rec) Fail("a loaded image is not in the store: " + image.id.str());
      }
    } else {
      auto code = loaded.error().code;
      if (code != berth::Code::kInvalidArgument && code != berth::Code::kDataLoss &&
          code != berth::Code::kNotFound) {
        Fail("unexpected error " + std::string(berth::CodeName(code)) + ": " + loaded.error().message);
      }
    }
    CheckStore(**store);
  }
  auto names = berth::fuzz::SortedNames(kName, b.dir);
  if (names != std::vector<std::string>{"store"}) Fail("the load created something next to the store");
  for (const std::string& n : berth::fuzz::SortedNames(kName, b.base)) {
    if (!berth::fuzz::IsPidName(n)) Fail("created outside the store: " + b.base + "/" + n);
  }
  if (berth::fuzz::SortedNames(kName, "/") != b.slash_before) Fail("\"/\" changed");
  if (auto st = berth::RemoveAll(b.store); !st.ok()) Fail("cannot remove the store: " + st.error().message);
  return 0;
}
