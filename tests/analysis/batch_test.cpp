#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <vector>

#include <floodgate/analysis/batch.hpp>
#include <floodgate/analysis/proportion_tests.hpp>
#include <floodgate/analysis/random.hpp>
#include <floodgate/analysis/sample_size.hpp>
#include <floodgate/analysis/sequential.hpp>

#include "batch_lanes.hpp"

namespace fa = floodgate::analysis;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {
struct comparisons {
  std::vector<double> x1, n1, x2, n2, share;
};
comparisons make(std::size_t k, std::uint64_t seed) {
  fa::rng g(seed);
  comparisons c;
  for (std::size_t i = 0; i < k; ++i) {
    const double n1 = std::floor(10.0 + g.uniform() * 1e5);
    const double n2 = std::floor(10.0 + g.uniform() * 1e6);
    c.n1.push_back(n1);
    c.n2.push_back(n2);
    c.x1.push_back(std::floor(n1 * 0.03 * g.uniform()));
    c.x2.push_back(std::floor(n2 * 0.02 * g.uniform()));
    c.share.push_back(0.01 + 0.98 * g.uniform());
  }
  return c;
}
}  // namespace

// The scalar functions run the batch kernels' code for one comparison: the results are the same
// bits, so these tests compare with ==. The count e-value's accuracy is checked against an
// independent long double evaluation below.

TEST_CASE("batch two-proportion z equals the scalar test", "[analysis]") {
  const auto c = make(2000, 1);
  const auto alt =
      GENERATE(fa::alternative::two_sided, fa::alternative::less, fa::alternative::greater);
  std::vector<double> z(c.x1.size());
  std::vector<double> p(c.x1.size());
  fa::two_proportion_z_batch(c.x1, c.n1, c.x2, c.n2, alt, z, p);
  for (std::size_t i = 0; i < z.size(); ++i) {
    const auto s = fa::two_proportion_z_test(
        static_cast<std::int64_t>(c.x1[i]), static_cast<std::int64_t>(c.n1[i]),
        static_cast<std::int64_t>(c.x2[i]), static_cast<std::int64_t>(c.n2[i]), true, alt);
    if (s.status != fa::status::ok) {
      CHECK(std::isnan(z[i]));
      continue;
    }
    CHECK(z[i] == s.z);
    CHECK(p[i] == s.p_value);
  }
}

TEST_CASE("batch count e-value equals the scalar e-value", "[analysis]") {
  // Large counts, and small ones (a few events: Stirling's series shifted for aᵢ + xᵢ and for the
  // total), under a strong prior and weak ones (k below 10: every prior mass aᵢ shifted). Shares
  // of 1-99 % send comparisons down each of the three lanes (batch_lanes.hpp, counted below):
  // at k = 100 both masses ≥ 10 (unshifted), a canary mass below 10 (canary-shifted) and a
  // baseline mass below 10 (general); at k = 12 the last two; below 10 the general lane only.
  auto c = make(2000, 2);
  auto small = make(2000, 5);
  for (std::size_t i = 0; i < small.x1.size(); ++i) {
    c.x1.push_back(std::floor(small.x1[i] / 1000.0));
    c.x2.push_back(std::floor(small.x2[i] / 5000.0));
    c.share.push_back(small.share[i]);
  }
  const double k = GENERATE(100.0, 12.0, 5.0, 0.5);
  INFO("k = " << k);
  std::array<int, 3> routes{};
  for (const double share : c.share) {
    ++routes[static_cast<std::size_t>(fa::detail::count_route_of(share, k))];
  }
  using route = fa::detail::count_route;
  CHECK(routes[static_cast<std::size_t>(route::general)] > 0);
  if (k == 100.0) CHECK(routes[static_cast<std::size_t>(route::unshifted)] > 0);
  if (k >= 10.0) CHECK(routes[static_cast<std::size_t>(route::canary_shifted)] > 0);
  std::vector<double> log_e(c.x1.size());
  fa::count_log_e_value_batch(c.x2, c.x1, c.share, k, log_e);
  for (std::size_t i = 0; i < log_e.size(); ++i) {
    const std::array<double, 2> counts{c.x2[i], c.x1[i]};
    const std::array<double, 2> rho{1.0 - c.share[i], c.share[i]};
    const double s = fa::multinomial_log_e_value(counts, rho, k).log_e;
    INFO("counts " << counts[0] << ", " << counts[1] << " share " << rho[1]);
    CHECK(log_e[i] == s);
  }
  // Invalid slots are NaN, the others untouched; zero events is exactly 0.
  const std::vector<double> xb{-1.0, 0.0, 3.0};
  const std::vector<double> xc{1.0, 0.0, 2.0};
  const std::vector<double> sh{0.1, 0.1, 1.5};
  std::vector<double> out(3);
  fa::count_log_e_value_batch(xb, xc, sh, 100.0, out);
  CHECK(std::isnan(out[0]));
  CHECK(out[1] == 0.0);
  CHECK(std::isnan(out[2]));
}

TEST_CASE("batch sample-size gate equals the scalar model", "[analysis]") {
  const auto c = make(2000, 3);
  std::vector<double> rate(c.x1.size());
  for (std::size_t i = 0; i < rate.size(); ++i) rate[i] = c.x2[i] / c.n2[i];
  std::vector<double> required(rate.size());
  std::vector<std::uint8_t> met(rate.size());
  fa::sample_size_gate_batch(c.n1, c.n2, rate, 0.005, 0.05, 0.8, required, met);
  for (std::size_t i = 0; i < rate.size(); ++i) {
    const auto s =
        fa::two_proportion_n_ratio(rate[i] + 0.005, rate[i], 0.05, 0.8, c.n2[i] / c.n1[i]);
    CHECK(required[i] == s.canary);
    CHECK(met[i] == (c.n1[i] >= s.canary ? 1 : 0));
  }
  fa::sample_size_gate_batch(c.n1, c.n2, rate, 0.0, 0.05, 0.8, required, met);
  CHECK(std::isnan(required[0]));
  CHECK(met[0] == 0);
}

TEST_CASE("count e-value matches log-gamma sums in long double", "[analysis]") {
  // log E = Σ lgamma(aᵢ + xᵢ) − lgamma(T) − Σ lgamma(aᵢ) + lgamma(k) − Σ xᵢ log ρᵢ, evaluated
  // directly with 64-bit significands: an independent check of the Stirling decomposition and its
  // shifts (counts up to 2·10⁴, where the direct sums lose < 1e-13 to cancellation). The double
  // evaluation's own error grows with the counts, ≈ ε·X from rounding ρ·X in xᵢ − ρᵢX (measured:
  // 2.3e-12 at X = 2·10⁴, k = 100; 9.6e-12 at k = 0.3), and with the prior, whose terms of size
  // k log k cancel (2.5e-13 at X = 2, k = 100): the bound is 1e-13 + 5ε·(X + 20k).
  auto direct = [](long double xb, long double xc, long double rho, long double k) {
    const long double ab = k * (1.0L - rho);
    const long double ac = k * rho;
    return std::lgamma(ab + xb) + std::lgamma(ac + xc) - std::lgamma(k + xb + xc) -
           std::lgamma(ab) - std::lgamma(ac) + std::lgamma(k) - xb * std::log(1.0L - rho) -
           xc * std::log(rho);
  };
  fa::rng g(9);
  const double k = GENERATE(100.0, 20.0, 7.0, 0.3);
  INFO("k = " << k);
  double worst = 0.0;  // error over its bound
  for (int i = 0; i < 20000; ++i) {
    const double scale = i % 2 == 0 ? 12.0 : 20000.0;
    const double xb = std::floor(g.uniform() * scale);
    const double xc = std::floor(g.uniform() * scale * 0.3);
    const double rho = 0.001 + 0.998 * g.uniform();
    const std::array<double, 2> counts{xb, xc};
    const std::array<double, 2> shares{1.0 - rho, rho};
    const auto e = fa::multinomial_log_e_value(counts, shares, k);
    REQUIRE(e.status == fa::status::ok);
    const auto ref = static_cast<double>(direct(xb, xc, rho, k));
    const double bound = 1e-13 + 5.0 * 2.2e-16 * (xb + xc + 20.0 * k);
    worst = std::max(worst, std::fabs(e.log_e - ref) / std::max(1.0, std::fabs(ref)) / bound);
  }
  CHECK(worst < 1.0);
  // Prior masses below the kernel's range are refused, not miscomputed.
  const std::array<double, 2> counts{3.0, 1.0};
  const std::array<double, 2> tiny{1.0, 1e-160};
  CHECK(fa::multinomial_log_e_value(counts, tiny, 100.0).status == fa::status::invalid_argument);
}

TEST_CASE("batch prop.test equals the scalar test", "[analysis]") {
  // Random tables, and the corners: no events in either arm (X² 0/0: NaN, as in R), every
  // request an event, equal rates, and counts the test refuses (NaN in every output).
  auto c = make(2000, 6);
  const std::vector<std::array<double, 4>> corners{
      {0, 100, 0, 1000}, {100, 100, 1000, 1000}, {5, 100, 50, 1000}, {0, 1, 1, 1},
      {-1, 10, 1, 10},   {11, 10, 1, 10},        {1, 0, 1, 10}};
  for (const auto& t : corners) {
    c.x1.push_back(t[0]);
    c.n1.push_back(t[1]);
    c.x2.push_back(t[2]);
    c.n2.push_back(t[3]);
  }
  const auto alt =
      GENERATE(fa::alternative::two_sided, fa::alternative::less, fa::alternative::greater);
  const bool yates = GENERATE(true, false);
  const double level = GENERATE(0.95, 0.99);
  const std::size_t k = c.x1.size();
  std::vector<double> diff(k), p(k), lo(k), hi(k);
  fa::prop_test_batch(c.x1, c.n1, c.x2, c.n2, yates, alt, level, diff, p, lo, hi);
  std::size_t refused = 0;
  for (std::size_t i = 0; i < k; ++i) {
    const auto s = fa::two_proportion_test(
        static_cast<std::int64_t>(c.x1[i]), static_cast<std::int64_t>(c.n1[i]),
        static_cast<std::int64_t>(c.x2[i]), static_cast<std::int64_t>(c.n2[i]), yates, alt, level);
    INFO(c.x1[i] << "/" << c.n1[i] << " vs " << c.x2[i] << "/" << c.n2[i]);
    if (s.status != fa::status::ok) {
      ++refused;
      CHECK(std::isnan(diff[i]));
      CHECK(std::isnan(p[i]));
      CHECK(std::isnan(lo[i]));
      CHECK(std::isnan(hi[i]));
      continue;
    }
    CHECK(diff[i] == s.estimate1 - s.estimate2);
    CHECK((p[i] == s.p_value || (std::isnan(p[i]) && std::isnan(s.p_value))));
    CHECK(lo[i] == s.ci_diff.lower);
    CHECK(hi[i] == s.ci_diff.upper);
  }
  CHECK(refused == 3);
  CHECK(std::isnan(p[k - 7]));  // no events anywhere
  fa::prop_test_batch(c.x1, c.n1, c.x2, c.n2, yates, alt, 1.0, diff, p, lo, hi);
  CHECK(std::isnan(diff[0]));
  CHECK(std::isnan(hi[k - 1]));
}

TEST_CASE("batch two-proportion n equals the scalar model", "[analysis]") {
  const auto c = make(2000, 7);
  std::vector<double> p1, p2, ratio;
  for (std::size_t i = 0; i < c.x1.size(); ++i) {
    p2.push_back(c.x2[i] / c.n2[i]);
    p1.push_back(p2.back() + (i % 5 == 0 ? 0.0 : 0.001 * static_cast<double>(i % 7)));
    ratio.push_back(i % 11 == 0 ? 0.0 : c.n2[i] / c.n1[i]);
  }
  p1.push_back(1.5);  // not a rate
  p2.push_back(0.1);
  ratio.push_back(1.0);
  const auto s = GENERATE(fa::sides::one, fa::sides::two);
  std::vector<double> n(p1.size());
  fa::two_proportion_n_batch(p1, p2, ratio, 0.05, 0.8, s, n);
  std::size_t refused = 0;
  for (std::size_t i = 0; i < n.size(); ++i) {
    const auto r = fa::two_proportion_n_ratio(p1[i], p2[i], 0.05, 0.8, ratio[i], s);
    if (r.status != fa::status::ok) {
      ++refused;
      CHECK(std::isnan(n[i]));
      continue;
    }
    CHECK(n[i] == r.canary);
  }
  CHECK(refused > 300);  // equal rates, ratio 0, the rate 1.5
  fa::two_proportion_n_batch(p1, p2, ratio, 0.05, 1.0, s, n);
  CHECK(std::isnan(n[1]));
}

TEST_CASE("batch one-sided count e-value equals the scalar e-value", "[analysis]") {
  // More comparisons than one chunk of the kernel (256), through all three lanes of the two-arm
  // e-value (shares of 1-99 % at k = 100 and 12), with invalid shares and counts among them.
  auto c = make(700, 8);
  c.x1.insert(c.x1.end(), {3.0, -1.0, 0.0, 4.0});
  c.x2.insert(c.x2.end(), {2.0, 5.0, 0.0, 1.0});
  c.share.insert(c.share.end(), {1.0, 0.3, 0.4, 0.0});
  const double k = GENERATE(100.0, 12.0, 0.5);
  std::vector<double> log_e(c.x1.size());
  fa::count_log_e_value_one_sided_batch(c.x2, c.x1, c.share, k, log_e);
  std::size_t refused = 0;
  for (std::size_t i = 0; i < log_e.size(); ++i) {
    const auto s = fa::count_log_e_value_one_sided(c.x2[i], c.x1[i], c.share[i], k);
    INFO("k " << k << " counts " << c.x2[i] << ", " << c.x1[i] << " share " << c.share[i]);
    if (s.status != fa::status::ok) {
      ++refused;
      CHECK(std::isnan(log_e[i]));
      continue;
    }
    CHECK(log_e[i] == s.log_e);
  }
  CHECK(refused == 3);
  CHECK(log_e.back() != log_e.back());
  CHECK(log_e[log_e.size() - 2] == 0.0);  // no events: E = 1
}
