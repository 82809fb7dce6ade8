#pragma once
// Elementary functions for the batch kernels, one lane at a time: arithmetic, comparisons and bit
// operations only (no tables, no branches, no calls), so that a loop calling them vectorises at
// whatever width the target offers (2 lanes with SSE2, 4 with AVX2, 8 with AVX-512). Every width
// computes the same bits: IEEE addition, multiplication, division and square root are exactly
// rounded in every lane, and the analysis module is built with -ffp-contract=off (no FMA).
//
// Each condition is its own variable and each choice picks between named values: the same choices
// written as nested conditional expressions vectorise too (with -fno-trapping-math), but GCC 12
// then makes slower blends (measured: the count e-value kernel 6 % and the two-proportion kernel
// 15 % slower). exp_lane clamps x for the same reason, although what lies outside its range is
// discarded at the end anyway.
//
// Accuracy against the C library's long double functions, 2·10⁵ arguments each over the whole range
// (tests/analysis/lane_math_test.cpp; measured over 2·10⁶ in development): log below 1 ulp (0.93),
// log1p below 1.5 ulp (1.24 over 2·10⁵), exp below 1.5 ulp (1.14), the normal tail below 1e-15
// relative (8.8e-16).

#include <bit>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>

#include "stirling.hpp"

namespace floodgate::analysis::detail::lanes {

inline constexpr double inf = std::numeric_limits<double>::infinity();
inline constexpr double nan = std::numeric_limits<double>::quiet_NaN();

// ln 2 in two parts for Cody & Waite's argument reduction (W. J. Cody and W. Waite, "Software
// Manual for the Elementary Functions", 1980): 32 bits, so that k·ln2_hi is exact for |k| < 2²¹,
// and the rest (printed by scripts/fit-mills-ratio).
inline constexpr double ln2_hi = 0x1.62e42fee00000p-1;
inline constexpr double ln2_lo = 1.9082149292705878e-10;
// Adding and subtracting 1.5·2⁵² rounds a double below 2⁵¹ in magnitude to an integer, and the
// sum's low bits then hold that integer in two's complement.
inline constexpr double shifter = 0x1.8p52;

inline std::uint64_t bits(double x) { return std::bit_cast<std::uint64_t>(x); }
inline double from_bits(std::uint64_t u) { return std::bit_cast<double>(u); }

// 1/d for d in [2⁻¹²⁶, 2¹²⁷] in magnitude, within 1 ulp: a single-precision quotient (correctly
// rounded, so the same in every lane width; its divider is several times the double one's
// throughput) refined by two Newton steps y ← y(2 − dy), each squaring the relative error
// (2⁻²⁴ → 2⁻⁴⁸ → below 2⁻⁵³).
[[gnu::always_inline]] inline double reciprocal_lane(double d) {
  const double y0 = static_cast<double>(1.0f / static_cast<float>(d));
  const double y1 = y0 * (2.0 - d * y0);
  return y1 * (2.0 - d * y1);
}

// Natural logarithm. x = 2ᵏ·m with m in [√½, √2), f = m − 1 (exact), s = f/(2 + f); then
// log m = 2 artanh s = f − (f²/2 − s(f²/2 + R)), R = Σⱼ₌₁⁹ 2s²ʲ/(2j + 1) (the artanh series,
// truncated where s² ≤ 0.0295 makes the next term < 2e-17 of the result; the arrangement is
// fdlibm's e_log.c, which keeps the leading f exact). `extra` is added to k: log(x·2^extra)
// without forming the product. `tail`, at most an ulp of x, is added to x before the logarithm:
// to f as tail·2⁻ᵏ, exactly scaled. 0 gives −∞, negative or NaN gives NaN, +∞ gives +∞.
// Subnormal = false leaves out the subnormal scaling, for callers whose x is never subnormal.
template <bool Subnormal = true>
[[gnu::always_inline]] inline double log_lane(double x, double extra = 0.0, double tail = 0.0) {
  const bool sub = Subnormal && x < 0x1p-1022;  // subnormal: scaled into the normal range first
  const bool positive = x > 0.0;
  const bool finite = x < inf;
  const bool zero = x == 0.0;
  const double scaled = x * 0x1p54;
  const std::uint64_t u = bits(sub ? scaled : x);
  constexpr std::uint64_t sqrt_half = 0x3fe6a09e667f3bcd;
  constexpr std::uint64_t bias = std::uint64_t{0x400} << 52;
  const std::uint64_t e = (u - sqrt_half + bias) >> 52;  // k + 1024, never wrapping for x > 0
  const double m = from_bits(u - (e << 52) + bias);
  const double k = from_bits(e | bits(0x1p52)) - (0x1p52 + 1024.0) - (sub ? 54.0 : 0.0) + extra;
  const double tail_scaled = sub ? tail * 0x1p54 : tail;
  // 2⁻ᵏ as 2¹⁻ᵏ·½: e = k + 1024 runs from 2 to 2048, so 2¹⁻ᵏ is a finite power of two, or 0 at
  // k = 1024 (x ≥ 2¹⁰²³·√2, where a tail below an ulp of x moves log x by far less than its ulp).
  const double f = (m - 1.0) + (tail_scaled * from_bits((2048 - e) << 52)) * 0.5;
  const double s = f * reciprocal_lane(2.0 + f);
  const double z = s * s;
  const double r =
      z * (2.0 / 3.0 +
           z * (2.0 / 5.0 +
                z * (2.0 / 7.0 +
                     z * (2.0 / 9.0 +
                          z * (2.0 / 11.0 +
                               z * (2.0 / 13.0 +
                                    z * (2.0 / 15.0 + z * (2.0 / 17.0 + z * (2.0 / 19.0)))))))));
  const double hfsq = 0.5 * f * f;
  const double y = k * ln2_hi + (f - (hfsq - (s * (hfsq + r) + k * ln2_lo)));
  const double special = zero ? -inf : nan;
  const double regular = finite ? y : x;
  return positive ? regular : special;
}

// log(1 + x) for x ≥ −1: log(u + c), u = 1 + x rounded and c = x − (u − 1) the addition's
// rounding error (fdlibm's s_log1p.c adds c/u to log u; here c goes into log_lane's reduced
// argument, without a division). u is never subnormal (it is 0 or at least 2⁻⁵³). +∞ gives +∞,
// NaN NaN.
[[gnu::always_inline]] inline double log1p_lane(double x) {
  const double u = 1.0 + x;
  return log_lane<false>(u, 0.0, x - (u - 1.0));
}

// 2ⁿ for an integer n (as a double) in [−1022, 1023].
[[gnu::always_inline]] inline double pow2_lane(double n) {
  return from_bits((bits(n + shifter) - bits(shifter) + 1023) << 52);
}

// exp(x + lo), lo a correction below 2 in magnitude (the low part of a product, a constant): n =
// round((x + lo)/ln 2), r = (x − n·ln2_hi) − n·ln2_lo + lo (Cody & Waite), eʳ by its Taylor series
// to r¹³ (|r| ≤ 0.35: the next term < 5e-18), times 2ⁿ in two halves so that results down to the
// subnormal range are rounded once. Overflow gives +∞, underflow 0, NaN stays NaN.
[[gnu::always_inline]] inline double exp_lane(double x, double lo = 0.0) {
  const bool low = x < -745.2;
  const bool high = x > 709.79;
  const bool below = x < -746.0;
  const bool above = x > 710.0;
  const double xa = above ? 710.0 : x;
  const double xc = below ? -746.0 : xa;
  const double n = ((xc + lo) * 1.4426950408889634 + shifter) - shifter;
  const double r = (xc - n * ln2_hi) - n * ln2_lo + lo;
  double p = 1.0 / 6227020800.0;  // 1/13!
  p = 1.0 / 479001600.0 + r * p;
  p = 1.0 / 39916800.0 + r * p;
  p = 1.0 / 3628800.0 + r * p;
  p = 1.0 / 362880.0 + r * p;
  p = 1.0 / 40320.0 + r * p;
  p = 1.0 / 5040.0 + r * p;
  p = 1.0 / 720.0 + r * p;
  p = 1.0 / 120.0 + r * p;
  p = 1.0 / 24.0 + r * p;
  p = 1.0 / 6.0 + r * p;
  p = 0.5 + r * p;
  p = 1.0 + r * p;
  p = 1.0 + r * p;
  const double half = (0.5 * n - 0.25 + shifter) - shifter;  // ⌊n/2⌋
  const double y = (p * pow2_lane(half)) * pow2_lane(n - half);
  const double under = low ? 0.0 : y;  // NaN stays NaN through y
  return high ? inf : under;
}

// Coefficients of the Chebyshev series of g(t) = (z + 4)·M(z), t = (z − 4)/(z + 4), M the normal
// Mills ratio Q(z)/φ(z): printed by scripts/fit-mills-ratio (an interpolant at 60 nodes computed
// at 50 digits with mpmath; the change of variable is Shepherd & Laframboise's, Math. Comp. 36
// (1981) 249–253). The series' first coefficient is already halved.
inline constexpr double mills_cheb[] = {
    2.4325604285150406,      -1.8842545745794835,     0.55695664909638165,
    -0.12161597214420457,    0.017360708143727771,    -0.00080362120072996561,
    -0.00025203493480543533, 4.7383719270581174e-5,   2.5325891365988258e-6,
    -1.5404069839912999e-6,  -8.4749606300616959e-9,  5.1853386010946723e-8,
    -2.8281293276602498e-10, -1.9486566378891076e-9,  -2.4919454968275671e-11,
    7.9572487194488464e-11,  4.6184141791552193e-12,  -3.2908561242243849e-12,
    -4.3653840438097299e-13, 1.2300711839232774e-13,  3.2414173582086781e-14,
    -3.0532395587325665e-15, -2.0183740275707353e-15, -7.1701955014225876e-17,
    1.0169552398038542e-16,
};

// Clenshaw's recurrence b_j = 2t·b_{j+1} − b_{j+2} + c_j for j = J … Last, written out by the
// compiler (a loop inside the kernels' loop would stop their vectorisation). c_j − b_{j+2} is
// formed first: it does not wait for b_{j+1}, so each step adds a multiplication and an addition
// to the chain of dependent operations, not three operations.
template <std::size_t J, std::size_t Last>
[[gnu::always_inline]] inline void clenshaw_steps(double two_t, double& b1, double& b2) {
  const double b0 = two_t * b1 + (mills_cheb[J] - b2);
  b2 = b1;
  b1 = b0;
  if constexpr (J > Last) clenshaw_steps<J - 1, Last>(two_t, b1, b2);
}

// Tⱼ(t) and Tⱼ₋₁(t) by the forward recurrence T_{j+1} = 2t·Tⱼ − T_{j−1} from T₁ = t, T₀ = 1.
template <std::size_t J>
[[gnu::always_inline]] inline void chebyshev_forward(double t, double two_t, double& tj,
                                                     double& tj_1) {
  if constexpr (J == 1) {
    tj = t;
    tj_1 = 1.0;
  } else {
    chebyshev_forward<J - 1>(t, two_t, tj, tj_1);
    const double next = two_t * tj - tj_1;
    tj_1 = tj;
    tj = next;
  }
}

// The series Σⱼ cⱼTⱼ(t) in two halves whose chains of dependent operations overlap (one chain of
// 24 steps was the latency that bound the batch kernels): the low terms j < 12 by Clenshaw's
// recurrence, c₀ + t·b₁ − b₂; the high ones, Σ_{j≥12} cⱼTⱼ = b₁₂T₁₂ − b₁₃T₁₁ with b from Clenshaw's
// recurrence over j ≥ 12 alone and T₁₁, T₁₂ from the forward recurrence (both exact identities of
// the three-term recurrence; the high part is below 1e-7, so its own rounding does not show).
[[gnu::always_inline]] inline double mills_series(double t) {
  constexpr std::size_t top = std::size(mills_cheb) - 1;
  constexpr std::size_t split = 12;
  const double two_t = 2.0 * t;
  double h1 = 0.0;  // b_j
  double h2 = 0.0;  // b_{j+1}
  clenshaw_steps<top, split>(two_t, h1, h2);
  double t12 = 0.0;
  double t11 = 0.0;
  chebyshev_forward<split>(t, two_t, t12, t11);
  double l1 = 0.0;
  double l2 = 0.0;
  clenshaw_steps<split - 1, 1>(two_t, l1, l2);
  return (mills_cheb[0] + t * l1 - l2) + (h1 * t12 - h2 * t11);
}

// Upper tail of the standard normal, Q(z) = P(Z > z) = ½ erfc(z/√2). For a = |z|: Q(a) =
// φ(a)·M(a), M from the series above (mills_series), φ(a) = exp(−a²/2 − ½ log 2π) with
// a² formed exactly from a's upper 26 bits and the rest (so the tail keeps its relative accuracy
// where a² is large); for z < 0, 1 − Q(a).
[[gnu::always_inline]] inline double normal_upper_lane(double z) {
  const bool negative = z < 0.0;
  const double a = negative ? -z : z;
  const bool infinite = a == inf;
  const double inv = 1.0 / (a + 4.0);
  const double t = (a - 4.0) * inv;
  const double mills = mills_series(t) * inv;
  const double ah = from_bits(bits(a) & 0xfffffffff8000000);
  const double al = a - ah;
  const double q = mills * exp_lane(-0.5 * (ah * ah), -(ah * al + 0.5 * (al * al)) - half_log_2pi);
  const bool zero = a == 0.0;  // Q(0) = ½ exactly (the series gives it within an ulp)
  const double at_zero = zero ? 0.5 : q;
  const double tail = infinite ? 0.0 : at_zero;  // NaN stays NaN
  const double complement = 1.0 - tail;
  return negative ? complement : tail;
}

}  // namespace floodgate::analysis::detail::lanes
