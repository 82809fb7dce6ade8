#pragma once
/// \file
/// `floodgate simulate --output html`: one self-contained page (inline CSS and SVG, no script,
/// nothing fetched) for a replayed or simulated rollout, a Monte Carlo summary or a sweep.
///   - a run: the canary's weight over time with the decisions marked; for every metric the
///     canary against the baseline (a count metric's event rate, a sample metric's median and
///     95th percentile, a threshold metric's value) with its failed looks and decisions; a
///     comparison's e-value or p-value path against the line it must cross (e ≥ 1/α, p < α)
///     and its sample against the n its test needs; the decision log;
///   - a Monte Carlo: the estimates with their intervals, histograms of the time to decision
///     (promoted and aborted runs), the time to detect and the bad requests served, and the
///     first run drawn in full;
///   - a sweep: every point's figures and the Pareto front drawn against the other points;
///   - a capacity plan (`floodgate plan --output html`): the canary's weight over the plan; per
///     sized test, the canary requests each step accrues against the n its test needs; and for
///     a varying rate, the traffic over its period and the plan's duration by start time.

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <floodgate/core/duration.hpp>
#include <floodgate/sim/capacity_plan.hpp>
#include <floodgate/sim/monte_carlo.hpp>
#include <floodgate/sim/replay.hpp>
#include <floodgate/sim/sweep.hpp>

namespace floodgate::sim {

/// The page's heading and the facts under it ("source", "12 series (3 456 samples)").
struct report_header {
  std::string title;
  std::vector<std::pair<std::string, std::string>> facts;
};

/// One run, its times drawn from `start`.
std::string timeline_html(const replay_result& r, core::instant start, const report_header& h);

/// A Monte Carlo; its first run (monte_carlo_options::keep_first) drawn in full from `start`.
std::string monte_carlo_html(const monte_carlo_result& r, const report_header& h,
                             core::instant start);

/// A sweep.
std::string sweep_html(const sweep_result& r, const report_header& h);

/// One sized test of a capacity plan.
struct capacity_report_test {
  std::string name;  ///< the metric's, or the model's when sized from flags
  std::string model;
  capacity_plan plan;
  std::vector<start_time_answer> by_start;  ///< empty for a constant rate
};

/// A capacity plan: its steps (what each is), the traffic and each sized test.
struct capacity_report {
  std::vector<std::string> steps;
  const rate_curve* curve = nullptr;
  double start_s = 0.0;  ///< where on the curve the plan starts
  /// The wall-clock text of a point on the curve (seconds from its origin), for the axis.
  std::function<std::string(double)> when;
  std::vector<capacity_report_test> tests;
  std::vector<std::string> notes;
};

std::string capacity_html(const capacity_report& r, const report_header& h);

}  // namespace floodgate::sim
