#pragma once
/// \file
/// Distribution functions the tests and sample-size models are built on. Pure functions of their
/// arguments; thread-safe. Out-of-domain arguments return NaN (never throw).

#include <cstdint>

namespace floodgate::analysis {

/// Standard normal CDF Φ(x), through the normal Mills ratio so both tails keep full relative
/// precision (within 8e-16).
double normal_cdf(double x) noexcept;
/// Upper tail 1 − Φ(x), without cancellation.
double normal_sf(double x) noexcept;
/// Standard normal density φ(x).
double normal_pdf(double x) noexcept;
/// Quantile Φ⁻¹(p) for p in [0,1]: Abramowitz & Stegun 26.2.23 start, refined by Halley steps
/// on `normal_cdf` to full double precision (matches R `qnorm`, SciPy `norm.ppf`).
double normal_quantile(double p) noexcept;

/// log B(a, b) for a, b > 0, by Stirling's series with exact corrections (no cancellation
/// between large lgamma values; Loader 2000, "Fast and accurate computation of binomial
/// probabilities").
double log_beta(double a, double b) noexcept;
/// Stirling's error term log Γ(z) − [(z − ½) log z − z + ½ log 2π] for z > 0.
double stirling_error(double z) noexcept;

/// Regularized incomplete beta I_x(a, b); `y` must equal 1 − x (passed separately so that
/// callers who know 1 − x exactly lose nothing). Continued fraction (Lentz), as Numerical Recipes
/// §6.4; matches R `pbeta` to ~1e-14 relative in the tested range.
double beta_inc(double a, double b, double x, double y) noexcept;
/// log I_x(a, b) (lower = true) or log(1 − I_x(a, b)) (lower = false), without cancellation.
double log_beta_inc(double a, double b, double x, double y, bool lower) noexcept;
/// Quantile of the Beta(a, b) distribution: the x with I_x(a, b) = p (R `qbeta`).
double beta_quantile(double p, double a, double b) noexcept;

/// Student t CDF P(T ≤ t) with ν > 0 degrees of freedom (R `pt`).
double t_cdf(double t, double df) noexcept;
/// Student t quantile (R `qt`).
double t_quantile(double p, double df) noexcept;
/// Noncentral t CDF P(T ≤ t) with noncentrality δ: Lenth 1989, algorithm AS 243 (R `pt` with
/// `ncp`), plus Φ(−δ).
double noncentral_t_cdf(double t, double df, double ncp) noexcept;

/// Binomial probability P(X = x), X ~ Bin(n, p): Loader's saddle-point form (R `dbinom`).
double binomial_pmf(std::int64_t x, std::int64_t n, double p) noexcept;
/// Binomial CDF P(X ≤ x) (R `pbinom`).
double binomial_cdf(std::int64_t x, std::int64_t n, double p) noexcept;
/// Binomial upper tail P(X > x) (R `pbinom(lower.tail = FALSE)`).
double binomial_sf(std::int64_t x, std::int64_t n, double p) noexcept;

/// Upper tail of the χ² distribution with one degree of freedom, P(χ²₁ > x) = erfc(√(x/2)).
double chi_squared1_sf(double x) noexcept;

}  // namespace floodgate::analysis
