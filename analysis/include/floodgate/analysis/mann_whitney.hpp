#pragma once
/// \file
/// The Mann–Whitney (Wilcoxon rank-sum) test and the Hodges–Lehmann location shift, x = canary,
/// y = baseline. Inputs are not modified; NaN or infinite values give status::non_finite_input
/// (the caller decides whether to drop them, as Kayenta's NaN strategy does). Pure, thread-safe.

#include <cstddef>
#include <span>
#include <vector>

#include <floodgate/analysis/common.hpp>
#include <floodgate/analysis/status.hpp>

namespace floodgate::analysis {

/// Result of the rank-sum test.
struct mann_whitney_result {
  analysis::status status = status::ok;
  double u1 = 0.0;  ///< U of x: #{x > y} + ½·#{x = y} (R's W)
  double z = 0.0;   ///< standardised statistic (asymptotic method)
  double p_value = 0.0;
  double tie_term = 0.0;  ///< Σ (t³ − t) over tie groups of the pooled sample
};

/// Asymptotic test with tie correction and optional continuity correction, as R
/// `wilcox.test(x, y, exact = FALSE, correct)` and SciPy `mannwhitneyu(method='asymptotic')`:
/// σ² = mn/12·((N+1) − Σ(t³−t)/(N(N−1))). Sorts each arm once (O(N log N)) and counts U in one
/// merge. All observations tied: p is NaN and status::all_tied.
mann_whitney_result mann_whitney_u(std::span<const double> x, std::span<const double> y,
                                   alternative alt = alternative::two_sided,
                                   bool continuity = true);

/// Exact test from the null distribution of U (R `wilcox.test(exact = TRUE)`, `pwilcox`); valid
/// only without ties (status::invalid_argument otherwise) and for m·n ≤ 250 000.
mann_whitney_result mann_whitney_u_exact(std::span<const double> x, std::span<const double> y,
                                         alternative alt = alternative::two_sided);

/// How the Hodges–Lehmann interval is found.
enum class shift_ci_mode {
  /// The interval ends are the jump points of the asymptotic W(d), found exactly as order
  /// statistics of the m·n pairwise differences (selection by bisection with a two-pointer
  /// count; O((m + n) log) — scale-free, no root-finding tolerance).
  exact_selection,
  /// Reproduces R `wilcox.test(conf.int = TRUE, exact = FALSE)` and Kayenta's MannWhitney.scala:
  /// Brent root-finding on W(d) with absolute tolerance 1e-4 (answers within ~1e-4 of a jump,
  /// and the tolerance artefacts Kayenta's own tests assert).
  kayenta_compat,
};

/// Hodges–Lehmann shift of x relative to y with its confidence interval.
struct shift_result {
  analysis::status status = status::ok;
  double estimate = 0.0;  ///< the median of the pairwise differences x_i − y_j (or R's root)
  interval ci;
  double u1 = 0.0;
  double p_value = 0.0;  ///< of the asymptotic test at shift 0
};

/// Asymptotic Hodges–Lehmann shift and interval (R `wilcox.test(x, y, conf.int = TRUE,
/// conf.level, exact = FALSE, correct)`; Hodges & Lehmann 1963; Bauer 1972). The estimate is
/// found without continuity correction, as R does.
shift_result hodges_lehmann_shift(std::span<const double> x, std::span<const double> y,
                                  double conf_level = 0.95,
                                  alternative alt = alternative::two_sided, bool correct = true,
                                  shift_ci_mode mode = shift_ci_mode::exact_selection);

/// Exact interval: order statistics of the pairwise differences at `qwilcox(α/2, m, n)` (R's
/// default for m, n < 50 without ties); same limits as `mann_whitney_u_exact`.
shift_result hodges_lehmann_shift_exact(std::span<const double> x, std::span<const double> y,
                                        double conf_level = 0.95,
                                        alternative alt = alternative::two_sided);

/// The k-th smallest (1-based) of the m·n differences a_i − b_j, for ascending `a` and `b`.
/// Exact on the computed differences, without forming them: expected O((m + n)·log(m·n)).
double kth_pairwise_difference(std::span<const double> a_sorted, std::span<const double> b_sorted,
                               std::size_t k);

/// The ks[t]-th smallest (1-based) of the differences a_i − b_j for every t, found in one
/// selection (ranks in any order, repeats allowed); NaN for a rank outside [1, m·n].
std::vector<double> pairwise_difference_order_stats(std::span<const double> a_sorted,
                                                    std::span<const double> b_sorted,
                                                    std::span<const std::size_t> ks);

/// Common-language effect size P(x > y) + ½·P(x = y) = U1/(m·n) (McGraw & Wong 1992; Kayenta
/// `EffectSizes.cles`). NaN when either arm is empty.
double common_language_effect_size(std::span<const double> x, std::span<const double> y);

}  // namespace floodgate::analysis
