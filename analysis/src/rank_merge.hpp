#pragma once
// One merge pass over two ascending samples gives everything the rank tests need: U of the
// first sample and the tie-correction sum, with no rank array.

#include <algorithm>
#include <span>
#include <vector>

#include "sort_doubles.hpp"

namespace floodgate::analysis::detail {

struct rank_summary {
  double two_u = 0.0;    // 2·U1, an integer (exact in a double up to 2^53)
  double tie_sum = 0.0;  // Σ (t³ − t) over groups of equal values in the pooled sample
};

// Ranks of (xs − shift) ∪ ys. Both spans ascending; (xs − shift) stays ascending because
// rounding is monotone.
inline rank_summary merge_ranks(std::span<const double> xs, std::span<const double> ys,
                                double shift) {
  rank_summary s;
  std::size_t i = 0;
  std::size_t j = 0;
  double y_below = 0.0;
  while (i < xs.size() || j < ys.size()) {
    const bool take_x = j == ys.size() || (i < xs.size() && xs[i] - shift <= ys[j]);
    const double v = take_x ? xs[i] - shift : ys[j];
    double cx = 0.0;
    while (i < xs.size() && xs[i] - shift == v) {
      ++i;
      cx += 1.0;
    }
    double cy = 0.0;
    while (j < ys.size() && ys[j] == v) {
      ++j;
      cy += 1.0;
    }
    s.two_u += cx * (2.0 * y_below + cy);
    y_below += cy;
    const double t = cx + cy;
    s.tie_sum += t * t * t - t;
  }
  return s;
}

}  // namespace floodgate::analysis::detail
