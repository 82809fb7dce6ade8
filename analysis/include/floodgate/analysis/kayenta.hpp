#pragma once
/// \file
/// The Kayenta judge (NetflixACAJudge-v1.0) as shared/reference/statistics.md §1 describes it:
/// the Mann–Whitney metric classifier and the weighted-sum scorer. Inputs are the time-series
/// points of one metric per arm (experiment = canary, control = baseline). Pure, thread-safe.

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <floodgate/analysis/common.hpp>
#include <floodgate/analysis/descriptive.hpp>

namespace floodgate::analysis {

enum class kayenta_direction { increase, decrease, either };
enum class kayenta_nan_strategy { remove, replace };
enum class kayenta_effect_measure { mean_ratio, cles };
/// Metric labels (`BaseMetricClassifier.scala`).
enum class kayenta_label { pass, high, low, nodata_fail, nodata, error };
std::string_view to_string(kayenta_label l) noexcept;

/// Per-metric configuration (`analysisConfigurations.canary`) with Kayenta's defaults; the
/// judge hard-codes tolerance 0.25 and confidence 0.98 (`NetflixACAJudge.scala:146`).
struct kayenta_metric_config {
  kayenta_direction direction = kayenta_direction::either;
  kayenta_nan_strategy nan_strategy = kayenta_nan_strategy::remove;
  bool remove_outliers = false;
  double outlier_factor = 3.0;
  bool critical = false;
  bool must_have_data = false;
  kayenta_effect_measure effect_measure = kayenta_effect_measure::mean_ratio;
  double allowed_increase = 1.0;
  double allowed_decrease = 1.0;
  double critical_increase = 1.0;
  double critical_decrease = 1.0;
  double tolerance = 0.25;
  double conf_level = 0.98;
  /// Seed of the N(0, (v·1e-5)²) noise Kayenta adds when both arms are constant but different.
  std::uint64_t noise_seed = 0x6b6179656e7461ULL;
};

/// Classification of one metric with its evidence.
struct kayenta_metric_result {
  kayenta_label label = kayenta_label::pass;
  bool critical = false;
  double effect = 0.0;    ///< mean ratio or CLES, NaN when undefined
  double estimate = 0.0;  ///< Hodges–Lehmann shift canary − baseline (NaN when not tested)
  interval ci;
  std::string reason;  ///< why this label, for the decision record
  summary canary;
  summary baseline;
};

/// `MannWhitneyClassifier.classify` after the judge's NaN and outlier transforms, in Kayenta's
/// order: no data, identical, all one value, both constant (noise), then the Mann–Whitney
/// interval (R/Kayenta root finding, `shift_ci_mode::kayenta_compat`) against the practical band
/// tolerance·|estimate| and the effect-size gates; then the critical gate.
kayenta_metric_result kayenta_classify(std::span<const double> canary,
                                       std::span<const double> baseline,
                                       const kayenta_metric_config& config);

/// One classified metric as the scorer sees it.
struct kayenta_scored_metric {
  kayenta_label label = kayenta_label::pass;
  std::vector<std::string> groups;
  bool critical = false;
  bool muted = false;
};

/// Result of `WeightedSumScorer`.
struct kayenta_score {
  double score = 0.0;                    ///< 0..100, rounded half-up to 2 decimals
  std::map<std::string, double> groups;  ///< group score (100 for a no-data group)
  std::string reason;                    ///< set when an override forced the score to 0
};

/// Group score 100·#Pass/(#Pass + #High + #Low + #NodataFailMetric) (Nodata and Error excluded; a
/// group with an empty denominator counts 100); weights from `group_weights`, unweighted groups
/// share the remainder of 100; overrides: a critical non-Pass metric or ≥ 50 % Nodata → 0.
kayenta_score kayenta_weighted_sum(std::span<const kayenta_scored_metric> metrics,
                                   const std::map<std::string, double>& group_weights);

enum class kayenta_verdict { pass, marginal, fail };
std::string_view to_string(kayenta_verdict v) noexcept;
/// `ThresholdScoreClassifier`: score ≥ pass → Pass, score ≥ marginal → Marginal, else Fail.
kayenta_verdict kayenta_classify_score(double score, double pass, double marginal) noexcept;

}  // namespace floodgate::analysis
