#pragma once
// Small helpers shared by the statistical tests: the normal-tail p-value for an alternative and the
// shape of a one- or two-sided interval.

#include <algorithm>
#include <cmath>
#include <limits>

#include <floodgate/analysis/common.hpp>
#include <floodgate/analysis/distributions.hpp>

#include "batch_lanes.hpp"

namespace floodgate::analysis::detail {

// P-value of a standard normal statistic z (NaN stays NaN); two-sided is 2·min(tails) =
// 2·P(Z > |z|), ≤ 1. The batch kernels' code (batch_lanes.hpp), so the same bits.
inline double p_value_from_z(double z, alternative alt) {
  return with_alternative(alt, [z](auto a) { return p_value_lane<decltype(a)::value>(z); });
}

// [lower, upper] for a two-sided alternative; a one-sided one leaves the other end open.
inline interval sided_interval(alternative alt, double lower, double upper) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  switch (alt) {
    case alternative::greater:
      return {lower, inf};
    case alternative::less:
      return {-inf, upper};
    case alternative::two_sided:
      break;
  }
  return {lower, upper};
}

}  // namespace floodgate::analysis::detail
