#include <floodgate/analysis/distributions.hpp>
#include <floodgate/analysis/proportion_tests.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "root_finding.hpp"
#include "tails.hpp"

namespace floodgate::analysis {
namespace {

constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();
constexpr double inf_v = std::numeric_limits<double>::infinity();

bool valid_count(std::int64_t x, std::int64_t n) { return n > 0 && x >= 0 && x <= n; }
bool valid_level(double c) { return c > 0.0 && c < 1.0; }

// First index in [lo, hi] where pred holds, for a predicate that is false then true (hi + 1 when
// it never holds).
template <class Pred>
std::int64_t first_true(std::int64_t lo, std::int64_t hi, Pred pred) {
  std::int64_t count = hi - lo + 1;
  while (count > 0) {
    const std::int64_t step = count / 2;
    const std::int64_t mid = lo + step;
    if (!pred(mid)) {
      lo = mid + 1;
      count -= step + 1;
    } else {
      count = step;
    }
  }
  return lo;
}

}  // namespace

two_proportion_result two_proportion_test(std::int64_t x1, std::int64_t n1, std::int64_t x2,
                                          std::int64_t n2, bool yates, alternative alt,
                                          double conf_level) noexcept {
  two_proportion_result r;
  if (!valid_count(x1, n1) || !valid_count(x2, n2) || !valid_level(conf_level)) {
    r.status = status::invalid_argument;
    r.statistic = r.p_value = nan_v;
    return r;
  }
  // The batch kernel's code for one comparison (batch_lanes.hpp): the same bits as
  // prop_test_batch.
  const double zq =
      normal_quantile(alt == alternative::two_sided ? (1.0 + conf_level) / 2.0 : conf_level);
  const auto t = detail::with_alternative(alt, [&](auto a) {
    return detail::prop_test_lane<decltype(a)::value>(
        static_cast<double>(x1), static_cast<double>(n1), static_cast<double>(x2),
        static_cast<double>(n2), yates, zq);
  });
  r.estimate1 = t.p1;
  r.estimate2 = t.p2;
  r.ci_diff = {t.lower, t.upper};
  r.statistic = t.statistic;
  r.p_value = t.p_value;
  return r;
}

z_test_result two_proportion_z_test(std::int64_t x1, std::int64_t n1, std::int64_t x2,
                                    std::int64_t n2, bool pooled, alternative alt) noexcept {
  if (!valid_count(x1, n1) || !valid_count(x2, n2)) {
    return {status::invalid_argument, nan_v, nan_v};
  }
  const double dn1 = static_cast<double>(n1);
  const double dn2 = static_cast<double>(n2);
  const double dx1 = static_cast<double>(x1);
  const double dx2 = static_cast<double>(x2);
  if (pooled) {
    // The batch kernel's code for one comparison (batch_lanes.hpp): the same bits as
    // two_proportion_z_batch.
    const auto r = detail::with_alternative(alt, [&](auto a) {
      return detail::two_proportion_lane<decltype(a)::value>(dx1, dn1, dx2, dn2);
    });
    if (std::isnan(r.z)) return {status::constant_data, nan_v, nan_v};  // counts checked above
    return {status::ok, r.z, r.p_value};
  }
  const double p1 = dx1 / dn1;
  const double p2 = dx2 / dn2;
  const double var = p1 * (1.0 - p1) / dn1 + p2 * (1.0 - p2) / dn2;
  if (!(var > 0.0)) return {status::constant_data, nan_v, nan_v};
  const double z = (p1 - p2) / std::sqrt(var);
  return {status::ok, z, detail::p_value_from_z(z, alt)};
}

binomial_test_result binomial_exact_test(std::int64_t x, std::int64_t n, double p, alternative alt,
                                         double conf_level) noexcept {
  binomial_test_result r;
  if (!valid_count(x, n) || !(p >= 0.0 && p <= 1.0) || !valid_level(conf_level)) {
    r.status = status::invalid_argument;
    r.p_value = r.estimate = nan_v;
    return r;
  }
  const double dn = static_cast<double>(n);
  const double dx = static_cast<double>(x);
  r.estimate = dx / dn;
  switch (alt) {
    case alternative::less:
      r.p_value = binomial_cdf(x, n, p);
      break;
    case alternative::greater:
      r.p_value = binomial_sf(x - 1, n, p);
      break;
    case alternative::two_sided: {
      if (p == 0.0) {
        r.p_value = x == 0 ? 1.0 : 0.0;
      } else if (p == 1.0) {
        r.p_value = x == n ? 1.0 : 0.0;
      } else {
        constexpr double rel_err = 1.0 + 1e-7;
        const double d = binomial_pmf(x, n, p) * rel_err;
        const double m = dn * p;
        if (dx == m) {
          r.p_value = 1.0;
        } else if (dx < m) {
          // The pmf decreases on [ceil(m), n]: count the outcomes there no likelier than x.
          const auto lo = static_cast<std::int64_t>(std::ceil(m));
          const std::int64_t first =
              first_true(lo, n, [&](std::int64_t i) { return binomial_pmf(i, n, p) <= d; });
          const std::int64_t y = n - first + 1;
          r.p_value = binomial_cdf(x, n, p) + binomial_sf(n - y, n, p);
        } else {
          // The pmf increases on [0, floor(m)].
          const auto hi = static_cast<std::int64_t>(std::floor(m));
          const std::int64_t first =
              first_true(0, hi, [&](std::int64_t i) { return binomial_pmf(i, n, p) > d; });
          const std::int64_t y = first;  // outcomes 0..first-1 qualify
          r.p_value = binomial_cdf(y - 1, n, p) + binomial_sf(x - 1, n, p);
        }
        r.p_value = std::min(1.0, r.p_value);
      }
      break;
    }
  }
  const double a = alt == alternative::two_sided ? (1.0 - conf_level) / 2.0 : 1.0 - conf_level;
  const double lo = x == 0 ? 0.0 : beta_quantile(a, dx, dn - dx + 1.0);
  const double hi = x == n ? 1.0 : beta_quantile(1.0 - a, dx + 1.0, dn - dx);
  r.ci = {alt == alternative::less ? 0.0 : lo, alt == alternative::greater ? 1.0 : hi};
  return r;
}

namespace {

// The conditional distribution of the (1,1) cell of a 2×2 table given its margins: noncentral
// hypergeometric with odds ratio ψ (R fisher.test's dnhyper / pnhyper / mnhyper).
struct noncentral_hypergeometric {
  std::int64_t lo = 0;
  std::int64_t hi = 0;
  std::vector<double> log_dc;  // log dhyper over the support

  std::vector<double> density(double psi) const {
    std::vector<double> d(log_dc.size());
    double mx = -inf_v;
    const double lpsi = std::log(psi);
    for (std::size_t i = 0; i < d.size(); ++i) {
      d[i] = log_dc[i] + lpsi * static_cast<double>(lo + static_cast<std::int64_t>(i));
      mx = std::max(mx, d[i]);
    }
    double sum = 0.0;
    for (double& v : d) {
      v = std::exp(v - mx);
      sum += v;
    }
    for (double& v : d) v /= sum;
    return d;
  }
  double mean(double psi) const {
    if (psi == 0.0) return static_cast<double>(lo);
    if (std::isinf(psi)) return static_cast<double>(hi);
    const auto d = density(psi);
    double m = 0.0;
    for (std::size_t i = 0; i < d.size(); ++i) {
      m += static_cast<double>(lo + static_cast<std::int64_t>(i)) * d[i];
    }
    return m;
  }
  double cdf(std::int64_t q, double psi, bool upper) const {
    if (psi == 0.0) return upper ? (q <= lo ? 1.0 : 0.0) : (q >= lo ? 1.0 : 0.0);
    if (std::isinf(psi)) return upper ? (q <= hi ? 1.0 : 0.0) : (q >= hi ? 1.0 : 0.0);
    const auto d = density(psi);
    double s = 0.0;
    for (std::size_t i = 0; i < d.size(); ++i) {
      const std::int64_t v = lo + static_cast<std::int64_t>(i);
      if (upper ? v >= q : v <= q) s += d[i];
    }
    return s;
  }
};

double log_choose(std::int64_t n, std::int64_t k) {
  return std::lgamma(static_cast<double>(n) + 1.0) - std::lgamma(static_cast<double>(k) + 1.0) -
         std::lgamma(static_cast<double>(n - k) + 1.0);
}

}  // namespace

fisher_result fisher_exact_test(std::int64_t canary_err, std::int64_t canary_ok,
                                std::int64_t base_err, std::int64_t base_ok, alternative alt,
                                double conf_level) noexcept {
  fisher_result r;
  if (canary_err < 0 || canary_ok < 0 || base_err < 0 || base_ok < 0 || !valid_level(conf_level) ||
      canary_err + canary_ok + base_err + base_ok == 0) {
    r.status = status::invalid_argument;
    r.p_value = r.odds_ratio = nan_v;
    return r;
  }
  // R's parametrisation: x = (1,1) cell, m = first column total, n = second column total,
  // k = first row total.
  const std::int64_t x = canary_err;
  const std::int64_t m = canary_err + base_err;
  const std::int64_t n = canary_ok + base_ok;
  const std::int64_t k = canary_err + canary_ok;
  noncentral_hypergeometric h;
  h.lo = std::max<std::int64_t>(0, k - n);
  h.hi = std::min(k, m);
  for (std::int64_t v = h.lo; v <= h.hi; ++v) {
    h.log_dc.push_back(log_choose(m, v) + log_choose(n, k - v));
  }
  const auto idx = static_cast<std::size_t>(x - h.lo);

  switch (alt) {
    case alternative::less:
      r.p_value = h.cdf(x, 1.0, false);
      break;
    case alternative::greater:
      r.p_value = h.cdf(x, 1.0, true);
      break;
    case alternative::two_sided: {
      constexpr double rel_err = 1.0 + 1e-7;
      const auto d = h.density(1.0);
      double s = 0.0;
      for (double v : d) {
        if (v <= d[idx] * rel_err) s += v;
      }
      r.p_value = std::min(1.0, s);
      break;
    }
  }

  constexpr double dbl_eps = std::numeric_limits<double>::epsilon();
  // Conditional MLE: solve mean(ψ) = x on ψ ∈ (0, 1] or 1/ψ ∈ (0, 1], as R does.
  if (x == h.lo) {
    r.odds_ratio = 0.0;
  } else if (x == h.hi) {
    r.odds_ratio = inf_v;
  } else {
    const double mu = h.mean(1.0);
    const double dx = static_cast<double>(x);
    if (mu > dx) {
      r.odds_ratio = detail::uniroot([&](double t) { return h.mean(t) - dx; }, 0.0, 1.0).root;
    } else if (mu < dx) {
      r.odds_ratio =
          1.0 / detail::uniroot([&](double t) { return h.mean(1.0 / t) - dx; }, dbl_eps, 1.0).root;
    } else {
      r.odds_ratio = 1.0;
    }
  }
  auto ncp_upper = [&](double a) {
    if (x == h.hi) return inf_v;
    const double p = h.cdf(x, 1.0, false);
    if (p < a)
      return detail::uniroot([&](double t) { return h.cdf(x, t, false) - a; }, 0.0, 1.0).root;
    if (p > a) {
      return 1.0 /
             detail::uniroot([&](double t) { return h.cdf(x, 1.0 / t, false) - a; }, dbl_eps, 1.0)
                 .root;
    }
    return 1.0;
  };
  auto ncp_lower = [&](double a) {
    if (x == h.lo) return 0.0;
    const double p = h.cdf(x, 1.0, true);
    if (p > a)
      return detail::uniroot([&](double t) { return h.cdf(x, t, true) - a; }, 0.0, 1.0).root;
    if (p < a) {
      return 1.0 /
             detail::uniroot([&](double t) { return h.cdf(x, 1.0 / t, true) - a; }, dbl_eps, 1.0)
                 .root;
    }
    return 1.0;
  };
  switch (alt) {
    case alternative::less:
      r.ci = {0.0, ncp_upper(1.0 - conf_level)};
      break;
    case alternative::greater:
      r.ci = {ncp_lower(1.0 - conf_level), inf_v};
      break;
    case alternative::two_sided:
      r.ci = {ncp_lower((1.0 - conf_level) / 2.0), ncp_upper((1.0 - conf_level) / 2.0)};
      break;
  }
  return r;
}

interval wilson_interval(std::int64_t x, std::int64_t n, double conf_level) noexcept {
  if (n == 0) return {0.0, 1.0};
  if (!valid_count(x, n) || !valid_level(conf_level)) return {};
  const double z = normal_quantile((1.0 + conf_level) / 2.0);
  const double dn = static_cast<double>(n);
  const double p = static_cast<double>(x) / dn;
  const double z2 = z * z;
  const double centre = (p + z2 / (2.0 * dn)) / (1.0 + z2 / dn);
  const double half = z * std::sqrt(p * (1.0 - p) / dn + z2 / (4.0 * dn * dn)) / (1.0 + z2 / dn);
  // At x = 0 (or n) the bound is exactly 0 (or 1); rounding would leave ~1e-18 otherwise.
  return {x == 0 ? 0.0 : std::max(0.0, centre - half), x == n ? 1.0 : std::min(1.0, centre + half)};
}

rate_ratio_result poisson_rate_ratio_test(std::int64_t x1, double t1, std::int64_t x2, double t2,
                                          alternative alt, double conf_level) noexcept {
  rate_ratio_result r;
  if (x1 < 0 || x2 < 0 || !(t1 > 0.0) || !(t2 > 0.0) || std::isinf(t1) || std::isinf(t2) ||
      !valid_level(conf_level)) {
    r.status = status::invalid_argument;
    r.p_value = r.rate_ratio = nan_v;
    return r;
  }
  if (x1 + x2 == 0) {
    r.status = status::empty_sample;
    r.p_value = 1.0;
    r.rate_ratio = nan_v;
    return r;
  }
  const auto b = binomial_exact_test(x1, x1 + x2, t1 / (t1 + t2), alt, conf_level);
  r.p_value = b.p_value;
  r.rate_ratio = (static_cast<double>(x1) / t1) / (static_cast<double>(x2) / t2);
  auto to_ratio = [&](double p) { return p / (1.0 - p) * t2 / t1; };
  r.ci = {to_ratio(b.ci.lower), b.ci.upper >= 1.0 ? inf_v : to_ratio(b.ci.upper)};
  return r;
}

}  // namespace floodgate::analysis
