#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

#include <floodgate/analysis/random.hpp>

#include "lane_math.hpp"

// The batch kernels' elementary functions against the C library's long double versions (64-bit
// significands: an exact enough reference for double results), over the whole range.

namespace fa = floodgate::analysis;
namespace lanes = floodgate::analysis::detail::lanes;

namespace {
// The error in units of the last place; a NaN result counts as infinitely wrong (std::max would
// drop it).
double ulps(double got, long double ref) {
  if (std::isnan(got)) return std::numeric_limits<double>::infinity();
  const auto r = static_cast<double>(ref);
  const double ulp = std::nextafter(r, std::numeric_limits<double>::infinity()) - r;
  return static_cast<double>(std::fabs(static_cast<long double>(got) - ref)) / ulp;
}
}  // namespace

TEST_CASE("lane log is within one ulp from subnormals to the largest double", "[analysis]") {
  fa::rng g(11);
  double worst = 0.0;
  for (int i = 0; i < 200000; ++i) {
    const int e = static_cast<int>(g.uniform() * 2120.0) - 1095;
    const double x = i % 4 == 0 ? 0.5 + 1.5 * g.uniform() : std::ldexp(0.5 + 0.5 * g.uniform(), e);
    if (x == 0.0 || std::isinf(x)) continue;
    worst = std::max(worst, ulps(lanes::log_lane(x), std::log(static_cast<long double>(x))));
  }
  CHECK(worst < 1.0);
  CHECK(lanes::log_lane(1.0) == 0.0);
  CHECK(lanes::log_lane(0.0) == -std::numeric_limits<double>::infinity());
  CHECK(lanes::log_lane(-0.0) == -std::numeric_limits<double>::infinity());
  CHECK(std::isnan(lanes::log_lane(-1.0)));
  CHECK(std::isnan(lanes::log_lane(std::numeric_limits<double>::quiet_NaN())));
  CHECK(lanes::log_lane(std::numeric_limits<double>::infinity()) ==
        std::numeric_limits<double>::infinity());
  CHECK(lanes::log_lane(std::numeric_limits<double>::denorm_min()) == std::log(4.9e-324));
  // log(x·2^extra) without the product.
  CHECK(std::fabs(lanes::log_lane(3.0, 2000.0) - (std::log(3.0) + 2000.0 * std::log(2.0))) < 1e-12);
}

TEST_CASE("lane log1p keeps its accuracy for tiny arguments and near -1", "[analysis]") {
  fa::rng g(14);
  double worst = 0.0;
  for (int i = 0; i < 200000; ++i) {
    // |x| from 1e-300 to 1e6, both signs (above -1), and x near -1.
    const double mag = std::pow(10.0, -300.0 + 306.0 * g.uniform());
    double x = i % 2 == 0 ? mag : -std::min(mag, 0.999999);
    if (i % 5 == 0) x = -1.0 + std::ldexp(g.uniform(), -static_cast<int>(g.uniform() * 50.0));
    if (x <= -1.0) continue;
    worst = std::max(worst, ulps(lanes::log1p_lane(x), std::log1p(static_cast<long double>(x))));
  }
  CHECK(worst < 1.5);
  CHECK(lanes::log1p_lane(0.0) == 0.0);
  CHECK(lanes::log1p_lane(1e-300) == 1e-300);
  CHECK(lanes::log1p_lane(-1.0) == -std::numeric_limits<double>::infinity());
  CHECK(lanes::log1p_lane(std::numeric_limits<double>::infinity()) ==
        std::numeric_limits<double>::infinity());
  CHECK(std::isnan(lanes::log1p_lane(-2.0)));
  CHECK(std::isnan(lanes::log1p_lane(std::numeric_limits<double>::quiet_NaN())));
}

TEST_CASE("lane exp is within 1.5 ulp down to the subnormal range", "[analysis]") {
  fa::rng g(12);
  double worst = 0.0;
  for (int i = 0; i < 200000; ++i) {
    const double x = i % 3 == 0 ? 4.0 * g.uniform() - 2.0 : 1454.0 * g.uniform() - 745.0;
    const long double ref = std::exp(static_cast<long double>(x));
    if (ref < std::numeric_limits<double>::min() || x > 709.7) continue;
    worst = std::max(worst, ulps(lanes::exp_lane(x), ref));
  }
  CHECK(worst < 1.5);
  CHECK(lanes::exp_lane(0.0) == 1.0);
  CHECK(lanes::exp_lane(-744.0) == std::exp(-744.0));  // subnormal, rounded once
  CHECK(lanes::exp_lane(-800.0) == 0.0);
  CHECK(lanes::exp_lane(710.0) == std::numeric_limits<double>::infinity());
  CHECK(lanes::exp_lane(-std::numeric_limits<double>::infinity()) == 0.0);
  CHECK(std::isnan(lanes::exp_lane(std::numeric_limits<double>::quiet_NaN())));
  // The correction term: exp(x + lo) for |lo| up to 2.
  CHECK(std::fabs(lanes::exp_lane(-3.0, -0.9189385332046727) / std::exp(-3.9189385332046727) - 1) <
        1e-15);
}

TEST_CASE("lane normal tail keeps its relative accuracy to the last double", "[analysis]") {
  fa::rng g(13);
  double worst = 0.0;
  for (int i = 0; i < 200000; ++i) {
    const double z = 48.0 * g.uniform() - 10.0;
    const long double ref =
        0.5L * std::erfc(static_cast<long double>(z) / std::sqrt(static_cast<long double>(2)));
    if (ref < 1e-300L) continue;
    const double rel = static_cast<double>(
        std::fabs((static_cast<long double>(lanes::normal_upper_lane(z)) - ref) / ref));
    worst = std::max(worst, std::isnan(rel) ? std::numeric_limits<double>::infinity() : rel);
  }
  CHECK(worst < 1e-15);
  CHECK(lanes::normal_upper_lane(0.0) == 0.5);
  CHECK(lanes::normal_upper_lane(40.0) == 0.0);
  CHECK(lanes::normal_upper_lane(std::numeric_limits<double>::infinity()) == 0.0);
  CHECK(lanes::normal_upper_lane(-std::numeric_limits<double>::infinity()) == 1.0);
  CHECK(std::isnan(lanes::normal_upper_lane(std::numeric_limits<double>::quiet_NaN())));
}
