// Image reference parsing and normalization: every command line argument and
// every stored tag goes through it (images over 1,000 tags parses each of them).
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "reference/reference.h"

namespace {

const std::vector<std::string> kRefs = {
    "ubuntu",
    "ubuntu:22.04",
    "library/busybox:latest",
    "docker.io/library/alpine:3.19",
    "quay.io/coreos/etcd:v3.3.9",
    "127.0.0.1:5000/bench/big:latest",
    "ghcr.io/some-org/some.repo/sub__path/image-name:v1.2.3-rc.1",
    "registry.example.com:443/a/b/c@sha256:"
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
};

void BM_ParseNormalizedNamed(benchmark::State& state) {
  for (auto _ : state) {
    for (const auto& s : kRefs) {
      auto r = berth::ParseNormalizedNamed(s);
      benchmark::DoNotOptimize(r);
    }
  }
  state.SetItemsProcessed(int64_t(state.iterations()) * kRefs.size());
}
BENCHMARK(BM_ParseNormalizedNamed);

void BM_ParseCanonicalAndFamiliar(benchmark::State& state) {
  std::vector<std::string> canonical;
  for (const auto& s : kRefs) {
    auto r = berth::ParseNormalizedNamed(s);
    if (r.ok()) canonical.push_back(berth::WithDefaultTag(*r).String());
  }
  for (auto _ : state) {
    for (const auto& s : canonical) {
      auto r = berth::ParseCanonical(s);
      if (r.ok()) benchmark::DoNotOptimize(r->FamiliarString());
    }
  }
  state.SetItemsProcessed(int64_t(state.iterations()) * canonical.size());
}
BENCHMARK(BM_ParseCanonicalAndFamiliar);

}  // namespace

BENCHMARK_MAIN();
