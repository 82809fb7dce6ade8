#pragma once
// The progressive strategy as Flagger runs it (pkg/controller/scheduler.go advanceCanary,
// runCanary, runBlueGreen, runAB, runPromotionTrafficShift, rollback at fluxcd/flagger@15bd6ad;
// shared/reference/flagger-and-routers.md §1): one call of advance() is one analysis interval.
// Flagger's quirks are reproduced on purpose, because its users' plans rely on them: the
// detection tick never shifts traffic, the first weight step runs no metric check, stepWeight
// may overshoot maxWeight, failedChecks accumulate over the whole analysis and the rollback
// happens on the tick after the threshold-th failure.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace floodgate::core {

/// Flagger's canary phases (pkg/apis/flagger/v1beta1/status.go).
enum class canary_phase {
  initializing,
  initialized,
  waiting,
  progressing,
  waiting_promotion,
  promoting,
  finalising,
  succeeded,
  failed,
};
std::string_view canary_phase_name(canary_phase p);  ///< "WaitingPromotion", ...

/// A metric check: the value must lie within [min, max] (bounds pass; Flagger's thresholdRange,
/// or the legacy `threshold` as a minimum for request-success-rate and a maximum otherwise).
struct range_check {
  std::string name;
  std::optional<double> min;
  std::optional<double> max;
  /// Whether `v` passes (NaN never does).
  bool passes(double v) const;
};

/// Flagger's spec.analysis, the fields that drive the state machine.
struct progressive_analysis {
  int threshold = 1;   ///< failed checks before rollback; ≤ 0 means 1
  int max_weight = 0;  ///< 0 means 100
  int step_weight = 0;
  std::vector<int> step_weights;
  int step_weight_promotion = 0;
  int iterations = 0;
  bool match = false;  ///< A/B header or cookie match rules are present
  bool mirror = false;
  bool skip_analysis = false;
  bool l4_only = false;  ///< the kubernetes provider: no traffic shifting
  std::vector<range_check> metrics;
};

enum class progressive_strategy { canary, blue_green, ab_testing };
/// DeploymentStrategy(): match + iterations → A/B; iterations → blue-green; else canary.
progressive_strategy strategy_of(const progressive_analysis& a);
std::string_view strategy_name(progressive_strategy s);  ///< "canary", "blue-green", "ab-testing"
/// The analysis as the kubernetes (L4) provider runs it, which cannot shift traffic: iterations
/// below 1 become 10 and match rules are dropped. Other analyses are returned unchanged.
progressive_analysis effective_analysis(const progressive_analysis& a);
/// maxWeight(): min(100, last stepWeights) if stepWeights are set, else maxWeight or 100.
int max_weight(const progressive_analysis& a);
/// nextStepWeight(): stepWeight when set (or when stepWeights are not); else the next rung of
/// stepWeights minus the current weight, at most 100 − weight, and 1 at 100 %.
int next_step_weight(const progressive_analysis& a, int canary_weight);

/// The router's state: percent of traffic to primary and canary, and whether the canary gets a
/// mirror of the primary's traffic. For A/B the weights apply to matching requests only.
struct routes {
  int primary = 100;
  int canary = 0;
  bool mirrored = false;
  friend bool operator==(const routes&, const routes&) = default;
};

/// The canary's status as Flagger keeps it, plus the router and workload state it reads back.
struct progressive_status {
  canary_phase phase = canary_phase::initialized;
  int canary_weight = 0;
  int failed_checks = 0;
  int iterations = 0;
  core::routes routes;
  int canary_replicas = 0;        ///< 0 = scaled to zero, 1 = scaled up
  bool primary_promoted = false;  ///< the primary runs the canary's spec
};

/// The webhook gates of Flagger (spec.analysis.webhooks[].type).
enum class hook {
  confirm_rollout,
  pre_rollout,
  rollout,
  confirm_traffic_increase,
  confirm_promotion,
  rollback
};

/// Readiness of a workload: not ready and retriable waits; not retriable (progress deadline
/// exceeded) rolls back.
struct readiness {
  bool ready = true;
  bool retriable = true;
};

/// What the controller asks of the outside world during one tick, called lazily and in
/// Flagger's order (a gate that says no stops the tick). Implemented by the live runtime, the
/// simulator and the tests.
class progressive_world {
 public:
  virtual ~progressive_world() = default;
  /// Confirm-*, pre-rollout, rollout: true = go (2xx). rollback: true = roll back now.
  virtual bool gate(hook h) = 0;
  /// The value of metrics[i] for this interval, or nothing when the query failed or found no
  /// values (a failed check).
  virtual std::optional<double> query(std::size_t i) = 0;
  virtual readiness primary_ready() { return {}; }
  virtual readiness canary_ready() { return {}; }
};

/// What happened in one tick, for the decision trace.
struct progressive_tick {
  bool metrics_evaluated = false;
  bool pre_rollout_hooks_called = false;
  std::string event;  ///< "Advance canary weight 20", "Rolling back: failed checks threshold
                      ///< reached 3", ...
};

/// One tick (advanceCanary). `new_revision`: the canary's spec changed since the last tick.
progressive_tick advance(const progressive_analysis& spec, progressive_status& status,
                         bool new_revision, progressive_world& world);

}  // namespace floodgate::core
