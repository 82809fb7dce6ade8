#pragma once
/// \file
/// Batch kernels: K independent comparisons updated in one call, structure of arrays (one span
/// per field, all of length K). Each runs the code of the scalar function named below for every
/// comparison, vectorised (AVX-512, AVX2 or SSE2, picked at load time), so its results are the
/// same bits as the scalar function's, without per-comparison branching or allocation. Invalid
/// elements (negative counts, shares outside (0,1)) produce NaN in their slot; the other slots
/// are unaffected. Pure; thread-safe.

#include <cstdint>
#include <span>

#include <floodgate/analysis/common.hpp>
#include <floodgate/analysis/sample_size.hpp>

namespace floodgate::analysis {

/// Pooled two-proportion z test for K comparisons (scalar: `two_proportion_z_test(…, pooled =
/// true, alt)`): canary x1/n1 against baseline x2/n2. Writes z and the p-value; zero variance
/// gives NaN in both.
void two_proportion_z_batch(std::span<const double> x1, std::span<const double> n1,
                            std::span<const double> x2, std::span<const double> n2, alternative alt,
                            std::span<double> z, std::span<double> p_value);

/// Count e-values for K comparisons (scalar: `multinomial_log_e_value({xb, xc}, {1−ρ, ρ}, k)`):
/// baseline and canary error events and the canary's share ρ of traffic. Writes log E.
void count_log_e_value_batch(std::span<const double> baseline_events,
                             std::span<const double> canary_events,
                             std::span<const double> canary_share, double k,
                             std::span<double> log_e);

/// The sample-size gate for K comparisons (scalar: `two_proportion_n_ratio(p + δ, p, α, power,
/// r)` with r = baseline_requests / canary_requests): the canary requests needed to detect an
/// absolute increase δ over the baseline rate p at the arms' current allocation, and whether the
/// canary has served that many (1) or not (0).
void sample_size_gate_batch(std::span<const double> canary_requests,
                            std::span<const double> baseline_requests,
                            std::span<const double> baseline_rate, double mde, double alpha,
                            double power, std::span<double> required, std::span<std::uint8_t> met);

/// R `prop.test` for K comparisons of whole counts (scalar: `two_proportion_test(x1, n1, x2, n2,
/// yates, alt, conf_level)`): canary x1/n1 against baseline x2/n2. Writes the difference of rates
/// x1/n1 − x2/n2, the p-value, and the interval for the difference (its open end ±1 for a
/// one-sided alternative). Counts outside 0 ≤ x ≤ n, n > 0 give NaN in every output of their
/// slot; a level outside (0, 1) gives NaN in every slot. One-sided alternatives run vectorised;
/// the two-sided p-value (χ²₁ through `erfc`) does not.
void prop_test_batch(std::span<const double> x1, std::span<const double> n1,
                     std::span<const double> x2, std::span<const double> n2, bool yates,
                     alternative alt, double conf_level, std::span<double> difference,
                     std::span<double> p_value, std::span<double> lower, std::span<double> upper);

/// The canary requests a two-proportion test needs, for K comparisons (scalar:
/// `two_proportion_n_ratio(p_canary, p_baseline, alpha, power, ratio, s).canary`). NaN where the
/// scalar says invalid_argument (a rate outside [0, 1], equal rates, a ratio ≤ 0; α or power
/// outside (0, 1): every slot).
void two_proportion_n_batch(std::span<const double> p_canary, std::span<const double> p_baseline,
                            std::span<const double> ratio, double alpha, double power, sides s,
                            std::span<double> n_canary);

/// One-sided count e-values for K comparisons (scalar: `count_log_e_value_one_sided(xb, xc, ρ,
/// k)`): the two-arm e-value of `count_log_e_value_batch` (vectorised), then the truncated prior's
/// correction log(1 − I_ρ(a0 + x_c, b0 + x_b)) − log(1 − I_ρ(a0, b0)) per comparison (two
/// incomplete beta functions, continued fractions of data-dependent length: not vectorised).
/// Writes log E; NaN where the scalar says invalid_argument.
void count_log_e_value_one_sided_batch(std::span<const double> baseline_events,
                                       std::span<const double> canary_events,
                                       std::span<const double> canary_share, double k,
                                       std::span<double> log_e);

}  // namespace floodgate::analysis
