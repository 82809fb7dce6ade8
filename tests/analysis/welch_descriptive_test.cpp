#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

#include <floodgate/analysis/descriptive.hpp>
#include <floodgate/analysis/welch.hpp>

namespace fa = floodgate::analysis;
using Catch::Matchers::WithinRel;

TEST_CASE("Welch reports too few, constant and non-finite data", "[analysis]") {
  const std::vector<double> one{1.0};
  const std::vector<double> two{1.0, 2.0};
  const std::vector<double> flat{5.0, 5.0, 5.0};
  const std::vector<double> nan{1.0, std::numeric_limits<double>::quiet_NaN()};
  CHECK(fa::welch_t_test(one, two).status == fa::status::too_few_samples);
  CHECK(fa::welch_t_test(flat, flat).status == fa::status::constant_data);
  CHECK(fa::welch_t_test(nan, two).status == fa::status::non_finite_input);
  CHECK(fa::welch_t_test(two, two, fa::alternative::two_sided, 0.0).status ==
        fa::status::invalid_argument);
}

TEST_CASE("Welch is antisymmetric in its arms", "[analysis]") {
  const std::vector<double> x{12.1, 14.3, 11.8, 15.2, 13.9};
  const std::vector<double> y{10.2, 11.1, 9.8, 12.4, 10.9, 11.5};
  const auto a = fa::welch_t_test(x, y);
  const auto b = fa::welch_t_test(y, x);
  CHECK_THAT(a.t, WithinRel(-b.t, 1e-14));
  CHECK_THAT(a.p_value, WithinRel(b.p_value, 1e-12));
  CHECK_THAT(a.ci.lower, WithinRel(-b.ci.upper, 1e-12));
}

TEST_CASE("R-7 percentiles and IQR fences", "[analysis]") {
  const std::vector<double> v{4.0};
  CHECK(fa::percentile_r7(v, 50.0) == 4.0);
  CHECK(std::isnan(fa::percentile_r7({}, 50.0)));
  CHECK(std::isnan(fa::percentile_r7(v, 101.0)));
  const auto s = fa::summarize({});
  CHECK(s.count == 0);
  CHECK(s.mean == 0.0);
  const auto f = fa::iqr_outliers({}, 3.0, true);
  CHECK(f.outlier.empty());
}
