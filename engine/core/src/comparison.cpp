#include <floodgate/core/comparison.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <floodgate/analysis/descriptive.hpp>
#include <floodgate/analysis/kayenta.hpp>
#include <floodgate/analysis/mann_whitney.hpp>
#include <floodgate/analysis/proportion_tests.hpp>
#include <floodgate/analysis/sample_size.hpp>
#include <floodgate/analysis/sequential.hpp>
#include <floodgate/analysis/welch.hpp>
#include <floodgate/core/value.hpp>
#include <utility>

#include "name_table.hpp"

namespace floodgate::core {

namespace a = floodgate::analysis;

namespace {

constexpr detail::name_table<comparison_test, 6> test_names = {{
    {comparison_test::two_proportion, "two_proportion"},
    {comparison_test::sequential_counts, "sequential_counts"},
    {comparison_test::mann_whitney, "mann_whitney"},
    {comparison_test::kayenta, "kayenta"},
    {comparison_test::quantile, "quantile"},
    {comparison_test::welch, "welch"},
}};
constexpr detail::name_table<regression_direction, 2> direction_names = {{
    {regression_direction::increase, "increase"},
    {regression_direction::decrease, "decrease"},
}};
constexpr detail::name_table<sample_size_model, 2> model_names = {{
    {sample_size_model::two_sample, "two_sample"},
    {sample_size_model::quick, "quick"},
}};
constexpr detail::name_table<insufficient_resolution, 3> resolution_names = {{
    {insufficient_resolution::hold, "hold"},
    {insufficient_resolution::abort, "abort"},
    {insufficient_resolution::inconclusive, "inconclusive"},
}};
constexpr detail::name_table<comparison_outcome, 4> outcome_names = {{
    {comparison_outcome::successful, "successful"},
    {comparison_outcome::failed, "failed"},
    {comparison_outcome::insufficient, "insufficient data"},
    {comparison_outcome::error, "error"},
}};

std::string num(double v) { return format_float_short(v); }

comparison_verdict with(comparison_outcome o, std::string statistic, std::string message) {
  comparison_verdict v;
  v.outcome = o;
  v.statistic = std::move(statistic);
  v.message = std::move(message);
  return v;
}

bool finite_nonneg(double v) { return std::isfinite(v) && v >= 0.0; }

// "n=120 < required 1522": the sample-size gate's words.
std::string short_of(double n, double required) {
  return "n=" + num(n) + " < required n=" + num(std::ceil(required));
}

// The required canary n of a count test at the observed baseline rate (statistics.md §3.1–3.2).
std::optional<double> required_count_n(const comparison_metric& m, double p_baseline,
                                       double ratio) {
  const double p_canary = p_baseline + m.min_effect;
  if (!(p_canary < 1.0)) return std::nullopt;
  if (m.model == sample_size_model::quick) {
    const auto q = a::one_proportion_n(p_baseline, m.min_effect, 1.0 - m.alpha);
    if (q.status != a::status::ok) return std::nullopt;
    return q.n_required;
  }
  const auto n =
      a::two_proportion_n_ratio(p_canary, p_baseline, m.alpha, m.power, ratio, a::sides::one);
  if (n.status != a::status::ok || !std::isfinite(n.canary)) return std::nullopt;
  return std::ceil(n.canary);
}

// Count tests on "bad" events: a `decrease` metric counts good events, so its bad events are the
// complement. Estimates are reported back in the metric's own terms.
struct bad_counts {
  double c_bad, c_total, b_bad, b_total;
};

std::optional<bad_counts> bad_events(const comparison_metric& m, const comparison_data& d,
                                     comparison_verdict& v) {
  const auto& c = d.canary;
  const auto& b = d.baseline;
  if (!finite_nonneg(c.events) || !finite_nonneg(c.total) || !finite_nonneg(b.events) ||
      !finite_nonneg(b.total)) {
    v.message = "no usable counts (NaN, negative or missing): canary " + num(c.events) + "/" +
                num(c.total) + ", baseline " + num(b.events) + "/" + num(b.total);
    return std::nullopt;
  }
  if (c.total < 1.0 || b.total < 1.0) {
    v.message = std::string("no traffic on the ") + (c.total < 1.0 ? "canary" : "baseline");
    v.n = c.total;
    return std::nullopt;
  }
  if (c.events > c.total || b.events > b.total) {
    v.outcome = comparison_outcome::error;
    v.message = "more events than requests: canary " + num(c.events) + "/" + num(c.total) +
                ", baseline " + num(b.events) + "/" + num(b.total);
    return std::nullopt;
  }
  const bool inc = m.direction == regression_direction::increase;
  return bad_counts{inc ? c.events : c.total - c.events, c.total,
                    inc ? b.events : b.total - b.events, b.total};
}

void report_difference(comparison_verdict& v, const comparison_metric& m, double diff_bad,
                       a::interval ci_bad) {
  const double s = m.direction == regression_direction::increase ? 1.0 : -1.0;
  v.estimate = s * diff_bad;
  const double lo = s * ci_bad.lower;
  const double hi = s * ci_bad.upper;
  v.interval_low = std::min(lo, hi);
  v.interval_high = std::max(lo, hi);
}

std::int64_t as_count(double v) { return static_cast<std::int64_t>(std::llround(v)); }

// The count tests' verdict when the sample-size model has no answer for this baseline and δ.
comparison_verdict no_sample_size(comparison_verdict v, const comparison_metric& m,
                                  double p_baseline) {
  v.outcome = comparison_outcome::error;
  v.message = "no sample size for baseline rate " + num(p_baseline) + " and minimum effect " +
              num(m.min_effect);
  return v;
}

// The fixed-sample tests' verdict once computed: short of the gate → insufficient; p < α →
// failed; the one-sided upper bound of the (oriented) difference below δ → successful; else the
// interval still includes δ.
comparison_verdict decide(comparison_verdict v, const comparison_metric& m, double p, double upper,
                          std::string_view difference) {
  if (*v.n < *v.required_n) {
    v.message = short_of(*v.n, *v.required_n);
  } else if (!std::isnan(p) && p < m.alpha) {
    v.outcome = comparison_outcome::failed;
    v.message = "canary worse: p=" + num(p) + " < alpha=" + num(m.alpha);
  } else if (upper < m.min_effect) {
    v.outcome = comparison_outcome::successful;
    v.message =
        std::string(difference) + " below " + num(m.min_effect) + ": upper bound " + num(upper);
  } else {
    v.message = "interval still includes the minimum effect: upper bound " + num(upper) +
                " >= " + num(m.min_effect);
  }
  return v;
}

comparison_verdict two_proportion(const comparison_metric& m, const comparison_data& d) {
  auto v = with(comparison_outcome::insufficient, "prop.test one-sided", "");
  const auto bc = bad_events(m, d, v);
  if (!bc) return v;
  v.n = bc->c_total;
  const double p_b = bc->b_bad / bc->b_total;
  const auto need = required_count_n(m, p_b, bc->b_total / bc->c_total);
  if (!need) return no_sample_size(std::move(v), m, p_b);
  v.required_n = *need;
  const auto x1 = as_count(bc->c_bad), n1 = as_count(bc->c_total);
  const auto x2 = as_count(bc->b_bad), n2 = as_count(bc->b_total);
  // Failure: H1 "canary's bad rate is greater", R prop.test(alternative = "greater").
  const auto worse =
      a::two_proportion_test(x1, n1, x2, n2, true, a::alternative::greater, 1.0 - m.alpha);
  // Non-inferiority: the one-sided upper bound of p_c − p_b (alternative = "less") below δ.
  const auto bound =
      a::two_proportion_test(x1, n1, x2, n2, true, a::alternative::less, 1.0 - m.alpha);
  if (worse.status != a::status::ok || bound.status != a::status::ok) {
    v.outcome = comparison_outcome::error;
    v.message = std::string(a::describe(worse.status));
    return v;
  }
  report_difference(v, m, worse.estimate1 - worse.estimate2,
                    {bound.ci_diff.lower, bound.ci_diff.upper});
  if (!std::isnan(worse.p_value)) v.p_value = worse.p_value;
  return decide(std::move(v), m, worse.p_value, bound.ci_diff.upper, "difference of rates");
}

comparison_verdict sequential_counts(const comparison_metric& m, const comparison_data& d) {
  auto v = with(comparison_outcome::insufficient, "count e-value one-sided", "");
  const auto bc = bad_events(m, d, v);
  if (!bc) return v;
  v.n = bc->c_total;
  const double share = bc->c_total / (bc->c_total + bc->b_total);
  const double p_b = bc->b_bad / bc->b_total;
  const double p_c = bc->c_bad / bc->c_total;
  v.estimate = m.direction == regression_direction::increase ? p_c - p_b : p_b - p_c;
  // statistics.md §2.2: one-sided Dirichlet–multinomial e-value on the split of bad events,
  // valid at every look (Ville), so this test may be looked at every interval.
  const auto e = a::count_log_e_value_one_sided(bc->b_bad, bc->c_bad, share);
  if (e.status != a::status::ok) {
    v.outcome = comparison_outcome::error;
    v.message = std::string(a::describe(e.status));
    return v;
  }
  v.e_value = std::exp(e.log_e);
  v.p_value = std::min(1.0, 1.0 / *v.e_value);
  // Without a rejection the step passes once the canary has the n that gives the fixed-sample
  // test `power` at δ (the e-value is less powerful than that test at equal n; documented).
  const auto need = required_count_n(m, p_b, bc->b_total / bc->c_total);
  if (need) v.required_n = *need;
  if (e.rejects(m.alpha)) {
    v.outcome = comparison_outcome::failed;
    v.message = "canary worse: e=" + num(*v.e_value) + " >= 1/alpha=" + num(1.0 / m.alpha);
    return v;
  }
  if (!need) return no_sample_size(std::move(v), m, p_b);
  if (*v.n < *need) {
    v.message = short_of(*v.n, *need);
    return v;
  }
  v.outcome = comparison_outcome::successful;
  v.message =
      "no regression shown at the required n: e=" + num(*v.e_value) + " < " + num(1.0 / m.alpha);
  return v;
}

// Sample tests work on "higher is worse": a `decrease` metric is negated.
struct arms {
  std::vector<double> canary, baseline;
  std::size_t dropped = 0;
};

arms oriented(const comparison_metric& m, const comparison_data& d) {
  arms out;
  const double s = m.direction == regression_direction::increase ? 1.0 : -1.0;
  const auto take = [&](const std::vector<double>& in, std::vector<double>& to) {
    to.reserve(in.size());
    for (const double x : in) {
      if (std::isfinite(x)) {
        to.push_back(s * x);
      } else {
        ++out.dropped;
      }
    }
  };
  take(d.canary_samples, out.canary);
  take(d.baseline_samples, out.baseline);
  return out;
}

bool too_few(comparison_verdict& v, const arms& s, std::size_t minimum) {
  v.n = static_cast<double>(s.canary.size());
  if (s.canary.size() >= minimum && s.baseline.size() >= minimum) return false;
  v.message = "too few samples: canary " + std::to_string(s.canary.size()) + ", baseline " +
              std::to_string(s.baseline.size()) +
              (s.dropped ? " (" + std::to_string(s.dropped) + " NaN/Inf dropped)" : "");
  return true;
}

// Noether's n for the rank tests (statistics.md §3.4) with p′ = P(baseline + δ > baseline′)
// estimated from the baseline itself.
std::optional<double> rank_required_n(const comparison_metric& m, const arms& s) {
  std::vector<double> shifted(s.baseline);
  for (double& x : shifted) x += m.min_effect;
  const double p_prime = a::common_language_effect_size(shifted, s.baseline);
  if (!(p_prime > 0.5) || !(p_prime < 1.0)) {
    if (p_prime >= 1.0) return 2.0;  // δ beyond the baseline's whole range: any data decides
    return std::nullopt;
  }
  const double c = static_cast<double>(s.canary.size()) /
                   static_cast<double>(s.canary.size() + s.baseline.size());
  const auto n = a::mann_whitney_n_noether(p_prime, c, m.alpha, m.power, a::sides::one);
  if (n.status != a::status::ok) return std::nullopt;
  return std::ceil(n.canary);
}

comparison_verdict mann_whitney(const comparison_metric& m, const comparison_data& d) {
  auto v = with(comparison_outcome::insufficient, "Mann-Whitney U one-sided, Hodges-Lehmann", "");
  const arms s = oriented(m, d);
  if (too_few(v, s, 2)) return v;
  const auto need = rank_required_n(m, s);
  if (!need) {
    v.message = "baseline too tied to size the test at minimum effect " + num(m.min_effect);
    return v;
  }
  v.required_n = *need;
  const auto test = a::mann_whitney_u(s.canary, s.baseline, a::alternative::greater);
  const auto shift =
      a::hodges_lehmann_shift(s.canary, s.baseline, 1.0 - m.alpha, a::alternative::less);
  if (test.status != a::status::ok || shift.status != a::status::ok) {
    v.message = std::string(a::describe(test.status != a::status::ok ? test.status : shift.status));
    return v;  // all tied: no rank evidence either way
  }
  v.p_value = test.p_value;
  report_difference(v, m, shift.estimate, shift.ci);
  return decide(std::move(v), m, test.p_value, shift.ci.upper, "shift");
}

comparison_verdict welch(const comparison_metric& m, const comparison_data& d) {
  auto v = with(comparison_outcome::insufficient, "Welch t one-sided", "");
  const arms s = oriented(m, d);
  if (too_few(v, s, 2)) return v;
  const auto sc = a::summarize(s.canary);
  const auto sb = a::summarize(s.baseline);
  const auto n =
      a::welch_n(m.min_effect, std::sqrt(sc.variance), std::sqrt(sb.variance), m.alpha, m.power,
                 static_cast<double>(s.baseline.size()) / static_cast<double>(s.canary.size()));
  if (n.status != a::status::ok || !std::isfinite(n.canary)) {
    v.message = "no sample size: " + std::string(a::describe(n.status));
    return v;
  }
  v.required_n = std::max(2.0, std::ceil(n.canary));
  const auto worse = a::welch_t_test(s.canary, s.baseline, a::alternative::greater, 1.0 - m.alpha);
  const auto bound = a::welch_t_test(s.canary, s.baseline, a::alternative::less, 1.0 - m.alpha);
  if (worse.status != a::status::ok) {
    v.message = std::string(a::describe(worse.status));
    return v;
  }
  v.p_value = worse.p_value;
  report_difference(v, m, worse.estimate, bound.ci);
  return decide(std::move(v), m, worse.p_value, bound.ci.upper, "mean difference");
}

comparison_verdict quantile(const comparison_metric& m, const comparison_data& d) {
  auto v = with(comparison_outcome::insufficient, "quantile test (sequential, exceedance)", "");
  const arms s = oriented(m, d);
  if (too_few(v, s, 2)) return v;
  std::vector<double> sb(s.baseline);
  std::sort(sb.begin(), sb.end());
  const double q = m.quantile;
  const double b_q = a::percentile_r7_sorted(sb, 100.0 * q);
  const double c_q = a::percentile_r7(s.canary, 100.0 * q);
  v.estimate = (m.direction == regression_direction::increase ? 1.0 : -1.0) * (c_q - b_q);
  // statistics.md §3.5: a shift δ of the canary moves its exceedance of the baseline quantile
  // from p0 = 1 − q to p1 = P(baseline > b_q − δ), estimated from the baseline.
  const double p0 = 1.0 - q;
  const auto above = [](const std::vector<double>& sorted, double t) {
    return static_cast<double>(sorted.end() - std::upper_bound(sorted.begin(), sorted.end(), t));
  };
  const double p1 = above(sb, b_q - m.min_effect) / static_cast<double>(sb.size());
  if (!(p1 > p0)) {
    v.message = "baseline too coarse to size the test at minimum effect " + num(m.min_effect);
    return v;
  }
  const auto need = a::quantile_exceedance_n(p0, std::min(p1, 1.0 - 1e-9), m.alpha, m.power);
  if (need.status != a::status::ok) {
    v.outcome = comparison_outcome::error;
    v.message = std::string(a::describe(need.status));
    return v;
  }
  v.required_n = static_cast<double>(need.n_ceil);
  // Failure: the anytime-valid quantile A/B test (Howard & Ramdas 2022) at 2α two-sided, i.e. α
  // in the direction of a regression.
  const auto ab = a::quantile_ab_p_value(s.canary, s.baseline, q, *v.required_n, 2.0 * m.alpha);
  if (ab.status != a::status::ok) {
    v.message = std::string(a::describe(ab.status));
    return v;
  }
  v.p_value = std::min(1.0, ab.p_value / 2.0);
  if (ab.p_value < 2.0 * m.alpha && c_q > b_q) {
    v.outcome = comparison_outcome::failed;
    v.message = "canary's q" + num(q) + " above the baseline's: p=" + num(*v.p_value);
    return v;
  }
  // Non-inferiority: Clopper–Pearson upper bound of the canary's exceedance of b_q + δ below
  // 1 − q, i.e. the canary's q-quantile is below b_q + δ.
  std::vector<double> sc(s.canary);
  std::sort(sc.begin(), sc.end());
  const auto k = as_count(above(sc, b_q + m.min_effect));
  const auto bt = a::binomial_exact_test(k, static_cast<std::int64_t>(sc.size()), p0,
                                         a::alternative::less, 1.0 - m.alpha);
  if (*v.n < *v.required_n) {
    v.message = short_of(*v.n, *v.required_n);
    return v;
  }
  if (bt.status == a::status::ok && bt.ci.upper < p0) {
    v.outcome = comparison_outcome::successful;
    v.message = "canary's q" + num(q) + " below baseline's + " + num(m.min_effect) +
                ": exceedance upper bound " + num(bt.ci.upper) + " < " + num(p0);
  } else {
    v.message = "exceedance upper bound " + num(bt.ci.upper) + " >= " + num(p0);
  }
  return v;
}

comparison_verdict kayenta(const comparison_metric& m, const comparison_data& d) {
  auto v = with(comparison_outcome::insufficient, "Kayenta judge (Mann-Whitney)", "");
  const bool inc = m.direction == regression_direction::increase;
  // The judge's effect sizes are ratios of means: it sees the raw (positive) values and is told
  // which direction is a regression.
  a::kayenta_metric_config cfg;
  cfg.direction = inc ? a::kayenta_direction::increase : a::kayenta_direction::decrease;
  cfg.conf_level = 1.0 - m.alpha;
  const auto r = a::kayenta_classify(d.canary_samples, d.baseline_samples, cfg);
  const arms s = oriented(m, d);
  v.n = static_cast<double>(s.canary.size());
  if (!std::isnan(r.estimate)) {
    v.estimate = r.estimate;
    v.interval_low = r.ci.lower;
    v.interval_high = r.ci.upper;
  }
  v.message = r.reason;
  switch (r.label) {
    case a::kayenta_label::nodata:
      return v;
    case a::kayenta_label::error:
      v.outcome = comparison_outcome::error;
      return v;
    case a::kayenta_label::nodata_fail:
      v.outcome = comparison_outcome::failed;
      return v;
    case a::kayenta_label::high:
    case a::kayenta_label::low:
      if ((r.label == a::kayenta_label::high) == inc) {
        v.outcome = comparison_outcome::failed;
        return v;
      }
      break;  // better than the baseline
    default:
      break;
  }
  // Pass decides only past the rank test's sample size.
  const auto need = rank_required_n(m, s);
  if (!need) {
    v.message = "baseline too tied to size the test at minimum effect " + num(m.min_effect);
    return v;
  }
  v.required_n = *need;
  if (*v.n < *need) {
    v.message = short_of(*v.n, *need) + "; judge says " + std::string(a::to_string(r.label));
    return v;
  }
  v.outcome = comparison_outcome::successful;
  return v;
}

}  // namespace

std::string_view comparison_test_name(comparison_test t) { return detail::name_in(test_names, t); }
std::optional<comparison_test> parse_comparison_test(std::string_view name) {
  return detail::value_in(test_names, name);
}
std::string_view regression_direction_name(regression_direction d) {
  return detail::name_in(direction_names, d);
}
std::optional<regression_direction> parse_regression_direction(std::string_view name) {
  return detail::value_in(direction_names, name);
}
std::string_view sample_size_model_name(sample_size_model m) {
  return detail::name_in(model_names, m);
}
std::optional<sample_size_model> parse_sample_size_model(std::string_view name) {
  return detail::value_in(model_names, name);
}
std::string_view insufficient_resolution_name(insufficient_resolution r) {
  return detail::name_in(resolution_names, r);
}
std::optional<insufficient_resolution> parse_insufficient_resolution(std::string_view name) {
  return detail::value_in(resolution_names, name);
}
std::string_view comparison_outcome_name(comparison_outcome o) {
  return detail::name_in(outcome_names, o);
}

namespace {

comparison_verdict run_test(const comparison_metric& m, const comparison_data& data) {
  switch (m.test) {
    case comparison_test::two_proportion:
      return two_proportion(m, data);
    case comparison_test::sequential_counts:
      return sequential_counts(m, data);
    case comparison_test::mann_whitney:
      return mann_whitney(m, data);
    case comparison_test::kayenta:
      return kayenta(m, data);
    case comparison_test::quantile:
      return quantile(m, data);
    case comparison_test::welch:
      return welch(m, data);
  }
  return with(comparison_outcome::error, "?", "unknown test");
}

}  // namespace

comparison_verdict compare(const comparison_metric& m, const comparison_data& data) {
  if (const auto bad = validate_comparison(m, "compare")) {
    return with(comparison_outcome::error, std::string(comparison_test_name(m.test)), *bad);
  }
  auto v = run_test(m, data);
  v.alpha = m.alpha;
  return v;
}

std::optional<std::string> validate_comparison(const comparison_metric& m, std::string_view where) {
  const std::string at(where);
  if (!(m.alpha > 0.0 && m.alpha < 0.5)) {
    return at + ".alpha: must be in (0, 0.5), got " + num(m.alpha);
  }
  if (!(m.power > 0.5 && m.power < 1.0)) {
    return at + ".power: must be in (0.5, 1), got " + num(m.power);
  }
  if (!(m.min_effect > 0.0) || !std::isfinite(m.min_effect)) {
    return at + ".minEffect: must be a positive number, got " + num(m.min_effect);
  }
  const bool counts =
      m.test == comparison_test::two_proportion || m.test == comparison_test::sequential_counts;
  if (counts && !(m.min_effect < 1.0)) {
    return at + ".minEffect: a difference of proportions must be below 1, got " + num(m.min_effect);
  }
  if (m.test == comparison_test::quantile && !(m.quantile > 0.0 && m.quantile < 1.0)) {
    return at + ".quantile: must be in (0, 1), got " + num(m.quantile);
  }
  if (m.max_time && m.max_time->count() <= 0) return at + ".maxTime: must be positive";
  return std::nullopt;
}

}  // namespace floodgate::core
