#pragma once
// Monte Carlo over a scenario: the plan run N times on traffic drawn from N seeds, spread over
// threads, each run's outcome kept in seed order (the same figures on any number of threads),
// and the operating characteristics an SRE asks about, each with a 95 % interval:
//   false-abort rate   — runs aborted before the canary regressed (all of a healthy
//                        scenario's aborts): Wilson score interval;
//   detection rate     — of the runs still in progress when the canary regressed, those that
//                        aborted: Wilson score interval;
//   time to decision   — start to promotion or abort; time to detect — regression to abort;
//   bad requests       — canary requests served under the regression until the decision:
//                        each a mean with the normal interval mean ± z₀.₉₇₅·s/√n (central limit
//                        theorem; n is in the hundreds or more), and R-7 percentiles.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <floodgate/sim/scenario_run.hpp>

namespace floodgate::sim {

struct monte_carlo_options {
  std::size_t runs = 1000;
  std::uint64_t seed = 1;
  unsigned threads = 0;           ///< 0: every core
  core::millis lookback{300000};  ///< how old a sample an instant query still sees (5m)
  /// Keep run 0 tick by tick (monte_carlo_result::first), for a report to draw it.
  bool keep_first = false;
  /// Told (runs done, runs in all) now and then, from one thread.
  std::function<void(std::size_t, std::size_t)> progress;
};

/// A proportion with its Wilson interval.
struct rate_estimate {
  std::size_t count = 0;
  std::size_t of = 0;
  double rate = 0;
  double low = 0;
  double high = 0;
};

/// A mean with its 95 % interval, and percentiles, over `n` runs.
struct mean_estimate {
  std::size_t n = 0;
  double mean = 0;
  double low = 0;
  double high = 0;
  double p50 = 0;
  double p95 = 0;
};

struct monte_carlo_result {
  std::string plan;
  std::size_t runs = 0;
  std::uint64_t seed = 0;
  std::size_t promoted = 0;
  std::size_t aborted = 0;
  std::size_t undecided = 0;                  ///< waiting for a human, or the scenario ended first
  std::optional<core::millis> regression_at;  ///< the canary's, when the scenario has one
  rate_estimate false_abort;
  rate_estimate detection;  ///< only with a regression
  mean_estimate decision_s;
  mean_estimate detect_s;              ///< only with a regression
  mean_estimate bad_requests;          ///< only with a regression
  std::vector<run_outcome> outcomes;   ///< run i drew its traffic from run_seed(seed, i)
  std::optional<replay_result> first;  ///< run 0 in full, with options.keep_first
};

/// A proportion with its Wilson score interval (95 %).
rate_estimate estimate_rate(std::size_t count, std::size_t of);
/// A mean with mean ± z₀.₉₇₅·s/√n and R-7 percentiles.
mean_estimate estimate_mean(std::vector<double> xs);

/// "0.0150  [0.0101, 0.0221]  (15 of 1000)".
std::string format_estimate(const rate_estimate& r);
/// "296.0 s  [291.4, 300.6]  median 300.0 s, p95 480.0 s  (1848 runs)" with unit " s"; "-"
/// without runs.
std::string format_estimate(const mean_estimate& m, const std::string& unit = "");

/// The seed of run `i` (splitmix64 of the pair): independent streams, whatever the threads.
std::uint64_t run_seed(std::uint64_t seed, std::size_t i);

/// Runs the plan `options.runs` times. The error says why the plan cannot start.
std::variant<monte_carlo_result, std::string> monte_carlo(const engine::rollout_spec& spec,
                                                          const config::scenario& s,
                                                          core::instant start,
                                                          const monte_carlo_options& options);

}  // namespace floodgate::sim
