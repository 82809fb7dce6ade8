#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include <floodgate/analysis/distributions.hpp>

namespace fa = floodgate::analysis;
using Catch::Matchers::WithinRel;

TEST_CASE("normal quantile inverts the CDF to full precision", "[analysis]") {
  // R 4.2.2: qnorm(0.975) = 1.959963984540054; qnorm(1e-10) = -6.361340902404056
  CHECK_THAT(fa::normal_quantile(0.975), WithinRel(1.959963984540054, 1e-14));
  CHECK_THAT(fa::normal_quantile(1e-10), WithinRel(-6.361340902404056, 1e-12));
  for (double p : {1e-300, 1e-12, 0.001, 0.3, 0.5, 0.77, 0.999999}) {
    CHECK_THAT(fa::normal_cdf(fa::normal_quantile(p)), WithinRel(p, 1e-12));
  }
  CHECK(std::isinf(fa::normal_quantile(0.0)));
  CHECK(std::isinf(fa::normal_quantile(1.0)));
  CHECK(std::isnan(fa::normal_quantile(1.5)));
  CHECK(std::isnan(fa::normal_quantile(std::numeric_limits<double>::quiet_NaN())));
}

TEST_CASE("incomplete beta, t and binomial match R", "[analysis]") {
  // R 4.2.2: pbeta(0.3, 2.5, 7) = 0.6412224629717211
  CHECK_THAT(fa::beta_inc(2.5, 7.0, 0.3, 0.7), WithinRel(0.6412224629717211, 1e-12));
  // R 4.2.2: pt(-2.1, 5) = 0.04487662494229934; qt(0.975, 3) = 3.182446305283708
  CHECK_THAT(fa::t_cdf(-2.1, 5.0), WithinRel(0.04487662494229934, 1e-11));
  CHECK_THAT(fa::t_quantile(0.975, 3.0), WithinRel(3.182446305283708, 1e-11));
  // R 4.2.2: pt(2, 10, ncp = 1.5) = 0.6591540724420263
  CHECK_THAT(fa::noncentral_t_cdf(2.0, 10.0, 1.5), WithinRel(0.6591540724420263, 1e-9));
  // R 4.2.2: dbinom(3, 10, 0.2) = 0.201326592; pbinom(3, 10, 0.2) = 0.8791261183999999
  CHECK_THAT(fa::binomial_pmf(3, 10, 0.2), WithinRel(0.201326592, 1e-13));
  CHECK_THAT(fa::binomial_cdf(3, 10, 0.2), WithinRel(0.8791261184, 1e-12));
  CHECK_THAT(fa::binomial_sf(3, 10, 0.2), WithinRel(1.0 - 0.8791261184, 1e-11));
  CHECK_THAT(fa::beta_quantile(fa::beta_inc(3.0, 9.0, 0.2, 0.8), 3.0, 9.0), WithinRel(0.2, 1e-12));
}

TEST_CASE("log_beta keeps precision for large arguments", "[analysis]") {
  const double a = 1e6;
  const double b = 2.5;
  const double naive = std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b);
  CHECK_THAT(fa::log_beta(a, b), WithinRel(naive, 1e-9));
  CHECK(std::isnan(fa::log_beta(-1.0, 2.0)));
}

TEST_CASE("distribution functions reject arguments outside their domain with NaN", "[analysis]") {
  CHECK(std::isnan(fa::t_cdf(1.0, 0.0)));
  CHECK(std::isnan(fa::t_quantile(0.5, -3.0)));
  CHECK(std::isnan(fa::binomial_pmf(1, 10, 1.5)));
  CHECK(std::isnan(fa::binomial_cdf(1, -1, 0.5)));
  CHECK(std::isnan(fa::beta_quantile(0.5, 0.0, 1.0)));
  CHECK(fa::chi_squared1_sf(0.0) == 1.0);
}
