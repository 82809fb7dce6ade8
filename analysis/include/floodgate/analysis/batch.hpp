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

}  // namespace floodgate::analysis
