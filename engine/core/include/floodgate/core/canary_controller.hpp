#pragma once
// The canary strategy as Argo Rollouts runs it (rollout/canary.go, rollout/analysis.go;
// shared/reference/argo-rollouts.md §5): ordered steps setWeight, pause (a duration or until
// approved) and analysis (an analysis run to completion), plus a background analysis from a
// given step. Pure: the driver owns time and the metric queries.
//
// Driving it: at each wake-up, ask due_measurements(), query those metrics, then call advance()
// with what came back; sleep until the returned wake-up (or until a human approves or aborts).

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <floodgate/core/analysis_run.hpp>
#include <floodgate/core/decision.hpp>
#include <floodgate/core/threshold_metric.hpp>
#include <floodgate/core/value.hpp>

namespace floodgate::core {

struct canary_step {
  enum class kind { set_weight, pause, analysis } what = kind::set_weight;
  int weight = 0;                         ///< set_weight: canary percent 0..100
  std::optional<millis> duration;         ///< pause: nothing = until approved
  std::vector<threshold_metric> metrics;  ///< analysis: the run's metrics (bounded)
};

struct canary_plan {
  std::vector<canary_step> steps;
  std::vector<threshold_metric> background;  ///< empty = no background analysis
  std::size_t background_from_step = 0;
};

/// The state of one run of metrics.
struct run_state {
  std::optional<instant> started_at;
  std::vector<std::optional<metric_result>> results;
  bool terminate = false;
};

enum class rollout_status { progressing, paused, paused_inconclusive, promoted, aborted };
std::string_view rollout_status_name(rollout_status s);

struct rollout_state {
  std::size_t step = 0;
  int weight = 0;
  rollout_status status = rollout_status::progressing;
  std::optional<instant> pause_started;
  std::optional<run_state> step_run;
  std::optional<run_state> background_run;
};

/// Which metric of which run the controller wants measured now.
struct metric_request {
  bool background = false;
  std::size_t metric = 0;
};

/// A provider's answer for one request: the result conditions see and its rendering, the
/// canary's and baseline's data for a comparison metric, or the error (a failed query is an
/// Error measurement, never a pass).
struct observation {
  metric_request request;
  std::variant<value, std::string, comparison_data> result;
  core::value_text value_text;
  /// A comparison's verdict on `result`, computed ahead with other looks in one batch
  /// (`compare_batch`: the live engine's tick); null, the controller computes it. Never
  /// journaled: a replay computes it again, the same bits.
  std::shared_ptr<const comparison_verdict> verdict = nullptr;
};

/// What an observation became: the measurement recorded for it (a comparison look carries its
/// statistics). Reports ask for these; the live engine does not.
struct metric_look {
  metric_request request;
  std::string metric;  ///< the metric's name
  measurement taken;
};

struct advance_result {
  std::vector<decision> decisions;
  std::optional<instant> next_wake_up;  ///< nothing: wait for a human (or the rollout is over)
};

/// The measurements due at `now`.
std::vector<metric_request> due_measurements(const canary_plan& plan, const rollout_state& state,
                                             instant now);

/// Records the observations taken at `now` and moves the rollout as far as it can.
/// `looks`, when given, gets what each observation became (in order).
advance_result advance(const canary_plan& plan, rollout_state& state, instant now,
                       const std::vector<observation>& observations,
                       std::vector<metric_look>* looks = nullptr);

/// A human's promote: ends an indefinite or inconclusive pause (the step counts as passed).
advance_result approve(const canary_plan& plan, rollout_state& state, instant now);
/// A human's abort: weight 0, every run terminated.
advance_result abort_rollout(rollout_state& state, instant now, const std::string& who);

}  // namespace floodgate::core
