#pragma once
/// \file
/// floodgate's own pseudo-random numbers, so simulations and Kayenta's noise path reproduce
/// across standard libraries (std:: distributions are implementation-defined).
/// Not thread-safe: one generator per thread or per simulated run.

#include <cstdint>

namespace floodgate::analysis {

/// xoshiro256** (Blackman & Vigna 2018), seeded through splitmix64.
class rng {
 public:
  explicit rng(std::uint64_t seed) noexcept;
  /// Next 64 random bits.
  std::uint64_t next() noexcept;
  /// Uniform on [0, 1) with 53 random bits.
  double uniform() noexcept;
  /// Standard normal by the Marsaglia polar method (pairs cached).
  double normal() noexcept;
  /// Poisson with mean `mean` (0 for mean ≤ 0 or NaN): below 10 by inversion (multiplying
  /// uniforms until their product falls below e^−mean, Knuth TAOCP vol. 2 §3.4.1); from 10 on by
  /// Hörmann's transformed rejection with squeeze, PTRS (W. Hörmann, "The transformed rejection
  /// method for generating Poisson random variables", Insurance: Mathematics and Economics 12
  /// (1993) 39–45), O(1) per draw.
  std::uint64_t poisson(double mean) noexcept;

 private:
  std::uint64_t s_[4];
  double spare_ = 0.0;
  bool has_spare_ = false;
};

/// rng::poisson for one mean, its constants worked out once: the same draws from the same
/// generator, for a simulation that draws many times from each of a few means (a traffic
/// cell's count per scrape, sim/synthetic.cpp).
class poisson_draw {
 public:
  explicit poisson_draw(double mean = 0) noexcept;
  double mean() const noexcept { return mean_; }
  std::uint64_t operator()(rng& g) const noexcept;

 private:
  double mean_;
  bool small_ = true;  ///< inversion (mean below 10) or PTRS
  double limit_ = 0;   ///< inversion: e^−mean
  // PTRS: the paper's b, a and 2a, v_r, ln(1/α), ln μ.
  double b_ = 0;
  double a_ = 0;
  double two_a_ = 0;
  double v_r_ = 0;
  double log_inv_alpha_ = 0;
  double log_mean_ = 0;
};

}  // namespace floodgate::analysis
