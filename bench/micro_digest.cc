// SHA-256 throughput: berth's streaming Sha256 (OpenSSL's SHA256_* block functions,
// SHA-NI where the CPU has it) against a
// raw one-shot EVP_Digest baseline, so any overhead of the wrapper shows up. Every
// byte berth stores or pulls is hashed at least once; this is the ceiling for it.
#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <random>
#include <string>

#include "digest/digest.h"

namespace {

std::string RandomBytes(size_t n) {
  std::mt19937_64 rng(42);
  std::string s(n, '\0');
  for (size_t i = 0; i < n; i += 8) {
    uint64_t v = rng();
    for (size_t j = 0; j < 8 && i + j < n; ++j) s[i + j] = static_cast<char>(v >> (8 * j));
  }
  return s;
}

void BM_Sha256Berth(benchmark::State& state) {
  std::string data = RandomBytes(state.range(0));
  for (auto _ : state) {
    berth::Sha256 h;
    h.Update(data);
    benchmark::DoNotOptimize(h.Finish());
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Sha256Berth)->Arg(4 << 10)->Arg(64 << 10)->Arg(1 << 20)->Arg(16 << 20);

void BM_Sha256OpenSslRaw(benchmark::State& state) {
  std::string data = RandomBytes(state.range(0));
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  for (auto _ : state) {
    EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
    benchmark::DoNotOptimize(md);
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Sha256OpenSslRaw)->Arg(4 << 10)->Arg(64 << 10)->Arg(1 << 20)->Arg(16 << 20);

void BM_DigestParse(benchmark::State& state) {
  std::string s = berth::Digest::Of("berth").str();
  for (auto _ : state) {
    auto d = berth::Digest::Parse(s);
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DigestParse);

}  // namespace

BENCHMARK_MAIN();
