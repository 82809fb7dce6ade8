#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <floodgate/analysis/mann_whitney.hpp>
#include <floodgate/analysis/random.hpp>

#include "sort_doubles.hpp"

namespace fa = floodgate::analysis;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {
std::vector<double> draw(fa::rng& g, std::size_t n, double shift, bool rounded) {
  std::vector<double> v(n);
  for (auto& a : v) {
    a = std::exp(4.6 + 0.5 * g.normal()) + shift;
    if (rounded) a = std::round(a);
  }
  return v;
}

// Every difference a − b, ascending: the brute force the selection is checked against.
std::vector<double> sorted_differences(const std::vector<double>& x, const std::vector<double>& y) {
  std::vector<double> diffs;
  for (double a : x) {
    for (double b : y) diffs.push_back(a - b);
  }
  std::sort(diffs.begin(), diffs.end());
  return diffs;
}
}  // namespace

TEST_CASE("Mann-Whitney reports empty, non-finite and all-tied input explicitly", "[analysis]") {
  const std::vector<double> empty;
  const std::vector<double> some{1.0, 2.0};
  const std::vector<double> with_nan{1.0, std::numeric_limits<double>::quiet_NaN()};
  CHECK(fa::mann_whitney_u(empty, some).status == fa::status::empty_sample);
  CHECK(fa::mann_whitney_u(with_nan, some).status == fa::status::non_finite_input);
  const std::vector<double> ones{1.0, 1.0, 1.0};
  const auto tied = fa::mann_whitney_u(ones, ones);
  CHECK(tied.status == fa::status::all_tied);
  CHECK(std::isnan(tied.p_value));
  CHECK(fa::hodges_lehmann_shift(ones, ones).status == fa::status::all_tied);
  CHECK(fa::hodges_lehmann_shift(ones, ones, 0.95, fa::alternative::two_sided, true,
                                 fa::shift_ci_mode::kayenta_compat)
            .status == fa::status::all_tied);
  CHECK(fa::hodges_lehmann_shift(some, some, 1.5).status == fa::status::invalid_argument);
  // The exact null distribution assumes no ties.
  const std::vector<double> with_ties{1.0, 2.0, 2.0};
  CHECK(fa::mann_whitney_u_exact(with_ties, some).status == fa::status::invalid_argument);
}

TEST_CASE("Mann-Whitney properties: p in [0,1], arm swap, common shift", "[analysis]") {
  const auto seed = GENERATE(1u, 2u, 3u, 4u);
  const bool rounded = GENERATE(false, true);
  fa::rng g(seed);
  const auto x = draw(g, 40, 0.0, rounded);
  const auto y = draw(g, 55, 5.0, rounded);
  const auto a = fa::mann_whitney_u(x, y);
  const auto b = fa::mann_whitney_u(y, x);
  REQUIRE(a.status == fa::status::ok);
  CHECK(a.p_value >= 0.0);
  CHECK(a.p_value <= 1.0);
  CHECK(a.u1 + b.u1 == 40.0 * 55.0);
  CHECK_THAT(a.p_value, WithinRel(b.p_value, 1e-12));
  // One-sided p-values of the swapped test agree.
  CHECK_THAT(fa::mann_whitney_u(x, y, fa::alternative::greater).p_value,
             WithinRel(fa::mann_whitney_u(y, x, fa::alternative::less).p_value, 1e-12));
  // Shifting both samples by an integer (exact in floating point here) changes nothing.
  auto xs = x;
  auto ys = y;
  for (auto& v : xs) v += 1024.0;
  for (auto& v : ys) v += 1024.0;
  const auto c = fa::mann_whitney_u(xs, ys);
  CHECK(c.u1 == a.u1);
  CHECK_THAT(c.p_value, WithinRel(a.p_value, 1e-12));
}

TEST_CASE("large samples (radix-sorted) give the U and tie sum of plain ranking", "[analysis]") {
  // Above 2048 values the arms are radix-sorted on their bit patterns, by their top bits first
  // with an insertion pass after, and U is counted by walks that take ties to a merge. Layouts:
  // 0: negative values, −0 and +0 (equal), huge and tiny magnitudes and ties; 1: the same without
  // any tie (the walks' path); 2: values clustered far below the range's resolution beside one
  // huge value (the insertion pass gives up and the keys are sorted in full); 3 and 4: every x
  // above, or below, every y. Each must rank as std::sort ranks it.
  const int layout = GENERATE(0, 1, 2, 3, 4);
  fa::rng g(GENERATE(5u, 6u));
  const bool rounded = layout == 0 && GENERATE(false, true);
  auto x = draw(g, 3000, 0.0, rounded);
  auto y = draw(g, 5000, 2.0, rounded);
  if (layout <= 1) {
    for (std::size_t i = 0; i < 200; ++i) {
      x[i] = -x[i];
      y[3 * i] = -y[3 * i];
    }
    x[11] = 1e300;
    y[13] = -1e-300;
  }
  if (layout == 0) {
    x[7] = -0.0;
    y[9] = 0.0;
    y[17] = x[23];
  }
  if (layout == 2) {
    for (auto& v : x) v = 1.0 + 1e-12 * g.uniform();
    for (auto& v : y) v = 1.0 + 1e-12 * g.uniform();
    y[5] = 1e300;
  }
  if (layout == 3) {
    for (auto& v : x) v += 1e6;
  }
  if (layout == 4) {
    for (auto& v : x) v -= 1e6;
  }
  std::vector<std::pair<double, int>> pooled;
  for (const double v : x) pooled.emplace_back(v, 0);
  for (const double v : y) pooled.emplace_back(v, 1);
  std::sort(pooled.begin(), pooled.end());
  double rank_sum_x = 0.0, tie_sum = 0.0;
  for (std::size_t i = 0; i < pooled.size();) {
    std::size_t j = i;
    while (j < pooled.size() && pooled[j].first == pooled[i].first) ++j;
    const double t = static_cast<double>(j - i);
    const double mid = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
    for (std::size_t k = i; k < j; ++k) rank_sum_x += pooled[k].second == 0 ? mid : 0.0;
    tie_sum += t * t * t - t;
    i = j;
  }
  if (layout != 0 && layout != 2) REQUIRE(tie_sum == 0.0);
  const auto r = fa::mann_whitney_u(x, y);
  REQUIRE(r.status == fa::status::ok);
  CHECK(r.u1 == rank_sum_x - 3000.0 * 3001.0 / 2.0);
  CHECK(r.tie_term == tie_sum);
  // The Hodges-Lehmann path sorts copies of the doubles: its U must agree.
  CHECK(fa::hodges_lehmann_shift(x, y).u1 == r.u1);
}

TEST_CASE("the radix sort of doubles orders as std::sort does", "[analysis]") {
  // sort_doubles.hpp's paths at sizes where they matter: continuous latencies (most significant
  // digit first, then in-bucket passes, then insertion), the same rounded to whole milliseconds
  // (whole prefix digits zero: the least-significant-digit passes), two tight clusters far apart
  // (a few huge buckets), values clustered below the range's resolution beside a huge one (the
  // insertion pass gives up: a full sort), negative values, and a narrow range (few passes).
  const int layout = GENERATE(0, 1, 2, 3, 4, 5);
  fa::rng g(21);
  std::vector<double> v = draw(g, 300000, 0.0, layout == 1);
  if (layout == 2) {
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = (i % 2 == 0 ? 1e-3 : 1e6) + g.uniform();
  }
  if (layout == 3) {
    for (auto& x : v) x = 1.0 + 1e-12 * g.uniform();
    v[5] = 1e300;
  }
  if (layout == 4) {
    for (std::size_t i = 0; i < v.size(); i += 3) v[i] = -v[i];
  }
  if (layout == 5) {
    for (auto& x : v) x = 1.0 + 1e-7 * g.uniform();  // keys within 2³³: three passes in full
  }
  INFO("layout " << layout);
  std::vector<double> expected = v;
  std::sort(expected.begin(), expected.end());
  const auto got = fa::detail::sorted_copy(v);
  REQUIRE(got.size() == expected.size());
  CHECK(std::equal(got.begin(), got.end(), expected.begin()));
}

TEST_CASE("k-th pairwise difference equals the brute-force order statistic", "[analysis]") {
  const auto seed = GENERATE(7u, 8u, 9u);
  fa::rng g(seed);
  auto x = draw(g, 23, 0.0, true);
  auto y = draw(g, 17, 3.0, true);
  std::sort(x.begin(), x.end());
  std::sort(y.begin(), y.end());
  const auto diffs = sorted_differences(x, y);
  for (std::size_t k = 1; k <= diffs.size(); k += 7) {
    CHECK(fa::kth_pairwise_difference(x, y, k) == diffs[k - 1]);
  }
  CHECK(fa::kth_pairwise_difference(x, y, diffs.size()) == diffs.back());
  CHECK(std::isnan(fa::kth_pairwise_difference(x, y, 0)));
}

TEST_CASE("order statistics of many pairwise differences equal the brute-force ones",
          "[analysis]") {
  // Large enough that the selection samples, brackets and splits rather than listing every
  // difference: continuous values, values rounded to whole units, four distinct values only (the
  // wanted ranks sit inside huge runs of equal differences), one arm constant, and values near
  // the largest double (differences overflow to ±∞, and −∞ is a pivot).
  const int kind = GENERATE(0, 1, 2, 3, 4);
  const auto seed = GENERATE(31u, 32u);
  fa::rng g(seed);
  auto x = draw(g, 700, 0.0, kind == 1);
  auto y = draw(g, 450, 2.0, kind == 1);
  if (kind == 2) {
    for (auto& v : x) v = std::floor(g.uniform() * 4.0);
    for (auto& v : y) v = std::floor(g.uniform() * 4.0);
  }
  if (kind == 3) std::fill(y.begin(), y.end(), 7.0);
  if (kind == 4) {
    const double big = 0.9 * std::numeric_limits<double>::max();
    for (auto& v : x) v = g.uniform() < 0.5 ? -big : (g.uniform() < 0.5 ? big : 1.0);
    for (auto& v : y) v = g.uniform() < 0.5 ? -big : (g.uniform() < 0.5 ? big : 2.0);
  }
  std::sort(x.begin(), x.end());
  std::sort(y.begin(), y.end());
  const auto diffs = sorted_differences(x, y);
  const std::size_t total = diffs.size();
  // Hodges-Lehmann's set (the two middle ranks and two interval ends), the extremes, ranks that
  // repeat, arrive out of order, lie next to each other, and one out of range.
  std::vector<std::size_t> ks{total / 2, total / 2 + 1, total / 50, total - total / 50, 1,
                              total,     total / 2,     17,         total / 3 + 1,      total / 3,
                              total / 3, total + 1};
  for (std::size_t k = 5; k <= total; k += total / 40) ks.push_back(k);
  const auto got = fa::pairwise_difference_order_stats(x, y, ks);
  REQUIRE(got.size() == ks.size());
  for (std::size_t t = 0; t < ks.size(); ++t) {
    INFO("rank " << ks[t] << " of " << total);
    if (ks[t] > total) {
      CHECK(std::isnan(got[t]));
    } else {
      CHECK(got[t] == diffs[ks[t] - 1]);
      CHECK(fa::kth_pairwise_difference(x, y, ks[t]) == diffs[ks[t] - 1]);
    }
  }
}

TEST_CASE("exact selection and R's root finding give the same interval", "[analysis]") {
  const auto seed = GENERATE(11u, 12u, 13u);
  const bool rounded = GENERATE(false, true);
  fa::rng g(seed);
  const auto x = draw(g, 120, 3.0, rounded);
  const auto y = draw(g, 90, 0.0, rounded);
  const auto exact = fa::hodges_lehmann_shift(x, y, 0.98);
  const auto compat = fa::hodges_lehmann_shift(x, y, 0.98, fa::alternative::two_sided, true,
                                               fa::shift_ci_mode::kayenta_compat);
  REQUIRE(exact.status == fa::status::ok);
  REQUIRE(compat.status == fa::status::ok);
  // uniroot(tol = 1e-4) lands within ~1e-4 of the jump that exact selection returns.
  CHECK_THAT(exact.ci.lower, WithinAbs(compat.ci.lower, 2e-4));
  CHECK_THAT(exact.ci.upper, WithinAbs(compat.ci.upper, 2e-4));
  CHECK(exact.ci.lower <= exact.estimate);
  CHECK(exact.estimate <= exact.ci.upper);
}

TEST_CASE("Hodges-Lehmann estimate follows a shift of the canary", "[analysis]") {
  fa::rng g(21);
  const auto x = draw(g, 50, 0.0, true);
  const auto y = draw(g, 60, 0.0, true);
  auto shifted = x;
  for (auto& v : shifted) v += 16.0;
  const auto a = fa::hodges_lehmann_shift(x, y);
  const auto b = fa::hodges_lehmann_shift(shifted, y);
  CHECK(b.estimate == a.estimate + 16.0);
  CHECK(b.ci.lower == a.ci.lower + 16.0);
  CHECK(b.ci.upper == a.ci.upper + 16.0);
  CHECK_THAT(fa::common_language_effect_size(x, y) + fa::common_language_effect_size(y, x),
             WithinRel(1.0, 1e-15));
}
