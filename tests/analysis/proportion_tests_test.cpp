#include <catch2/catch.hpp>

#include <cmath>

#include <floodgate/analysis/proportion_tests.hpp>

namespace fa = floodgate::analysis;
using Catch::Matchers::WithinRel;

TEST_CASE("two-proportion test rejects impossible counts", "[analysis]") {
  CHECK(fa::two_proportion_test(5, 4, 1, 10).status == fa::status::invalid_argument);
  CHECK(fa::two_proportion_test(-1, 4, 1, 10).status == fa::status::invalid_argument);
  CHECK(fa::two_proportion_test(1, 0, 1, 10).status == fa::status::invalid_argument);
  CHECK(fa::two_proportion_test(1, 10, 1, 10, true, fa::alternative::two_sided, 1.0).status ==
        fa::status::invalid_argument);
}

TEST_CASE("two-proportion test: zero events in both arms is NaN, not a pass", "[analysis]") {
  const auto r = fa::two_proportion_test(0, 500, 0, 9500);
  CHECK(r.status == fa::status::ok);
  CHECK(std::isnan(r.p_value));
}

TEST_CASE("two-proportion p-values are symmetric when the arms swap", "[analysis]") {
  const auto x1 = GENERATE(0, 3, 17, 40);
  const auto x2 = GENERATE(1, 9, 60);
  const auto a = fa::two_proportion_test(x1, 1000, x2, 5000);
  const auto b = fa::two_proportion_test(x2, 5000, x1, 1000);
  CHECK(a.p_value >= 0.0);
  CHECK(a.p_value <= 1.0);
  CHECK_THAT(a.p_value, WithinRel(b.p_value, 1e-12));
  const auto g = fa::two_proportion_test(x1, 1000, x2, 5000, true, fa::alternative::greater);
  const auto l = fa::two_proportion_test(x2, 5000, x1, 1000, true, fa::alternative::less);
  CHECK_THAT(g.p_value, WithinRel(l.p_value, 1e-12));
}

TEST_CASE("z test reports zero variance explicitly", "[analysis]") {
  CHECK(fa::two_proportion_z_test(0, 100, 0, 100).status == fa::status::constant_data);
  const auto r = fa::two_proportion_z_test(15, 1000, 35, 19000, false);
  CHECK(r.status == fa::status::ok);
  CHECK(r.z > 0.0);
}

TEST_CASE("binomial and Fisher tests reject bad input", "[analysis]") {
  CHECK(fa::binomial_exact_test(11, 10, 0.5).status == fa::status::invalid_argument);
  CHECK(fa::binomial_exact_test(1, 10, 1.5).status == fa::status::invalid_argument);
  CHECK(fa::fisher_exact_test(-1, 1, 1, 1).status == fa::status::invalid_argument);
  CHECK(fa::fisher_exact_test(0, 0, 0, 0).status == fa::status::invalid_argument);
  CHECK(fa::poisson_rate_ratio_test(1, 0.0, 1, 1.0).status == fa::status::invalid_argument);
  CHECK(fa::poisson_rate_ratio_test(0, 10.0, 0, 10.0).status == fa::status::empty_sample);
}

TEST_CASE("Wilson interval contains the estimate and stays in [0, 1]", "[analysis]") {
  const auto x = GENERATE(0, 1, 50, 99, 100);
  const auto ci = fa::wilson_interval(x, 100, 0.95);
  CHECK(ci.lower >= 0.0);
  CHECK(ci.upper <= 1.0);
  CHECK(ci.lower <= x / 100.0);
  CHECK(ci.upper >= x / 100.0);
  // R 4.2.2: prop.test(7, 100, correct = FALSE)$conf.int = 0.03431926106727269 0.13749514739073498
  const auto r = fa::wilson_interval(7, 100, 0.95);
  CHECK_THAT(r.lower, WithinRel(0.03431926106727269, 1e-12));
  CHECK_THAT(r.upper, WithinRel(0.13749514739073498, 1e-12));
}
