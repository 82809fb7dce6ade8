#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <vector>

#include <floodgate/analysis/distributions.hpp>
#include <floodgate/analysis/random.hpp>
#include <floodgate/analysis/sequential.hpp>

namespace fa = floodgate::analysis;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

TEST_CASE("count e-value: no events is no evidence, bad input is reported", "[analysis]") {
  const std::array<double, 2> zero{0.0, 0.0};
  const std::array<double, 2> rho{0.95, 0.05};
  CHECK(fa::multinomial_log_e_value(zero, rho).log_e == 0.0);
  const std::array<double, 2> negative{-1.0, 3.0};
  CHECK(fa::multinomial_log_e_value(negative, rho).status == fa::status::invalid_argument);
  const std::array<double, 1> one{3.0};
  CHECK(fa::multinomial_log_e_value(one, one).status == fa::status::invalid_argument);
  CHECK(fa::count_log_e_value_one_sided(1.0, 1.0, 1.0).status == fa::status::invalid_argument);
}

TEST_CASE("count e-value equals the direct lgamma formula", "[analysis]") {
  const auto xb = GENERATE(0.0, 3.0, 120.0, 4000.0);
  const auto xc = GENERATE(0.0, 1.0, 45.0, 300.0);
  const double k = 100.0;
  const double r = 0.05;
  const std::array<double, 2> counts{xb, xc};
  const std::array<double, 2> rho{1.0 - r, r};
  const double direct = std::lgamma(k * (1 - r) + xb) + std::lgamma(k * r + xc) -
                        std::lgamma(k + xb + xc) - std::lgamma(k * (1 - r)) - std::lgamma(k * r) +
                        std::lgamma(k) - xb * std::log(1 - r) - xc * std::log(r);
  CHECK_THAT(fa::multinomial_log_e_value(counts, rho).log_e, WithinAbs(direct, 1e-9));
}

TEST_CASE("one-sided count e-value cannot fire on a better canary", "[analysis]") {
  // 5 % share, the canary produces 2 % of the events: better than the baseline.
  const auto r = fa::count_log_e_value_one_sided(980.0, 20.0, 0.05);
  REQUIRE(r.status == fa::status::ok);
  CHECK(r.log_e < 0.0);
  CHECK_FALSE(r.rejects(0.05));
  // ... while the two-sided one does.
  const std::array<double, 2> counts{980.0, 20.0};
  const std::array<double, 2> rho{0.95, 0.05};
  CHECK(fa::multinomial_log_e_value(counts, rho).rejects(0.05));
}

TEST_CASE("delta mixture equals brute-force quadrature", "[analysis]") {
  const std::vector<fa::count_batch> batches{{475, 40, 0.05}, {400, 100, 0.2}, {30, 45, 0.5}};
  for (const double sd : {0.3, 1.0, 2.0}) {
    fa::delta_prior prior;
    prior.sd = sd;
    // Trapezoid rule on a fine grid, written independently of the implementation.
    double sum = 0.0;
    const double h = 1e-4;
    for (double d = -8.0; d <= 8.0; d += h) {
      double l = 0.0;
      for (const auto& b : batches) {
        const double theta =
            b.canary_share * std::exp(d) / (b.canary_share * std::exp(d) + 1.0 - b.canary_share);
        l += b.canary_events * std::log(theta / b.canary_share) +
             b.baseline_events * std::log((1.0 - theta) / (1.0 - b.canary_share));
      }
      sum += std::exp(l - 0.5 * d * d / (sd * sd)) / (sd * std::sqrt(2.0 * std::numbers::pi)) * h;
    }
    CHECK_THAT(fa::count_log_e_value_delta_mixture(batches, prior).log_e,
               WithinAbs(std::log(sum), 1e-6));
  }
  fa::delta_prior bad;
  bad.sd = 0.0;
  CHECK(fa::count_log_e_value_delta_mixture(batches, bad).status == fa::status::invalid_argument);
}

TEST_CASE("always-valid p-value never increases", "[analysis]") {
  fa::always_valid_p p;
  CHECK(p.update(-3.0) == 1.0);
  CHECK_THAT(p.update(std::log(10.0)), WithinRel(0.1, 1e-12));
  CHECK_THAT(p.update(std::log(2.0)), WithinRel(0.1, 1e-12));
  CHECK_THAT(p.update(std::log(40.0)), WithinRel(0.025, 1e-12));
}

TEST_CASE("count e-value keeps its type-I error under continuous monitoring", "[analysis]") {
  // Healthy canary at 10 % share: every error event is canary with probability 0.1. Look after
  // every event for 400 events; reject when E >= 1/alpha. Ville bounds the rejection rate by
  // alpha at any number of looks.
  fa::rng g(20261123);
  const double alpha = 0.05;
  const std::array<double, 2> rho{0.9, 0.1};
  int rejected = 0;
  constexpr int runs = 600;
  for (int run = 0; run < runs; ++run) {
    std::array<double, 2> counts{0.0, 0.0};
    for (int event = 0; event < 400; ++event) {
      counts[g.uniform() < 0.1 ? 1 : 0] += 1.0;
      if (fa::multinomial_log_e_value(counts, rho).rejects(alpha)) {
        ++rejected;
        break;
      }
    }
  }
  // alpha = 0.05 of 600 runs: 30 expected at most; allow binomial noise (+3 sd).
  CHECK(rejected <= 46);
}

TEST_CASE("boundaries and plug-in detection times are consistent", "[analysis]") {
  const double n = fa::msprt_detection_n(0.01, 0.0099, 0.0099, 1e-4, 0.05);
  const auto at = fa::msprt_log_lambda(0.01, 2 * 0.0099 / n, 1e-4);
  CHECK_THAT(at.log_e, WithinAbs(std::log(20.0), 1e-9));
  const auto d = fa::count_detection_events(0.05, 2.0, 0.05);
  REQUIRE(d.status == fa::status::ok);
  const std::array<double, 2> counts{d.total_events * (1 - d.theta1), d.total_events * d.theta1};
  const std::array<double, 2> rho{0.95, 0.05};
  CHECK_THAT(fa::multinomial_log_e_value(counts, rho).log_e, WithinAbs(std::log(20.0), 1e-9));
  CHECK(fa::normal_mixture_boundary(10.0, 0.0, 1.0, false).status == fa::status::invalid_argument);
  CHECK(fa::empirical_process_lil_bound(5.0, 0.05, 10.0).status == fa::status::invalid_argument);
  const auto cs = fa::bernoulli_confidence_sequence(7, 1000, 0.05, 1000);
  CHECK(cs.lower < 0.007);
  CHECK(cs.upper > 0.007);
  CHECK(std::isnan(fa::bernoulli_confidence_sequence(7, 5, 0.05, 1000).lower));
}

TEST_CASE("DKW stochastic-order test flags a slower canary only", "[analysis]") {
  fa::rng g(5);
  std::vector<double> base(3000);
  std::vector<double> same(3000);
  std::vector<double> slow(3000);
  for (auto& v : base) v = std::exp(4.6 + 0.5 * g.normal());
  for (auto& v : same) v = std::exp(4.6 + 0.5 * g.normal());
  for (auto& v : slow) v = std::exp(4.9 + 0.5 * g.normal());
  CHECK_FALSE(fa::dkw_stochastic_order_test(base, same, 0.05).reject);
  CHECK(fa::dkw_stochastic_order_test(base, slow, 0.05).reject);
  CHECK_FALSE(fa::dkw_stochastic_order_test(slow, base, 0.05).reject);
  CHECK(fa::dkw_stochastic_order_test({}, slow, 0.05).status == fa::status::empty_sample);
  const auto q = fa::quantile_ab_p_value(base, slow, 0.5, 1000);
  CHECK(q.p_value < 0.05);
}

namespace {

// statistics.md §2.5 item 2 from scratch: log ψ at every candidate through log_beta, with no
// incremental sums, to check the library's incremental walk against.
double quantile_ab_from_scratch(std::vector<double> a, std::vector<double> b, double p,
                                double t_opt) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  const double g = p;
  const double h = 1.0 - p;
  const double l = 2.0 * std::log(1.0 / 0.05);
  const double rho = t_opt * g * h / (l + std::log1p(l));
  const double r = std::max(rho - g * h, 1e-3 * g * h);
  auto log_m = [&](double below, double n) {
    const double s = below - p * n;
    const double v = g * h * n;
    return -(v + h * s) / h * std::log(g) - (v - g * s) / g * std::log(h) +
           fa::log_beta((r + v - g * s) / g, (r + v + h * s) / h) - fa::log_beta(r / g, r / h);
  };
  std::vector<double> values(a);
  values.insert(values.end(), b.begin(), b.end());
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  double best = INFINITY;
  const auto na = static_cast<double>(a.size());
  const auto nb = static_cast<double>(b.size());
  for (double x : values) {
    const auto count = [&](const std::vector<double>& v, bool or_equal) {
      return static_cast<double>(or_equal ? std::upper_bound(v.begin(), v.end(), x) - v.begin()
                                          : std::lower_bound(v.begin(), v.end(), x) - v.begin());
    };
    const double ma = std::min(log_m(count(a, false), na), log_m(count(a, true), na));
    const double mb = std::min(log_m(count(b, false), nb), log_m(count(b, true), nb));
    best = std::min(best, ma + mb);
  }
  return std::min(1.0, std::exp(-best));
}

}  // namespace

TEST_CASE("the sequential quantile test's incremental walk equals the from-scratch sum",
          "[analysis]") {
  fa::rng g(23);
  const double p = GENERATE(0.5, 0.9, 0.99);
  for (const std::size_t n : {40U, 700U, 5000U}) {
    for (const bool ties : {false, true}) {
      std::vector<double> a(n);
      std::vector<double> b(n + n / 3);
      for (auto& v : a) v = std::exp(4.6 + 0.5 * g.normal());
      for (auto& v : b) v = std::exp(4.65 + 0.5 * g.normal());
      if (ties) {
        for (auto& v : a) v = std::round(v / 10.0);
        for (auto& v : b) v = std::round(v / 10.0);
      }
      const double t_opt = static_cast<double>(n);
      const auto got = fa::quantile_ab_p_value(a, b, p, t_opt);
      REQUIRE(got.status == fa::status::ok);
      const double want = quantile_ab_from_scratch(a, b, p, t_opt);
      INFO("p " << p << " n " << n << " ties " << ties << ": " << got.p_value << " vs " << want);
      CHECK_THAT(got.p_value, Catch::Matchers::WithinRel(want, 1e-9) ||
                                  Catch::Matchers::WithinAbs(want, 1e-300));
    }
  }
}

TEST_CASE("the sequential quantile test refuses NaN and orders infinities", "[analysis]") {
  const std::vector<double> a{1, 2, 3, NAN, 5};
  const std::vector<double> b{1, 2, 3, 4, 5};
  CHECK(fa::quantile_ab_p_value(a, b, 0.5, 10).status == fa::status::non_finite_input);
  CHECK(fa::quantile_ab_p_value(b, a, 0.5, 10).status == fa::status::non_finite_input);
  const std::vector<double> with_inf{1, 2, 3, INFINITY, 5};
  const auto r = fa::quantile_ab_p_value(with_inf, b, 0.5, 10);
  CHECK(r.status == fa::status::ok);
  CHECK(r.p_value == Approx(quantile_ab_from_scratch(with_inf, b, 0.5, 10)).epsilon(1e-9));
}
