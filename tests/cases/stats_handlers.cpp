#include "stats_handlers.hpp"

#include <cmath>
#include <stdexcept>

#include <floodgate/analysis/descriptive.hpp>
#include <floodgate/analysis/kayenta.hpp>
#include <floodgate/analysis/mann_whitney.hpp>
#include <floodgate/analysis/proportion_tests.hpp>
#include <floodgate/analysis/sample_size.hpp>
#include <floodgate/analysis/sequential.hpp>
#include <floodgate/analysis/welch.hpp>

namespace floodgate::cases {
namespace {

namespace fa = floodgate::analysis;

fa::alternative alt_of(const json& in, const char* key = "alternative") {
  const std::string a = in.value(key, "two-sided");
  if (a == "two-sided" || a == "two.sided" || a == "2s") return fa::alternative::two_sided;
  if (a == "less" || a == "smaller") return fa::alternative::less;
  if (a == "greater" || a == "larger") return fa::alternative::greater;
  throw std::invalid_argument("unknown alternative \"" + a + "\"");
}

fa::sides sides_of(const json& in) {
  const std::string a = in.value("alternative", "two-sided");
  if (a == "two-sided" || a == "two.sided" || a == "2s") return fa::sides::two;
  if (a == "one.sided" || a == "one-sided" || a == "greater" || a == "less" || a == "larger" ||
      a == "smaller") {
    return fa::sides::one;
  }
  throw std::invalid_argument("unknown alternative \"" + a + "\"");
}

double num(const json& in, const char* key) { return number(in.at(key)); }
double num_or(const json& in, const char* key, double fallback) {
  return in.contains(key) ? number(in.at(key)) : fallback;
}
std::int64_t count(const json& v) {
  const double d = number(v);
  if (d != std::floor(d)) throw std::invalid_argument("expected an integer count");
  return static_cast<std::int64_t>(d);
}

json error(fa::status s) { return {{"error", std::string(fa::describe(s))}}; }
json pair(fa::interval i) { return json::array({i.lower, i.upper}); }
// JSON cannot hold NaN/Inf: encode them as the case files do.
json enc(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  return v;
}
json enc_pair(fa::interval i) { return json::array({enc(i.lower), enc(i.upper)}); }

fa::kayenta_label label_of(const std::string& s) {
  if (s == "Pass") return fa::kayenta_label::pass;
  if (s == "High") return fa::kayenta_label::high;
  if (s == "Low") return fa::kayenta_label::low;
  if (s == "NodataFailMetric") return fa::kayenta_label::nodata_fail;
  if (s == "Nodata") return fa::kayenta_label::nodata;
  if (s == "Error") return fa::kayenta_label::error;
  throw std::invalid_argument("unknown Kayenta label \"" + s + "\"");
}

fa::kayenta_metric_config kayenta_config(const json& in) {
  fa::kayenta_metric_config c;
  c.tolerance = num_or(in, "tolerance", 0.25);
  c.conf_level = num_or(in, "conf_level", 0.98);
  const std::string measure = in.value("effect_size_measure", "meanRatio");
  c.effect_measure =
      measure == "cles" ? fa::kayenta_effect_measure::cles : fa::kayenta_effect_measure::mean_ratio;
  const double dflt = c.effect_measure == fa::kayenta_effect_measure::cles ? 0.5 : 1.0;
  const json es = in.value("effect_size_thresholds", json::array({dflt, dflt}));
  c.allowed_decrease = number(es.at(0));
  c.allowed_increase = number(es.at(1));
  const json cs = in.value("critical_thresholds", es);
  c.critical_decrease = number(cs.at(0));
  c.critical_increase = number(cs.at(1));
  std::string dir = in.value("direction", "either");
  for (auto& ch : dir) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  c.direction = dir == "increase"   ? fa::kayenta_direction::increase
                : dir == "decrease" ? fa::kayenta_direction::decrease
                                    : fa::kayenta_direction::either;
  std::string nan = in.value("nan_strategy", "remove");
  for (auto& ch : nan) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  c.nan_strategy =
      nan == "replace" ? fa::kayenta_nan_strategy::replace : fa::kayenta_nan_strategy::remove;
  c.critical = in.value("is_critical", false);
  c.must_have_data = in.value("must_have_data", false);
  return c;
}

std::map<std::string, handler> make() {
  std::map<std::string, handler> h;

  h["sample_size_one_proportion"] = [](const json& in) -> json {
    const auto r = fa::one_proportion_n(num(in, "p"), num(in, "delta"), num(in, "confidence"));
    if (r.status != fa::status::ok) return error(r.status);
    json out = {{"z", r.z}, {"n", r.n}, {"n_ceil", r.n_ceil}, {"n_required", r.n_required}};
    if (in.contains("canary_share")) {
      out["duration_s"] =
          fa::duration_for_requests(r.n, num(in, "canary_share"), num(in, "total_rps"));
    }
    return out;
  };
  h["two_proportion_power_n_pooled"] = [](const json& in) -> json {
    return {{"n", fa::two_proportion_n_pooled(num(in, "p1"), num(in, "p2"), num(in, "alpha"),
                                              num(in, "power"), sides_of(in),
                                              in.value("strict", false))}};
  };
  h["two_proportion_power"] = [](const json& in) -> json {
    return {{"power",
             fa::two_proportion_power(num(in, "n"), num(in, "p1"), num(in, "p2"), num(in, "alpha"),
                                      sides_of(in), in.value("strict", false))}};
  };
  h["two_proportion_mde_p2"] = [](const json& in) -> json {
    return {{"p2", fa::two_proportion_mde_p2(num(in, "n"), num(in, "p1"), num(in, "alpha"),
                                             num(in, "power"), sides_of(in))}};
  };
  h["two_proportion_n_closed_forms"] = [](const json& in) -> json {
    const double p1 = num(in, "p1");
    const double p2 = num(in, "p2");
    const double a = num(in, "alpha");
    const double pw = num(in, "power");
    const auto s = sides_of(in);
    return {{"n_pooled", fa::two_proportion_n_pooled(p1, p2, a, pw, s)},
            {"n_unpooled", fa::two_proportion_n_unpooled(p1, p2, a, pw, s)},
            {"n_fleiss_cc", fa::two_proportion_n_fleiss(p1, p2, a, pw, s)}};
  };
  h["two_proportion_power_n_ratio"] = [](const json& in) -> json {
    const double p2 = num(in, "prop2");
    const auto r = fa::two_proportion_n_ratio(p2 + num(in, "diff"), p2, num(in, "alpha"),
                                              num(in, "power"), num(in, "ratio"), sides_of(in));
    if (r.status != fa::status::ok) return error(r.status);
    return {{"nobs1", r.canary}, {"nobs2", r.baseline}};
  };
  h["two_proportion_power_ratio"] = [](const json& in) -> json {
    const double p2 = num(in, "prop2");
    return {{"power",
             fa::two_proportion_power_ratio(num(in, "nobs1"), p2 + num(in, "diff"), p2,
                                            num(in, "alpha"), num(in, "ratio"), sides_of(in))}};
  };
  h["two_proportion_power_n_cohen_h"] = [](const json& in) -> json {
    const double hh = fa::cohen_h(num(in, "p1"), num(in, "p2"));
    return {{"cohen_h", hh},
            {"nobs1", fa::two_proportion_n_cohen_h(hh, num(in, "alpha"), num(in, "power"),
                                                   num_or(in, "ratio", 1.0), sides_of(in))}};
  };
  h["t_test_power_n"] = [](const json& in) -> json {
    if (in.value("type", "two.sample") != "two.sample") {
      throw std::invalid_argument("only type two.sample is implemented");
    }
    return {{"n", fa::t_test_n(num(in, "delta"), num(in, "sd"), num(in, "alpha"), num(in, "power"),
                               sides_of(in))}};
  };
  h["welch_n_normal_approx"] = [](const json& in) -> json {
    const auto r = fa::welch_n(num(in, "delta"), num(in, "sd1"), num(in, "sd2"), num(in, "alpha"),
                               num(in, "power"), num_or(in, "ratio", 1.0));
    if (r.status != fa::status::ok) return error(r.status);
    return {{"n1", r.canary}, {"n2", r.baseline}};
  };
  h["welch_t"] = [](const json& in) -> json {
    const auto x = sample(in.at("x"));
    const auto y = sample(in.at("y"));
    const auto r = fa::welch_t_test(x, y, alt_of(in), num_or(in, "conf_level", 0.95));
    if (r.status != fa::status::ok) return error(r.status);
    return {{"t", r.t}, {"df", r.df}, {"p_value", r.p_value}, {"ci", enc_pair(r.ci)}};
  };
  h["mann_whitney_u"] = [](const json& in) -> json {
    const auto x = sample(in.at("x"));
    const auto y = sample(in.at("y"));
    if (in.value("method", "asymptotic") == "exact") {
      const auto r = fa::mann_whitney_u_exact(x, y, alt_of(in));
      if (r.status != fa::status::ok) return error(r.status);
      return {{"U1", r.u1}, {"p_value", r.p_value}};
    }
    const auto r = fa::mann_whitney_u(x, y, alt_of(in), in.value("continuity", true));
    if (r.status != fa::status::ok && r.status != fa::status::all_tied) return error(r.status);
    return {{"U1", r.u1}, {"p_value", enc(r.p_value)}};
  };
  h["mann_whitney_u_exact"] = [](const json& in) -> json {
    const auto r = fa::mann_whitney_u_exact(sample(in.at("x")), sample(in.at("y")), alt_of(in));
    if (r.status != fa::status::ok) return error(r.status);
    return {{"U1", r.u1}, {"p_value", r.p_value}};
  };
  h["mann_whitney_shift_ci"] = [](const json& in) -> json {
    // A case that states R's root tolerance asks for R's root-finding (Kayenta-compatible mode).
    const auto mode = in.contains("tol_root") ? fa::shift_ci_mode::kayenta_compat
                                              : fa::shift_ci_mode::exact_selection;
    const auto r = fa::hodges_lehmann_shift(sample(in.at("x")), sample(in.at("y")),
                                            num_or(in, "conf_level", 0.95), alt_of(in),
                                            in.value("correct", true), mode);
    if (r.status != fa::status::ok) return error(r.status);
    return {{"ci", enc_pair(r.ci)},
            {"estimate", r.estimate},
            {"U1", r.u1},
            {"p_value", enc(r.p_value)}};
  };
  h["mann_whitney_shift_ci_exact"] = [](const json& in) -> json {
    const auto r = fa::hodges_lehmann_shift_exact(sample(in.at("x")), sample(in.at("y")),
                                                  num_or(in, "conf_level", 0.95), alt_of(in));
    if (r.status != fa::status::ok) return error(r.status);
    return {{"ci", enc_pair(r.ci)}, {"estimate", r.estimate}};
  };
  h["binomial_exact"] = [](const json& in) -> json {
    const auto r = fa::binomial_exact_test(count(in.at("x")), count(in.at("n")), num(in, "p"),
                                           alt_of(in), num_or(in, "conf_level", 0.95));
    if (r.status != fa::status::ok) return error(r.status);
    return {{"p_value", r.p_value}, {"ci_clopper_pearson", pair(r.ci)}, {"estimate", r.estimate}};
  };
  h["two_proportion_test"] = [](const json& in) -> json {
    const auto& x = in.at("x");
    const auto& n = in.at("n");
    const auto r = fa::two_proportion_test(count(x.at(0)), count(n.at(0)), count(x.at(1)),
                                           count(n.at(1)), in.value("correct", true), alt_of(in),
                                           num_or(in, "conf_level", 0.95));
    if (r.status != fa::status::ok) return error(r.status);
    return {{"chi_squared", enc(r.statistic)},
            {"p_value", enc(r.p_value)},
            {"ci_diff", enc_pair(r.ci_diff)}};
  };
  h["two_proportion_ztest_pooled"] = [](const json& in) -> json {
    const auto& x = in.at("x");
    const auto& n = in.at("n");
    const auto r = fa::two_proportion_z_test(count(x.at(0)), count(n.at(0)), count(x.at(1)),
                                             count(n.at(1)), true, alt_of(in));
    if (r.status != fa::status::ok) return error(r.status);
    return {{"z", r.z}, {"p_value", r.p_value}};
  };
  h["fisher_exact"] = [](const json& in) -> json {
    const auto& t = in.at("table");
    const auto r =
        fa::fisher_exact_test(count(t.at(0).at(0)), count(t.at(0).at(1)), count(t.at(1).at(0)),
                              count(t.at(1).at(1)), alt_of(in), num_or(in, "conf_level", 0.95));
    if (r.status != fa::status::ok) return error(r.status);
    return {
        {"p_value", r.p_value}, {"odds_ratio_cond_mle", enc(r.odds_ratio)}, {"ci", enc_pair(r.ci)}};
  };
  h["poisson_rate_ratio_test"] = [](const json& in) -> json {
    const auto& c = in.at("counts");
    const auto& e = in.at("exposure");
    const auto r =
        fa::poisson_rate_ratio_test(count(c.at(0)), number(e.at(0)), count(c.at(1)),
                                    number(e.at(1)), alt_of(in), num_or(in, "conf_level", 0.95));
    if (r.status != fa::status::ok) return error(r.status);
    return {{"p_value", r.p_value}, {"rate_ratio", r.rate_ratio}, {"ci", enc_pair(r.ci)}};
  };
  h["mann_whitney_n_noether"] = [](const json& in) -> json {
    const auto r = fa::mann_whitney_n_noether(num(in, "p_prime"), num(in, "canary_fraction"),
                                              num(in, "alpha"), num(in, "power"), sides_of(in));
    if (r.status != fa::status::ok) return error(r.status);
    return {{"N_total", r.total}, {"n_canary", r.canary}, {"n_baseline", r.baseline}};
  };
  h["quantile_exceedance_n"] = [](const json& in) -> json {
    const auto r = fa::quantile_exceedance_n(num(in, "p0_exceed"), num(in, "p1_exceed"),
                                             num(in, "alpha"), num(in, "power"));
    if (r.status != fa::status::ok) return error(r.status);
    return {{"n_normal_approx", r.n},
            {"n_ceil", r.n_ceil},
            {"exact_critical_count", r.critical_count},
            {"exact_size", r.exact_size},
            {"exact_power", r.exact_power}};
  };
  h["quantile_shift_n_density"] = [](const json& in) -> json {
    if (in.value("dist", "lognormal") != "lognormal") {
      throw std::invalid_argument("only the lognormal density form is implemented");
    }
    const auto r = fa::quantile_shift_n_lognormal(num(in, "median_ms"), num(in, "sigma_log"),
                                                  num(in, "quantile"), num(in, "delta_ms"),
                                                  num(in, "alpha"), num(in, "power"));
    if (r.status != fa::status::ok) return error(r.status);
    return {{"q", r.quantile_value}, {"density_at_q", r.density}, {"n_per_arm", r.n_per_arm}};
  };
  h["sequential_multinomial_log_bf"] = [](const json& in) -> json {
    const auto counts = sample(in.at("counts"));
    const auto rho = sample(in.at("rho"));
    const auto r = fa::multinomial_log_e_value(counts, rho, num_or(in, "k", 100.0));
    if (r.status != fa::status::ok) return error(r.status);
    const double alpha = num_or(in, "alpha", 0.05);
    double stopping_n = 0.0;
    for (double c : counts) stopping_n += c;
    return {{"log_bf", r.log_e},
            {"e_value", std::exp(r.log_e)},
            {"reject_at_alpha", r.rejects(alpha)},
            {"p_value", std::min(1.0, std::exp(-r.log_e))},
            {"stopping_n", stopping_n}};
  };
  h["sequential_count_log_bf_one_sided"] = [](const json& in) -> json {
    const auto r =
        fa::count_log_e_value_one_sided(num(in, "baseline_events"), num(in, "canary_events"),
                                        num(in, "canary_share"), num_or(in, "k", 100.0));
    if (r.status != fa::status::ok) return error(r.status);
    return {{"log_bf", r.log_e}, {"reject_at_alpha", r.rejects(num_or(in, "alpha", 0.05))}};
  };
  h["sequential_count_log_bf_delta_mixture"] = [](const json& in) -> json {
    std::vector<fa::count_batch> batches;
    for (const auto& b : in.at("batches")) {
      batches.push_back(
          {num(b, "baseline_events"), num(b, "canary_events"), num(b, "canary_share")});
    }
    const auto& p = in.at("prior");
    fa::delta_prior prior;
    const std::string shape = p.value("delta", "normal");
    if (shape == "half_normal" || shape == "halfnormal") {
      prior.shape = fa::delta_prior::kind::half_normal;
    } else if (shape != "normal") {
      throw std::invalid_argument("unknown prior \"" + shape + "\"");
    }
    prior.mean = num_or(p, "mean", 0.0);
    prior.sd = num_or(p, "sd", 1.0);
    const auto r = fa::count_log_e_value_delta_mixture(batches, prior);
    if (r.status != fa::status::ok) return error(r.status);
    return {{"log_bf", r.log_e}, {"reject_at_alpha", r.rejects(num_or(in, "alpha", 0.05))}};
  };
  h["msprt_normal_mixture"] = [](const json& in) -> json {
    const auto r = fa::msprt_log_lambda(num(in, "theta_hat"), num(in, "V"), num(in, "tau2"),
                                        num_or(in, "theta0", 0.0));
    if (r.status != fa::status::ok) return error(r.status);
    const double alpha = num_or(in, "alpha", 0.05);
    return {{"log_lambda", r.log_e},
            {"always_valid_p", std::min(1.0, std::exp(-r.log_e))},
            {"reject", r.rejects(alpha)}};
  };
  h["normal_mixture_boundary"] = [](const json& in) -> json {
    const auto r = fa::normal_mixture_boundary(num(in, "v"), num(in, "alpha"), num(in, "v_opt"),
                                               in.value("one_sided", false));
    if (r.status != fa::status::ok) return error(r.status);
    return {{"rho", r.rho}, {"boundary", r.boundary}};
  };
  h["empirical_process_lil_bound"] = [](const json& in) -> json {
    const double t = num(in, "t");
    const double alpha = num(in, "alpha");
    const double t_min = num_or(in, "t_min", 1.0);
    const double a = num_or(in, "A", 0.85);
    const auto r = fa::empirical_process_lil_bound(t, alpha, t_min, a);
    const auto c = fa::empirical_process_lil_bound(t, alpha, t_min, a, true);
    if (r.status != fa::status::ok) return error(r.status);
    return {{"bound", r.bound}, {"C", r.c}, {"bound_closed_form_C", c.bound}};
  };
  h["quantile_ab_p_value"] = [](const json& in) -> json {
    const auto r =
        fa::quantile_ab_p_value(sample(in.at("a")), sample(in.at("b")), num(in, "quantile_p"),
                                num(in, "t_opt"), num_or(in, "alpha_opt", 0.05));
    if (r.status != fa::status::ok) return error(r.status);
    return {{"p_value", r.p_value}};
  };
  h["bernoulli_confidence_sequence"] = [](const json& in) -> json {
    const auto ci = fa::bernoulli_confidence_sequence(
        count(in.at("successes")), count(in.at("trials")), num(in, "alpha"), num(in, "t_opt"),
        num_or(in, "alpha_opt", 0.05));
    if (std::isnan(ci.lower)) return error(fa::status::invalid_argument);
    return {{"ci", pair(ci)}};
  };
  h["sprt_expected_n_bernoulli"] = [](const json& in) -> json {
    const auto r = fa::sprt_expected_n_bernoulli(num(in, "p0"), num(in, "p1"), num(in, "alpha"),
                                                 num(in, "beta"));
    if (r.status != fa::status::ok) return error(r.status);
    return {{"log_A", r.log_a},
            {"log_B", r.log_b},
            {"kl_p1_p0", r.kl_p1_p0},
            {"asn_h1", r.asn_h1},
            {"asn_h0", r.asn_h0}};
  };
  h["msprt_plugin_detection_n"] = [](const json& in) -> json {
    return {
        {"n_per_arm", fa::msprt_detection_n(num(in, "theta"), num(in, "var_a"), num(in, "var_b"),
                                            num(in, "tau2"), num(in, "alpha"))}};
  };
  h["sequential_count_plugin_detection_events"] = [](const json& in) -> json {
    const auto r = fa::count_detection_events(num(in, "canary_share"), num(in, "rate_ratio"),
                                              num(in, "alpha"), num_or(in, "k", 100.0));
    if (r.status != fa::status::ok) return error(r.status);
    return {{"theta1", r.theta1}, {"total_events", r.total_events}};
  };
  h["step_plan_time_to_n"] = [](const json& in) -> json {
    std::vector<fa::traffic_step> steps;
    for (const auto& s : in.at("steps")) steps.push_back({num(s, "weight"), num(s, "duration_s")});
    const auto r = fa::step_plan_time_to_n(num(in, "n_canary_needed"), num(in, "total_rps"), steps);
    if (r.status == fa::status::not_reached) {
      return {{"seconds", "not_reached"}, {"canary_requests_in_plan", r.canary_requests_in_plan}};
    }
    if (r.status != fa::status::ok) return error(r.status);
    return {{"seconds", r.seconds}, {"canary_requests_in_plan", r.canary_requests_in_plan}};
  };
  h["kayenta_weighted_sum_score"] = [](const json& in) -> json {
    std::vector<fa::kayenta_scored_metric> metrics;
    for (const auto& m : in.at("metrics")) {
      fa::kayenta_scored_metric sm;
      sm.label = label_of(m.at("classification").get<std::string>());
      sm.groups = m.value("groups", std::vector<std::string>{});
      sm.critical = m.value("critical", false);
      sm.muted = m.value("muted", false);
      metrics.push_back(std::move(sm));
    }
    std::map<std::string, double> weights;
    const json group_weights = in.value("group_weights", json::object());
    for (const auto& [g, w] : group_weights.items()) {
      weights[g] = number(w);
    }
    return {{"score", fa::kayenta_weighted_sum(metrics, weights).score}};
  };
  h["kayenta_score_classification"] = [](const json& in) -> json {
    return {{"classification", std::string(fa::to_string(fa::kayenta_classify_score(
                                   num(in, "score"), num(in, "pass"), num(in, "marginal"))))}};
  };
  h["kayenta_mann_whitney_classify"] = [](const json& in) -> json {
    const auto r = fa::kayenta_classify(sample(in.at("experiment")), sample(in.at("control")),
                                        kayenta_config(in));
    return {{"classification", std::string(fa::to_string(r.label))}, {"critical", r.critical}};
  };
  h["percentile_r7"] = [](const json& in) -> json {
    return {{"value", fa::percentile_r7(sample(in.at("data")), num(in, "percentile"))}};
  };
  h["kayenta_iqr_outliers"] = [](const json& in) -> json {
    const auto f = fa::iqr_outliers(sample(in.at("data")), num_or(in, "factor", 3.0),
                                    in.value("reduce_sensitivity", true));
    json flags = json::array();
    for (bool b : f.outlier) flags.push_back(b);
    return {{"outlier", flags}, {"lower_fence", f.lower}, {"upper_fence", f.upper}};
  };
  return h;
}

}  // namespace

const std::map<std::string, handler>& stats_handlers() {
  static const auto table = make();
  return table;
}

}  // namespace floodgate::cases
