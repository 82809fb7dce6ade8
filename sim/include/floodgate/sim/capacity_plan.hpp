#pragma once
/// \file
/// Capacity planning: how long each canary step must run to decide, given the traffic (a
/// constant rate or a curve over time), the baseline's error rate or latency, and the smallest
/// regression worth catching (shared/reference/statistics.md §3). Pure and synchronous;
/// thread-safe.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <floodgate/analysis/sample_size.hpp>

namespace floodgate::sim {

/// Which required-sample-size model sizes a step: the n each of the controller's tests needs.
enum class sample_size_model {
  quick,  ///< the source document's n = z²p(1−p)/δ² (CI width, 50 % power, no baseline noise)
  two_sample,    ///< two-proportion test with power and the step's allocation ratio (default)
  sequential,    ///< anytime-valid count e-value: events needed at the plug-in effect
  mann_whitney,  ///< rank test on latency: Noether's n at a shift of δ ms
  quantile,      ///< exceedance of the baseline's q-quantile after a shift of δ ms
  welch,         ///< Welch t on latency: the mean shifted by δ ms
};
std::string_view to_string(sample_size_model m) noexcept;
std::optional<sample_size_model> parse_sample_size_model(std::string_view name) noexcept;
/// Whether the model sizes a latency (sample) test, whose δ is in ms and which needs a latency
/// distribution, rather than a count test on the error rate.
bool is_latency_model(sample_size_model m) noexcept;

/// Where the baseline's requests come from.
enum class baseline_source {
  rest,     ///< the stable version serves the rest of production: (1 − w)·R
  matched,  ///< a baseline deployment the canary's size (Kayenta's setup): w·R
};

/// Total requests per second over time: a constant, or a piecewise-linear curve through samples
/// that repeats with a period (a recorded day, a diurnal scenario). Time is in seconds from the
/// curve's origin.
class rate_curve {
 public:
  rate_curve() = default;
  explicit rate_curve(double rps) : constant_(rps) {}
  /// A curve through (seconds from the origin, requests per second) points, sorted by time
  /// from 0, repeating every `period_s` (> the last point's time; the last point joins the first
  /// across the wrap). An error says which point or value is wrong.
  static std::variant<rate_curve, std::string> sampled(std::vector<std::pair<double, double>> pts,
                                                       double period_s);
  bool is_constant() const noexcept { return points_.empty(); }
  double period() const noexcept { return period_; }  ///< 0 for a constant
  double rate_at(double t) const noexcept;
  double mean() const noexcept;
  double min() const noexcept;
  double max() const noexcept;
  /// Requests that arrive between t0 and t1 (the curve's integral).
  double requests(double t0, double t1) const noexcept;
  /// How long after t0 until `n` requests have arrived; +inf when they never do.
  double time_for(double t0, double n) const noexcept;

 private:
  double cumulative(double t) const noexcept;    // requests in [0, t)
  std::size_t segment(double x) const noexcept;  // i: points_[i] ≤ x < points_[i + 1], x in [0, P]
  double constant_ = 0.0;
  std::vector<std::pair<double, double>> points_;  // closed by (period, first rate)
  std::vector<double> cum_;                        // requests in [0, points_[i].first)
  double period_ = 0.0;
};

/// The baseline's latency as the latency models assume it: lognormal with this median (ms) and
/// log-scale standard deviation.
struct latency_assumption {
  double median_ms = 0.0;
  double sigma = 0.0;
};

/// Traffic and test assumptions for a plan.
struct capacity_inputs {
  rate_curve traffic;                         ///< R(t): requests per second across both arms
  double start_s = 0.0;                       ///< where on the curve the first step starts
  double baseline_error_rate = 0.0;           ///< p (count models)
  std::optional<latency_assumption> latency;  ///< the latency models' baseline
  double quantile = 0.99;                     ///< the quantile model's q
  /// δ: the smallest regression to catch — an absolute increase of the error rate for the
  /// count models, milliseconds for the latency models.
  double mde = 0.0;
  double alpha = 0.05;
  double power = 0.8;
  sample_size_model model = sample_size_model::two_sample;
  baseline_source baseline = baseline_source::rest;
  /// weight as a fraction 0..1, duration in seconds; a NaN duration is an open-ended step (an
  /// analysis that runs until it decides), counted at the time its test needs.
  std::vector<analysis::traffic_step> steps;
};

/// The answer for one step (each step is judged on the traffic it receives itself; the
/// sequential model's e-value carries evidence across steps, so a running plan can decide
/// sooner).
struct capacity_step {
  double weight = 0.0;
  double start_s = 0.0;     ///< from the plan's start
  double duration_s = 0.0;  ///< as written; NaN when open-ended
  bool open_ended = false;
  double canary_requests = 0.0;  ///< over the step as written (open-ended: over required_seconds)
  double baseline_requests = 0.0;
  double canary_error_events = 0.0;  ///< expected under "no regression" (rate p)
  double baseline_error_events = 0.0;
  double required_canary_requests = 0.0;  ///< what the model needs before it can decide
  double required_seconds = 0.0;          ///< the shortest duration at this share that would do
  bool long_enough = false;
  double detectable_effect = 0.0;  ///< smallest δ this step can detect as written (NaN if none)

  /// How long the step runs: as written, or an open-ended step until its test has its n.
  double ran_seconds() const { return open_ended ? required_seconds : duration_s; }
};

/// The plan's answer.
struct capacity_plan {
  std::vector<capacity_step> steps;
  double total_seconds = 0.0;      ///< open-ended steps counted at their required duration
  double shortest_seconds = 0.0;   ///< every step cut (or stretched) to its required duration
  double detectable_effect = 0.0;  ///< smallest δ any step detects as written (NaN if none)
  std::vector<std::string> notes;  ///< caveats for the reader (degenerate models, …)
};

/// Validation error: which input and what was expected.
struct capacity_error {
  std::string field;
  std::string message;
};

/// A plan, or the first input that is outside its domain.
struct capacity_result {
  std::optional<capacity_error> error;
  capacity_plan plan;
};

/// Plans `in`. Thread-safe; O(steps) with a few root solves per step.
capacity_result plan_capacity(const capacity_inputs& in);

/// The same plan started at `starts` evenly spaced instants over one period of a curve (the
/// hours of a day): for each, its start (seconds from the curve's origin) and the answer.
struct start_time_answer {
  double start_s = 0.0;
  capacity_plan plan;
};
std::vector<start_time_answer> plan_by_start_time(const capacity_inputs& in, int starts);

}  // namespace floodgate::sim
