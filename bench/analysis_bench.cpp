// Google Benchmark suites for floodgate::analysis over sample sizes 10³…10⁶.
// Data: lognormal(log 100, 0.5) against lognormal(log 102, 0.5), continuous or rounded to whole
// milliseconds ("ties"), the inputs of shared/reference/statistics.md §5 and bench/peers/.

#include <benchmark/benchmark.h>

#include <array>
#include <cmath>
#include <vector>

#include <floodgate/analysis/batch.hpp>
#include <floodgate/analysis/descriptive.hpp>
#include <floodgate/analysis/kayenta.hpp>
#include <floodgate/analysis/mann_whitney.hpp>

#include <floodgate/analysis/proportion_tests.hpp>
#include <floodgate/analysis/random.hpp>
#include <floodgate/analysis/sample_size.hpp>
#include <floodgate/analysis/sequential.hpp>
#include <floodgate/analysis/welch.hpp>
#include "bench_data.hpp"

namespace {

namespace fa = floodgate::analysis;

struct arms {
  std::vector<double> canary;
  std::vector<double> baseline;
};
arms make_arms(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const bool ties = state.range(1) != 0;
  state.SetLabel(ties ? "ties" : "continuous");
  return {floodgate::bench::lognormal_latencies(n, 102.0, ties, 1),
          floodgate::bench::lognormal_latencies(n, 100.0, ties, 2)};
}

void sizes(benchmark::internal::Benchmark* b) {
  for (long n : {1000L, 10000L, 100000L, 1000000L}) {
    for (long t : {0L, 1L}) b->Args({n, t});
  }
  b->Unit(benchmark::kMillisecond);
}

void BM_mann_whitney_u(benchmark::State& state) {
  const auto d = make_arms(state);
  for (auto _ : state) benchmark::DoNotOptimize(fa::mann_whitney_u(d.canary, d.baseline));
  state.SetItemsProcessed(state.iterations() * state.range(0) * 2);
}
BENCHMARK(BM_mann_whitney_u)->Apply(sizes);

void BM_hodges_lehmann_98(benchmark::State& state) {
  const auto d = make_arms(state);
  for (auto _ : state)
    benchmark::DoNotOptimize(fa::hodges_lehmann_shift(d.canary, d.baseline, 0.98));
  state.SetItemsProcessed(state.iterations() * state.range(0) * 2);
}
BENCHMARK(BM_hodges_lehmann_98)->Apply(sizes);

void BM_hodges_lehmann_98_kayenta_compat(benchmark::State& state) {
  const auto d = make_arms(state);
  for (auto _ : state) {
    benchmark::DoNotOptimize(fa::hodges_lehmann_shift(d.canary, d.baseline, 0.98,
                                                      fa::alternative::two_sided, true,
                                                      fa::shift_ci_mode::kayenta_compat));
  }
  state.SetItemsProcessed(state.iterations() * state.range(0) * 2);
}
BENCHMARK(BM_hodges_lehmann_98_kayenta_compat)->Apply(sizes);

void BM_sort_pooled(benchmark::State& state) {  // the floor a rank test cannot beat
  const auto d = make_arms(state);
  std::vector<double> pooled;
  for (auto _ : state) {
    pooled = d.canary;
    pooled.insert(pooled.end(), d.baseline.begin(), d.baseline.end());
    std::sort(pooled.begin(), pooled.end());
    benchmark::DoNotOptimize(pooled.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0) * 2);
}
BENCHMARK(BM_sort_pooled)->Apply(sizes);

void BM_welch(benchmark::State& state) {
  const auto d = make_arms(state);
  for (auto _ : state) benchmark::DoNotOptimize(fa::welch_t_test(d.canary, d.baseline));
  state.SetItemsProcessed(state.iterations() * state.range(0) * 2);
}
BENCHMARK(BM_welch)->Apply(sizes);

void BM_dkw_stochastic_order(benchmark::State& state) {
  const auto d = make_arms(state);
  for (auto _ : state) {
    benchmark::DoNotOptimize(fa::dkw_stochastic_order_test(d.baseline, d.canary, 0.05));
  }
  state.SetItemsProcessed(state.iterations() * state.range(0) * 2);
}
BENCHMARK(BM_dkw_stochastic_order)->Apply(sizes);

void BM_quantile_ab_p99(benchmark::State& state) {
  const auto d = make_arms(state);
  for (auto _ : state) {
    benchmark::DoNotOptimize(fa::quantile_ab_p_value(d.baseline, d.canary, 0.99, 1000.0));
  }
  state.SetItemsProcessed(state.iterations() * state.range(0) * 2);
}
BENCHMARK(BM_quantile_ab_p99)->Apply(sizes);

void BM_mann_whitney_exact(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto x = floodgate::bench::lognormal_latencies(n, 102.0, false, 3);
  const auto y = floodgate::bench::lognormal_latencies(n, 100.0, false, 4);
  for (auto _ : state) benchmark::DoNotOptimize(fa::hodges_lehmann_shift_exact(x, y, 0.95));
}
BENCHMARK(BM_mann_whitney_exact)->Arg(10)->Arg(30)->Arg(49)->Unit(benchmark::kMicrosecond);

void BM_kayenta_classify_60_points(benchmark::State& state) {
  const auto x = floodgate::bench::lognormal_latencies(60, 102.0, false, 5);
  const auto y = floodgate::bench::lognormal_latencies(60, 100.0, false, 6);
  fa::kayenta_metric_config c;
  for (auto _ : state) benchmark::DoNotOptimize(fa::kayenta_classify(x, y, c));
}
BENCHMARK(BM_kayenta_classify_60_points)->Unit(benchmark::kMicrosecond);

// Count tests: n is the number of requests per arm.
void BM_two_proportion_test(benchmark::State& state) {
  const auto n = state.range(0);
  for (auto _ : state)
    benchmark::DoNotOptimize(fa::two_proportion_test(n / 50, n, n / 100, 19 * n));
}
BENCHMARK(BM_two_proportion_test)->Arg(1000)->Arg(1000000);

void BM_binomial_exact(benchmark::State& state) {
  const auto n = state.range(0);
  for (auto _ : state) benchmark::DoNotOptimize(fa::binomial_exact_test(n / 95, n, 0.01));
}
BENCHMARK(BM_binomial_exact)
    ->Arg(1000)
    ->Arg(10000)
    ->Arg(100000)
    ->Arg(1000000)
    ->Unit(benchmark::kMicrosecond);

void BM_fisher_exact(benchmark::State& state) {
  const auto n = state.range(0);
  for (auto _ : state) {
    benchmark::DoNotOptimize(fa::fisher_exact_test(n / 50, n - n / 50, n / 5, 19 * n - n / 5));
  }
}
BENCHMARK(BM_fisher_exact)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMicrosecond);

void BM_count_e_value(benchmark::State& state) {
  const std::array<double, 2> rho{0.95, 0.05};
  const auto n = static_cast<double>(state.range(0));
  std::array<double, 2> counts{n, 0.06 * n};
  for (auto _ : state) {
    counts[1] += 1.0;
    benchmark::DoNotOptimize(fa::multinomial_log_e_value(counts, rho));
  }
}
BENCHMARK(BM_count_e_value)->Arg(1000)->Arg(1000000);

void BM_count_e_value_one_sided(benchmark::State& state) {
  const auto n = static_cast<double>(state.range(0));
  double xc = 0.06 * n;
  for (auto _ : state) {
    xc += 1.0;
    benchmark::DoNotOptimize(fa::count_log_e_value_one_sided(n, xc, 0.05));
  }
}
BENCHMARK(BM_count_e_value_one_sided)->Arg(1000)->Arg(1000000)->Unit(benchmark::kMicrosecond);

void BM_count_e_value_delta_mixture(benchmark::State& state) {
  std::vector<fa::count_batch> batches;
  for (long i = 0; i < state.range(0); ++i) {
    batches.push_back({475, 40, 0.05 + 0.004 * static_cast<double>(i)});
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(fa::count_log_e_value_delta_mixture(batches, fa::delta_prior{}));
  }
}
BENCHMARK(BM_count_e_value_delta_mixture)->Arg(1)->Arg(10)->Arg(100)->Unit(benchmark::kMicrosecond);

void BM_sample_size_two_proportion_ratio(benchmark::State& state) {
  double p = 0.015;
  for (auto _ : state) {
    p += 1e-12;
    benchmark::DoNotOptimize(fa::two_proportion_n_ratio(p, 0.01, 0.05, 0.8, 19.0));
  }
}
BENCHMARK(BM_sample_size_two_proportion_ratio);

void BM_sample_size_t_test(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(fa::t_test_n(5.0, 20.0, 0.05, 0.8));
}
BENCHMARK(BM_sample_size_t_test)->Unit(benchmark::kMicrosecond);

void BM_count_detection_events(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(fa::count_detection_events(0.05, 1.5, 0.05));
}
BENCHMARK(BM_count_detection_events)->Unit(benchmark::kMicrosecond);

void BM_lil_bound_optimal_c(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(fa::empirical_process_lil_bound(1000, 0.05, 100));
}
BENCHMARK(BM_lil_bound_optimal_c)->Unit(benchmark::kMillisecond);

void BM_percentile_r7(benchmark::State& state) {
  const auto v = floodgate::bench::lognormal_latencies(static_cast<std::size_t>(state.range(0)),
                                                       100.0, false, 9);
  for (auto _ : state) benchmark::DoNotOptimize(fa::percentile_r7(v, 99.0));
}
BENCHMARK(BM_percentile_r7)->Arg(1000)->Arg(1000000)->Unit(benchmark::kMicrosecond);

}  // namespace

namespace {

// Batch kernels against the scalar loop over the same K comparisons.
struct batch_data {
  std::vector<double> x1, n1, x2, n2, share, rate, out, out2;
  std::vector<std::uint8_t> met;
  // Canary shares uniform in [low, high).
  explicit batch_data(std::size_t k, double low = 0.01, double high = 0.51) {
    fa::rng g(17);
    for (std::size_t i = 0; i < k; ++i) {
      n1.push_back(std::floor(1000.0 + g.uniform() * 1e5));
      n2.push_back(std::floor(1000.0 + g.uniform() * 1e6));
      x1.push_back(std::floor(n1.back() * 0.02 * g.uniform()));
      x2.push_back(std::floor(n2.back() * 0.02 * g.uniform()));
      share.push_back(low + (high - low) * g.uniform());
      rate.push_back(x2.back() / n2.back());
    }
    out.resize(k);
    out2.resize(k);
    met.resize(k);
  }
};

void BM_batch_two_proportion_z(benchmark::State& state) {
  batch_data d(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    fa::two_proportion_z_batch(d.x1, d.n1, d.x2, d.n2, fa::alternative::greater, d.out, d.out2);
    benchmark::DoNotOptimize(d.out2.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_batch_two_proportion_z)->Arg(100000)->Unit(benchmark::kMicrosecond);

void BM_scalar_loop_two_proportion_z(benchmark::State& state) {
  batch_data d(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    for (std::size_t i = 0; i < d.x1.size(); ++i) {
      const auto r = fa::two_proportion_z_test(
          static_cast<std::int64_t>(d.x1[i]), static_cast<std::int64_t>(d.n1[i]),
          static_cast<std::int64_t>(d.x2[i]), static_cast<std::int64_t>(d.n2[i]), true,
          fa::alternative::greater);
      d.out[i] = r.z;
      d.out2[i] = r.p_value;
    }
    benchmark::DoNotOptimize(d.out2.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_scalar_loop_two_proportion_z)->Arg(100000)->Unit(benchmark::kMicrosecond);

void BM_batch_count_e_value(benchmark::State& state) {
  batch_data d(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    fa::count_log_e_value_batch(d.x2, d.x1, d.share, 100.0, d.out);
    benchmark::DoNotOptimize(d.out.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_batch_count_e_value)->Arg(100000)->Unit(benchmark::kMicrosecond);

// The count e-value's two fast lanes apart (batch_lanes.hpp): canary shares of 10-90 % give both
// prior masses kρᵢ ≥ 10 at k = 100 (the unshifted lane alone), shares of 1-10 % a canary mass
// below 10 (the unshifted pass, then the canary-shifted lane for every comparison). The mixed
// benchmark above has 18 % of the latter.
void BM_batch_count_e_value_lane(benchmark::State& state) {
  const bool shifted = state.range(1) != 0;
  batch_data d(static_cast<std::size_t>(state.range(0)), shifted ? 0.01 : 0.1, shifted ? 0.1 : 0.9);
  for (auto _ : state) {
    fa::count_log_e_value_batch(d.x2, d.x1, d.share, 100.0, d.out);
    benchmark::DoNotOptimize(d.out.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.SetLabel(shifted ? "shifted" : "unshifted");
}
BENCHMARK(BM_batch_count_e_value_lane)
    ->Args({100000, 0})
    ->Args({100000, 1})
    ->Unit(benchmark::kMicrosecond);

void BM_scalar_loop_count_e_value(benchmark::State& state) {
  batch_data d(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    for (std::size_t i = 0; i < d.x1.size(); ++i) {
      const std::array<double, 2> counts{d.x2[i], d.x1[i]};
      const std::array<double, 2> rho{1.0 - d.share[i], d.share[i]};
      d.out[i] = fa::multinomial_log_e_value(counts, rho, 100.0).log_e;
    }
    benchmark::DoNotOptimize(d.out.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_scalar_loop_count_e_value)->Arg(100000)->Unit(benchmark::kMicrosecond);

void BM_batch_sample_size_gate(benchmark::State& state) {
  batch_data d(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    fa::sample_size_gate_batch(d.n1, d.n2, d.rate, 0.005, 0.05, 0.8, d.out, d.met);
    benchmark::DoNotOptimize(d.out.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_batch_sample_size_gate)->Arg(100000)->Unit(benchmark::kMicrosecond);

void BM_scalar_loop_sample_size_gate(benchmark::State& state) {
  batch_data d(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    for (std::size_t i = 0; i < d.x1.size(); ++i) {
      const auto r =
          fa::two_proportion_n_ratio(d.rate[i] + 0.005, d.rate[i], 0.05, 0.8, d.n2[i] / d.n1[i]);
      d.out[i] = r.canary;
      d.met[i] = d.n1[i] >= r.canary ? 1 : 0;
    }
    benchmark::DoNotOptimize(d.out.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_scalar_loop_sample_size_gate)->Arg(100000)->Unit(benchmark::kMicrosecond);

}  // namespace
