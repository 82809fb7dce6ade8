#pragma once
// Threshold metrics with Argo Rollouts' exact semantics (analysis/analysis.go,
// utils/evaluate/evaluate.go, utils/analysis/factory.go at argoproj/argo-rollouts@9f8d111d8f8e;
// shared/reference/argo-rollouts.md §1–2): conditions, counters, limits, effective count,
// metric phase, and validation.

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <floodgate/core/comparison.hpp>
#include <floodgate/core/duration.hpp>
#include <floodgate/core/expression.hpp>
#include <floodgate/core/phase.hpp>
#include <floodgate/core/value.hpp>

namespace floodgate::core {

/// A successCondition or failureCondition: its text and its parse.
struct condition {
  std::string text;
  std::variant<expression, syntax_error> parsed;
  static condition parse(std::string text);
};

/// One metric of an analysis, as Argo's `Metric`. Unset limits take Argo's defaults.
struct threshold_metric {
  std::string name;
  std::optional<millis> interval;
  std::optional<millis> initial_delay;
  std::optional<std::int64_t> count;
  std::optional<std::int64_t> failure_limit;              ///< default 0; -1 disables
  std::optional<std::int64_t> inconclusive_limit;         ///< default 0
  std::optional<std::int64_t> consecutive_error_limit;    ///< default 4
  std::optional<std::int64_t> consecutive_success_limit;  ///< default 0 = disabled
  std::optional<condition> success_condition;
  std::optional<condition> failure_condition;
  bool dry_run = false;
  int providers = 1;  ///< how many providers the metric names (validation wants exactly one)
  /// A comparison metric (canary against baseline) instead of conditions; its looks yield
  /// successful / failed / insufficient data / error and its count defaults to 1 (the first
  /// conclusive look decides).
  std::optional<comparison_metric> compare;
};

/// The counters of a MetricResult. count = successful + failed + inconclusive (errors excluded).
struct metric_counters {
  std::int64_t count = 0;
  std::int64_t successful = 0;
  std::int64_t failed = 0;
  std::int64_t inconclusive = 0;
  std::int64_t error = 0;
  std::int64_t consecutive_error = 0;
  std::int64_t consecutive_success = 0;
  friend bool operator==(const metric_counters&, const metric_counters&) = default;
};

/// A phase with the text that explains it ("" when there is nothing to say).
struct verdict {
  core::phase phase = phase::pending;
  std::string message;
};

inline constexpr std::int64_t default_consecutive_error_limit = 4;
inline constexpr millis error_retry_interval{10000};

/// The measurement's phase from the conditions (EvaluateResult): neither set → Successful; only
/// success → Failed when false; only failure → Successful when false; both → failure wins, both
/// false → Inconclusive. An evaluation error is Error with `could not evaluate <which> "<expr>":
/// <why>`, plus "metric result is nil or empty: no data returned from the metric provider" when
/// the result is nil or an empty array.
verdict evaluate_measurement(const threshold_metric& m, const value& result);

/// Folds one completed measurement phase into the counters (Argo runMeasurements).
void record(metric_counters& c, phase measured);

/// Metric.EffectiveCount: count unset or 0 → 1 without an interval, unbounded with one; a
/// comparison metric's unset count is 1 (insufficient looks do not count).
std::optional<std::int64_t> effective_count(const threshold_metric& m);

/// assessMetricFailureInconclusiveOrError: the last exceeded limit of failed > failureLimit,
/// inconclusive > inconclusiveLimit, consecutiveError > consecutiveErrorLimit, or nothing.
std::optional<verdict> limit_exceeded(const threshold_metric& m, const metric_counters& c);

/// assessMetricStatus for a metric whose stored phase is not completed. `measurements` is how
/// many it has; `last_completed` whether the newest one has finished.
phase assess_metric(const threshold_metric& m, const metric_counters& c, std::size_t measurements,
                    bool last_completed, bool terminating);

/// ValidateMetrics: the first problem as Argo words it ("metrics[0]: interval must be specified
/// when count > 1"), or nothing.
std::optional<std::string> validate_metrics(const std::vector<threshold_metric>& metrics);

}  // namespace floodgate::core
