// Comparison metrics, one look at a time: the three outcomes of each test, the sample-size gate,
// and what no traffic, NaN and empty samples give (insufficient data, never a pass).

#include <catch2/catch.hpp>
#include <cmath>
#include <floodgate/analysis/random.hpp>
#include <floodgate/core/comparison.hpp>
#include <limits>

using namespace floodgate::core;
using Catch::Matchers::WithinAbs;

namespace {

comparison_metric counts_test(comparison_test t, double min_effect = 0.005) {
  comparison_metric m;
  m.test = t;
  m.min_effect = min_effect;
  return m;
}

comparison_data counts(double ce, double cn, double be, double bn) {
  comparison_data d;
  d.canary = {ce, cn};
  d.baseline = {be, bn};
  return d;
}

// Lognormal latencies in ms (median 100 ms), optionally shifted by `plus_ms`.
std::vector<double> latencies(std::uint64_t seed, std::size_t n, double plus_ms = 0.0) {
  floodgate::analysis::rng rng(seed);
  std::vector<double> out(n);
  for (double& x : out) x = 100.0 * std::exp(0.3 * rng.normal()) + plus_ms;
  return out;
}

comparison_data samples(std::vector<double> canary, std::vector<double> baseline) {
  comparison_data d;
  d.canary_samples = std::move(canary);
  d.baseline_samples = std::move(baseline);
  return d;
}

}  // namespace

TEST_CASE("no traffic, NaN and empty samples are insufficient data", "[core][comparison]") {
  for (const auto t : {comparison_test::two_proportion, comparison_test::sequential_counts}) {
    const auto m = counts_test(t);
    CHECK(compare(m, counts(0, 0, 10, 1000)).outcome == comparison_outcome::insufficient);
    CHECK(compare(m, counts(0, 0, 0, 0)).outcome == comparison_outcome::insufficient);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const auto v = compare(m, counts(nan, 100, 1, 100));
    CHECK(v.outcome == comparison_outcome::insufficient);
    CHECK_THAT(v.message, Catch::Contains("NaN"));
  }
  for (const auto t : {comparison_test::mann_whitney, comparison_test::welch,
                       comparison_test::quantile, comparison_test::kayenta}) {
    auto m = counts_test(t, 5.0);
    CHECK(compare(m, samples({}, latencies(1, 100))).outcome == comparison_outcome::insufficient);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    CHECK(compare(m, samples({nan, nan, nan}, latencies(1, 100))).outcome ==
          comparison_outcome::insufficient);
  }
}

TEST_CASE("two_proportion: the gate, failure and non-inferiority", "[core][comparison]") {
  // The source document's quick model: p = 1 %, δ = 0.5 pp, 95 % → 1 522 requests
  // (shared/DESIGN.md, the required-sample-size model).
  auto quick = counts_test(comparison_test::two_proportion);
  quick.model = sample_size_model::quick;
  auto v = compare(quick, counts(10, 1000, 1000, 100000));
  CHECK(v.outcome == comparison_outcome::insufficient);
  REQUIRE(v.required_n);
  CHECK(*v.required_n == 1522);
  CHECK(*v.n == 1000);
  CHECK_THAT(v.message, Catch::Contains("n=1000 < required n=1522"));

  const auto m = counts_test(comparison_test::two_proportion);
  // Two-sample default at equal allocation equals R power.prop.test(p1 = 0.01, p2 = 0.015,
  // power = 0.8, sig.level = 0.05, alternative = "one.sided")$n = 6104.228844 per arm.
  v = compare(m, counts(10, 1000, 10, 1000));
  REQUIRE(v.required_n);
  CHECK(*v.required_n == 6105);
  CHECK(v.outcome == comparison_outcome::insufficient);

  // A doubled error rate with plenty of traffic: failed, with p and the estimate.
  v = compare(m, counts(200, 10000, 100, 10000));
  CHECK(v.outcome == comparison_outcome::failed);
  REQUIRE(v.p_value);
  CHECK(*v.p_value < 1e-6);
  CHECK_THAT(*v.estimate, WithinAbs(0.01, 1e-12));

  // Equal rates, enough traffic: the upper bound excludes +0.5 pp.
  v = compare(m, counts(100, 20000, 100, 20000));
  CHECK(v.outcome == comparison_outcome::successful);
  CHECK(*v.interval_high < 0.005);

  // Direction decrease reads success counts: the same data, complemented, decides the same.
  auto success = m;
  success.direction = regression_direction::decrease;
  const auto s = compare(success, counts(10000 - 200, 10000, 10000 - 100, 10000));
  CHECK(s.outcome == comparison_outcome::failed);
  CHECK_THAT(*s.estimate, WithinAbs(-0.01, 1e-12));
  CHECK(*s.interval_high <= -*v.interval_low + 1.0);  // intervals mirrored into success terms

  CHECK(compare(m, counts(20, 10, 1, 10)).outcome == comparison_outcome::error);
}

TEST_CASE("sequential_counts: anytime-valid failure before the gate", "[core][comparison]") {
  const auto m = counts_test(comparison_test::sequential_counts);
  // 60 canary errors against 20 baseline errors at equal traffic: far past 1/α = 20, even though
  // the canary has fewer requests than the fixed-sample n.
  auto v = compare(m, counts(60, 2000, 20, 2000));
  CHECK(v.outcome == comparison_outcome::failed);
  REQUIRE(v.e_value);
  CHECK(*v.e_value >= 20.0);
  CHECK(*v.n < *v.required_n);
  // Healthy and short of n: insufficient; healthy past n: successful.
  CHECK(compare(m, counts(20, 2000, 20, 2000)).outcome == comparison_outcome::insufficient);
  v = compare(m, counts(70, 7000, 70, 7000));
  CHECK(v.outcome == comparison_outcome::successful);
  CHECK(*v.e_value < 20.0);
}

TEST_CASE("sample tests: shifted latency fails, equal latency passes", "[core][comparison]") {
  for (const auto t : {comparison_test::mann_whitney, comparison_test::welch,
                       comparison_test::quantile, comparison_test::kayenta}) {
    INFO(comparison_test_name(t));
    auto m = counts_test(t, 15.0);
    m.quantile = 0.9;
    const auto base = latencies(7, 4000);
    auto bad = compare(m, samples(latencies(8, 4000, 40.0), base));
    CHECK(bad.outcome == comparison_outcome::failed);
    REQUIRE(bad.estimate);
    CHECK(*bad.estimate > 20.0);
    const auto good = compare(m, samples(latencies(9, 4000), base));
    CHECK(good.outcome == comparison_outcome::successful);
    const auto few = compare(m, samples(latencies(10, 5), base));
    CHECK(few.outcome == comparison_outcome::insufficient);
    REQUIRE(few.required_n);
    CHECK(*few.required_n > 5);
    // Throughput-like metric: lower is worse.
    auto down = m;
    down.direction = regression_direction::decrease;
    std::vector<double> slower = latencies(8, 4000);
    for (double& x : slower) x -= 40.0;
    CHECK(compare(down, samples(slower, base)).outcome == comparison_outcome::failed);
  }
}

TEST_CASE("a comparison spec is validated", "[core][comparison]") {
  auto m = counts_test(comparison_test::two_proportion);
  CHECK_FALSE(validate_comparison(m, "x"));
  m.alpha = 0.7;
  CHECK(*validate_comparison(m, "metrics[0].compare") ==
        "metrics[0].compare.alpha: must be in (0, 0.5), got 0.7");
  m = counts_test(comparison_test::two_proportion, 0.0);
  CHECK_THAT(*validate_comparison(m, "c"), Catch::Contains("minEffect"));
  CHECK(compare(m, counts(1, 10, 1, 10)).outcome == comparison_outcome::error);
  CHECK(parse_comparison_test("mann_whitney") == comparison_test::mann_whitney);
  CHECK_FALSE(parse_comparison_test("t_test"));
}

namespace {

// Two verdicts alike field by field (NaN equal to NaN: a look may report one).
void check_same(const comparison_verdict& a, const comparison_verdict& b) {
  const auto same = [](const std::optional<double>& x, const std::optional<double>& y) {
    if (!x || !y) return !x && !y;
    return *x == *y || (std::isnan(*x) && std::isnan(*y));
  };
  CHECK(a.outcome == b.outcome);
  CHECK(a.statistic == b.statistic);
  CHECK(a.message == b.message);
  CHECK(same(a.estimate, b.estimate));
  CHECK(same(a.interval_low, b.interval_low));
  CHECK(same(a.interval_high, b.interval_high));
  CHECK(same(a.p_value, b.p_value));
  CHECK(same(a.e_value, b.e_value));
  CHECK(same(a.n, b.n));
  CHECK(same(a.required_n, b.required_n));
  CHECK(same(a.alpha, b.alpha));
}

}  // namespace

TEST_CASE("a batch of looks gives each look's verdict", "[core][comparison]") {
  // Looks of every test, both directions, both sample-size models, at three α and power pairs
  // (so the batch groups them), a misconfigured metric, and the data the checks stop: no
  // traffic, NaN, more events than requests, no events, a canary far worse, a canary better.
  floodgate::analysis::rng g(11);
  std::vector<comparison_metric> ms;
  std::vector<comparison_data> ds;
  for (int i = 0; i < 1500; ++i) {
    comparison_metric m;
    m.test = static_cast<comparison_test>(i % 6);
    m.direction = i % 7 == 0 ? regression_direction::decrease : regression_direction::increase;
    m.alpha = std::array{0.05, 0.01, 0.1}[static_cast<std::size_t>(i % 3)];
    m.power = std::array{0.8, 0.9, 0.8}[static_cast<std::size_t>(i % 5 % 3)];
    m.model = i % 11 == 0 ? sample_size_model::quick : sample_size_model::two_sample;
    const bool counts_test =
        m.test == comparison_test::two_proportion || m.test == comparison_test::sequential_counts;
    m.min_effect = counts_test ? 0.002 + 0.01 * g.uniform() : 5.0;
    if (i == 40) m.alpha = 0.7;  // invalid: compare() says so
    comparison_data d;
    if (counts_test) {
      const double cn = std::floor(g.uniform() * 20000.0);
      const double bn = std::floor(g.uniform() * 200000.0);
      const double rate = 0.01 * g.uniform();
      const double worse = i % 4 == 0 ? 3.0 : (i % 4 == 1 ? 0.5 : 1.0);
      d.canary = {std::floor(cn * rate * worse), cn};
      d.baseline = {std::floor(bn * rate), bn};
      switch (i % 50) {
        case 3:
          d.canary = {0.0, 0.0};
          break;
        case 8:
          d.baseline.events = std::numeric_limits<double>::quiet_NaN();
          break;
        case 13:
          d.canary.events = d.canary.total + 5.0;
          break;
        case 18:
          d.canary.events = d.baseline.events = 0.0;
          break;
        case 23:
          d.canary = {1e6, 1e6};
          break;  // every canary request bad
        default:
          break;
      }
    } else {
      d.canary_samples = latencies(static_cast<std::uint64_t>(i), 30, i % 2 ? 20.0 : 0.0);
      d.baseline_samples = latencies(static_cast<std::uint64_t>(i) + 7777, 40);
    }
    ms.push_back(m);
    ds.push_back(std::move(d));
  }
  std::vector<const comparison_metric*> mp;
  std::vector<const comparison_data*> dp;
  for (std::size_t i = 0; i < ms.size(); ++i) {
    mp.push_back(&ms[i]);
    dp.push_back(&ds[i]);
  }
  std::vector<comparison_verdict> got(ms.size());
  compare_batch(mp, dp, got);
  std::array<int, 4> outcomes{};
  for (std::size_t i = 0; i < ms.size(); ++i) {
    INFO("look " << i << ": " << comparison_test_name(ms[i].test) << ", " << got[i].message);
    check_same(got[i], compare(ms[i], ds[i]));
    ++outcomes[static_cast<std::size_t>(got[i].outcome)];
  }
  // Every outcome occurs, so every path of the batch was taken.
  for (const int n : outcomes) CHECK(n > 0);
}
