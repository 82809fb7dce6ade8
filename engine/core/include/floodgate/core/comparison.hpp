#pragma once
// Comparison metrics, floodgate's own: the canary against the baseline with a statistical test,
// a minimum detectable effect and the required-sample-size gate (shared/reference/statistics.md
// §3). One look yields one of
//   failed       — the test shows the canary worse than the baseline (one-sided, level alpha);
//   successful   — the canary has the n the test needs for `power` at the minimum detectable
//                  effect δ, and the evidence excludes a regression of δ or more;
//   insufficient — not enough canary data for the test at that power, or the interval still
//                  includes δ. No traffic, NaN and empty samples are insufficient, never a pass.
//   error        — the look cannot be computed (misconfiguration, e.g. δ outside the scale).
// Pure: the data comes in, a verdict with its evidence goes out.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <floodgate/core/duration.hpp>

namespace floodgate::core {

enum class comparison_test {
  two_proportion,
  sequential_counts,
  mann_whitney,
  kayenta,
  quantile,
  welch
};
std::string_view comparison_test_name(comparison_test t);  ///< "two_proportion", ...
std::optional<comparison_test> parse_comparison_test(std::string_view name);

/// Which way is a regression: `increase` (errors, latency: a higher canary value is worse) or
/// `decrease` (success counts, throughput: a lower canary value is worse).
enum class regression_direction { increase, decrease };
std::string_view regression_direction_name(regression_direction d);  ///< "increase", "decrease"
std::optional<regression_direction> parse_regression_direction(std::string_view name);

/// What a step does when it reaches its `max_time` and the metric is still insufficient.
enum class insufficient_resolution {
  hold,          ///< keep the step, keep measuring, emit a hold decision (a human may act)
  abort,         ///< the metric fails: the rollout aborts
  inconclusive,  ///< the metric is Inconclusive: the rollout pauses for a human
};
std::string_view insufficient_resolution_name(insufficient_resolution r);  ///< "hold", ...
std::optional<insufficient_resolution> parse_insufficient_resolution(std::string_view name);

/// The required-sample-size model of the count tests: `two_sample` (default: power and an
/// allocation ratio, statsmodels `samplesize_proportions_2indep_onetail`) or `quick` (the source
/// document's n = z²·p(1−p)/δ², statistics.md §3.1).
enum class sample_size_model { two_sample, quick };
std::string_view sample_size_model_name(sample_size_model m);  ///< "two_sample", "quick"
std::optional<sample_size_model> parse_sample_size_model(std::string_view name);

struct comparison_metric {
  comparison_test test = comparison_test::two_proportion;
  regression_direction direction = regression_direction::increase;
  double alpha = 0.05;
  double power = 0.8;
  /// δ: an absolute difference of proportions for the count tests (0.005 = half a percentage
  /// point), a difference in the metric's unit for the sample tests (ms for latency).
  double min_effect = 0.0;
  double quantile = 0.99;  ///< quantile test: the quantile compared
  sample_size_model model = sample_size_model::two_sample;
  std::optional<millis> max_time;  ///< how long a run may stay insufficient; nothing = forever
  insufficient_resolution on_insufficient = insufficient_resolution::hold;
};

/// One arm's counts for the count tests: `events` among `total` requests.
struct arm_counts {
  double events = 0.0;
  double total = 0.0;
};

/// What one look at a comparison metric sees. The count tests read `canary`/`baseline`; the
/// sample tests (mann_whitney, kayenta, quantile, welch) read the sample vectors. Counts are
/// cumulative over the window the plan's queries cover.
struct comparison_data {
  arm_counts canary;
  arm_counts baseline;
  std::vector<double> canary_samples;
  std::vector<double> baseline_samples;
};

enum class comparison_outcome { successful, failed, insufficient, error };
std::string_view comparison_outcome_name(comparison_outcome o);

/// A look's outcome with the evidence the decision record carries. Estimates and intervals are
/// canary minus baseline in the metric's own terms.
struct comparison_verdict {
  comparison_outcome outcome = comparison_outcome::insufficient;
  std::string statistic;  ///< what was computed: "prop.test one-sided", "count e-value", ...
  std::string message;    ///< why this outcome, in words
  std::optional<double> estimate;
  std::optional<double> interval_low;
  std::optional<double> interval_high;
  std::optional<double> p_value;
  std::optional<double> e_value;
  std::optional<double> n;           ///< canary requests or samples
  std::optional<double> required_n;  ///< what the sample-size model asks of the canary
  /// The level the look was held to: a failure is p < α, or e ≥ 1/α (reports draw the line).
  std::optional<double> alpha;
};

/// One look. Never throws on data.
comparison_verdict compare(const comparison_metric& m, const comparison_data& data);

/// Many looks at once (the live engine's tick across its rollouts): verdicts[i] is
/// compare(*metrics[i], *data[i]), the same bits and words. The count tests (two_proportion and
/// sequential_counts with the two_sample model) run through the batch kernels of
/// analysis/batch.hpp, grouped by test, α and power — prop.test, the one-sided count e-value and
/// the sample-size model for the whole group in one call each; the other looks one by one. The
/// three spans have one length.
void compare_batch(std::span<const comparison_metric* const> metrics,
                   std::span<const comparison_data* const> data,
                   std::span<comparison_verdict> verdicts);

/// The plan-time problems of a comparison spec (alpha, power, δ, quantile out of range), or
/// nothing; `where` prefixes the message ("metrics[0].compare").
std::optional<std::string> validate_comparison(const comparison_metric& m, std::string_view where);

}  // namespace floodgate::core
