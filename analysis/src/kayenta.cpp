#include <floodgate/analysis/kayenta.hpp>
#include <floodgate/analysis/mann_whitney.hpp>
#include <floodgate/analysis/random.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

namespace floodgate::analysis {
namespace {

constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();

std::vector<double> transform(std::span<const double> v, const kayenta_metric_config& c) {
  std::vector<double> out;
  out.reserve(v.size());
  for (double a : v) {
    if (std::isnan(a)) {
      if (c.nan_strategy == kayenta_nan_strategy::replace) out.push_back(0.0);
    } else {
      out.push_back(a);
    }
  }
  if (c.remove_outliers && !out.empty()) {
    const auto fences = iqr_outliers(out, c.outlier_factor, true);
    std::vector<double> kept;
    for (std::size_t i = 0; i < out.size(); ++i) {
      if (!fences.outlier[i]) kept.push_back(out[i]);
    }
    out.swap(kept);
  }
  return out;
}

bool is_constant(const std::vector<double>& v) {
  return std::all_of(v.begin(), v.end(), [&](double a) { return a == v.front(); });
}

}  // namespace

std::string_view to_string(kayenta_label l) noexcept {
  switch (l) {
    case kayenta_label::pass:
      return "Pass";
    case kayenta_label::high:
      return "High";
    case kayenta_label::low:
      return "Low";
    case kayenta_label::nodata_fail:
      return "NodataFailMetric";
    case kayenta_label::nodata:
      return "Nodata";
    case kayenta_label::error:
      return "Error";
  }
  return "Error";
}

kayenta_metric_result kayenta_classify(std::span<const double> canary,
                                       std::span<const double> baseline,
                                       const kayenta_metric_config& config) {
  kayenta_metric_result r;
  auto x = transform(canary, config);
  auto y = transform(baseline, config);
  r.canary = summarize(x);
  r.baseline = summarize(y);
  r.estimate = nan_v;
  r.effect = nan_v;

  if (x.empty() || y.empty()) {
    if (config.nan_strategy == kayenta_nan_strategy::replace) {
      r.label = kayenta_label::pass;
      r.reason = "missing data replaced by zeros";
    } else if (config.must_have_data && !config.critical) {
      r.label = kayenta_label::nodata_fail;
      r.reason = "missing data and mustHaveData is set";
    } else {
      r.label = kayenta_label::nodata;
      r.critical = config.critical;
      r.reason = "missing data";
    }
    return r;
  }
  {
    auto xs = x;
    auto ys = y;
    std::sort(xs.begin(), xs.end());
    std::sort(ys.begin(), ys.end());
    if (xs == ys) {
      r.reason = "data are identical";
      return r;
    }
  }
  const bool x_const = is_constant(x);
  const bool y_const = is_constant(y);
  if (x_const && y_const && x.front() == y.front()) {
    r.reason = "all values are the same";
    return r;
  }
  if (x_const && y_const) {
    // Kayenta perturbs two different constants with tiny Gaussian noise so the rank test can run;
    // the decision does not depend on the draw.
    rng gen(config.noise_seed);
    for (double& a : x) a += gen.normal() * std::fabs(a) * 1e-5;
    for (double& a : y) a += gen.normal() * std::fabs(a) * 1e-5;
  }

  const auto shift = hodges_lehmann_shift(x, y, config.conf_level, alternative::two_sided, true,
                                          shift_ci_mode::kayenta_compat);
  if (shift.status != status::ok) {
    r.label = kayenta_label::error;
    r.reason = std::string("Mann-Whitney failed: ") + std::string(describe(shift.status));
    return r;
  }
  r.estimate = shift.estimate;
  r.ci = shift.ci;
  if (config.effect_measure == kayenta_effect_measure::mean_ratio) {
    const double mx = r.canary.mean;
    const double my = r.baseline.mean;
    r.effect = (mx == 0.0 || my == 0.0) ? nan_v : mx / my;
  } else {
    r.effect = common_language_effect_size(x, y);
  }
  const double band = config.tolerance * std::fabs(shift.estimate);
  const bool up = config.direction != kayenta_direction::decrease;
  const bool down = config.direction != kayenta_direction::increase;
  const bool effect_nan = std::isnan(r.effect);
  if (up && r.ci.lower > band && (effect_nan || r.effect >= config.allowed_increase)) {
    r.label = kayenta_label::high;
    r.reason = "canary is higher than baseline beyond the practical band";
    r.critical = config.critical && (effect_nan || r.effect >= config.critical_increase);
  } else if (down && r.ci.upper < -band && (effect_nan || r.effect <= config.allowed_decrease)) {
    r.label = kayenta_label::low;
    r.reason = "canary is lower than baseline beyond the practical band";
    r.critical = config.critical && (effect_nan || r.effect <= config.critical_decrease);
  } else {
    r.label = kayenta_label::pass;
    r.reason = "no practically significant difference";
  }
  return r;
}

kayenta_score kayenta_weighted_sum(std::span<const kayenta_scored_metric> metrics,
                                   const std::map<std::string, double>& group_weights) {
  kayenta_score out;
  struct tally {
    double pass = 0.0;
    double counted = 0.0;
  };
  std::map<std::string, tally> groups;
  std::size_t active = 0;
  std::size_t nodata = 0;
  bool critical_failure = false;
  for (const auto& m : metrics) {
    if (m.muted) continue;
    ++active;
    if (m.label == kayenta_label::nodata) ++nodata;
    if (m.critical && m.label != kayenta_label::pass) critical_failure = true;
    for (const auto& g : m.groups) {
      auto& t = groups[g];
      switch (m.label) {
        case kayenta_label::pass:
          t.pass += 1.0;
          t.counted += 1.0;
          break;
        case kayenta_label::high:
        case kayenta_label::low:
        case kayenta_label::nodata_fail:
          t.counted += 1.0;
          break;
        case kayenta_label::nodata:
        case kayenta_label::error:
          break;
      }
    }
  }
  double configured = 0.0;
  for (const auto& [name, w] : group_weights) configured += w;
  std::size_t unweighted = 0;
  for (const auto& [name, t] : groups) {
    if (!group_weights.contains(name)) ++unweighted;
  }
  const double share =
      unweighted > 0 ? (100.0 - configured) / static_cast<double>(unweighted) : 0.0;
  double score = 0.0;
  for (const auto& [name, t] : groups) {
    const double g = t.counted > 0.0 ? 100.0 * t.pass / t.counted : 100.0;
    out.groups[name] = g;
    const auto it = group_weights.find(name);
    score += g * (it != group_weights.end() ? it->second : share) / 100.0;
  }
  // Commons-Math Precision.round(x, 2): half-up on the decimal representation.
  out.score = std::floor(score * 100.0 + 0.5 + 1e-9) / 100.0;
  if (critical_failure) {
    out.score = 0.0;
    out.reason = "a critical metric did not pass";
  } else if (active > 0 && 2 * nodata >= active) {
    out.score = 0.0;
    out.reason = "at least half of the metrics have no data";
  }
  return out;
}

std::string_view to_string(kayenta_verdict v) noexcept {
  switch (v) {
    case kayenta_verdict::pass:
      return "Pass";
    case kayenta_verdict::marginal:
      return "Marginal";
    case kayenta_verdict::fail:
      return "Fail";
  }
  return "Fail";
}

kayenta_verdict kayenta_classify_score(double score, double pass, double marginal) noexcept {
  if (score >= pass) return kayenta_verdict::pass;
  if (score >= marginal) return kayenta_verdict::marginal;
  return kayenta_verdict::fail;
}

}  // namespace floodgate::analysis
