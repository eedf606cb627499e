// Layer application of many small files: the per-entry cost of ApplyLayer
// (resolving each path inside the root, creating, writing, chown, utimes) that
// dominates pull and load of real images, whose layers hold thousands of files.
#include <archive.h>
#include <archive_entry.h>
#include <benchmark/benchmark.h>

#include <cstring>
#include <random>
#include <string>

#include "base/file.h"
#include "base/io.h"
#include "tar/apply.h"

namespace {

// An uncompressed tar: dirs/ of 100 directories with `files` files of 0-8 KB, plus
// a symlink per directory. Built in memory with libarchive.
std::string MakeTar(int files, size_t* payload) {
  std::string out;
  archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  archive_write_set_bytes_in_last_block(a, 1);
  archive_write_open(
      a, &out, nullptr,
      [](archive*, void* ctx, const void* buf, size_t n) -> la_ssize_t {
        static_cast<std::string*>(ctx)->append(static_cast<const char*>(buf), n);
        return static_cast<la_ssize_t>(n);
      },
      nullptr);
  std::mt19937 rng(3);
  std::string content(8192, 'x');
  for (size_t i = 0; i < content.size(); ++i) content[i] = "abcdefgh \n"[rng() % 10];
  archive_entry* e = archive_entry_new();
  *payload = 0;
  for (int d = 0; d < 100; ++d) {
    std::string dir = "usr/lib/pkg" + std::to_string(d);
    archive_entry_clear(e);
    archive_entry_set_pathname(e, dir.c_str());
    archive_entry_set_filetype(e, AE_IFDIR);
    archive_entry_set_perm(e, 0755);
    archive_entry_set_mtime(e, 1700000000, 0);
    archive_write_header(a, e);
    archive_entry_clear(e);
    archive_entry_set_pathname(e, (dir + "/current").c_str());
    archive_entry_set_filetype(e, AE_IFLNK);
    archive_entry_set_symlink(e, "file0");
    archive_entry_set_perm(e, 0777);
    archive_write_header(a, e);
  }
  for (int i = 0; i < files; ++i) {
    std::string name = "usr/lib/pkg" + std::to_string(i % 100) + "/file" + std::to_string(i);
    size_t size = rng() % content.size();
    archive_entry_clear(e);
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, size);
    archive_entry_set_mtime(e, 1700000000, 0);
    archive_write_header(a, e);
    archive_write_data(a, content.data(), size);
    *payload += size;
  }
  archive_entry_free(e);
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

void BM_ApplySmallFiles(benchmark::State& state) {
  const int files = state.range(0);
  size_t payload = 0;
  const std::string tar = MakeTar(files, &payload);
  const char* env = std::getenv("BERTH_BENCH_TMP");
  auto parent = berth::MakeTempDir(env ? env : "/tmp", "berth-micro-tar-");
  if (!parent.ok()) {
    state.SkipWithError("cannot make a temp dir");
    return;
  }
  int n = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::string root = berth::JoinPath(*parent, std::to_string(n++));
    if (!berth::MkdirAll(root).ok()) {
      state.SkipWithError("cannot make the layer root");
      break;
    }
    state.ResumeTiming();
    berth::StringReader src(tar);  // the copy is part of the per-iteration set-up cost
    auto r = berth::ApplyLayer(root, src);
    state.PauseTiming();
    if (!r.ok()) {
      state.SkipWithError(r.error().message.c_str());
      state.ResumeTiming();
      break;
    }
    (void)berth::RemoveAll(root);
    state.ResumeTiming();
  }
  (void)berth::RemoveAll(*parent);
  state.SetItemsProcessed(int64_t(state.iterations()) * files);
  state.SetBytesProcessed(int64_t(state.iterations()) * payload);
}
BENCHMARK(BM_ApplySmallFiles)->Arg(2000)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
