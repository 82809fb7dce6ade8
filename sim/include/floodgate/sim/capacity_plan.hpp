#pragma once
/// \file
/// Capacity planning: how long each canary step must run to decide, given total traffic, the
/// baseline error rate and the smallest regression worth catching (shared/reference/
/// statistics.md §3.7). Pure and synchronous; thread-safe.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <floodgate/analysis/sample_size.hpp>

namespace floodgate::sim {

/// Which required-sample-size model sizes a step.
enum class sample_size_model {
  quick,  ///< the source document's n = z²p(1−p)/δ² (CI width, 50 % power, no baseline noise)
  two_sample,  ///< two-proportion test with power and the step's allocation ratio (default)
  sequential,  ///< anytime-valid count e-value: events needed at the plug-in effect
};
std::string_view to_string(sample_size_model m) noexcept;

/// Where the baseline's requests come from.
enum class baseline_source {
  rest,     ///< the stable version serves the rest of production: (1 − w)·R
  matched,  ///< a baseline deployment the canary's size (Kayenta's setup): w·R
};

/// Traffic and test assumptions for a plan.
struct capacity_inputs {
  double total_rps = 0.0;            ///< R, requests per second across both arms
  double baseline_error_rate = 0.0;  ///< p
  double mde = 0.0;                  ///< δ: smallest absolute increase of the error rate to catch
  double alpha = 0.05;
  double power = 0.8;
  sample_size_model model = sample_size_model::two_sample;
  baseline_source baseline = baseline_source::rest;
  std::vector<analysis::traffic_step> steps;  ///< weight as a fraction 0..1, duration in seconds
};

/// The answer for one step (each step is judged on the traffic it receives itself; the
/// sequential model accumulates events from the start, since its e-value stays valid as the
/// share changes).
struct capacity_step {
  double weight = 0.0;
  double duration_s = 0.0;
  double canary_requests = 0.0;
  double baseline_requests = 0.0;
  double canary_error_events = 0.0;  ///< expected under "no regression" (rate p)
  double baseline_error_events = 0.0;
  double required_canary_requests = 0.0;  ///< what the model needs before it can decide
  double required_seconds = 0.0;          ///< the shortest duration at this share that would do
  bool long_enough = false;
  double detectable_effect = 0.0;  ///< smallest δ this step can detect as written (NaN if none)
};

/// The plan's answer.
struct capacity_plan {
  std::vector<capacity_step> steps;
  double total_seconds = 0.0;
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

}  // namespace floodgate::sim
