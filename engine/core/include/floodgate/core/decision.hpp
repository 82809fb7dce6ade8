#pragma once
// The one decision record floodgate uses everywhere: the controller emits it, the journal
// stores it, the API serves it, the simulator and reports print it.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <floodgate/core/comparison.hpp>
#include <floodgate/core/duration.hpp>

namespace floodgate::core {

enum class decision_kind { set_weight, pause, promote, abort, hold };
std::string_view decision_kind_name(decision_kind k);  ///< "set_weight", "pause", ...
/// The kind named exactly as decision_kind_name writes it, or nothing.
std::optional<decision_kind> parse_decision_kind(std::string_view name);
std::optional<decision_kind> parse_decision_kind(std::string_view name);

/// Why a decision was taken: the rule that fired and, when a metric caused it, the metric and
/// its evidence. Statistical fields are empty for threshold metrics.
struct decision_reason {
  std::string rule;       ///< "step", "analysis Failed", "background analysis Inconclusive", ...
  std::string metric;     ///< the metric that decided, or empty
  std::string detail;     ///< the human text: Argo's run message, a pause's length, ...
  std::string value;      ///< the metric's last value as recorded ("[0.97]")
  std::string statistic;  ///< comparison metrics: the test computed ("prop.test one-sided")
  std::optional<double> estimate;
  std::optional<double> interval_low;
  std::optional<double> interval_high;
  std::optional<double> p_value;
  std::optional<double> e_value;
  std::optional<double> n;
  std::optional<double> required_n;
};

struct decision {
  instant at;
  std::size_t step = 0;  ///< index of the plan step the rollout was on
  decision_kind kind = decision_kind::hold;
  int weight = 0;  ///< canary traffic percent after the decision
  decision_reason reason;
};

/// Copies a comparison look's statistic and numbers into a reason.
void add_evidence(decision_reason& reason, const comparison_verdict& v);

/// One line: "t=60s step=1 set_weight 20 [step]" or "... abort 0 [analysis Failed] success-rate:
/// Metric \"success-rate\" assessed Failed due to failed (2) > failureLimit (1)". Times are
/// seconds after `epoch`. Comparison evidence follows in braces: "{prop.test one-sided
/// est=0.012 [0.004, 1] p=0.0021 n=1600 required=1522}".
std::string format_decision(const decision& d, instant epoch);
/// The braces part alone (" {prop.test one-sided est=0.012 … required=1522}"), "" without a
/// statistic.
std::string format_evidence(const decision_reason& r);

}  // namespace floodgate::core
