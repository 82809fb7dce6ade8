#pragma once
/// \file
/// Required-sample-size, power and minimum-detectable-effect models (shared/reference/
/// statistics.md §3). Arm 1 is the canary; `ratio` r = n_baseline / n_canary. Pure, thread-safe;
/// arguments outside their domain give status::invalid_argument and NaN.

#include <cstdint>
#include <span>

#include <floodgate/analysis/status.hpp>

namespace floodgate::analysis {

/// Sidedness of a planned test.
enum class sides { two, one };

/// The source document's model (statistics.md §3.1): n = z²·p(1−p)/δ², z = Φ⁻¹(1 − (1−c)/2).
/// A confidence-interval width, not a power calculation (50 % power at a true difference δ).
struct one_proportion_n_result {
  analysis::status status = status::ok;
  double z = 0.0;
  double n = 0.0;           ///< the formula's n, exactly as stated (0 when p = 0)
  std::int64_t n_ceil = 0;  ///< ⌈n⌉ requests
  double zero_event_floor =
      0;  ///< ln(1/α)/δ: the fewest requests that can show p ≤ δ with no events
  double n_required =
      0.0;  ///< max(⌈n⌉, floor): what the gate uses (the formula degenerates at p = 0)
};
one_proportion_n_result one_proportion_n(double p, double delta, double confidence) noexcept;

/// Seconds for ⌈n⌉ canary requests at `canary_share` of `total_rps`: ⌈n⌉ / (share · rate).
double duration_for_requests(double n, double canary_share, double total_rps) noexcept;

/// Two proportions, equal arms, R `power.prop.test` (strict = FALSE) in closed form:
/// n = (z_{1−α/t}·√(2p̄q̄) + z_{power}·√(p1q1 + p2q2))² / (p1 − p2)², per arm. `strict` counts the
/// far tail's power too (R's strict = TRUE) and solves for n numerically.
double two_proportion_n_pooled(double p1, double p2, double alpha, double power,
                               sides s = sides::two, bool strict = false) noexcept;
/// Unpooled (Wald) variance: n = (z_{1−α/t} + z_{power})²(p1q1 + p2q2)/(p1 − p2)².
double two_proportion_n_unpooled(double p1, double p2, double alpha, double power,
                                 sides s = sides::two) noexcept;
/// Fleiss, Levin & Paik continuity correction of the pooled n:
/// n_cc = n′/4·(1 + √(1 + 4/(n′|p1 − p2|)))².
double two_proportion_n_fleiss(double p1, double p2, double alpha, double power,
                               sides s = sides::two) noexcept;
/// Power of R `power.prop.test(n, p1, p2, sig.level)` (strict adds the far tail).
double two_proportion_power(double n, double p1, double p2, double alpha, sides s = sides::two,
                            bool strict = false) noexcept;
/// The smallest p2 > p1 that `two_proportion_power` detects with the given power at n per arm
/// (R `power.prop.test(n, p1, power)$p2`).
double two_proportion_mde_p2(double n, double p1, double alpha, double power,
                             sides s = sides::two) noexcept;

/// Canary and baseline n with an allocation ratio (statsmodels 0.13.5
/// `samplesize_proportions_2indep_onetail`): p̄ = (p1 + r·p2)/(1 + r), sd0 = √(p̄q̄(1 + 1/r)),
/// sd1 = √(p1q1 + p2q2/r), n1 = ((z_{1−α/t}·sd0 + z_{power}·sd1)/(p1 − p2))², n2 = r·n1.
struct two_arm_n {
  analysis::status status = status::ok;
  double canary = 0.0;
  double baseline = 0.0;
};
two_arm_n two_proportion_n_ratio(double p_canary, double p_baseline, double alpha, double power,
                                 double ratio, sides s = sides::two) noexcept;
/// Power for n1 canary requests against r·n1 baseline (statsmodels `power_proportions_2indep`).
double two_proportion_power_ratio(double n_canary, double p_canary, double p_baseline, double alpha,
                                  double ratio, sides s = sides::two) noexcept;
/// Cohen's h = 2·asin√p1 − 2·asin√p2 (statsmodels `proportion_effectsize`).
double cohen_h(double p1, double p2) noexcept;
/// n1 for effect h with allocation ratio r, solved exactly as statsmodels `NormalIndPower`
/// (effective n = 1/(1/n1 + 1/(r·n1)), both tails for two-sided).
double two_proportion_n_cohen_h(double h, double alpha, double power, double ratio,
                                sides s = sides::two) noexcept;

/// n per group for a two-sample t test with common sd, R `power.t.test(delta, sd, sig.level,
/// power)` (noncentral t, strict = FALSE), solved to full precision.
double t_test_n(double delta, double sd, double alpha, double power, sides s = sides::two) noexcept;
/// Welch normal approximation with allocation: n1 = (z_{1−α/t} + z_power)²(σ1² + σ2²/r)/δ².
two_arm_n welch_n(double delta, double sd_canary, double sd_baseline, double alpha, double power,
                  double ratio) noexcept;

/// Mann–Whitney total N (Noether 1987): N = (z_{1−α/t} + z_power)² / (12 c(1−c)(p′ − ½)²), with c
/// the canary fraction and p′ = P(canary > baseline).
struct noether_n_result {
  analysis::status status = status::ok;
  double total = 0.0;
  double canary = 0.0;
  double baseline = 0.0;
};
noether_n_result mann_whitney_n_noether(double p_prime, double canary_fraction, double alpha,
                                        double power, sides s = sides::two) noexcept;

/// A quantile regression as exceedance (statistics.md §3.5): one-sided one-proportion n for the
/// share of canary requests above the baseline quantile moving from p0 to p1, plus the exact
/// binomial critical count, size and power at ⌈n⌉.
struct exceedance_n_result {
  analysis::status status = status::ok;
  double n = 0.0;
  std::int64_t n_ceil = 0;
  std::int64_t critical_count = 0;  ///< qbinom(1 − α, ⌈n⌉, p0) + 1
  double exact_size = 0.0;          ///< P(Bin(⌈n⌉, p0) ≥ critical)
  double exact_power = 0.0;         ///< P(Bin(⌈n⌉, p1) ≥ critical)
};
exceedance_n_result quantile_exceedance_n(double p0, double p1, double alpha,
                                          double power) noexcept;

/// Density form for a shift Δ of the p-quantile of a lognormal latency (median m, log-sd σ):
/// n per arm = (z_{1−α/2} + z_power)²·2p(1−p)/(f(q_p)²Δ²).
struct quantile_density_n_result {
  analysis::status status = status::ok;
  double quantile_value = 0.0;
  double density = 0.0;
  double n_per_arm = 0.0;
};
quantile_density_n_result quantile_shift_n_lognormal(double median, double sigma_log,
                                                     double quantile, double delta, double alpha,
                                                     double power) noexcept;

/// One step of a traffic plan: the canary's share of traffic (0..1) for `duration_s` seconds.
struct traffic_step {
  double weight = 0.0;
  double duration_s = 0.0;
};
/// When a step plan at `total_rps` has sent `n` requests to the canary (statistics.md §3.7).
struct time_to_n_result {
  analysis::status status = status::ok;  ///< not_reached when the plan ends first
  double seconds = 0.0;                  ///< from the start of the first step
  double canary_requests_in_plan = 0.0;  ///< Σ wᵢ·R·dᵢ
};
time_to_n_result step_plan_time_to_n(double n, double total_rps,
                                     std::span<const traffic_step> steps) noexcept;

}  // namespace floodgate::analysis
