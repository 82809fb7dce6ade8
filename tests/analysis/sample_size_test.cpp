#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include <floodgate/analysis/sample_size.hpp>

namespace fa = floodgate::analysis;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

TEST_CASE("the source document's worked example", "[analysis]") {
  // 5 % of 1000 req/s, p = 1 %, delta = 0.5 pp at 95 %: 1 522 requests, about 30 s.
  const auto r = fa::one_proportion_n(0.01, 0.005, 0.95);
  CHECK(r.n_ceil == 1522);
  CHECK_THAT(fa::duration_for_requests(r.n, 0.05, 1000.0), WithinRel(30.44, 1e-12));
  // p = 0: the formula degenerates to 0; the gate uses the zero-event floor ln(1/alpha)/delta.
  const auto z = fa::one_proportion_n(0.0, 0.01, 0.95);
  CHECK(z.n == 0.0);
  CHECK(z.n_required == std::ceil(std::log(20.0) / 0.01));
  CHECK(fa::one_proportion_n(1.5, 0.01, 0.95).status == fa::status::invalid_argument);
  CHECK(fa::one_proportion_n(0.1, 0.0, 0.95).status == fa::status::invalid_argument);
}

TEST_CASE("power at the required n is the requested power", "[analysis]") {
  const auto p2 = GENERATE(0.012, 0.015, 0.03);
  const double n = fa::two_proportion_n_pooled(0.01, p2, 0.05, 0.8);
  CHECK_THAT(fa::two_proportion_power(n, 0.01, p2, 0.05), WithinAbs(0.8, 1e-9));
  const auto r = fa::two_proportion_n_ratio(p2, 0.01, 0.05, 0.8, 19.0);
  // statsmodels sizes with the near tail only; its two-sided power adds the far tail, which is
  // up to 5e-4 here (p2 = 3 %, r = 19).
  const double pw = fa::two_proportion_power_ratio(r.canary, p2, 0.01, 0.05, 19.0);
  CHECK(pw >= 0.8 - 1e-12);
  CHECK(pw <= 0.801);
  CHECK_THAT(fa::two_proportion_power_ratio(r.canary, p2, 0.01, 0.025, 19.0, fa::sides::one),
             WithinAbs(0.8, 1e-12));
  CHECK_THAT(fa::two_proportion_mde_p2(n, 0.01, 0.05, 0.8), WithinRel(p2, 1e-9));
  // R's strict = TRUE counts the far tail too: a slightly smaller n reaches the same power.
  const double strict_n = fa::two_proportion_n_pooled(0.01, p2, 0.05, 0.8, fa::sides::two, true);
  CHECK(strict_n <= n);
  CHECK_THAT(fa::two_proportion_power(strict_n, 0.01, p2, 0.05, fa::sides::two, true),
             WithinAbs(0.8, 1e-9));
}

TEST_CASE("sample sizes fall as the effect grows and rise with power", "[analysis]") {
  double last = INFINITY;
  for (double d : {0.001, 0.002, 0.005, 0.01}) {
    const double n = fa::two_proportion_n_ratio(0.01 + d, 0.01, 0.05, 0.8, 19.0).canary;
    CHECK(n < last);
    last = n;
  }
  CHECK(fa::t_test_n(5, 20, 0.05, 0.9) > fa::t_test_n(5, 20, 0.05, 0.8));
  CHECK(std::isnan(fa::two_proportion_n_pooled(0.01, 0.01, 0.05, 0.8)));
  CHECK(std::isnan(fa::t_test_n(0.0, 1.0, 0.05, 0.8)));
  CHECK(fa::two_proportion_n_ratio(0.02, 0.01, 0.05, 0.8, 0.0).status ==
        fa::status::invalid_argument);
  CHECK(fa::mann_whitney_n_noether(0.5, 0.5, 0.05, 0.8).status == fa::status::invalid_argument);
  CHECK(fa::quantile_exceedance_n(0.02, 0.01, 0.05, 0.8).status == fa::status::invalid_argument);
}

TEST_CASE("time for a step plan to accrue n canary requests", "[analysis]") {
  const std::vector<fa::traffic_step> steps{{0.05, 600}, {0.2, 600}, {0.5, 600}};
  CHECK(fa::step_plan_time_to_n(0, 1000, steps).seconds == 0.0);
  CHECK_THAT(fa::step_plan_time_to_n(30000, 1000, steps).seconds, WithinRel(600.0, 1e-12));
  CHECK(fa::step_plan_time_to_n(1e6, 1000, steps).status == fa::status::not_reached);
  CHECK(fa::step_plan_time_to_n(10, 0, steps).status == fa::status::invalid_argument);
  const std::vector<fa::traffic_step> bad{{1.5, 600}};
  CHECK(fa::step_plan_time_to_n(10, 1000, bad).status == fa::status::invalid_argument);
}
