#pragma once
/// \file
/// Tests on error or success counts. Arm 1 is the canary, arm 2 the baseline. All functions are
/// pure and thread-safe; invalid input (negative counts, x > n, n = 0, p outside [0,1], a
/// confidence level outside (0,1)) returns status::invalid_argument and NaN fields.

#include <cstdint>

#include <floodgate/analysis/common.hpp>
#include <floodgate/analysis/status.hpp>

namespace floodgate::analysis {

/// Result of the two-sample χ² test of equal proportions.
struct two_proportion_result {
  analysis::status status = status::ok;
  double statistic = 0.0;  ///< Pearson X² (with Yates' correction when requested)
  double p_value = 0.0;
  double estimate1 = 0.0;  ///< x1 / n1
  double estimate2 = 0.0;  ///< x2 / n2
  interval ci_diff;        ///< Wald interval for p1 − p2, widened by the continuity correction
};

/// Two-sample test of equal proportions, exactly as R `prop.test(c(x1, x2), c(n1, n2),
/// correct = yates, alternative, conf.level)`: Yates' correction min(½, |p1−p2|/(1/n1+1/n2)),
/// two-sided p from χ²₁, one-sided p from the signed root of X². Both counts zero gives NaN
/// statistic and p-value with status ok (R's behaviour), so callers must check `std::isnan`.
two_proportion_result two_proportion_test(std::int64_t x1, std::int64_t n1, std::int64_t x2,
                                          std::int64_t n2, bool yates = true,
                                          alternative alt = alternative::two_sided,
                                          double conf_level = 0.95) noexcept;

/// Result of a z test on two proportions.
struct z_test_result {
  analysis::status status = status::ok;
  double z = 0.0;
  double p_value = 0.0;
};

/// Two-proportion z test. `pooled` uses the null variance p̄(1−p̄)(1/n1+1/n2) (statsmodels
/// `proportions_ztest`; z² equals R `prop.test(correct = FALSE)`'s X²); otherwise the unpooled
/// Wald variance p1q1/n1 + p2q2/n2. Zero variance returns status::constant_data.
z_test_result two_proportion_z_test(std::int64_t x1, std::int64_t n1, std::int64_t x2,
                                    std::int64_t n2, bool pooled = true,
                                    alternative alt = alternative::two_sided) noexcept;

/// Result of the exact binomial test.
struct binomial_test_result {
  analysis::status status = status::ok;
  double p_value = 0.0;
  double estimate = 0.0;  ///< x / n
  interval ci;            ///< Clopper–Pearson
};

/// Exact binomial test of H0: P(success) = p, as R `binom.test(x, n, p, alternative,
/// conf.level)`: the two-sided p-value sums the outcomes no more likely than x (relative fuzz
/// 1 + 1e-7, as R and SciPy); the interval is Clopper–Pearson (beta quantiles).
binomial_test_result binomial_exact_test(std::int64_t x, std::int64_t n, double p,
                                         alternative alt = alternative::two_sided,
                                         double conf_level = 0.95) noexcept;

/// Result of Fisher's exact test on a 2×2 table.
struct fisher_result {
  analysis::status status = status::ok;
  double p_value = 0.0;
  double odds_ratio = 0.0;  ///< conditional maximum-likelihood estimate (R's, not SciPy's)
  interval ci;              ///< conditional interval for the odds ratio
};

/// Fisher's exact test on [[canary_err, canary_ok], [base_err, base_ok]] as R
/// `fisher.test(matrix(..., byrow = TRUE), alternative, conf.level)`: the noncentral
/// hypergeometric distribution, the conditional MLE and interval found with R's uniroot.
fisher_result fisher_exact_test(std::int64_t canary_err, std::int64_t canary_ok,
                                std::int64_t base_err, std::int64_t base_ok,
                                alternative alt = alternative::two_sided,
                                double conf_level = 0.95) noexcept;

/// Wilson score interval for one proportion x / n (Wilson 1927; R `prop.test(x, n,
/// correct = FALSE)$conf.int`). n = 0 gives [0, 1].
interval wilson_interval(std::int64_t x, std::int64_t n, double conf_level = 0.95) noexcept;

/// Result of the conditional Poisson rate-ratio test.
struct rate_ratio_result {
  analysis::status status = status::ok;
  double p_value = 0.0;
  double rate_ratio = 0.0;  ///< (x1/t1) / (x2/t2)
  interval ci;
};

/// Comparison of two Poisson rates given exposures t1, t2 (requests served), as R
/// `poisson.test(c(x1, x2), c(t1, t2), alternative = alt)`: the exact binomial test of x1 out of
/// x1 + x2 with p = t1/(t1 + t2), its Clopper–Pearson interval mapped to the rate ratio.
rate_ratio_result poisson_rate_ratio_test(std::int64_t x1, double t1, std::int64_t x2, double t2,
                                          alternative alt = alternative::two_sided,
                                          double conf_level = 0.95) noexcept;

}  // namespace floodgate::analysis
