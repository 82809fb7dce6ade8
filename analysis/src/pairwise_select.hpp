#pragma once
// Order statistics of the m·n pairwise differences a_i − b_j without forming them.

#include <cstddef>
#include <span>

namespace floodgate::analysis::detail {

// out[t] = the ks[t]-th smallest (1-based) difference a_i − b_j, for ascending a and b and ranks
// within [1, m·n] in any order. Several ranks are found together.
void select_pairwise_differences(std::span<const double> a, std::span<const double> b,
                                 std::span<const std::size_t> ks, std::span<double> out);

}  // namespace floodgate::analysis::detail
