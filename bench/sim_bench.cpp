// The replay (sim/replay.hpp on providers/recorded): one day of 15 s recorded data for 100
// series (576 000 CSV rows, 33 MB) read into the store, and a plan replayed over the whole day —
// a background analysis of three metrics looked at every 10 s (8 640 ticks, 25 920 looks) —
// each look's instant vector built from the recording and converted by the live conversion
// (read_numbers). Issue 5's goal: the whole replay (reading included) under 1 s.
//
// The Monte Carlo (sim/monte_carlo.hpp): 10 000 runs of a 30-minute canary on synthetic traffic
// (200 requests a second, 15 s scrapes), three metrics looked at every 10 s — a 1-minute success
// rate, a p99 latency from the histogram, and the anytime-valid count comparison over
// {{elapsed}} — each run drawing its traffic and driving its controller, the runs in lockstep
// groups of 32 whose queries are evaluated once per instant for the group (sim/lockstep.hpp).
// Goals: under 10 s on 2 cores (issue 5), 2 s (issue 6).

#include <benchmark/benchmark.h>

#include <floodgate/providers/recorded/replay_source.hpp>
#include <floodgate/sim/monte_carlo.hpp>
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

const char* canary_30m = R"(apiVersion: floodgate.dev/v1
kind: Plan
metadata: {name: canary-30m}
spec:
  strategy:
    canary:
      analysis:
        metrics:
        - name: success-rate
          interval: 10s
          failureLimit: 3
          successCondition: result[0] >= 0.99
          provider:
            prometheus:
              address: http://p:9090
              query: sum(rate(http_requests_total{track="canary",code!~"5.."}[1m])) / sum(rate(http_requests_total{track="canary"}[1m]))
        - name: p99-latency
          interval: 10s
          failureLimit: 3
          successCondition: result[0] < 1
          provider:
            prometheus:
              address: http://p:9090
              query: histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{track="canary"}[1m])))
        - name: error-rate
          interval: 10s
          compare: {test: sequential_counts, direction: increase, alpha: 0.05, power: 0.8, minEffect: 0.005}
          provider:
            prometheus:
              address: http://p:9090
              canary:
                events: sum(increase(http_requests_total{track="canary",code=~"5.."}[{{elapsed}}]))
                total: sum(increase(http_requests_total{track="canary"}[{{elapsed}}]))
              baseline:
                events: sum(increase(http_requests_total{track="stable",code=~"5.."}[{{elapsed}}]))
                total: sum(increase(http_requests_total{track="stable"}[{{elapsed}}]))
      steps:
      - setWeight: 10
      - pause: {duration: 10m}
      - setWeight: 30
      - pause: {duration: 10m}
      - setWeight: 60
      - pause: {duration: 10m}
)";

const char* traffic_200rps = R"(apiVersion: floodgate.dev/v1
kind: Scenario
metadata: {name: bench}
spec:
  traffic: {rps: 200}
  baseline: {errorRate: 0.002, latency: {lognormal: {median: 80ms, sigma: 0.5}}}
)";

void monte_carlo_30m(benchmark::State& state) {
  auto s = floodgate::config::read_scenario({"bench.yaml", traffic_200rps});
  floodgate::engine::rollout_spec spec;
  spec.files = {{"plan.yaml", canary_30m}};
  floodgate::sim::monte_carlo_options o;
  o.runs = static_cast<std::size_t>(state.range(0));
  o.threads = static_cast<unsigned>(state.range(1));
  double steps = 0;
  double promoted = 0;
  for (auto _ : state) {
    auto r = floodgate::sim::monte_carlo(spec, std::get<floodgate::config::scenario>(s),
                                         core::instant(core::millis(day_start * 1000)), o);
    if (auto* e = std::get_if<std::string>(&r)) {
      state.SkipWithError(e->c_str());
      break;
    }
    const auto& mc = std::get<floodgate::sim::monte_carlo_result>(r);
    steps = 0;
    for (const auto& x : mc.outcomes) steps += x.decided_s / 10 + 1;
    promoted = static_cast<double>(mc.promoted);
  }
  state.counters["interval_steps"] = steps;
  state.counters["steps_per_s_per_core"] = benchmark::Counter(
      steps * static_cast<double>(state.iterations()) / static_cast<double>(state.range(1)),
      benchmark::Counter::kIsRate);
  state.counters["promoted"] = promoted;
}
BENCHMARK(monte_carlo_30m)
    ->Args({10000, 1})
    ->Args({10000, 2})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
