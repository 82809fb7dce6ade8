#pragma once
// A synthetic-traffic scenario for `floodgate simulate --scenario`: the total request rate
// (constant or diurnal), each arm's error rate and latency distribution, regressions injected
// at a time, and how Prometheus would see it all (the series' names and labels, histogram
// buckets, the scrape interval). Read from YAML or JSON (`kind: Scenario`) with every error
// located, like a plan.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <floodgate/config/load.hpp>
#include <floodgate/core/duration.hpp>

namespace floodgate::config {

/// A request's latency, in seconds.
struct latency_model {
  enum class kind { lognormal, empirical };
  kind k = kind::lognormal;
  double median = 0.1;  ///< lognormal: exp(μ), seconds
  double sigma = 0.5;   ///< lognormal: σ of the log
  /// empirical: the distribution function at each bound (seconds, increasing), linear in
  /// between from 0 at 0 (as histogram_quantile assumes); the last is 1.
  std::vector<double> bounds;
  std::vector<double> cumulative;
};

/// One arm's traffic: the labels of its series, the share of requests that fail (answered
/// with code 500), and its latency.
struct arm_traffic {
  std::map<std::string, std::string> labels;
  double error_rate = 0.0;
  latency_model latency;
};

/// A change of the canary (or the baseline) from `at` after the rollout starts on: the error
/// rate ×multiply then +add (capped at 1), each latency ×multiply then +add seconds.
struct regression {
  core::millis at{0};
  std::string arm = "canary";  ///< "canary" or "baseline"
  double error_multiply = 1.0;
  double error_add = 0.0;
  double latency_multiply = 1.0;
  double latency_add = 0.0;  ///< seconds
};

struct scenario {
  std::string name;
  double rps = 100.0;  ///< mean total requests per second, both arms together
  /// Diurnal traffic: rps·(1 + amplitude·cos(2π(t − peak)/24h)), t the UTC time of day.
  double diurnal_amplitude = 0.0;
  core::millis diurnal_peak{14 * 3600000};  ///< the UTC time of day of the peak
  core::millis scrape_interval{15000};
  core::millis warmup{600000};                ///< traffic before the rollout starts
  core::millis duration{21600000};            ///< no simulated time beyond this after the start
  std::map<std::string, std::string> labels;  ///< on every series ("service": "checkout")
  std::string requests_metric = "http_requests_total";           ///< counter, label code
  std::string latency_metric = "http_request_duration_seconds";  ///< histogram
  std::vector<double> buckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  arm_traffic baseline;
  arm_traffic canary;
  std::vector<regression> regressions;  ///< in time order
  std::optional<std::uint64_t> seed;

  /// When the canary's first regression starts (after the rollout's start), if any.
  std::optional<core::millis> canary_regression_at() const;
  /// The total request rate at `at`: rps·(1 + amplitude·cos(2π(t − peak)/24h)).
  double rps_at(core::instant at) const;
};

/// Where a scenario starts without --start: Monday 2026-01-05, 10:00 UTC — fixed, so runs
/// reproduce.
inline constexpr core::instant default_scenario_start{core::millis(1767607200000)};

/// Reads a scenario; every problem located ("s.yaml:7:12: /spec/canary/errorRate: found
/// "high", expected a number").
std::variant<scenario, std::vector<diagnostic>> read_scenario(const source_file& file);

}  // namespace floodgate::config
