// The replay (sim/replay.hpp on providers/recorded): one day of 15 s recorded data for 100
// series (576 000 CSV rows, 33 MB) read into the store, and a plan replayed over the whole day —
// a background analysis of three metrics looked at every 10 s (8 640 ticks, 25 920 looks) —
// each look's instant vector built from the recording and converted by the live conversion
// (read_numbers). Issue 5's goal: the whole replay (reading included) under 1 s.

#include <benchmark/benchmark.h>

#include <floodgate/providers/recorded/replay_source.hpp>
#include <floodgate/sim/replay.hpp>
#include <string>

namespace {

namespace recorded = floodgate::providers::recorded;
namespace core = floodgate::core;

constexpr long long day_start = 1795500000;  // 2026-11-24T06:00:00Z

// 100 series of one metric key each ("q0" … "q99"), a sample every 15 s for a day.
const std::string& day_csv() {
  static const std::string text = [] {
    std::string s = "timestamp,metric,labels,value\n";
    s.reserve(36u << 20);
    for (long long t = 0; t < 86400; t += 15)
      for (int k = 0; k < 100; ++k)
        s += std::to_string(day_start + t) + ",q" + std::to_string(k) + ",{pod=\"p" +
             std::to_string(k % 7) + "\"}," +
             std::to_string(0.995 + 0.001 * static_cast<double>((t / 15 + k) % 5)) + "\n";
    return s;
  }();
  return text;
}

// A day-long rollout: a background analysis of three of the recorded queries every 10 s, and a
// step pausing a day.
const char* plan = R"(apiVersion: floodgate.dev/v1
kind: Plan
metadata: {name: day}
spec:
  strategy:
    canary:
      analysis:
        metrics:
        - {name: a, interval: 10s, successCondition: "result[0] >= 0.99", provider: {prometheus: {address: "http://p:9090", query: q1}}}
        - {name: b, interval: 10s, successCondition: "result[0] >= 0.99", provider: {prometheus: {address: "http://p:9090", query: q2}}}
        - {name: c, interval: 10s, successCondition: "result[0] >= 0.99", provider: {prometheus: {address: "http://p:9090", query: q3}}}
      steps:
      - setWeight: 10
      - pause: {duration: 24h}
)";

void read_day(benchmark::State& state) {
  const auto& text = day_csv();
  for (auto _ : state) {
    recorded::store st;
    auto errors = st.add_file("day.csv", text);
    if (!errors.empty()) state.SkipWithError(errors.front().format().c_str());
    benchmark::DoNotOptimize(st);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(read_day)->Unit(benchmark::kMillisecond);

void replay_day(benchmark::State& state) {
  recorded::store st;
  if (!st.add_file("day.csv", day_csv()).empty()) state.SkipWithError("the day does not read");
  std::size_t ticks = 0;
  for (auto _ : state) {
    recorded::replay_source src(st, {});
    floodgate::engine::rollout_spec spec;
    spec.files = {{"plan.yaml", plan}};
    floodgate::sim::replay_options o;
    o.start = core::instant(core::millis(day_start * 1000));
    o.until = o.start + core::millis(86400 * 1000 - 1);
    auto r =
        floodgate::sim::replay(spec, o, [&](const std::string& m, const auto& q, core::instant at) {
          return src.answer(m, q, at);
        });
    if (auto* e = std::get_if<std::string>(&r)) {
      state.SkipWithError(e->c_str());
      break;
    }
    ticks = std::get<floodgate::sim::replay_result>(r).ticks.size();
    benchmark::DoNotOptimize(r);
  }
  state.counters["ticks"] = static_cast<double>(ticks);
}
BENCHMARK(replay_day)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
