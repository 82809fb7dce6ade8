// floodgate's own random numbers: the Poisson sampler's distribution against the Poisson
// probabilities (a goodness-of-fit check per mean, on both of its algorithms), and the first
// draws of a seed pinned so that a change of algorithm or platform shows.
#include <catch2/catch.hpp>

#include <cmath>
#include <floodgate/analysis/random.hpp>
#include <vector>

namespace fa = floodgate::analysis;

TEST_CASE("Poisson draws follow the Poisson distribution on both sides of the switch at 10",
          "[analysis][random]") {
  const double mean = GENERATE(0.3, 3.5, 9.9, 10.0, 27.0, 400.0);
  fa::rng g(2026);
  const int n = 200000;
  std::vector<double> counts;
  double sum = 0;
  double sum_sq = 0;
  for (int i = 0; i < n; ++i) {
    const auto k = g.poisson(mean);
    if (k >= counts.size()) counts.resize(k + 1, 0);
    counts[k] += 1;
    sum += static_cast<double>(k);
    sum_sq += static_cast<double>(k) * static_cast<double>(k);
  }
  INFO("mean " << mean);
  const double m = sum / n;
  const double var = sum_sq / n - m * m;
  // The sample mean within 5 standard errors; the variance equals the mean.
  CHECK(std::fabs(m - mean) < 5 * std::sqrt(mean / n));
  CHECK(std::fabs(var - mean) < 5 * mean * std::sqrt(2.0 / n) + 5 * std::sqrt(mean / n));
  // Every value with an expected count of 100 or more: its frequency within 5σ of n·pmf(k).
  int checked = 0;
  for (std::size_t k = 0; k < counts.size(); ++k) {
    const double kk = static_cast<double>(k);
    const double pmf = std::exp(kk * std::log(mean) - mean - std::lgamma(kk + 1));
    const double expected = n * pmf;
    if (expected < 100) continue;
    INFO("k " << k);
    CHECK(std::fabs(counts[k] - expected) < 5 * std::sqrt(expected * (1 - pmf)));
    ++checked;
  }
  CHECK(checked >= 2);
}

TEST_CASE("Poisson draws are pinned for a seed", "[analysis][random]") {
  fa::rng g(7);
  std::vector<std::uint64_t> got;
  for (double mean : {0.5, 2.0, 12.0, 1000.0, 1e6}) got.push_back(g.poisson(mean));
  CHECK(got == std::vector<std::uint64_t>{1, 4, 7, 963, 1000695});
  CHECK(g.poisson(0) == 0);
  CHECK(g.poisson(-1) == 0);
  CHECK(g.poisson(std::nan("")) == 0);
}
