// libFuzzer target for the template engine (issue 9): parses the input as a
// docker --format template and runs it against a real `docker image
// inspect` document, in the executor's modes: plain JSON with and without
// missingkey=error, and typed as docker's Go struct. Besides the
// sanitizers' findings it fails on what the engine promises: every error
// is a "template: ..." message, output stays within the byte budget, and
// no input runs longer than a second. ./dev fuzz builds and runs it; built
// without libFuzzer (the normal build) the same function replays the seed
// corpus as a test (replay_main.cc).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "format/docker_types.h"
#include "format/template.h"

namespace {

using Json = nlohmann::ordered_json;

// The inspect document of an image imported into docker 20.10 (with
// -c 'ENV A=1' -c 'LABEL k=v' -c 'EXPOSE 80', tagged t:1 t:2 t:3).
const Json& Doc() {
  static const Json doc = [] {
    std::ifstream in(BERTH_FUZZ_DOC);
    std::stringstream ss;
    ss << in.rdbuf();
    Json j = Json::parse(ss.str(), nullptr, false);
    if (j.is_discarded()) {
      std::fprintf(stderr, "template_fuzz: cannot read %s\n", BERTH_FUZZ_DOC);
      std::abort();
    }
    return j;
  }();
  return doc;
}

[[noreturn]] void Die(const char* what, const std::string& detail) {
  std::fprintf(stderr, "template_fuzz: %s: %.500s\n", what, detail.c_str());
  std::abort();
}

void CheckError(const berth::Error& e) {
  if (e.message.rfind("template: ", 0) != 0) Die("error without the template: prefix", e.message);
}

void RunOnce(const berth::Template& t, const berth::ExecuteOptions& options) {
  auto start = std::chrono::steady_clock::now();
  auto out = t.Execute(Doc(), options);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (secs > 1.0) Die("execution took more than a second", std::to_string(secs));
  if (!out.ok()) {
    CheckError(out.error());
  } else if (out->size() > options.max_bytes) {
    Die("output past max_bytes", std::to_string(out->size()));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto start = std::chrono::steady_clock::now();
  auto t = berth::Template::Parse(text);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (secs > 1.0) Die("parsing took more than a second", std::to_string(secs));
  if (!t.ok()) {
    CheckError(t.error());
    return 0;
  }
  // Smaller budgets than berth's defaults keep each run short; the limits
  // tests cover the defaults.
  berth::ExecuteOptions options;
  options.max_steps = 200'000;
  options.max_bytes = 1 << 20;
  RunOnce(*t, options);
  options.missing_key_error = false;
  options.header_functions = size % 2 == 1;
  RunOnce(*t, options);
  // As docker's first pass: the document as the Go value types.ImageInspect.
  options.type = berth::ImageInspectType();
  RunOnce(*t, options);
  return 0;
}
