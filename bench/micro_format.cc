// Table and size formatting: `images` over 1,000 tags formats 1,000 rows through
// the tabwriter and 1,000 sizes and ages; this is that work without the store.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>

#include "format/tabwriter.h"
#include "format/units.h"

namespace {

void BM_TabWriterImages(benchmark::State& state) {
  const int rows = state.range(0);
  std::string input = "REPOSITORY\tTAG\tIMAGE ID\tCREATED\tSIZE\n";
  for (int i = 0; i < rows; ++i) {
    input += "127.0.0.1:5000/bench/tags" + std::to_string(i % 10) + "\tv" + std::to_string(i) +
             "\t0123456789ab\t" + std::to_string(i % 50 + 2) + " days ago\t1.98MB\n";
  }
  for (auto _ : state) {
    berth::TabWriter w;
    w.Write(input);
    benchmark::DoNotOptimize(w.Flush());
  }
  state.SetItemsProcessed(int64_t(state.iterations()) * rows);
  state.SetBytesProcessed(int64_t(state.iterations()) * input.size());
}
BENCHMARK(BM_TabWriterImages)->Arg(1000);

void BM_HumanSize(benchmark::State& state) {
  int64_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(berth::HumanSize(double((i * 7919) % 5000000000LL)));
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HumanSize);

void BM_TimeAgo(benchmark::State& state) {
  const int64_t now = 1700000000LL * 1000000000LL;
  int64_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(berth::TimeAgo(now - (i % 100000) * 3600LL * 1000000000LL, now));
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TimeAgo);

}  // namespace

BENCHMARK_MAIN();
