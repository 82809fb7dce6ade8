#include <floodgate/analysis/descriptive.hpp>
#include <floodgate/analysis/distributions.hpp>
#include <floodgate/analysis/welch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

namespace floodgate::analysis {

welch_result welch_t_test(std::span<const double> x, std::span<const double> y, alternative alt,
                          double conf_level) {
  constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();
  constexpr double inf_v = std::numeric_limits<double>::infinity();
  welch_result r;
  auto fail = [&](status s) {
    r.status = s;
    r.t = r.df = r.p_value = r.estimate = nan_v;
    return r;
  };
  if (x.size() < 2 || y.size() < 2) return fail(status::too_few_samples);
  if (!(conf_level > 0.0 && conf_level < 1.0)) return fail(status::invalid_argument);
  const auto sx = summarize(x);
  const auto sy = summarize(y);
  if (!std::isfinite(sx.mean) || !std::isfinite(sy.mean) || !std::isfinite(sx.variance) ||
      !std::isfinite(sy.variance)) {
    return fail(status::non_finite_input);
  }
  const double m = static_cast<double>(x.size());
  const double n = static_cast<double>(y.size());
  const double vx = sx.variance / m;
  const double vy = sy.variance / n;
  const double se = std::sqrt(vx + vy);
  if (se < 10.0 * std::numeric_limits<double>::epsilon() *
               std::max(std::fabs(sx.mean), std::fabs(sy.mean))) {
    return fail(status::constant_data);
  }
  r.estimate = sx.mean - sy.mean;
  r.df = (vx + vy) * (vx + vy) / (vx * vx / (m - 1.0) + vy * vy / (n - 1.0));
  r.t = r.estimate / se;
  switch (alt) {
    case alternative::less:
      r.p_value = t_cdf(r.t, r.df);
      r.ci = {-inf_v, r.estimate + t_quantile(conf_level, r.df) * se};
      break;
    case alternative::greater:
      r.p_value = t_cdf(-r.t, r.df);
      r.ci = {r.estimate - t_quantile(conf_level, r.df) * se, inf_v};
      break;
    case alternative::two_sided: {
      r.p_value = std::min(1.0, 2.0 * t_cdf(-std::fabs(r.t), r.df));
      const double q = t_quantile(1.0 - (1.0 - conf_level) / 2.0, r.df);
      r.ci = {r.estimate - q * se, r.estimate + q * se};
      break;
    }
  }
  return r;
}

}  // namespace floodgate::analysis
