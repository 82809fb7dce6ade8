#pragma once
/// \file
/// A sweep over plan parameters: every combination of the settings' values (config::
/// apply_setting) run as a Monte Carlo on each scenario, the operating characteristics pooled
/// over the scenarios, and the Pareto front of (false-abort rate, time to detect, bad requests
/// served) — the points no other point beats on all three at once.

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <floodgate/config/load.hpp>
#include <floodgate/sim/monte_carlo.hpp>

namespace floodgate::sim {

struct sweep_point {
  std::vector<std::pair<std::string, std::string>> settings;  ///< key, value
  /// Aborts before the regression: over the scenarios without one when there are any (a canary
  /// bad from the start cannot be aborted falsely), else over every scenario.
  rate_estimate false_abort;
  /// Over the scenarios with a regression (absent when none has one).
  std::optional<rate_estimate> detection;
  std::optional<mean_estimate> detect_s;
  std::optional<mean_estimate> bad_requests;
  mean_estimate decision_s;
  bool pareto = false;  ///< on the front: no other point is at least as good on every objective
                        ///< and better on one
};

/// "alpha=0.01 weight.1=25": a point's settings, as given.
std::string settings_text(const sweep_point& p);

struct sweep_result {
  std::string plan;
  std::size_t runs = 0;  ///< per point and scenario
  std::vector<sweep_point> points;
};

/// Runs every combination of `grid` (the first setting varies slowest). The objectives are the
/// false-abort rate, the mean time to detect (+inf when nothing was detected) and the mean bad
/// requests served; with no regression in any scenario, the false-abort rate and the mean time
/// to decision. The error names the setting that does not apply, or why the plan cannot run.
/// `options.progress` is told the runs of the whole sweep.
std::variant<sweep_result, std::string> sweep(const engine::rollout_spec& spec,
                                              const std::vector<config::setting>& grid,
                                              const std::vector<config::scenario>& scenarios,
                                              core::instant start,
                                              const monte_carlo_options& options);

}  // namespace floodgate::sim
