#include <floodgate/analysis/distributions.hpp>
#include <floodgate/analysis/mann_whitney.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "pairwise_select.hpp"
#include "rank_merge.hpp"
#include "root_finding.hpp"
#include "tails.hpp"

namespace floodgate::analysis {
namespace {

constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();
constexpr double inf_v = std::numeric_limits<double>::infinity();
constexpr std::size_t exact_limit = 250000;  // m·n above which the exact distribution is refused

bool all_finite(std::span<const double> v) {
  return std::all_of(v.begin(), v.end(), [](double a) { return std::isfinite(a); });
}

double correction_for(alternative alt, double dz) {
  switch (alt) {
    case alternative::greater:
      return 0.5;
    case alternative::less:
      return -0.5;
    case alternative::two_sided:
      break;
  }
  return dz > 0.0 ? 0.5 : (dz < 0.0 ? -0.5 : 0.0);
}

double rank_sigma(double m, double n, double tie_sum) {
  const double total = m + n;
  return std::sqrt(m * n / 12.0 * ((total + 1.0) - tie_sum / (total * (total - 1.0))));
}

// Coefficients of the Gaussian binomial [m+n choose m]_q: c[u] = #arrangements with U = u.
std::vector<double> wilcox_counts(std::size_t m, std::size_t n) {
  std::vector<double> c(m * n + 1, 0.0);
  c[0] = 1.0;
  std::size_t deg = 0;
  for (std::size_t i = 1; i <= m; ++i) {
    const std::size_t new_deg = deg + n;
    const std::size_t s = n + i;
    for (std::size_t k = new_deg; k >= s && k <= new_deg; --k) c[k] -= c[k - s];  // × (1 − q^s)
    for (std::size_t k = i; k <= new_deg; ++k) c[k] += c[k - i];                  // ÷ (1 − q^i)
    deg = new_deg;
  }
  return c;
}

// P(U ≤ q) under H0, using the symmetric lower tail for accuracy.
double pwilcox(double q, const std::vector<double>& c, double total) {
  const auto mn = static_cast<double>(c.size() - 1);
  if (q < 0.0) return 0.0;
  if (q >= mn) return 1.0;
  auto lower_sum = [&](double upto) {
    double s = 0.0;
    for (std::size_t u = 0; static_cast<double>(u) <= upto; ++u) s += c[u];
    return s / total;
  };
  if (q <= mn / 2.0) return lower_sum(std::floor(q));
  return 1.0 - lower_sum(mn - std::floor(q) - 1.0);
}

// R's qwilcox(p, m, n), with its 10·ε fuzz.
double qwilcox(double p, const std::vector<double>& c, double total) {
  const auto mn = static_cast<double>(c.size() - 1);
  double acc = 0.0;
  if (p <= 0.5) {
    const double target = p - 10.0 * std::numeric_limits<double>::epsilon();
    for (std::size_t q = 0; q < c.size(); ++q) {
      acc += c[q] / total;
      if (acc >= target) return static_cast<double>(q);
    }
    return mn;
  }
  const double target = 1.0 - p + 10.0 * std::numeric_limits<double>::epsilon();
  for (std::size_t q = 0; q < c.size(); ++q) {
    acc += c[q] / total;
    if (acc > target) return mn - static_cast<double>(q);
  }
  return 0.0;
}

// The median of the pairwise differences together with further order statistics `extra_ks`
// (1-based), found in one selection. Returns the median; `extra` receives the others.
double median_and_order_stats(std::span<const double> xs, std::span<const double> ys,
                              std::span<const std::size_t> extra_ks, std::span<double> extra) {
  const std::size_t total = xs.size() * ys.size();
  std::vector<std::size_t> ks(extra_ks.begin(), extra_ks.end());
  ks.push_back(total % 2 == 1 ? total / 2 + 1 : total / 2);
  ks.push_back(total / 2 + 1);
  std::vector<double> out(ks.size());
  detail::select_pairwise_differences(xs, ys, ks, out);
  std::copy(out.begin(), out.end() - 2, extra.begin());
  return 0.5 * (out[out.size() - 2] + out.back());
}

}  // namespace

mann_whitney_result mann_whitney_u(std::span<const double> x, std::span<const double> y,
                                   alternative alt, bool continuity) {
  mann_whitney_result r;
  if (x.empty() || y.empty()) return {status::empty_sample, nan_v, nan_v, nan_v, nan_v};
  if (!all_finite(x) || !all_finite(y))
    return {status::non_finite_input, nan_v, nan_v, nan_v, nan_v};
  const auto s = detail::rank_sums_unsorted(x, y);
  const double m = static_cast<double>(x.size());
  const double n = static_cast<double>(y.size());
  r.u1 = s.two_u / 2.0;
  r.tie_term = s.tie_sum;
  const double dz = r.u1 - m * n / 2.0;
  const double sigma = rank_sigma(m, n, s.tie_sum);
  r.z = (dz - (continuity ? correction_for(alt, dz) : 0.0)) / sigma;
  if (!(sigma > 0.0)) {
    r.status = status::all_tied;
    r.z = r.p_value = nan_v;
    return r;
  }
  r.p_value = detail::p_value_from_z(r.z, alt);
  return r;
}

mann_whitney_result mann_whitney_u_exact(std::span<const double> x, std::span<const double> y,
                                         alternative alt) {
  if (x.empty() || y.empty()) return {status::empty_sample, nan_v, nan_v, nan_v, nan_v};
  if (!all_finite(x) || !all_finite(y))
    return {status::non_finite_input, nan_v, nan_v, nan_v, nan_v};
  if (x.size() * y.size() > exact_limit)
    return {status::invalid_argument, nan_v, nan_v, nan_v, nan_v};
  const auto s = detail::rank_sums_unsorted(x, y);
  mann_whitney_result r;
  r.u1 = s.two_u / 2.0;
  r.tie_term = s.tie_sum;
  r.z = nan_v;
  if (s.tie_sum > 0.0) {
    r.status = status::invalid_argument;  // the exact null distribution assumes no ties
    r.p_value = nan_v;
    return r;
  }
  const auto c = wilcox_counts(x.size(), y.size());
  double total = 0.0;
  for (double v : c) total += v;
  const double mn = static_cast<double>(x.size() * y.size());
  switch (alt) {
    case alternative::less:
      r.p_value = pwilcox(r.u1, c, total);
      break;
    case alternative::greater:
      r.p_value = 1.0 - pwilcox(r.u1 - 1.0, c, total);
      break;
    case alternative::two_sided: {
      const double p =
          r.u1 > mn / 2.0 ? 1.0 - pwilcox(r.u1 - 1.0, c, total) : pwilcox(r.u1, c, total);
      r.p_value = std::min(1.0, 2.0 * p);
      break;
    }
  }
  return r;
}

double kth_pairwise_difference(std::span<const double> a, std::span<const double> b,
                               std::size_t k) {
  if (a.empty() || b.empty() || k == 0 || k > a.size() * b.size()) return nan_v;
  const std::size_t ks[1] = {k};
  double out[1] = {nan_v};
  detail::select_pairwise_differences(a, b, ks, out);
  return out[0];
}

std::vector<double> pairwise_difference_order_stats(std::span<const double> a,
                                                    std::span<const double> b,
                                                    std::span<const std::size_t> ks) {
  std::vector<double> out(ks.size(), nan_v);
  std::vector<std::size_t> valid;
  std::vector<std::size_t> where;
  for (std::size_t t = 0; t < ks.size(); ++t) {
    if (!a.empty() && !b.empty() && ks[t] >= 1 && ks[t] <= a.size() * b.size()) {
      valid.push_back(ks[t]);
      where.push_back(t);
    }
  }
  std::vector<double> found(valid.size(), nan_v);
  detail::select_pairwise_differences(a, b, valid, found);
  for (std::size_t t = 0; t < valid.size(); ++t) out[where[t]] = found[t];
  return out;
}

shift_result hodges_lehmann_shift(std::span<const double> x, std::span<const double> y,
                                  double conf_level, alternative alt, bool correct,
                                  shift_ci_mode mode) {
  shift_result r;
  if (x.empty() || y.empty()) return {status::empty_sample, nan_v, {}, nan_v, nan_v};
  if (!all_finite(x) || !all_finite(y)) return {status::non_finite_input, nan_v, {}, nan_v, nan_v};
  if (!(conf_level > 0.0 && conf_level < 1.0))
    return {status::invalid_argument, nan_v, {}, nan_v, nan_v};
  const auto xs = detail::sorted_copy(x);
  const auto ys = detail::sorted_copy(y);
  const double m = static_cast<double>(xs.size());
  const double n = static_cast<double>(ys.size());
  const double mn = m * n;
  const auto s0 = detail::rank_sums(xs, ys);
  r.u1 = s0.two_u / 2.0;
  {
    const double dz = r.u1 - mn / 2.0;
    const double sigma = rank_sigma(m, n, s0.tie_sum);
    // Every observation tied: no information about a shift (R stops with "cannot compute
    // confidence interval when all observations are tied").
    if (!(sigma > 0.0)) return {status::all_tied, nan_v, {}, r.u1, nan_v};
    r.p_value =
        detail::p_value_from_z((dz - (correct ? correction_for(alt, dz) : 0.0)) / sigma, alt);
  }
  const double alpha = 1.0 - conf_level;
  const double zq =
      normal_quantile(alt == alternative::two_sided ? 1.0 - alpha / 2.0 : 1.0 - alpha);
  const double mu_min = xs.front() - ys.back();
  const double mu_max = xs.back() - ys.front();

  if (mode == shift_ci_mode::kayenta_compat) {
    bool tied = false;
    auto wdiff = [&](double d, double z, bool corr) {
      const auto s = detail::merge_ranks(xs, ys, d);
      const double dz = s.two_u / 2.0 - mn / 2.0;
      const double sigma = rank_sigma(m, n, s.tie_sum);
      if (!(sigma > 0.0)) tied = true;
      return (dz - (corr ? correction_for(alt, dz) : 0.0)) / sigma - z;
    };
    auto root = [&](double z) {
      const double f_lo = wdiff(mu_min, z, correct);
      const double f_hi = wdiff(mu_max, z, correct);
      if (f_lo <= 0.0) return mu_min;
      if (f_hi >= 0.0) return mu_max;
      return detail::zeroin([&](double d) { return wdiff(d, z, correct); }, mu_min, mu_max, f_lo,
                            f_hi, 1e-4)
          .root;
    };
    const double lower = alt == alternative::less ? -inf_v : root(zq);
    const double upper = alt == alternative::greater ? inf_v : root(-zq);
    r.ci = detail::sided_interval(alt, lower, upper);
    r.estimate =
        detail::uniroot([&](double d) { return wdiff(d, 0.0, false); }, mu_min, mu_max, 1e-4).root;
    if (tied) return {status::all_tied, nan_v, {}, r.u1, r.p_value};
    return r;
  }

  // Exact selection: the interval ends are jump points of W(d) = (N/2 − j − c_j)/σ₀ for d between
  // the j-th and (j+1)-th pairwise differences, σ₀ from the within-arm ties only (cross-arm ties
  // happen only at the jumps themselves).
  const auto sx = detail::merge_ranks(xs, {}, 0.0);
  const auto sy = detail::merge_ranks(ys, {}, 0.0);
  const double sigma0 = rank_sigma(m, n, sx.tie_sum + sy.tie_sum);
  if (!(sigma0 > 0.0)) return {status::all_tied, nan_v, {}, r.u1, r.p_value};
  auto w_scaled = [&](double j) {
    const double dz = mn / 2.0 - j;
    return dz - (correct ? correction_for(alt, dz) : 0.0);
  };
  // Smallest j in [0, N] with W_j ≤ z (N + 1 when none), as an order-statistic index.
  auto first_at_or_below = [&](double z) {
    const double target = z * sigma0;
    double j = std::clamp(std::ceil(mn / 2.0 - target - 0.5), 0.0, mn + 1.0);
    while (j > 0.0 && w_scaled(j - 1.0) <= target) j -= 1.0;
    while (j <= mn && w_scaled(j) > target) j += 1.0;
    return j;
  };
  auto rank_of = [&](double j) { return static_cast<std::size_t>(std::clamp(j, 1.0, mn)); };
  const std::size_t k_lower = rank_of(first_at_or_below(zq));
  const std::size_t k_upper = rank_of(first_at_or_below(-zq));
  const std::size_t ks[2] = {k_lower, k_upper};
  double ends[2] = {nan_v, nan_v};
  r.estimate = median_and_order_stats(xs, ys, ks, ends);
  r.ci = detail::sided_interval(alt, ends[0], ends[1]);
  return r;
}

shift_result hodges_lehmann_shift_exact(std::span<const double> x, std::span<const double> y,
                                        double conf_level, alternative alt) {
  const auto test = mann_whitney_u_exact(x, y, alt);
  if (test.status != status::ok) return {test.status, nan_v, {}, test.u1, test.p_value};
  if (!(conf_level > 0.0 && conf_level < 1.0))
    return {status::invalid_argument, nan_v, {}, nan_v, nan_v};
  const auto xs = detail::sorted_copy(x);
  const auto ys = detail::sorted_copy(y);
  const auto c = wilcox_counts(xs.size(), ys.size());
  double total = 0.0;
  for (double v : c) total += v;
  const double mn = static_cast<double>(xs.size() * ys.size());
  const double alpha = 1.0 - conf_level;
  double qu = qwilcox(alt == alternative::two_sided ? alpha / 2.0 : alpha, c, total);
  if (qu == 0.0) qu = 1.0;
  const double ql = mn - qu;
  const std::size_t ks[2] = {static_cast<std::size_t>(qu), static_cast<std::size_t>(ql + 1.0)};
  double ends[2] = {nan_v, nan_v};
  shift_result r{status::ok, median_and_order_stats(xs, ys, ks, ends), {}, test.u1, test.p_value};
  r.ci = detail::sided_interval(alt, ends[0], ends[1]);
  return r;
}

double common_language_effect_size(std::span<const double> x, std::span<const double> y) {
  if (x.empty() || y.empty()) return nan_v;
  const auto s = detail::rank_sums_unsorted(x, y);
  return s.two_u / 2.0 / (static_cast<double>(x.size()) * static_cast<double>(y.size()));
}

}  // namespace floodgate::analysis
