// The controller's cost per step: one analysis interval of a rollout with 5 threshold metrics
// (5 observations recorded, conditions evaluated, the run assessed, the next wake-up computed),
// and the expression evaluator alone. Allocations are counted by replacing operator new in this
// binary and reported per iteration as the "allocs" counter. And the judging of many comparison
// looks, one by one and in one batch.

#include <benchmark/benchmark.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <floodgate/core/canary_controller.hpp>
#include <floodgate/core/comparison.hpp>
#include <new>

namespace {
std::atomic<long long> allocations{0};
}  // namespace

void* operator new(std::size_t n) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

using namespace floodgate::core;

canary_plan five_metric_plan() {
  canary_plan plan;
  canary_step analysis;
  analysis.what = canary_step::kind::analysis;
  const char* conditions[] = {"result[0] >= 0.99", "result[0] < 0.5",
                              "len(result) == 0 || result[0] < 250", "all(result, # < 0.01)",
                              "asFloat(result[0]) <= 1.5"};
  for (int i = 0; i < 5; ++i) {
    threshold_metric m;
    m.name = "metric-" + std::to_string(i);
    m.interval = millis(10000);
    m.count = 1'000'000'000;  // never completes during the benchmark
    m.failure_limit = 1'000'000'000;
    m.success_condition = condition::parse(conditions[i]);
    analysis.metrics.push_back(m);
  }
  plan.steps = {{canary_step::kind::set_weight, 10, std::nullopt, {}}, analysis};
  return plan;
}

// Starts the rollout, answers every measurement with `obs` every 10 s past the retention limit
// (so the steady state trims as it appends), then times one step per iteration and counts its
// allocations.
void time_steady_steps(benchmark::State& state, const canary_plan& plan,
                       const std::vector<observation>& obs) {
  rollout_state rollout;
  instant now{millis(0)};
  advance(plan, rollout, now, {});
  for (int i = 0; i < 20; ++i) {
    now += millis(10000);
    advance(plan, rollout, now, obs);
  }
  const long long before = allocations.load();
  for (auto _ : state) {
    now += millis(10000);
    auto r = advance(plan, rollout, now, obs);
    benchmark::DoNotOptimize(r);
  }
  state.counters["allocs"] = benchmark::Counter(static_cast<double>(allocations.load() - before),
                                                benchmark::Counter::kAvgIterations);
}

void controller_step_5_metrics(benchmark::State& state) {
  const canary_plan plan = five_metric_plan();
  const value values[] = {
      value::array({value::floating(0.995)}), value::array({value::floating(0.1)}),
      value::array({value::floating(120)}), value::array({value::floating(0.001)}),
      value::array({value::floating(1.2)})};
  std::vector<observation> obs;
  for (std::size_t i = 0; i < 5; ++i) obs.push_back({{false, i}, values[i], "[0.5]"});
  time_steady_steps(state, plan, obs);
}
BENCHMARK(controller_step_5_metrics);

// The same step with two of the five metrics comparison metrics (a sequential count e-value and
// a two-proportion test on a healthy canary with enough traffic: each look is successful).
void controller_step_3_threshold_2_comparison(benchmark::State& state) {
  canary_plan plan = five_metric_plan();
  auto& metrics = plan.steps[1].metrics;
  const comparison_test tests[] = {comparison_test::sequential_counts,
                                   comparison_test::two_proportion};
  for (std::size_t i = 3; i < 5; ++i) {
    metrics[i].success_condition.reset();
    comparison_metric c;
    c.test = tests[i - 3];
    c.min_effect = 0.005;
    metrics[i].compare = c;
  }
  comparison_data healthy;
  healthy.canary = {100.0, 50'000.0};
  healthy.baseline = {1'000.0, 500'000.0};
  std::vector<observation> obs;
  const value values[] = {value::array({value::floating(0.995)}),
                          value::array({value::floating(0.1)}),
                          value::array({value::floating(120)})};
  for (std::size_t i = 0; i < 3; ++i) obs.push_back({{false, i}, values[i], "[0.5]"});
  for (std::size_t i = 3; i < 5; ++i) obs.push_back({{false, i}, healthy, ""});
  time_steady_steps(state, plan, obs);
}
BENCHMARK(controller_step_3_threshold_2_comparison);

// Judging K count looks (half sequential count e-values, half prop.test, on varied healthy
// counts): one by one through compare(), as each rollout's controller does, or in one
// compare_batch call, as the live engine does with the looks of one turn of its io_context. The
// same verdicts; items/s is looks judged per second.
struct count_looks {
  std::vector<comparison_metric> metrics;
  std::vector<comparison_data> data;
  std::vector<const comparison_metric*> mp;
  std::vector<const comparison_data*> dp;
  explicit count_looks(std::size_t k) {
    metrics.resize(2);
    metrics[0].test = comparison_test::sequential_counts;
    metrics[1].test = comparison_test::two_proportion;
    for (auto& m : metrics) m.min_effect = 0.005;
    for (std::size_t i = 0; i < k; ++i) {
      comparison_data d;
      const double n = 2'000.0 + 97.0 * static_cast<double>(i % 500);
      d.canary = {std::floor(n * 0.002 * static_cast<double>(1 + i % 3)), n};
      d.baseline = {std::floor(9.0 * n * 0.003), 9.0 * n};
      data.push_back(d);
    }
    for (std::size_t i = 0; i < k; ++i) {
      mp.push_back(&metrics[i % 2]);
      dp.push_back(&data[i]);
    }
  }
};

void judge_count_looks_one_by_one(benchmark::State& state) {
  const count_looks looks(static_cast<std::size_t>(state.range(0)));
  std::vector<comparison_verdict> out(looks.data.size());
  for (auto _ : state) {
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = compare(*looks.mp[i], *looks.dp[i]);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(judge_count_looks_one_by_one)->Arg(1024);

void judge_count_looks_batch(benchmark::State& state) {
  const count_looks looks(static_cast<std::size_t>(state.range(0)));
  std::vector<comparison_verdict> out(looks.data.size());
  for (auto _ : state) {
    compare_batch(looks.mp, looks.dp, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(judge_count_looks_batch)->Arg(1024);

void condition_eval(benchmark::State& state) {
  const auto c = condition::parse("len(result) > 0 && result[0] >= 0.99");
  const auto& e = std::get<expression>(c.parsed);
  const value v = value::array({value::floating(0.995)});
  const long long before = allocations.load();
  for (auto _ : state) {
    auto r = evaluate_condition(e, v);
    benchmark::DoNotOptimize(r);
  }
  state.counters["allocs"] = benchmark::Counter(static_cast<double>(allocations.load() - before),
                                                benchmark::Counter::kAvgIterations);
}
BENCHMARK(condition_eval);

}  // namespace

BENCHMARK_MAIN();
