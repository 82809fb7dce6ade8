#pragma once
/// \file
/// The explicit outcome of a statistical computation. `analysis` never throws on data: too few
/// samples, zero variance, NaN and out-of-range arguments come back as a status that says why.

#include <string_view>

namespace floodgate::analysis {

/// Why a statistic could or could not be computed. Thread-safe (a plain value).
enum class status {
  ok,                ///< computed; every field is meaningful
  empty_sample,      ///< an arm has no observations
  too_few_samples,   ///< fewer observations than the method needs (e.g. n = 1 for a variance)
  non_finite_input,  ///< NaN or an infinity in an input that must be finite
  invalid_argument,  ///< an argument outside its domain (p outside [0,1], negative count, …)
  constant_data,     ///< zero variance where the method divides by it
  all_tied,          ///< every observation has the same rank; a rank test cannot be formed
  no_convergence,    ///< an iterative solver did not reach its tolerance
  not_reached,       ///< the quantity asked for is not attained within the given horizon
};

/// A short English description of `s`, suitable for logs and API errors.
std::string_view describe(status s) noexcept;

}  // namespace floodgate::analysis
