#include <floodgate/analysis/distributions.hpp>
#include <floodgate/analysis/sequential.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include "batch_lanes.hpp"
#include "root_finding.hpp"
#include "sort_doubles.hpp"
#include "stirling.hpp"

namespace floodgate::analysis {
namespace {

constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();
constexpr double inf_v = std::numeric_limits<double>::infinity();
using detail::half_log_2pi;

bool open_prob(double p) { return p > 0.0 && p < 1.0; }

// ρ of the normal or beta-binomial mixture tuned to be tightest at intrinsic time v_opt
// (confseq's best_rho).
double best_rho(double v_opt, double alpha) {
  const double l = 2.0 * std::log(1.0 / alpha);
  return v_opt / (l + std::log1p(l));
}

// Two-sided or one-sided beta-binomial mixture (confseq BetaBinomialMixture::log_superMG) for
// increments bounded in [−g, h].
double beta_binomial_log_mixture(double s, double v, double g, double h, double r, bool one_sided) {
  const double gh = g + h;
  const double a0 = r / (g * gh);
  const double b0 = r / (h * gh);
  const double a1 = (r + v - g * s) / (g * gh);
  const double b1 = (r + v + h * s) / (h * gh);
  if (!(a1 > 0.0) || !(b1 > 0.0)) return inf_v;
  auto log_b = [&](double a, double b) {
    if (!one_sided) return log_beta(a, b);
    const double x = h / gh;
    return log_beta(a, b) + log_beta_inc(a, b, x, g / gh, true);
  };
  return v / (g * h) * std::log(gh) - (v + h * s) / (h * gh) * std::log(g) -
         (v - g * s) / (g * gh) * std::log(h) + log_b(a1, b1) - log_b(a0, b0);
}

// 16-point Gauss–Legendre nodes and weights on [−1, 1], computed once by Newton's method on P₁₆.
struct gauss_legendre16 {
  std::array<double, 16> x{};
  std::array<double, 16> w{};
  gauss_legendre16() {
    constexpr int n = 16;
    for (int i = 0; i < n; ++i) {
      double z = std::cos(std::numbers::pi * (i + 0.75) / (n + 0.5));
      double dp = 0.0;
      for (int it = 0; it < 100; ++it) {
        double p0 = 1.0;
        double p1 = 0.0;
        for (int j = 1; j <= n; ++j) {
          const double p2 = p1;
          p1 = p0;
          p0 = ((2.0 * j - 1.0) * z * p1 - (j - 1.0) * p2) / j;
        }
        dp = n * (z * p0 - p1) / (z * z - 1.0);
        const double dz = p0 / dp;
        z -= dz;
        if (std::fabs(dz) < 1e-16) break;
      }
      x[static_cast<std::size_t>(i)] = z;
      w[static_cast<std::size_t>(i)] = 2.0 / ((1.0 - z * z) * dp * dp);
    }
  }
};

const gauss_legendre16& gl16() {
  static const gauss_legendre16 rule;
  return rule;
}

}  // namespace

bool e_value_result::rejects(double alpha) const noexcept {
  return status == status::ok && log_e >= std::log(1.0 / alpha);
}

e_value_result multinomial_log_e_value(std::span<const double> counts, std::span<const double> rho,
                                       double k) noexcept {
  if (counts.size() != rho.size() || counts.size() < 2 || !(k > 0.0) || !std::isfinite(k)) {
    return {status::invalid_argument, nan_v};
  }
  double rho_sum = 0.0;
  double x_sum = 0.0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    if (!(rho[i] > 0.0) || !(counts[i] >= 0.0) || !std::isfinite(counts[i])) {
      return {status::invalid_argument, nan_v};
    }
    rho_sum += rho[i];
    x_sum += counts[i];
  }
  if (x_sum == 0.0) return {status::ok, 0.0};  // no events, no evidence: exactly E = 1
  if (counts.size() == 2) {
    // The batch kernel's code for one comparison (batch_lanes.hpp): the same bits as
    // count_log_e_value_batch. NaN only for a prior mass kρᵢ below its range (1e-150).
    const double log_e =
        detail::count_log_e_lane(counts[0], counts[1], rho[1] / rho_sum, detail::count_prior_of(k));
    if (std::isnan(log_e)) return {status::invalid_argument, nan_v};
    return {status::ok, log_e};
  }
  // log E = Σ lgamma(aᵢ + xᵢ) − lgamma(T) − Σ lgamma(aᵢ) + lgamma(k) − Σ xᵢ log ρᵢ with aᵢ = kρᵢ,
  // T = k + X. Writing lgamma through Stirling's series, the large terms cancel analytically:
  // log E = Σ xᵢ log(qᵢ/ρᵢ) + Σ (aᵢ − ½) log qᵢ − (d−1)/2·log T + (d−1)·½ log 2π
  //         + Σ s(aᵢ + xᵢ) − s(T) − Σ lgamma(aᵢ) + lgamma(k),      qᵢ = (aᵢ + xᵢ)/T.
  const double total = k + x_sum;
  const auto d = static_cast<double>(counts.size());
  double log_e = -(d - 1.0) / 2.0 * std::log(total) + (d - 1.0) * half_log_2pi -
                 stirling_error(total) + std::lgamma(k);
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const double r = rho[i] / rho_sum;
    const double a = k * r;
    const double x = counts[i];
    const double q = (a + x) / total;
    // qᵢ/ρᵢ − 1 = (xᵢ − ρᵢX)/(ρᵢT): formed from the counts so it keeps its relative precision.
    const double rel = (x - r * x_sum) / (r * total);
    if (x > 0.0) log_e += x * std::log1p(rel);
    log_e += (a - 0.5) * std::log(q) + stirling_error(a + x) - std::lgamma(a);
  }
  return {status::ok, log_e};
}

e_value_result count_log_e_value_one_sided(double baseline_events, double canary_events,
                                           double canary_share, double k) noexcept {
  if (!open_prob(canary_share)) return {status::invalid_argument, nan_v};
  const std::array<double, 2> counts{baseline_events, canary_events};
  const std::array<double, 2> rho{1.0 - canary_share, canary_share};
  const auto two_sided = multinomial_log_e_value(counts, rho, k);
  if (two_sided.status != status::ok) return two_sided;
  // count_log_e_value_one_sided_batch's code (batch_lanes.hpp).
  return {status::ok, detail::count_log_e_one_sided(two_sided.log_e, baseline_events, canary_events,
                                                    canary_share, k)};
}

e_value_result count_log_e_value_delta_mixture(std::span<const count_batch> batches,
                                               delta_prior prior) noexcept {
  if (!(prior.sd > 0.0) || !std::isfinite(prior.sd) || !std::isfinite(prior.mean)) {
    return {status::invalid_argument, nan_v};
  }
  for (const auto& b : batches) {
    if (!open_prob(b.canary_share) || !(b.baseline_events >= 0.0) || !(b.canary_events >= 0.0)) {
      return {status::invalid_argument, nan_v};
    }
  }
  const bool half = prior.shape == delta_prior::kind::half_normal;
  const double mu = half ? 0.0 : prior.mean;
  const double var = prior.sd * prior.sd;
  // g(δ) = log-likelihood ratio + log prior density; concave in δ.
  auto g = [&](double delta) {
    double s = 0.0;
    const double em1 = std::expm1(delta);
    for (const auto& b : batches) {
      s += b.canary_events * delta -
           (b.canary_events + b.baseline_events) * std::log1p(b.canary_share * em1);
    }
    const double z = (delta - mu) / prior.sd;
    return s - 0.5 * z * z - std::log(prior.sd) - half_log_2pi + (half ? std::numbers::ln2 : 0.0);
  };
  auto slope = [&](double delta) {
    double s = 0.0;
    const double e = std::exp(delta);
    for (const auto& b : batches) {
      const double theta = b.canary_share * e / (b.canary_share * e + 1.0 - b.canary_share);
      s += b.canary_events - (b.canary_events + b.baseline_events) * theta;
    }
    return s - (delta - mu) / var;
  };
  auto curvature = [&](double delta) {
    double c = 0.0;
    const double e = std::exp(delta);
    for (const auto& b : batches) {
      const double theta = b.canary_share * e / (b.canary_share * e + 1.0 - b.canary_share);
      c += (b.canary_events + b.baseline_events) * theta * (1.0 - theta);
    }
    return c + 1.0 / var;
  };
  // Mode: the root of the decreasing slope.
  double lo = mu - 1.0;
  double hi = mu + 1.0;
  while (slope(lo) < 0.0 && lo > -700.0) lo = mu - 2.0 * (mu - lo);
  while (slope(hi) > 0.0 && hi < 700.0) hi = mu + 2.0 * (hi - mu);
  double mode = detail::solve_precise(slope, lo, hi);
  const double lower_limit = half ? 0.0 : -inf_v;
  mode = std::max(mode, lower_limit);
  const double g_max = g(mode);
  const double scale = 1.0 / std::sqrt(curvature(mode));
  // Integration limits where the integrand has fallen by e^-60 (at least 8 scales out).
  auto limit = [&](double dir) {
    double step = 8.0 * scale;
    double at = mode + dir * step;
    while (g(at) - g_max > -60.0 && std::fabs(at) < 700.0) {
      step *= 2.0;
      at = mode + dir * step;
    }
    return at;
  };
  const double a = std::max(limit(-1.0), lower_limit);
  const double b = limit(1.0);
  constexpr int panels = 64;
  const auto& rule = gl16();
  double sum = 0.0;
  const double width = (b - a) / panels;
  for (int p = 0; p < panels; ++p) {
    const double centre = a + (p + 0.5) * width;
    for (std::size_t i = 0; i < rule.x.size(); ++i) {
      sum += rule.w[i] * std::exp(g(centre + 0.5 * width * rule.x[i]) - g_max);
    }
  }
  return {status::ok, g_max + std::log(sum * 0.5 * width)};
}

double always_valid_p::update(double log_e) noexcept {
  if (!std::isnan(log_e)) p_ = std::min(p_, std::min(1.0, std::exp(-log_e)));
  return p_;
}

e_value_result msprt_log_lambda(double theta_hat, double variance, double tau2,
                                double theta0) noexcept {
  if (!(variance > 0.0) || !(tau2 > 0.0) || !std::isfinite(theta_hat)) {
    return {status::invalid_argument, nan_v};
  }
  const double d = theta_hat - theta0;
  return {status::ok, 0.5 * std::log(variance / (variance + tau2)) +
                          tau2 * d * d / (2.0 * variance * (variance + tau2))};
}

boundary_result normal_mixture_boundary(double v, double alpha, double v_opt,
                                        bool one_sided) noexcept {
  if (!(v >= 0.0) || !open_prob(alpha) || !(v_opt > 0.0)) {
    return {status::invalid_argument, nan_v, nan_v};
  }
  const double rho = best_rho(v_opt, one_sided ? 2.0 * alpha : alpha);
  const double target = std::log(1.0 / alpha);
  if (!one_sided) {
    return {status::ok, rho, std::sqrt((v + rho) * (std::log1p(v / rho) + 2.0 * target))};
  }
  const double vr = v + rho;
  auto f = [&](double s) {
    return std::numbers::ln2 + 0.5 * std::log(rho / vr) + s * s / (2.0 * vr) +
           std::log(normal_cdf(s / std::sqrt(vr))) - target;
  };
  double hi = std::sqrt(vr);
  while (f(hi) < 0.0) hi *= 2.0;
  return {status::ok, rho, detail::solve_precise(f, 0.0, hi)};
}

namespace {

// The probability bound of Howard & Ramdas (2022) Thm 2 for constant C, minimised over η.
double lil_error(double c, double a) {
  const double eta_max = 1.0 + c * a * a / 2.0;
  auto err = [&](double eta) {
    const double root = a - std::sqrt(2.0 * (eta - 1.0) / c);
    const double gamma2 = 2.0 / eta * root * root;
    if (!(gamma2 > 1.0)) return inf_v;
    return 4.0 * std::exp(-gamma2 * c) * (1.0 + 1.0 / ((gamma2 - 1.0) * std::log(eta)));
  };
  // Coarse scan on a log grid of η − 1, then golden-section refinement around the best point.
  double best_eta = 0.0;
  double best = inf_v;
  constexpr int grid = 400;
  const double lo_exp = -8.0;
  const double hi_exp = std::log10(eta_max - 1.0);
  for (int i = 0; i <= grid; ++i) {
    const double eta = 1.0 + std::pow(10.0, lo_exp + (hi_exp - lo_exp) * i / grid);
    const double e = err(eta);
    if (e < best) {
      best = e;
      best_eta = eta;
    }
  }
  if (!std::isfinite(best)) return inf_v;
  const double step = std::pow(10.0, (hi_exp - lo_exp) / grid);
  double lo = 1.0 + (best_eta - 1.0) / step;
  double hi = std::min(eta_max, 1.0 + (best_eta - 1.0) * step);
  const double phi = (std::sqrt(5.0) - 1.0) / 2.0;
  for (int i = 0; i < 200; ++i) {
    const double m1 = hi - phi * (hi - lo);
    const double m2 = lo + phi * (hi - lo);
    if (err(m1) < err(m2)) {
      hi = m2;
    } else {
      lo = m1;
    }
  }
  return std::min(best, err(0.5 * (lo + hi)));
}

}  // namespace

lil_bound_result empirical_process_lil_bound(double t, double alpha, double t_min, double a,
                                             bool closed_form) noexcept {
  if (!(t >= t_min) || !(t_min >= 1.0) || !open_prob(alpha) || !(a > 0.0)) {
    return {status::invalid_argument, nan_v, nan_v};
  }
  double c = 0.0;
  if (closed_form) {
    c = 0.8 * std::log(1612.0 / alpha);
  } else {
    double lo = 0.5;
    double hi = 1000.0;
    for (int i = 0; i < 200; ++i) {
      const double mid = 0.5 * (lo + hi);
      if (lil_error(mid, a) > alpha) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    c = hi;
  }
  return {status::ok, a * std::sqrt((std::log1p(std::log(t / t_min)) + c) / t), c};
}

stochastic_order_result dkw_stochastic_order_test(std::span<const double> baseline,
                                                  std::span<const double> canary, double alpha,
                                                  double t_min) {
  stochastic_order_result r;
  if (baseline.empty() || canary.empty()) {
    r.status = status::empty_sample;
    return r;
  }
  if (!open_prob(alpha)) {
    r.status = status::invalid_argument;
    return r;
  }
  std::vector<double> a(baseline.begin(), baseline.end());
  std::vector<double> b(canary.begin(), canary.end());
  if (std::any_of(a.begin(), a.end(), [](double v) { return std::isnan(v); }) ||
      std::any_of(b.begin(), b.end(), [](double v) { return std::isnan(v); })) {
    r.status = status::non_finite_input;
    return r;
  }
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  auto eps = [&](std::size_t n) {
    const auto t = static_cast<double>(n);
    if (t < t_min) return inf_v;  // the band is defined from t_min on
    return empirical_process_lil_bound(t, alpha / 2.0, t_min).bound;
  };
  const double ea = eps(a.size());
  const double eb = eps(b.size());
  r.statistic = -inf_v;
  std::size_t i = 0;
  std::size_t j = 0;
  const auto na = static_cast<double>(a.size());
  const auto nb = static_cast<double>(b.size());
  while (i < a.size() || j < b.size()) {
    const double v = (j == b.size() || (i < a.size() && a[i] <= b[j])) ? a[i] : b[j];
    while (i < a.size() && a[i] == v) ++i;
    while (j < b.size() && b[j] == v) ++j;
    const double gap = (static_cast<double>(i) / na - ea) - (static_cast<double>(j) / nb + eb);
    if (gap > r.statistic) {
      r.statistic = gap;
      r.at = v;
    }
  }
  r.reject = r.statistic > 0.0;
  return r;
}

namespace {

// One arm's log M(c) of the two-sided beta-binomial mixture (beta_binomial_log_mixture with
// s = c − pn, v = pqn, g = p, h = q, g + h = 1) at counts c = 0, 1, …, n visited in increasing
// order. Its only non-linear part is log B(a₁, b₁) with a₁ = A − c and b₁ = B + c, where
// A = r/g + n and B = r/h (both positive: every c in [0, n] is valid) and a₁ + b₁ constant, so
//   log M(c) = linear(c) + D(c) + const,   D(c) = log Γ(A − c) + log Γ(B + c),
//   D(c + 1) − D(c) = log((B + c)/(A − c − 1)):
// one logarithm per count instead of three log-gammas per candidate; D is summed with Kahan's
// compensation, so its error stays near one rounding of its size (tested against the
// from-scratch sum in tests/analysis/sequential_test.cpp).
class arm_mixture {
 public:
  arm_mixture(double n, double p, double r) : n_(n), g_(p), h_(1.0 - p) {
    const double v = g_ * h_ * n;
    big_a_ = r / g_ + n;
    big_b_ = r / h_;
    log_g_ = std::log(g_);
    log_h_ = std::log(h_);
    v_ = v;
    constant_ = -std::lgamma(big_a_ + big_b_) - log_beta(r / g_, r / h_);
    sum_ = std::lgamma(big_a_) + std::lgamma(big_b_);
  }

  /// log M(c); c never below the previous call's.
  double at(double c) {
    for (; c_ < c; c_ += 1.0) add(std::log((big_b_ + c_) / (big_a_ - c_ - 1.0)));
    const double s = c - g_ * n_;
    return -(v_ + h_ * s) / h_ * log_g_ - (v_ - g_ * s) / g_ * log_h_ + sum_ + constant_;
  }

 private:
  void add(double x) {
    const double y = x - compensation_;
    const double t = sum_ + y;
    compensation_ = (t - sum_) - y;
    sum_ = t;
  }
  double n_, g_, h_, v_ = 0, big_a_ = 0, big_b_ = 0, log_g_ = 0, log_h_ = 0, constant_ = 0;
  double c_ = 0.0;
  double sum_ = 0.0;
  double compensation_ = 0.0;
};

bool has_nan(std::span<const double> v) {
  return std::any_of(v.begin(), v.end(), [](double x) { return std::isnan(x); });
}

}  // namespace

quantile_ab_result quantile_ab_p_value(std::span<const double> a, std::span<const double> b,
                                       double p, double t_opt, double alpha_opt) {
  quantile_ab_result r;
  if (a.empty() || b.empty()) {
    r.status = status::empty_sample;
    return r;
  }
  if (!open_prob(p) || !(t_opt > 0.0) || !open_prob(alpha_opt)) {
    r.status = status::invalid_argument;
    return r;
  }
  if (has_nan(a) || has_nan(b)) {  // no order to place a NaN in
    r.status = status::non_finite_input;
    return r;
  }
  const auto xa = detail::sorted_copy(a);  // radix sort (sort_doubles.hpp)
  const auto xb = detail::sorted_copy(b);
  const double rho = best_rho(t_opt * p * (1.0 - p), alpha_opt);
  const double rr = std::max(rho - p * (1.0 - p), 1e-3 * p * (1.0 - p));
  arm_mixture ma(static_cast<double>(xa.size()), p, rr);
  arm_mixture mb(static_cast<double>(xb.size()), p, rr);
  // Under H0 a common quantile x has, in each arm, between #{< x} and #{≤ x} observations at
  // or below it; each arm takes the count that is least evidence against H0. Walking the pooled
  // distinct values visits every candidate x; each arm's counts only grow.
  double best = std::numeric_limits<double>::infinity();
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < xa.size() || j < xb.size()) {
    const double v = (j == xb.size() || (i < xa.size() && xa[i] <= xb[j])) ? xa[i] : xb[j];
    const auto a_less = static_cast<double>(i);
    const auto b_less = static_cast<double>(j);
    while (i < xa.size() && xa[i] == v) ++i;
    while (j < xb.size() && xb[j] == v) ++j;
    const double la = ma.at(a_less);
    const double lb = mb.at(b_less);
    const double m_a = std::min(la, ma.at(static_cast<double>(i)));
    const double m_b = std::min(lb, mb.at(static_cast<double>(j)));
    best = std::min(best, m_a + m_b);
  }
  r.p_value = std::min(1.0, std::exp(-best));
  return r;
}

interval bernoulli_confidence_sequence(std::int64_t successes, std::int64_t trials, double alpha,
                                       double t_opt, double alpha_opt) noexcept {
  if (trials <= 0 || successes < 0 || successes > trials || !open_prob(alpha) || !(t_opt > 0.0) ||
      !open_prob(alpha_opt)) {
    return {};
  }
  const auto n = static_cast<double>(trials);
  const auto x = static_cast<double>(successes);
  const double threshold = std::log(1.0 / alpha);
  auto excess = [&](double p) {
    const double g = p;
    const double h = 1.0 - p;
    const double rho = best_rho(t_opt * g * h, alpha_opt);
    const double rr = std::max(rho - g * h, 1e-3 * g * h);
    return beta_binomial_log_mixture(x - n * p, n * g * h, g, h, rr, false) - threshold;
  };
  const double centre = std::clamp(x / n, 1e-12, 1.0 - 1e-12);
  constexpr double edge = 1e-12;
  const double lower = excess(edge) <= 0.0 ? 0.0 : detail::solve_precise(excess, edge, centre);
  const double upper =
      excess(1.0 - edge) <= 0.0 ? 1.0 : detail::solve_precise(excess, centre, 1.0 - edge);
  return {lower, upper};
}

sprt_asn_result sprt_expected_n_bernoulli(double p0, double p1, double alpha,
                                          double beta) noexcept {
  if (!open_prob(p0) || !open_prob(p1) || p0 == p1 || !open_prob(alpha) || !open_prob(beta)) {
    return {status::invalid_argument, nan_v, nan_v, nan_v, nan_v, nan_v};
  }
  auto kl = [](double a, double b) {
    return a * std::log(a / b) + (1.0 - a) * std::log((1.0 - a) / (1.0 - b));
  };
  sprt_asn_result r;
  r.log_a = std::log((1.0 - beta) / alpha);
  r.log_b = std::log(beta / (1.0 - alpha));
  r.kl_p1_p0 = kl(p1, p0);
  r.asn_h1 = ((1.0 - beta) * r.log_a + beta * r.log_b) / r.kl_p1_p0;
  r.asn_h0 = ((1.0 - alpha) * r.log_b + alpha * r.log_a) / (-kl(p0, p1));
  return r;
}

double msprt_detection_n(double theta, double var_a, double var_b, double tau2,
                         double alpha) noexcept {
  if (!std::isfinite(theta) || theta == 0.0 || !(var_a >= 0.0) || !(var_b >= 0.0) ||
      !(var_a + var_b > 0.0) || !(tau2 > 0.0) || !open_prob(alpha)) {
    return nan_v;
  }
  const double target = std::log(1.0 / alpha);
  auto f = [&](double n) {
    return msprt_log_lambda(theta, (var_a + var_b) / n, tau2).log_e - target;
  };
  double hi = 1.0;
  while (f(hi) < 0.0 && hi < 1e18) hi *= 2.0;
  if (f(hi) < 0.0) return nan_v;
  // log Λ dips below zero before it rises, so bracket the last crossing.
  double lo = hi / 2.0;
  while (lo > 1e-9 && f(lo) >= 0.0) lo /= 2.0;
  return detail::solve_precise(f, lo, hi);
}

count_detection_result count_detection_events(double canary_share, double rate_ratio, double alpha,
                                              double k) noexcept {
  if (!open_prob(canary_share) || !(rate_ratio > 0.0) || rate_ratio == 1.0 || !open_prob(alpha) ||
      !(k > 0.0)) {
    return {status::invalid_argument, nan_v, nan_v};
  }
  const double theta1 =
      canary_share * rate_ratio / (canary_share * rate_ratio + 1.0 - canary_share);
  const std::array<double, 2> rho{1.0 - canary_share, canary_share};
  const double target = std::log(1.0 / alpha);
  auto f = [&](double n) {
    const std::array<double, 2> counts{n * (1.0 - theta1), n * theta1};
    return multinomial_log_e_value(counts, rho, k).log_e - target;
  };
  double hi = 1.0;
  while (f(hi) < 0.0 && hi < 1e15) hi *= 2.0;
  if (f(hi) < 0.0) return {status::not_reached, theta1, inf_v};
  double lo = hi / 2.0;
  while (lo > 1e-9 && f(lo) >= 0.0) lo /= 2.0;
  return {status::ok, theta1, detail::solve_precise(f, lo, hi)};
}

}  // namespace floodgate::analysis
