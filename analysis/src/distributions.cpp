#include <floodgate/analysis/distributions.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "lane_math.hpp"
#include "root_finding.hpp"
#include "stirling.hpp"

namespace floodgate::analysis {
namespace {

constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();
constexpr double inf_v = std::numeric_limits<double>::infinity();
using detail::half_log_2pi;

// Continued fraction of the incomplete beta (Numerical Recipes §6.4, modified Lentz).
double beta_cf(double a, double b, double x) {
  constexpr double tiny = 1e-300;
  constexpr double eps = 1e-16;
  const double qab = a + b;
  const double qap = a + 1.0;
  const double qam = a - 1.0;
  double c = 1.0;
  double d = 1.0 - qab * x / qap;
  if (std::fabs(d) < tiny) d = tiny;
  d = 1.0 / d;
  double h = d;
  for (int m = 1; m <= 100000; ++m) {
    const double dm = m;
    const double m2 = 2.0 * dm;
    double aa = dm * (b - dm) * x / ((qam + m2) * (a + m2));
    d = 1.0 + aa * d;
    if (std::fabs(d) < tiny) d = tiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1.0 / d;
    h *= d * c;
    aa = -(a + dm) * (qab + dm) * x / ((a + m2) * (qap + m2));
    d = 1.0 + aa * d;
    if (std::fabs(d) < tiny) d = tiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1.0 / d;
    const double del = d * c;
    h *= del;
    if (std::fabs(del - 1.0) < eps) break;
  }
  return h;
}

// Saddle-point deviance term of Loader (2000): x log(x/np) + np − x, stable when x ≈ np.
double bd0(double x, double np) {
  if (std::fabs(x - np) < 0.1 * (x + np)) {
    const double v = (x - np) / (x + np);
    double s = (x - np) * v;
    double ej = 2.0 * x * v;
    const double v2 = v * v;
    for (int j = 1; j < 1000; ++j) {
      ej *= v2;
      const double s1 = s + ej / (2.0 * j + 1.0);
      if (s1 == s) return s1;
      s = s1;
    }
    return s;
  }
  return x * std::log(x / np) + np - x;
}

}  // namespace

// Both tails through lanes::normal_upper_lane (the Mills ratio series; within 8e-16 relative,
// where ½ erfc(x/√2) loses up to 2e-13 to the rounding of x/√2 in the far tail), the same code as
// the batch kernels' p-values.
double normal_cdf(double x) noexcept { return detail::lanes::normal_upper_lane(-x); }
double normal_sf(double x) noexcept { return detail::lanes::normal_upper_lane(x); }
double normal_pdf(double x) noexcept { return std::exp(-0.5 * x * x - half_log_2pi); }

double normal_quantile(double p) noexcept {
  if (std::isnan(p) || p < 0.0 || p > 1.0) return nan_v;
  if (p == 0.0) return -inf_v;
  if (p == 1.0) return inf_v;
  const bool upper = p > 0.5;
  const double q = upper ? 1.0 - p : p;
  // Abramowitz & Stegun 26.2.23 (|error| < 4.5e-4), then Halley steps on Φ(x) − q.
  const double t = std::sqrt(-2.0 * std::log(q));
  double x = -(t - (2.515517 + t * (0.802853 + t * 0.010328)) /
                       (1.0 + t * (1.432788 + t * (0.189269 + t * 0.001308))));
  for (int i = 0; i < 3; ++i) {
    const double pdf = normal_pdf(x);
    if (pdf == 0.0) break;
    const double u = (normal_cdf(x) - q) / pdf;
    x -= u / (1.0 + 0.5 * x * u);
  }
  return upper ? -x : x;
}

double stirling_error(double z) noexcept {
  if (!(z > 0.0)) return nan_v;
  if (z <= 15.0) return std::lgamma(z) - ((z - 0.5) * std::log(z) - z + half_log_2pi);
  return detail::stirling_series(z);
}

double log_beta(double a, double b) noexcept {
  if (!(a > 0.0) || !(b > 0.0)) return nan_v;
  if (std::isinf(a) || std::isinf(b)) return -inf_v;
  if (a < 1.0 || b < 1.0) return std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b);
  const double s = a + b;
  return half_log_2pi + (a - 0.5) * std::log(a / s) + (b - 0.5) * std::log(b / s) -
         0.5 * std::log(s) + stirling_error(a) + stirling_error(b) - stirling_error(s);
}

double log_beta_inc(double a, double b, double x, double y, bool lower) noexcept {
  if (!(a > 0.0) || !(b > 0.0) || std::isnan(x) || std::isnan(y)) return nan_v;
  if (x <= 0.0) return lower ? -inf_v : 0.0;
  if (y <= 0.0) return lower ? 0.0 : -inf_v;
  // The continued fraction converges fast for x < (a+1)/(a+b+2); otherwise use the symmetry
  // I_x(a,b) = 1 − I_y(b,a).
  const bool direct = x < (a + 1.0) / (a + b + 2.0);
  const double aa = direct ? a : b;
  const double bb = direct ? b : a;
  const double xx = direct ? x : y;
  const double yy = direct ? y : x;
  const double log_front = aa * std::log(xx) + bb * std::log(yy) - log_beta(aa, bb);
  const double log_tail = log_front + std::log(beta_cf(aa, bb, xx) / aa);
  // log_tail is log I_xx(aa, bb): the lower tail when direct, the upper tail otherwise.
  if (direct == lower) return log_tail;
  return std::log1p(-std::exp(log_tail));
}

double beta_inc(double a, double b, double x, double y) noexcept {
  return std::exp(log_beta_inc(a, b, x, y, true));
}

double beta_quantile(double p, double a, double b) noexcept {
  if (std::isnan(p) || p < 0.0 || p > 1.0 || !(a > 0.0) || !(b > 0.0)) return nan_v;
  if (p == 0.0) return 0.0;
  if (p == 1.0) return 1.0;
  auto f = [&](double x) { return beta_inc(a, b, x, 1.0 - x) - p; };
  return detail::solve_precise(f, 0.0, 1.0);
}

double t_cdf(double t, double df) noexcept {
  if (std::isnan(t) || !(df > 0.0)) return nan_v;
  if (std::isinf(t)) return t > 0 ? 1.0 : 0.0;
  if (std::isinf(df)) return normal_cdf(t);
  const double t2 = t * t;
  // P(|T| > |t|) = I_{ν/(ν+t²)}(ν/2, ½); x and 1 − x are both formed without cancellation.
  const double x = df / (df + t2);
  const double y = t2 / (df + t2);
  const double tail = 0.5 * beta_inc(0.5 * df, 0.5, x, y);
  return t > 0.0 ? 1.0 - tail : tail;
}

double t_quantile(double p, double df) noexcept {
  if (std::isnan(p) || p < 0.0 || p > 1.0 || !(df > 0.0)) return nan_v;
  if (p == 0.0) return -inf_v;
  if (p == 1.0) return inf_v;
  if (p == 0.5) return 0.0;
  // Solve in the lower half and reflect, so the target probability keeps its precision.
  const bool upper = p > 0.5;
  const double q = upper ? 1.0 - p : p;
  auto f = [&](double t) { return t_cdf(t, df) - q; };
  double lo = std::min(-1.0, 2.0 * normal_quantile(q));
  while (f(lo) > 0.0) lo *= 2.0;
  const double root = detail::solve_precise(f, lo, 0.0);
  return upper ? -root : root;
}

double noncentral_t_cdf(double t, double df, double ncp) noexcept {
  if (std::isnan(t) || !(df > 0.0) || std::isnan(ncp)) return nan_v;
  if (ncp == 0.0) return t_cdf(t, df);
  // AS 243 (Lenth 1989): a Poisson mixture of incomplete beta functions, summed until the
  // remaining Poisson mass bounds the error.
  constexpr int max_iter = 10000;
  constexpr double err_max = 1e-13;
  const bool negate = t < 0.0;
  const double tt = negate ? -t : t;
  const double del = negate ? -ncp : ncp;
  double tnc = 0.0;
  if (tt > 0.0) {
    const double x = tt * tt / (tt * tt + df);
    const double y = df / (tt * tt + df);
    const double lambda = del * del;
    double p = 0.5 * std::exp(-0.5 * lambda);
    double q = std::sqrt(2.0 / std::numbers::pi) * p * del;
    double s = 0.5 - p;
    if (s < 1e-7) s = -0.5 * std::expm1(-0.5 * lambda);
    double a = 0.5;
    const double b = 0.5 * df;
    const double rxb = std::pow(y, b);
    const double albeta = 0.5 * std::log(std::numbers::pi) + std::lgamma(b) - std::lgamma(0.5 + b);
    double xodd = beta_inc(a, b, x, y);
    double godd = 2.0 * rxb * std::exp(a * std::log(x) - albeta);
    const double bx = b * x;
    double xeven = bx < std::numeric_limits<double>::epsilon() ? bx : 1.0 - rxb;
    double geven = bx * rxb;
    tnc = p * xodd + q * xeven;
    for (int it = 1; it <= max_iter; ++it) {
      a += 1.0;
      xodd -= godd;
      xeven -= geven;
      godd *= x * (a + b - 1.0) / a;
      geven *= x * (a + b - 0.5) / (a + 0.5);
      p *= lambda / (2.0 * it);
      q *= lambda / (2.0 * it + 1.0);
      tnc += p * xodd + q * xeven;
      s -= p;
      if (s < -1e-10) break;
      if (s <= 0.0 && it > 1) break;
      if (std::fabs(2.0 * s * (xodd - godd)) < err_max && it > 1) break;
    }
  }
  tnc += normal_cdf(-del);
  const double lower = negate ? 1.0 - tnc : tnc;
  return std::clamp(lower, 0.0, 1.0);
}

double binomial_pmf(std::int64_t x, std::int64_t n, double p) noexcept {
  if (n < 0 || std::isnan(p) || p < 0.0 || p > 1.0) return nan_v;
  if (x < 0 || x > n) return 0.0;
  const double q = 1.0 - p;
  if (p == 0.0) return x == 0 ? 1.0 : 0.0;
  if (q == 0.0) return x == n ? 1.0 : 0.0;
  const double dn = static_cast<double>(n);
  const double dx = static_cast<double>(x);
  if (x == 0) {
    if (n == 0) return 1.0;
    return std::exp(p < 0.1 ? -bd0(dn, dn * q) - dn * p : dn * std::log(q));
  }
  if (x == n) return std::exp(q < 0.1 ? -bd0(dn, dn * p) - dn * q : dn * std::log(p));
  const double lc = stirling_error(dn) - stirling_error(dx) - stirling_error(dn - dx) -
                    bd0(dx, dn * p) - bd0(dn - dx, dn * q);
  const double lf = std::log(2.0 * std::numbers::pi) + std::log(dx) + std::log1p(-dx / dn);
  return std::exp(lc - 0.5 * lf);
}

double binomial_cdf(std::int64_t x, std::int64_t n, double p) noexcept {
  if (n < 0 || std::isnan(p) || p < 0.0 || p > 1.0) return nan_v;
  if (x < 0) return 0.0;
  if (x >= n) return 1.0;
  // P(X ≤ x) = I_{1−p}(n − x, x + 1).
  return beta_inc(static_cast<double>(n - x), static_cast<double>(x + 1), 1.0 - p, p);
}

double binomial_sf(std::int64_t x, std::int64_t n, double p) noexcept {
  if (n < 0 || std::isnan(p) || p < 0.0 || p > 1.0) return nan_v;
  if (x < 0) return 1.0;
  if (x >= n) return 0.0;
  return beta_inc(static_cast<double>(x + 1), static_cast<double>(n - x), p, 1.0 - p);
}

double chi_squared1_sf(double x) noexcept {
  if (std::isnan(x)) return nan_v;
  if (x <= 0.0) return 1.0;
  return std::erfc(std::sqrt(0.5 * x));
}

}  // namespace floodgate::analysis
