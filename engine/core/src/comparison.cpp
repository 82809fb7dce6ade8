#include <floodgate/core/comparison.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <floodgate/analysis/batch.hpp>
#include <floodgate/analysis/descriptive.hpp>
#include <floodgate/analysis/kayenta.hpp>
#include <floodgate/analysis/mann_whitney.hpp>
#include <floodgate/analysis/proportion_tests.hpp>
#include <floodgate/analysis/sample_size.hpp>
#include <floodgate/analysis/sequential.hpp>
#include <floodgate/analysis/welch.hpp>
#include <floodgate/core/value.hpp>
#include <limits>
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

constexpr double a_nan = std::numeric_limits<double>::quiet_NaN();

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

// The two_sample model's answer as the gate's n: its canary n rounded up, or nothing where the
// model has none (p_baseline + δ not below 1; NaN, infinite n).
std::optional<double> two_sample_required(const comparison_metric& m, double p_baseline,
                                          double canary_n) {
  if (!(p_baseline + m.min_effect < 1.0) || !std::isfinite(canary_n)) return std::nullopt;
  return std::ceil(canary_n);
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
  return two_sample_required(m, p_baseline, n.status == a::status::ok ? n.canary : a_nan);
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

// What the statistics of a count look give, from the scalar functions (one look) or the batch
// kernels (compare_batch), which compute the same bits.
struct count_stats {
  std::optional<double> required;  ///< the sample-size model's canary n, rounded up
  // two_proportion: prop.test "greater" (its p-value and p_c − p_b) and "less" (its interval)
  a::status prop_status = a::status::ok;  ///< the first of the two that failed, or ok
  double difference = a_nan, p_value = a_nan, lower = a_nan, upper = a_nan;
  double log_e = a_nan;  ///< sequential_counts: the one-sided e-value (status ok)
};

// A count look after its checks: the bad events and the baseline's rate.
struct count_look {
  bad_counts bc;
  double p_b;
  double ratio;  ///< baseline requests per canary request
};

std::optional<count_look> begin_count_look(const comparison_metric& m, const comparison_data& d,
                                           comparison_verdict& v) {
  const auto bc = bad_events(m, d, v);
  if (!bc) return std::nullopt;
  v.n = bc->c_total;
  return count_look{*bc, bc->b_bad / bc->b_total, bc->b_total / bc->c_total};
}

constexpr const char* two_proportion_statistic = "prop.test one-sided";
constexpr double count_prior_k = 100.0;  // the e-value's prior concentration (savvi's default)
constexpr const char* sequential_statistic = "count e-value one-sided";

comparison_verdict finish_two_proportion(comparison_verdict v, const comparison_metric& m,
                                         const count_look& look, const count_stats& s) {
  if (!s.required) return no_sample_size(std::move(v), m, look.p_b);
  v.required_n = *s.required;
  if (s.prop_status != a::status::ok) {
    v.outcome = comparison_outcome::error;
    v.message = std::string(a::describe(s.prop_status));
    return v;
  }
  report_difference(v, m, s.difference, {s.lower, s.upper});
  if (!std::isnan(s.p_value)) v.p_value = s.p_value;
  return decide(std::move(v), m, s.p_value, s.upper, "difference of rates");
}

comparison_verdict two_proportion(const comparison_metric& m, const comparison_data& d) {
  auto v = with(comparison_outcome::insufficient, two_proportion_statistic, "");
  const auto look = begin_count_look(m, d, v);
  if (!look) return v;
  count_stats s;
  s.required = required_count_n(m, look->p_b, look->ratio);
  if (!s.required) return finish_two_proportion(std::move(v), m, *look, s);
  const auto& bc = look->bc;
  const auto x1 = as_count(bc.c_bad), n1 = as_count(bc.c_total);
  const auto x2 = as_count(bc.b_bad), n2 = as_count(bc.b_total);
  // Failure: H1 "canary's bad rate is greater", R prop.test(alternative = "greater").
  const auto worse =
      a::two_proportion_test(x1, n1, x2, n2, true, a::alternative::greater, 1.0 - m.alpha);
  // Non-inferiority: the one-sided upper bound of p_c − p_b (alternative = "less") below δ.
  const auto bound =
      a::two_proportion_test(x1, n1, x2, n2, true, a::alternative::less, 1.0 - m.alpha);
  s.prop_status = worse.status != a::status::ok ? worse.status : bound.status;
  s.difference = worse.estimate1 - worse.estimate2;
  s.p_value = worse.p_value;
  s.lower = bound.ci_diff.lower;
  s.upper = bound.ci_diff.upper;
  return finish_two_proportion(std::move(v), m, *look, s);
}

// The sequential verdict from a valid e-value (statistics.md §2.2: one-sided Dirichlet–multinomial
// e-value on the split of bad events, valid at every look by Ville's inequality, so this test may
// be looked at every interval).
comparison_verdict finish_sequential(comparison_verdict v, const comparison_metric& m,
                                     const count_look& look, const count_stats& s) {
  v.e_value = std::exp(s.log_e);
  v.p_value = std::min(1.0, 1.0 / *v.e_value);
  // Without a rejection the step passes once the canary has the n that gives the fixed-sample
  // test `power` at δ (the e-value is less powerful than that test at equal n; documented).
  if (s.required) v.required_n = *s.required;
  if (s.log_e >= std::log(1.0 / m.alpha)) {  // e_value_result::rejects
    v.outcome = comparison_outcome::failed;
    v.message = "canary worse: e=" + num(*v.e_value) + " >= 1/alpha=" + num(1.0 / m.alpha);
    return v;
  }
  if (!s.required) return no_sample_size(std::move(v), m, look.p_b);
  if (*v.n < *s.required) {
    v.message = short_of(*v.n, *s.required);
    return v;
  }
  v.outcome = comparison_outcome::successful;
  v.message =
      "no regression shown at the required n: e=" + num(*v.e_value) + " < " + num(1.0 / m.alpha);
  return v;
}

// The canary's share of the traffic, and the estimate p_c − p_b oriented as the metric is.
double canary_share(const bad_counts& bc) { return bc.c_total / (bc.c_total + bc.b_total); }
void report_rates(comparison_verdict& v, const comparison_metric& m, const count_look& look) {
  const double p_c = look.bc.c_bad / look.bc.c_total;
  v.estimate = m.direction == regression_direction::increase ? p_c - look.p_b : look.p_b - p_c;
}

comparison_verdict sequential_counts(const comparison_metric& m, const comparison_data& d) {
  auto v = with(comparison_outcome::insufficient, sequential_statistic, "");
  const auto look = begin_count_look(m, d, v);
  if (!look) return v;
  report_rates(v, m, *look);
  const auto e = a::count_log_e_value_one_sided(look->bc.b_bad, look->bc.c_bad,
                                                canary_share(look->bc), count_prior_k);
  if (e.status != a::status::ok) {
    v.outcome = comparison_outcome::error;
    v.message = std::string(a::describe(e.status));
    return v;
  }
  count_stats s;
  s.log_e = e.log_e;
  s.required = required_count_n(m, look->p_b, look->ratio);
  return finish_sequential(std::move(v), m, *look, s);
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

namespace {

// One group of count looks of compare_batch: looks of one test at one α and power, their inputs
// as the batch kernels take them (structure of arrays), and where each verdict goes.
struct count_group {
  comparison_test test = comparison_test::two_proportion;
  double alpha = 0.0;
  double power = 0.0;
  std::vector<std::size_t> at;              ///< the look's index in the batch
  std::vector<comparison_verdict> started;  ///< each verdict as its checks left it
  std::vector<count_look> looks;
  std::vector<double> c_bad, c_total, b_bad, b_total, share, p_canary, p_baseline, ratio;

  void add(std::size_t i, const comparison_metric& m, comparison_verdict v,
           const count_look& look) {
    at.push_back(i);
    started.push_back(std::move(v));
    looks.push_back(look);
    const auto& bc = look.bc;
    // prop.test takes whole counts (two_proportion's as_count), the e-value the counts as they are.
    const bool whole = test == comparison_test::two_proportion;
    const auto count = [whole](double x) { return whole ? static_cast<double>(as_count(x)) : x; };
    c_bad.push_back(count(bc.c_bad));
    c_total.push_back(count(bc.c_total));
    b_bad.push_back(count(bc.b_bad));
    b_total.push_back(count(bc.b_total));
    share.push_back(canary_share(bc));
    p_canary.push_back(look.p_b + m.min_effect);
    p_baseline.push_back(look.p_b);
    ratio.push_back(look.ratio);
  }
};

// Whether compare_batch runs a look through the batch kernels: a valid count test with the
// two_sample model (the quick model and the sample tests go one by one, through compare()).
bool batched(const comparison_metric& m) {
  return (m.test == comparison_test::two_proportion ||
          m.test == comparison_test::sequential_counts) &&
         m.model == sample_size_model::two_sample && !validate_comparison(m, "compare");
}

void run_group(count_group& g, std::span<const comparison_metric* const> metrics,
               std::span<const comparison_data* const> data, std::span<comparison_verdict> out) {
  const std::size_t k = g.at.size();
  std::vector<double> required(k);
  a::two_proportion_n_batch(g.p_canary, g.p_baseline, g.ratio, g.alpha, g.power, a::sides::one,
                            required);
  std::vector<count_stats> stats(k);
  for (std::size_t j = 0; j < k; ++j) {
    stats[j].required = two_sample_required(*metrics[g.at[j]], g.p_baseline[j], required[j]);
  }
  if (g.test == comparison_test::two_proportion) {
    // "greater" gives the p-value and the difference, "less" the interval (as two_proportion).
    std::vector<double> difference(k), p(k), lower(k), upper(k), unused_a(k), unused_b(k);
    a::prop_test_batch(g.c_bad, g.c_total, g.b_bad, g.b_total, true, a::alternative::greater,
                       1.0 - g.alpha, difference, p, unused_a, unused_b);
    a::prop_test_batch(g.c_bad, g.c_total, g.b_bad, g.b_total, true, a::alternative::less,
                       1.0 - g.alpha, unused_a, unused_b, lower, upper);
    for (std::size_t j = 0; j < k; ++j) {
      const std::size_t i = g.at[j];
      stats[j].difference = difference[j];
      stats[j].p_value = p[j];
      stats[j].lower = lower[j];
      stats[j].upper = upper[j];
      out[i] = finish_two_proportion(std::move(g.started[j]), *metrics[i], g.looks[j], stats[j]);
    }
    return;
  }
  std::vector<double> log_e(k);
  a::count_log_e_value_one_sided_batch(g.b_bad, g.c_bad, g.share, count_prior_k, log_e);
  for (std::size_t j = 0; j < k; ++j) {
    const std::size_t i = g.at[j];
    if (std::isnan(log_e[j])) {  // the scalar function says why (or that it is NaN, and valid)
      out[i] = compare(*metrics[i], *data[i]);
      continue;
    }
    stats[j].log_e = log_e[j];
    auto& v = g.started[j];
    report_rates(v, *metrics[i], g.looks[j]);
    out[i] = finish_sequential(std::move(v), *metrics[i], g.looks[j], stats[j]);
  }
}

}  // namespace

void compare_batch(std::span<const comparison_metric* const> metrics,
                   std::span<const comparison_data* const> data,
                   std::span<comparison_verdict> verdicts) {
  std::vector<count_group> groups;
  for (std::size_t i = 0; i < metrics.size(); ++i) {
    const comparison_metric& m = *metrics[i];
    if (!batched(m)) {
      verdicts[i] = compare(m, *data[i]);
      continue;
    }
    auto v = with(
        comparison_outcome::insufficient,
        m.test == comparison_test::two_proportion ? two_proportion_statistic : sequential_statistic,
        "");
    v.alpha = m.alpha;  // as compare() sets it; every finishing step keeps it
    const auto look = begin_count_look(m, *data[i], v);
    if (!look) {  // no usable counts: decided by the checks alone
      verdicts[i] = std::move(v);
      continue;
    }
    auto g = std::find_if(groups.begin(), groups.end(), [&](const count_group& x) {
      return x.test == m.test && x.alpha == m.alpha && x.power == m.power;
    });
    if (g == groups.end()) {
      g = groups.insert(groups.end(), count_group{});
      g->test = m.test;
      g->alpha = m.alpha;
      g->power = m.power;
    }
    g->add(i, m, std::move(v), *look);
  }
  for (auto& g : groups) run_group(g, metrics, data, verdicts);
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
