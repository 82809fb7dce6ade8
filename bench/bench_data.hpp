#pragma once
// Inputs shared by the benchmarks and the peer comparison: lognormal(log median, 0.5) latencies,
// continuous or rounded to whole milliseconds ("ties"), from floodgate's own PRNG.

#include <cmath>
#include <cstdint>
#include <vector>

#include <floodgate/analysis/random.hpp>

namespace floodgate::bench {

inline std::vector<double> lognormal_latencies(std::size_t n, double median, bool ties,
                                               std::uint64_t seed) {
  analysis::rng g(seed);
  std::vector<double> v(n);
  for (auto& a : v) {
    a = median * std::exp(0.5 * g.normal());
    if (ties) a = std::round(a);
  }
  return v;
}

}  // namespace floodgate::bench
