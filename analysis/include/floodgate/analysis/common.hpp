#pragma once
/// \file
/// Small value types shared by the tests: the alternative hypothesis and an interval.

#include <limits>

namespace floodgate::analysis {

/// The alternative hypothesis, always stated for "first arm minus second arm" (canary minus
/// baseline, or x minus y): `greater` means the first arm is larger.
enum class alternative { two_sided, less, greater };

/// A closed interval; either end may be ±infinity (one-sided intervals) or NaN (undefined).
struct interval {
  double lower = std::numeric_limits<double>::quiet_NaN();
  double upper = std::numeric_limits<double>::quiet_NaN();
};

}  // namespace floodgate::analysis
