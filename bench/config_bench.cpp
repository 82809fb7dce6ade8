// Loading plan files (engine/config): a 200-line Argo Rollouts set (a Rollout, two
// AnalysisTemplates, args, seven metrics with conditions parsed at load time) and the 50-line
// floodgate Plan of examples/, from text in memory to validated plans — YAML parsing, schema
// reading, placeholder rendering and condition parsing included; file reading excluded.

#include <benchmark/benchmark.h>

#include <yaml-cpp/yaml.h>
#include <algorithm>
#include <floodgate/config/load.hpp>
#include <fstream>
#include <sstream>
#include <string>

namespace {

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void load_file(benchmark::State& state, const std::string& path, long lines_expected) {
  const std::string text = read(std::string(FLOODGATE_SOURCE_DIR) + "/" + path);
  const long lines = std::count(text.begin(), text.end(), '\n');
  if (lines != lines_expected) {
    state.SkipWithError((path + " has " + std::to_string(lines) + " lines").c_str());
    return;
  }
  const auto first = floodgate::config::load({{path, text}});
  if (!first.ok() || first.plans.empty()) {
    state.SkipWithError((path + " does not load: " + first.errors.front().format()).c_str());
    return;
  }
  for (auto _ : state) {
    auto r = floodgate::config::load({{path, text}});
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(text.size()));
  state.counters["lines"] = static_cast<double>(lines);
}

void load_argo_rollout_200_lines(benchmark::State& state) {
  load_file(state, "bench/data/argo-rollout-200.yaml", 200);
}
BENCHMARK(load_argo_rollout_200_lines)->Unit(benchmark::kMicrosecond);

void load_floodgate_plan_50_lines(benchmark::State& state) {
  load_file(state, "examples/checkout-canary.yaml", 50);
}
BENCHMARK(load_floodgate_plan_50_lines)->Unit(benchmark::kMicrosecond);

// The floor under the loader: yaml-cpp (the YAML library the project uses, Debian 12's 0.7)
// building its node tree for the same 200 lines, before any plan is read.
void yaml_cpp_load_all_200_lines(benchmark::State& state) {
  const std::string text =
      read(std::string(FLOODGATE_SOURCE_DIR) + "/bench/data/argo-rollout-200.yaml");
  for (auto _ : state) {
    auto docs = YAML::LoadAll(text);
    benchmark::DoNotOptimize(docs);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(text.size()));
}
BENCHMARK(yaml_cpp_load_all_200_lines)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
