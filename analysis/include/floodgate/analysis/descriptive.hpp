#pragma once
/// \file
/// Descriptive statistics and Kayenta's preprocessing: summaries, R-7 percentiles, IQR outlier
/// fences. Pure, thread-safe.

#include <cstddef>
#include <span>
#include <vector>

namespace floodgate::analysis {

/// Count, mean, sample variance (n − 1), min and max; two-pass for accuracy. An empty input gives
/// zeros (Kayenta's convention for metadata); one observation gives variance NaN.
struct summary {
  std::size_t count = 0;
  double mean = 0.0;
  double variance = 0.0;
  double min = 0.0;
  double max = 0.0;
};
summary summarize(std::span<const double> v);

/// The p-th percentile (p in [0, 100]) by linear interpolation between order statistics, R
/// `quantile(type = 7)` and Commons-Math `EstimationType.R_7`: h = (n − 1)·p/100, x₍⌊h⌋₎ +
/// (h − ⌊h⌋)(x₍⌊h⌋+1₎ − x₍⌊h⌋₎). `sorted` must be ascending and non-empty, else NaN.
double percentile_r7_sorted(std::span<const double> sorted, double p);
/// As `percentile_r7_sorted` on an unsorted input (copies and sorts).
double percentile_r7(std::span<const double> v, double p);

/// Kayenta's IQR outlier detector (`detectors/IQRDetector.scala`): fences Q1 − f·IQR and
/// Q3 + f·IQR; with `reduce_sensitivity` (the judge's setting) widened to at least the 1st and
/// 99th percentiles. A point is an outlier iff strictly outside a fence.
struct iqr_fences {
  double lower = 0.0;
  double upper = 0.0;
  std::vector<bool> outlier;  ///< per input point, in input order
};
iqr_fences iqr_outliers(std::span<const double> v, double factor = 3.0,
                        bool reduce_sensitivity = true);

}  // namespace floodgate::analysis
