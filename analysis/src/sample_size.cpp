#include <floodgate/analysis/distributions.hpp>
#include <floodgate/analysis/sample_size.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

#include "batch_lanes.hpp"
#include "root_finding.hpp"

namespace floodgate::analysis {
namespace {

constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();

bool is_prob(double p) { return p >= 0.0 && p <= 1.0; }
bool is_open_prob(double p) { return p > 0.0 && p < 1.0; }
double z_alpha(double alpha, sides s) {
  return normal_quantile(1.0 - (s == sides::two ? alpha / 2.0 : alpha));
}

// Solve an increasing function of n for f(n) = target, growing the bracket as needed.
template <class F>
double solve_n(F&& f, double target, double lo) {
  double hi = std::max(2.0 * lo, 16.0);
  while (f(hi) < target && hi < 1e15) hi *= 4.0;
  if (f(hi) < target) return nan_v;
  return detail::solve_precise([&](double n) { return f(n) - target; }, lo, hi);
}

}  // namespace

one_proportion_n_result one_proportion_n(double p, double delta, double confidence) noexcept {
  one_proportion_n_result r;
  if (!is_prob(p) || !(delta > 0.0) || !is_open_prob(confidence)) {
    r.status = status::invalid_argument;
    r.z = r.n = r.zero_event_floor = r.n_required = nan_v;
    return r;
  }
  r.z = normal_quantile(1.0 - (1.0 - confidence) / 2.0);
  r.n = r.z * r.z * p * (1.0 - p) / (delta * delta);
  r.n_ceil = static_cast<std::int64_t>(std::ceil(r.n));
  r.zero_event_floor = std::log(1.0 / (1.0 - confidence)) / delta;
  r.n_required = std::max(static_cast<double>(r.n_ceil), std::ceil(r.zero_event_floor));
  return r;
}

double duration_for_requests(double n, double canary_share, double total_rps) noexcept {
  if (!(n >= 0.0) || !(canary_share > 0.0) || !(total_rps > 0.0)) return nan_v;
  return std::ceil(n) / (canary_share * total_rps);
}

double two_proportion_n_pooled(double p1, double p2, double alpha, double power, sides s,
                               bool strict) noexcept {
  if (!is_prob(p1) || !is_prob(p2) || p1 == p2 || !is_open_prob(alpha) || !is_open_prob(power)) {
    return nan_v;
  }
  const double pbar = (p1 + p2) / 2.0;
  const double num = z_alpha(alpha, s) * std::sqrt(2.0 * pbar * (1.0 - pbar)) +
                     normal_quantile(power) * std::sqrt(p1 * (1.0 - p1) + p2 * (1.0 - p2));
  const double n = num * num / ((p1 - p2) * (p1 - p2));
  if (!strict || s != sides::two) return n;
  // The far tail only adds power, so the strict n lies below the closed form.
  return detail::solve_precise(
      [&](double m) { return two_proportion_power(m, p1, p2, alpha, s, true) - power; }, 1e-9, n);
}

double two_proportion_n_unpooled(double p1, double p2, double alpha, double power,
                                 sides s) noexcept {
  if (!is_prob(p1) || !is_prob(p2) || p1 == p2 || !is_open_prob(alpha) || !is_open_prob(power)) {
    return nan_v;
  }
  const double z = z_alpha(alpha, s) + normal_quantile(power);
  return z * z * (p1 * (1.0 - p1) + p2 * (1.0 - p2)) / ((p1 - p2) * (p1 - p2));
}

double two_proportion_n_fleiss(double p1, double p2, double alpha, double power, sides s) noexcept {
  const double n = two_proportion_n_pooled(p1, p2, alpha, power, s);
  const double root = 1.0 + std::sqrt(1.0 + 4.0 / (n * std::fabs(p1 - p2)));
  return n / 4.0 * root * root;
}

double two_proportion_power(double n, double p1, double p2, double alpha, sides s,
                            bool strict) noexcept {
  if (!(n > 0.0) || !is_prob(p1) || !is_prob(p2) || !is_open_prob(alpha)) return nan_v;
  const double qu = z_alpha(alpha, s);
  const double d = std::fabs(p1 - p2);
  const double pbar = (p1 + p2) / 2.0;
  const double null_sd = std::sqrt(2.0 * pbar * (1.0 - pbar));
  const double alt_sd = std::sqrt(p1 * (1.0 - p1) + p2 * (1.0 - p2));
  double pw = normal_cdf((std::sqrt(n) * d - qu * null_sd) / alt_sd);
  if (strict && s == sides::two) pw += normal_sf((std::sqrt(n) * d + qu * null_sd) / alt_sd);
  return pw;
}

double two_proportion_mde_p2(double n, double p1, double alpha, double power, sides s) noexcept {
  if (!(n > 0.0) || !is_open_prob(p1) || !is_open_prob(alpha) || !is_open_prob(power)) {
    return nan_v;
  }
  auto f = [&](double p2) { return two_proportion_power(n, p1, p2, alpha, s, false) - power; };
  if (f(1.0) < 0.0) return nan_v;
  return detail::solve_precise(f, p1, 1.0);
}

two_arm_n two_proportion_n_ratio(double p_canary, double p_baseline, double alpha, double power,
                                 double ratio, sides s) noexcept {
  if (!is_prob(p_canary) || !is_prob(p_baseline) || p_canary == p_baseline ||
      !is_open_prob(alpha) || !is_open_prob(power) || !(ratio > 0.0)) {
    return {status::invalid_argument, nan_v, nan_v};
  }
  // The sample-size gate's code for one comparison (batch_lanes.hpp).
  const double n1 = detail::two_proportion_n_lane(p_canary, p_baseline, ratio, z_alpha(alpha, s),
                                                  normal_quantile(power));
  return {status::ok, n1, ratio * n1};
}

double two_proportion_power_ratio(double n_canary, double p_canary, double p_baseline, double alpha,
                                  double ratio, sides s) noexcept {
  if (!(n_canary > 0.0) || !is_prob(p_canary) || !is_prob(p_baseline) || !is_open_prob(alpha) ||
      !(ratio > 0.0)) {
    return nan_v;
  }
  const double pbar = (p_canary + ratio * p_baseline) / (1.0 + ratio);
  const double sd0 = std::sqrt(pbar * (1.0 - pbar) * (1.0 + 1.0 / ratio));
  const double sd1 =
      std::sqrt(p_canary * (1.0 - p_canary) + p_baseline * (1.0 - p_baseline) / ratio);
  const double crit = z_alpha(alpha, s);
  const double shift = std::fabs(p_canary - p_baseline) * std::sqrt(n_canary);
  double pw = normal_sf((crit * sd0 - shift) / sd1);
  if (s == sides::two) pw += normal_cdf((-crit * sd0 - shift) / sd1);
  return pw;
}

double cohen_h(double p1, double p2) noexcept {
  if (!is_prob(p1) || !is_prob(p2)) return nan_v;
  return 2.0 * std::asin(std::sqrt(p1)) - 2.0 * std::asin(std::sqrt(p2));
}

double two_proportion_n_cohen_h(double h, double alpha, double power, double ratio,
                                sides s) noexcept {
  if (!std::isfinite(h) || h == 0.0 || !is_open_prob(alpha) || !is_open_prob(power) ||
      !(ratio > 0.0)) {
    return nan_v;
  }
  const double crit = z_alpha(alpha, s);
  auto pw = [&](double n1) {
    const double neff = 1.0 / (1.0 / n1 + 1.0 / (ratio * n1));
    const double shift = std::fabs(h) * std::sqrt(neff);
    double p = normal_sf(crit - shift);
    if (s == sides::two) p += normal_cdf(-crit - shift);
    return p;
  };
  return solve_n(pw, power, 1e-6);
}

double t_test_n(double delta, double sd, double alpha, double power, sides s) noexcept {
  if (!(delta != 0.0) || !std::isfinite(delta) || !(sd > 0.0) || !is_open_prob(alpha) ||
      !is_open_prob(power)) {
    return nan_v;
  }
  const double tside = s == sides::two ? 2.0 : 1.0;
  auto pw = [&](double n) {
    const double nu = (n - 1.0) * 2.0;
    const double crit = t_quantile(1.0 - alpha / tside, nu);
    return 1.0 - noncentral_t_cdf(crit, nu, std::sqrt(n / 2.0) * std::fabs(delta) / sd);
  };
  return solve_n(pw, power, 2.0);
}

two_arm_n welch_n(double delta, double sd_canary, double sd_baseline, double alpha, double power,
                  double ratio) noexcept {
  if (!(delta != 0.0) || !std::isfinite(delta) || !(sd_canary >= 0.0) || !(sd_baseline >= 0.0) ||
      !is_open_prob(alpha) || !is_open_prob(power) || !(ratio > 0.0)) {
    return {status::invalid_argument, nan_v, nan_v};
  }
  const double z = z_alpha(alpha, sides::two) + normal_quantile(power);
  const double n1 =
      z * z * (sd_canary * sd_canary + sd_baseline * sd_baseline / ratio) / (delta * delta);
  return {status::ok, n1, ratio * n1};
}

noether_n_result mann_whitney_n_noether(double p_prime, double canary_fraction, double alpha,
                                        double power, sides s) noexcept {
  if (!is_open_prob(p_prime) || p_prime == 0.5 || !is_open_prob(canary_fraction) ||
      !is_open_prob(alpha) || !is_open_prob(power)) {
    return {status::invalid_argument, nan_v, nan_v, nan_v};
  }
  const double z = z_alpha(alpha, s) + normal_quantile(power);
  const double c = canary_fraction;
  const double total = z * z / (12.0 * c * (1.0 - c) * (p_prime - 0.5) * (p_prime - 0.5));
  return {status::ok, total, c * total, (1.0 - c) * total};
}

exceedance_n_result quantile_exceedance_n(double p0, double p1, double alpha,
                                          double power) noexcept {
  exceedance_n_result r;
  if (!is_open_prob(p0) || !is_open_prob(p1) || p1 <= p0 || !is_open_prob(alpha) ||
      !is_open_prob(power)) {
    r.status = status::invalid_argument;
    r.n = r.exact_size = r.exact_power = nan_v;
    return r;
  }
  const double num = normal_quantile(1.0 - alpha) * std::sqrt(p0 * (1.0 - p0)) +
                     normal_quantile(power) * std::sqrt(p1 * (1.0 - p1));
  r.n = std::pow(num / (p1 - p0), 2.0);
  r.n_ceil = static_cast<std::int64_t>(std::ceil(r.n));
  // qbinom(1 − α, n, p0): the smallest k with P(X ≤ k) ≥ 1 − α (R's fuzz of 64 ε).
  std::int64_t k = 0;
  const double target = (1.0 - alpha) * (1.0 - 64.0 * std::numeric_limits<double>::epsilon());
  while (k < r.n_ceil && binomial_cdf(k, r.n_ceil, p0) < target) ++k;
  r.critical_count = k + 1;
  r.exact_size = binomial_sf(r.critical_count - 1, r.n_ceil, p0);
  r.exact_power = binomial_sf(r.critical_count - 1, r.n_ceil, p1);
  return r;
}

quantile_density_n_result quantile_shift_n_lognormal(double median, double sigma_log,
                                                     double quantile, double delta, double alpha,
                                                     double power) noexcept {
  if (!(median > 0.0) || !(sigma_log > 0.0) || !is_open_prob(quantile) || !(delta > 0.0) ||
      !is_open_prob(alpha) || !is_open_prob(power)) {
    return {status::invalid_argument, nan_v, nan_v, nan_v};
  }
  const double zp = normal_quantile(quantile);
  const double q = median * std::exp(sigma_log * zp);
  const double f = normal_pdf(zp) / (q * sigma_log);
  const double z = z_alpha(alpha, sides::two) + normal_quantile(power);
  const double n = z * z * 2.0 * quantile * (1.0 - quantile) / (f * f * delta * delta);
  return {status::ok, q, f, n};
}

time_to_n_result step_plan_time_to_n(double n, double total_rps,
                                     std::span<const traffic_step> steps) noexcept {
  time_to_n_result r;
  if (!(n >= 0.0) || !(total_rps > 0.0) || steps.empty()) {
    r.status = status::invalid_argument;
    r.seconds = r.canary_requests_in_plan = nan_v;
    return r;
  }
  double elapsed = 0.0;
  double accrued = 0.0;
  bool reached = n == 0.0;
  r.seconds = 0.0;
  for (const auto& st : steps) {
    if (!(st.weight >= 0.0 && st.weight <= 1.0) || !(st.duration_s >= 0.0)) {
      r.status = status::invalid_argument;
      r.seconds = r.canary_requests_in_plan = nan_v;
      return r;
    }
    const double rate = st.weight * total_rps;
    const double step_total = rate * st.duration_s;
    if (!reached && accrued + step_total >= n && rate > 0.0) {
      r.seconds = elapsed + (n - accrued) / rate;
      reached = true;
    }
    accrued += step_total;
    elapsed += st.duration_s;
  }
  r.canary_requests_in_plan = accrued;
  if (!reached) {
    r.status = status::not_reached;
    r.seconds = std::numeric_limits<double>::infinity();
  }
  return r;
}

}  // namespace floodgate::analysis
