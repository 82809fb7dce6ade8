#pragma once
/// \file
/// Welch's unequal-variance t test, x = canary, y = baseline. Pure, thread-safe.

#include <span>

#include <floodgate/analysis/common.hpp>
#include <floodgate/analysis/status.hpp>

namespace floodgate::analysis {

/// Result of Welch's test.
struct welch_result {
  analysis::status status = status::ok;
  double t = 0.0;
  double df = 0.0;  ///< Welch–Satterthwaite degrees of freedom
  double p_value = 0.0;
  double estimate = 0.0;  ///< mean(x) − mean(y)
  interval ci;            ///< for mean(x) − mean(y)
};

/// Welch t test as R `t.test(x, y, alternative, conf.level)` (var.equal = FALSE) and SciPy
/// `ttest_ind(equal_var = False)`: t = (x̄ − ȳ)/√(s²ₓ/m + s²ᵧ/n),
/// ν = (s²ₓ/m + s²ᵧ/n)² / ((s²ₓ/m)²/(m−1) + (s²ᵧ/n)²/(n−1)). Fewer than two observations in an arm:
/// status::too_few_samples; a standard error below 10ε·max(|x̄|, |ȳ|): status::constant_data
/// (R: "data are essentially constant"). Means and variances are two-pass.
welch_result welch_t_test(std::span<const double> x, std::span<const double> y,
                          alternative alt = alternative::two_sided, double conf_level = 0.95);

}  // namespace floodgate::analysis
