#pragma once
// One comparison of each batch kernel (analysis/batch.hpp), written as a lane: straight-line
// arithmetic on doubles with blends for the special cases (see lane_math.hpp). batch.cpp runs
// these over K comparisons in vectorised loops; the scalar functions named in batch.hpp call the
// same lanes for one comparison, so a scalar result and a batch result are the same bits (the
// analysis module is compiled with -ffp-contract=off, so no build fuses their operations
// differently).

#include <cmath>
#include <type_traits>

#include <floodgate/analysis/common.hpp>
#include <floodgate/analysis/distributions.hpp>

#include "lane_math.hpp"
#include "stirling.hpp"

namespace floodgate::analysis::detail {

struct z_and_p {
  double z;
  double p_value;
};

// The p-value of a standard normal statistic z for an alternative: Q(z), Q(−z), or min(1,
// 2·Q(|z|)), Q the upper tail. NaN stays NaN. (A template: a run-time choice inside the kernels'
// loops would stop their vectorisation.)
template <alternative Alt>
[[gnu::always_inline]] inline double p_value_lane(double z) {
  if constexpr (Alt == alternative::greater) return lanes::normal_upper_lane(z);
  if constexpr (Alt == alternative::less) return lanes::normal_upper_lane(-z);
  const double doubled = 2.0 * lanes::normal_upper_lane(std::fabs(z));
  return doubled > 1.0 ? 1.0 : doubled;
}

// Calls f(std::integral_constant<alternative, alt>{}): the run-time alternative as the lanes'
// template argument (decltype(a)::value inside f).
template <class F>
decltype(auto) with_alternative(alternative alt, F&& f) {
  switch (alt) {
    case alternative::less:
      return f(std::integral_constant<alternative, alternative::less>{});
    case alternative::greater:
      return f(std::integral_constant<alternative, alternative::greater>{});
    case alternative::two_sided:
      break;
  }
  return f(std::integral_constant<alternative, alternative::two_sided>{});
}

// Pooled two-proportion z (statsmodels `proportions_ztest`; z² equals R `prop.test(correct =
// FALSE)`'s X²): z = (x1/n1 − x2/n2)/√(p̄(1 − p̄)(1/n1 + 1/n2)), p̄ = (x1 + x2)/(n1 + n2). Counts
// outside 0 ≤ x ≤ n, or zero variance, give NaN.
template <alternative Alt>
[[gnu::always_inline]] inline z_and_p two_proportion_lane(double x1, double n1, double x2,
                                                          double n2) {
  const double pooled = (x1 + x2) / (n1 + n2);
  const double var = pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2);
  const bool valid = (x1 >= 0.0) & (x2 >= 0.0) & (x1 <= n1) & (x2 <= n2) & (var > 0.0);
  const double z = (x1 / n1 - x2 / n2) / std::sqrt(var);
  const double zz = valid ? z : lanes::nan;
  return {zz, p_value_lane<Alt>(zz)};
}

// R `prop.test(c(x1, x2), c(n1, n2), correct = yates, alternative, conf.level)` for one
// comparison of whole counts (two_proportion_test's code): the Wald interval for p1 − p2 at the
// normal quantile zq (z_{(1+level)/2} two-sided, z_level one-sided) widened by Yates' correction
// min(½, |p1 − p2|/(1/n1 + 1/n2)), and Pearson's X² over the 2×2 table with that correction; the
// p-value from χ²₁ (two-sided, through erfc: not vectorised) or from the signed root of X²
// (one-sided). R's open end of a one-sided interval is ±1. A column with no counts gives X² and
// p NaN (0/0, as in R); counts outside 0 ≤ x ≤ n, n > 0 give NaN in every output.
struct prop_test_out {
  double p1, p2, statistic, p_value, lower, upper;
};
template <alternative Alt>
[[gnu::always_inline]] inline prop_test_out prop_test_lane(double x1, double n1, double x2,
                                                           double n2, bool yates, double zq) {
  const double p1 = x1 / n1;
  const double p2 = x2 / n2;
  const double delta = p1 - p2;
  const double inv_sum = 1.0 / n1 + 1.0 / n2;
  const double shrink = std::fabs(delta) / inv_sum;
  const double correction = yates ? (shrink < 0.5 ? shrink : 0.5) : 0.0;  // std::min(0.5, ·)
  const double width =
      zq * std::sqrt(p1 * (1.0 - p1) / n1 + p2 * (1.0 - p2) / n2) + correction * inv_sum;
  const double low = delta - width;
  const double high = delta + width;
  double lower = low < -1.0 ? -1.0 : low;  // std::max(·, −1)
  double upper = 1.0 < high ? 1.0 : high;  // std::min(·, 1)
  if constexpr (Alt == alternative::less) lower = -1.0;
  if constexpr (Alt == alternative::greater) upper = 1.0;
  // Pearson X² of observed against expected counts under the pooled p.
  const double pooled = (x1 + x2) / (n1 + n2);
  const double e0 = n1 * pooled;
  const double e1 = n1 * (1.0 - pooled);
  const double e2 = n2 * pooled;
  const double e3 = n2 * (1.0 - pooled);
  const double d0 = std::fabs(x1 - e0) - correction;
  const double d1 = std::fabs((n1 - x1) - e1) - correction;
  const double d2 = std::fabs(x2 - e2) - correction;
  const double d3 = std::fabs((n2 - x2) - e3) - correction;
  double statistic = 0.0;
  statistic += d0 * d0 / e0;
  statistic += d1 * d1 / e1;
  statistic += d2 * d2 / e2;
  statistic += d3 * d3 / e3;
  double p_value;
  if constexpr (Alt == alternative::two_sided) {
    p_value = chi_squared1_sf(statistic);
  } else {
    const double sign = delta > 0.0 ? 1.0 : (delta < 0.0 ? -1.0 : 0.0);
    p_value = p_value_lane<Alt>(sign * std::sqrt(statistic));
  }
  const bool valid = (n1 > 0.0) & (n2 > 0.0) & (x1 >= 0.0) & (x2 >= 0.0) & (x1 <= n1) & (x2 <= n2);
  const auto or_nan = [valid](double v) { return valid ? v : lanes::nan; };
  return {or_nan(p1), or_nan(p2), or_nan(statistic), or_nan(p_value), or_nan(lower), or_nan(upper)};
}

// Shifting log Γ's argument: for z < 10, w = z + 10 and the ratio num/den = z(z+1)…(z+9)/w¹⁰ in
// (0, 1], so that log Γ(z) = log Γ(w) − log(num/den) − 10 log w … is Stirling's form at w; for
// z ≥ 10, w = z and num = den = 1. (Stirling's series is evaluated only at w ≥ 10.) `inv_w` is
// 1/w, shared by the series and the caller.
struct shifted {
  double w;
  double inv_w;
  double num;
  double den;
  bool small;
};
[[gnu::always_inline]] inline shifted shift_up_lane(double z) {
  double p = z;
#pragma GCC unroll 9
  for (int j = 1; j < 10; ++j) p *= z + j;  // overflows only where z ≥ 10, and is not used there
  const double w = z + 10.0;
  const double w2 = w * w;
  const double w8 = (w2 * w2) * (w2 * w2);
  const bool small = z < 10.0;
  const double shifted_w = small ? w : z;
  return {shifted_w, 1.0 / shifted_w, small ? p : 1.0, small ? w8 * w2 : 1.0, small};
}

// Stirling's error s(z) = log Γ(z) − [(z − ½) log z − z + ½ log 2π] without the shift's
// log(num/den), which the caller gathers into one logarithm: for z < 10 it is (z − ½) log(w/z) −
// 10 + series(w) − log(num/den).
[[gnu::always_inline]] inline double stirling_error_part(double z, const shifted& s) {
  const double shifted_part = (z - 0.5) * lanes::log_lane(s.w / z) - 10.0;
  return detail::stirling_series_inv(s.inv_w) + (s.small ? shifted_part : 0.0);
}

// The two-arm Dirichlet–multinomial count e-value (sequential.hpp, multinomial_log_e_value with
// counts {xb, xc} and shares {1 − ρ, ρ}), written through Stirling's series so that the large
// terms cancel analytically (see sequential.cpp). Three lanes (count_route_of picks one): the
// general one below, for any prior, and two for priors whose baseline mass k(1 − ρ) is at least 10
// (count_log_e_large_baseline_lane), which need fewer shifts and logarithms. The general lane:
//   log E = Σᵢ xᵢ log(qᵢ/ρᵢ) + Σᵢ [(aᵢ − ½) log qᵢ − log Γ(aᵢ)] − ½ log T + ½ log 2π
//           + Σᵢ s(aᵢ + xᵢ) − s(T) + log Γ(k),   aᵢ = kρᵢ, T = k + Σxᵢ, qᵢ = (aᵢ + xᵢ)/T,
// with (a − ½) log q − log Γ(a) = (a − ½) log(q/w) + log(num/den) + w − ½ log 2π − series(w) at
// the shifted w. The shifts' numerators and denominators are multiplied into one quotient (each
// factor lies in [z·9!, 20¹⁰], so no product of the five over- or underflows while both prior
// masses kρᵢ are at least 1e-150) and take one logarithm: eight logarithms and twelve divisions per
// comparison. Invalid input (negative or infinite counts, ρ outside (0, 1), a prior mass below
// 1e-150) gives NaN; no events gives 0.
struct count_terms {
  double num = 1.0;  // the shifts' quotient, num/den
  double den = 1.0;
  double sum = 0.0;  // everything else
};

// One arm's terms, a = kr, with inv_total = 1/T.
[[gnu::always_inline]] inline void count_arm(double x, double r, double k, double x_sum,
                                             double inv_total, count_terms& t) {
  const double a = k * r;
  const double q = (a + x) * inv_total;
  const double rel = (x - r * x_sum) * inv_total / r;  // q/ρ − 1 from the counts: keeps precision
  const double xlog = x * lanes::log1p_lane(rel);
  const shifted sa = shift_up_lane(a);
  const shifted sz = shift_up_lane(a + x);
  t.num *= sa.num * sz.den;
  t.den *= sa.den * sz.num;
  t.sum += (x > 0.0 ? xlog : 0.0) + (a - 0.5) * lanes::log_lane(q * sa.inv_w) + sa.w -
           detail::half_log_2pi - detail::stirling_series_inv(sa.inv_w) +
           stirling_error_part(a + x, sz);
}

// The constants of a prior concentration k, computed once per batch and per scalar call: log Γ(k)
// for the general lane; s(k) and 1/k for the others (used only when k ≥ 10, where Stirling's
// series holds).
struct count_prior {
  double k;
  double lgamma_k;
  double series_k;
  double inv_k;
};
inline count_prior count_prior_of(double k) {
  return {k, std::lgamma(k), stirling_series(k), 1.0 / k};
}

[[gnu::always_inline]] inline double count_log_e_general_lane(double xb, double xc, double rho,
                                                              const count_prior& p) {
  const double k = p.k;
  const double x_sum = xb + xc;
  const double total = k + x_sum;
  const shifted st = shift_up_lane(total);
  count_terms t{st.num, st.den, 0.0};  // −s(T) contributes + log(num/den) of T's shift
  const double inv_total = 1.0 / total;
  count_arm(xb, 1.0 - rho, k, x_sum, inv_total, t);
  count_arm(xc, rho, k, x_sum, inv_total, t);
  const double value = -0.5 * lanes::log_lane(total) + detail::half_log_2pi -
                       stirling_error_part(total, st) + p.lgamma_k + t.sum +
                       lanes::log_lane(t.num / t.den);
  const bool valid = (xb >= 0.0) & (xc >= 0.0) & (rho > 0.0) & (rho < 1.0) & (k * rho >= 1e-150) &
                     (k * (1.0 - rho) >= 1e-150) & (x_sum < lanes::inf);
  const double result = x_sum == 0.0 ? 0.0 : value;
  return valid ? result : lanes::nan;
}

// Which lane computes a comparison: `unshifted` when both prior masses k(1 − ρ) and kρ are at
// least 10, so that every argument of log Γ (aᵢ, aᵢ + xᵢ ≥ aᵢ, T ≥ k) lies where Stirling's series
// holds unshifted; `canary_shifted` when only the canary's mass kρ is below 10 (and not below
// 1e-150: the general lane's range); `general` otherwise (k < 10, a baseline mass below 10,
// invalid shares).
enum class count_route : unsigned char { unshifted, canary_shifted, general };
// (The two tests are written without branches: the batch scans its comparisons with them.)
[[gnu::always_inline]] inline bool count_unshifted(double rho, double k) {
  const double baseline = k * (1.0 - rho);  // NaN where ρ is: then both are, and the test fails
  const double canary = k * rho;
  return (canary < baseline ? canary : baseline) >= 10.0;
}
[[gnu::always_inline]] inline bool count_large_baseline(double rho, double k) {
  return (k * (1.0 - rho) >= 10.0) & (k * rho >= 1e-150);
}
inline count_route count_route_of(double rho, double k) {
  if (count_unshifted(rho, k)) return count_route::unshifted;
  if (count_large_baseline(rho, k)) return count_route::canary_shifted;
  return count_route::general;
}

// The lanes for a baseline mass ab = k(1 − ρ) ≥ 10. With every log Γ written as Stirling's form
// (z − ½) log z − z + ½ log 2π + s(z), the linear terms cancel (Σ(aᵢ + xᵢ) = T, Σaᵢ = k) and the
// logarithms gather into
//   log E = Σᵢ (zᵢ − ½) log(qᵢ/ρᵢ) − ½ log(T/k) + s(k) + Σᵢ s(zᵢ) − s(T) − Σᵢ s(aᵢ),
//   zᵢ = aᵢ + xᵢ, qᵢ = zᵢ/T,
// with qᵢ/ρᵢ − 1 = (xᵢ − ρᵢX)/(ρᵢT) formed from the counts and T/k = 1 + X/k: three logarithms,
// two divisions, five reciprocals for the series (an argument beyond 2¹²⁷ gives 0, where the
// series is below 1e-39). That is the unshifted lane (ShiftCanary = false; both masses ≥ 10).
// With a canary mass ac < 10 (ShiftCanary = true), its log Γ(ac) is taken at w = ac + 10 through
// the shift (shift_up_lane), which replaces −s(ac) by
//   (ac − ½) log(ac/w) + log(num/den) + 10 − s(w),
// and s(zc) by its shifted form where zc = ac + xc < 10 too (stirling_error_part; the two
// quotients share one logarithm): six logarithms. Invalid counts give NaN, no events 0.
template <bool ShiftCanary>
[[gnu::always_inline]] inline double count_log_e_large_baseline_lane(double xb, double xc,
                                                                     double rho,
                                                                     const count_prior& p) {
  const double rb = 1.0 - rho;
  const double ab = p.k * rb;
  const double ac = p.k * rho;
  const double x_sum = xb + xc;
  const double total = p.k + x_sum;
  const double zb = ab + xb;
  const double zc = ac + xc;
  const double rel_b = (xb - rb * x_sum) / (rb * total);
  const double rel_c = (xc - rho * x_sum) / (rho * total);
  double value = (zb - 0.5) * lanes::log1p_lane(rel_b) + (zc - 0.5) * lanes::log1p_lane(rel_c) -
                 0.5 * lanes::log1p_lane(x_sum * p.inv_k) + p.series_k +
                 stirling_series_inv(lanes::reciprocal_lane(zb)) -
                 stirling_series_inv(lanes::reciprocal_lane(total)) -
                 stirling_series_inv(lanes::reciprocal_lane(ab));
  if constexpr (ShiftCanary) {
    const shifted sa = shift_up_lane(ac);
    const shifted sz = shift_up_lane(zc);
    value += (ac - 0.5) * lanes::log_lane(ac * sa.inv_w) + 10.0 - stirling_series_inv(sa.inv_w) +
             stirling_error_part(zc, sz) + lanes::log_lane((sa.num * sz.den) / (sa.den * sz.num));
  } else {
    value += stirling_series_inv(lanes::reciprocal_lane(zc)) -
             stirling_series_inv(lanes::reciprocal_lane(ac));
  }
  const bool valid = (xb >= 0.0) & (xc >= 0.0) & (x_sum < lanes::inf);
  const double result = x_sum == 0.0 ? 0.0 : value;
  return valid ? result : lanes::nan;
}

// One comparison as count_log_e_value_batch computes it: the lane its route names.
inline double count_log_e_lane(double xb, double xc, double rho, const count_prior& p) {
  switch (count_route_of(rho, p.k)) {
    case count_route::unshifted:
      return count_log_e_large_baseline_lane<false>(xb, xc, rho, p);
    case count_route::canary_shifted:
      return count_log_e_large_baseline_lane<true>(xb, xc, rho, p);
    case count_route::general:
      break;
  }
  return count_log_e_general_lane(xb, xc, rho, p);
}

// The one-sided count e-value from the two-arm one (count_log_e_value_one_sided, statistics.md
// §2.2): the Beta(a0, b0) prior on the canary's event share θ truncated to θ ≥ ρ, a0 = kρ, b0 =
// k(1 − ρ), adds the log posterior and prior masses on θ ≥ ρ, log(1 − I_ρ(a0 + x_c, b0 + x_b)) −
// log(1 − I_ρ(a0, b0)). Scalar: the incomplete beta's continued fraction has a data-dependent
// length.
inline double count_log_e_one_sided(double two_sided, double xb, double xc, double rho, double k) {
  const double a0 = k * rho;
  const double b0 = k * (1.0 - rho);
  const double post = log_beta_inc(a0 + xc, b0 + xb, rho, 1.0 - rho, false);
  const double prior = log_beta_inc(a0, b0, rho, 1.0 - rho, false);
  return two_sided + post - prior;
}

// The canary requests n1 that a level-α test of p1 against p2 needs for the given power with r
// baseline requests per canary request (statsmodels 0.13.5
// `samplesize_proportions_2indep_onetail`): p̄ = (p1 + r·p2)/(1 + r), sd0 = √(p̄q̄(1 + 1/r)), sd1 =
// √(p1q1 + p2q2/r), n1 = ((z_a·sd0 + z_b·sd1)/(p1 − p2))², z_a = z_{1−α/2} (or z_{1−α} one-sided),
// z_b = z_{power}.
[[gnu::always_inline]] inline double two_proportion_n_lane(double p1, double p2, double ratio,
                                                           double z_a, double z_b) {
  const double pbar = (p1 + ratio * p2) / (1.0 + ratio);
  const double sd0 = std::sqrt(pbar * (1.0 - pbar) * (1.0 + 1.0 / ratio));
  const double sd1 = std::sqrt(p1 * (1.0 - p1) + p2 * (1.0 - p2) / ratio);
  const double num = z_a * sd0 + z_b * sd1;
  const double delta = p1 - p2;
  const double n = (num > 0.0 ? num : 0.0) / delta;
  return n * n;
}

}  // namespace floodgate::analysis::detail
