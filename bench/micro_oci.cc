// Manifest and index parsing (nlohmann::json underneath): pull, push, load and
// inspect parse one or more manifests per image.
#include <benchmark/benchmark.h>

#include <string>

#include "digest/digest.h"
#include "oci/manifest.h"

namespace {

std::string ManifestJson(int layers) {
  std::string s =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
      R"("config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" +
      berth::Digest::Of("config").str() + R"(","size":1234},"layers":[)";
  for (int i = 0; i < layers; ++i) {
    if (i) s += ",";
    s += R"({"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":")" +
         berth::Digest::Of(std::to_string(i)).str() + R"(","size":)" +
         std::to_string(1000000 + i) + "}";
  }
  return s + R"(],"annotations":{"org.opencontainers.image.ref.name":"latest"}})";
}

std::string IndexJson(int n) {
  const char* arches[] = {"amd64", "arm64", "arm", "ppc64le", "s390x", "386", "riscv64"};
  std::string s =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[)";
  for (int i = 0; i < n; ++i) {
    if (i) s += ",";
    s += R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" +
         berth::Digest::Of("m" + std::to_string(i)).str() +
         R"(","size":1000,"platform":{"architecture":")" + arches[i % 7] +
         R"(","os":"linux"}})";
  }
  return s + "]}";
}

void BM_ManifestParse(benchmark::State& state) {
  std::string json = ManifestJson(state.range(0));
  for (auto _ : state) {
    auto m = berth::Manifest::Parse(json);
    if (!m.ok()) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(m);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(int64_t(state.iterations()) * json.size());
}
BENCHMARK(BM_ManifestParse)->Arg(4)->Arg(40);

void BM_ManifestToJson(benchmark::State& state) {
  auto m = berth::Manifest::Parse(ManifestJson(state.range(0)));
  if (!m.ok()) {
    state.SkipWithError("parse failed");
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(m->ToJson());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ManifestToJson)->Arg(4);

void BM_IndexParse(benchmark::State& state) {
  std::string json = IndexJson(7);
  for (auto _ : state) {
    auto m = berth::Index::Parse(json);
    if (!m.ok()) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(m);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(int64_t(state.iterations()) * json.size());
}
BENCHMARK(BM_IndexParse);

}  // namespace

BENCHMARK_MAIN();
