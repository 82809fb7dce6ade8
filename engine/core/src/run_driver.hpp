#pragma once
// What the canary and blue-green controllers share: starting an analysis run, recording a
// provider's answer as a measurement (threshold conditions or a comparison look), explaining a
// run's phase in a decision's reason, and resolving comparison metrics that stay insufficient.
// Internal to engine/core.

#include <cstddef>
#include <floodgate/core/canary_controller.hpp>
#include <string>
#include <vector>

namespace floodgate::core::detail {

run_state start_run(const std::vector<threshold_metric>& metrics, instant now);

/// Records one answer; true when a comparison metric has just become insufficient (the previous
/// look was not), which the controllers report as a hold. `taken`, when given, gets a copy of
/// the measurement recorded (untouched when the answer came too late to count).
bool record_observation(const threshold_metric& m, run_state& run, const observation& o,
                        instant now, measurement* taken = nullptr);

/// record_observation for a controller's advance(), adding what was recorded to `looks`.
inline bool record_look(const threshold_metric& m, run_state& run, const observation& o,
                        instant now, std::vector<metric_look>* looks) {
  if (!looks) return record_observation(m, run, o, now);
  measurement taken;
  const bool newly_insufficient = record_observation(m, run, o, now, &taken);
  if (taken.finished_at) looks->push_back({o.request, m.name, std::move(taken)});
  return newly_insufficient;
}

decision_reason because(std::string rule, std::string detail = "");

/// The decision-emitting half of a controller step: decisions, the next wake-up, holds and
/// the maxTime resolution of comparison metrics.
class driver {
 public:
  explicit driver(instant now) : now_(now) {}
  virtual ~driver() = default;
  driver(const driver&) = delete;
  driver& operator=(const driver&) = delete;

 protected:
  virtual std::size_t current_step() const = 0;
  virtual int current_weight() const = 0;
  /// The controller's abort: weight, status, runs terminated, the decision emitted.
  virtual void abort(decision_reason reason) = 0;
  /// The controller's pause for a human after an Inconclusive run.
  virtual void pause_inconclusive(decision_reason reason) = 0;

  void emit(decision_kind kind, decision_reason reason);
  void consider_wake(std::optional<instant> t);
  /// A hold decision for a comparison metric that is short of data.
  void hold(const threshold_metric& m, const metric_result& r, std::string rule,
            std::string detail);
  /// Holds for the metrics of `run` that have just become insufficient.
  void report_insufficient(const std::vector<threshold_metric>& metrics, const run_state& run,
                           std::size_t metric);
  /// Resolves maxTime, then assesses the run (a phase Argo would leave unexplained gets the
  /// deciding metric's message) and asks to be woken when a metric wants attention.
  run_assessment assess(const std::vector<threshold_metric>& metrics, run_state& run);
  /// Assesses the run and applies what a rollout does with its phase (react_to_run): abort and
  /// pause go through the controller's hooks with a reason naming the deciding metric.
  rollout_reaction::action react(analysis_kind kind, const std::vector<threshold_metric>& metrics,
                                 run_state& run);

  instant now_;
  advance_result out_;

 private:
  void resolve_insufficient(const std::vector<threshold_metric>& metrics, run_state& run);
};

}  // namespace floodgate::core::detail
