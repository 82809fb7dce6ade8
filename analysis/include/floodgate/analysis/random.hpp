#pragma once
/// \file
/// floodgate's own pseudo-random numbers, so simulations and Kayenta's noise path reproduce
/// across standard libraries (std:: distributions are implementation-defined).
/// Not thread-safe: one generator per thread or per simulated run.

#include <cmath>
#include <cstdint>

namespace floodgate::analysis {

/// xoshiro256** (Blackman & Vigna 2018), seeded through splitmix64.
class rng {
 public:
  explicit rng(std::uint64_t seed) noexcept;
  /// Next 64 random bits.
  std::uint64_t next() noexcept {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  /// Uniform on [0, 1) with 53 random bits.
  double uniform() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  /// Standard normal by the Marsaglia polar method (pairs cached).
  double normal() noexcept;
  /// Poisson with mean `mean` (0 for mean ≤ 0 or NaN): below 10 by inversion (multiplying
  /// uniforms until their product falls below e^−mean, Knuth TAOCP vol. 2 §3.4.1); from 10 on by
  /// Hörmann's transformed rejection with squeeze, PTRS (W. Hörmann, "The transformed rejection
  /// method for generating Poisson random variables", Insurance: Mathematics and Economics 12
  /// (1993) 39–45), O(1) per draw.
  std::uint64_t poisson(double mean) noexcept;

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
  double spare_ = 0.0;
  bool has_spare_ = false;
};

namespace detail {
/// ln k! for a whole k ≥ 0.
double log_factorial(double k) noexcept;
}  // namespace detail

/// rng::poisson for one mean, its constants worked out once: the same draws from the same
/// generator, for a simulation that draws many times from each of a few means (a traffic
/// cell's count per scrape, sim/synthetic.cpp). Drawing is inline, so that a loop of draws
/// keeps a local generator's state in registers.
class poisson_draw {
 public:
  explicit poisson_draw(double mean = 0) noexcept;
  double mean() const noexcept { return mean_; }
  std::uint64_t operator()(rng& g) const noexcept {
    if (!(mean_ > 0)) return 0;
    if (small_) {
      std::uint64_t k = 0;
      double product = g.uniform();
      while (product > limit_) {
        ++k;
        product *= g.uniform();
      }
      return k;
    }
    // PTRS's first candidate here, accepted by the squeeze about three times in four; the
    // rest of the loop out of line.
    const auto c = candidate(g);
    return squeezed(c) ? static_cast<std::uint64_t>(c.k) : rejected(g, c.v, c.us, c.k);
  }

 private:
  /// A PTRS candidate k from two uniforms u − ½ and v (us = ½ − |u − ½|).
  struct ptrs_candidate {
    double v, us, k;
  };
  ptrs_candidate candidate(rng& g) const noexcept {
    const double u = g.uniform() - 0.5;
    const double v = g.uniform();
    const double us = 0.5 - std::fabs(u);
    return {v, us, std::floor((two_a_ / us + b_) * u + mean_ + 0.43)};
  }
  /// Accepted without a logarithm.
  bool squeezed(const ptrs_candidate& c) const noexcept {
    return c.k >= 0 && c.us >= 0.07 && c.v <= v_r_;
  }
  /// PTRS from a candidate the squeeze did not accept: its full test, then new candidates. (The
  /// candidate comes as three doubles, in registers; a struct of three goes through memory.)
  std::uint64_t rejected(rng& g, double v, double us, double k) const noexcept;

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
