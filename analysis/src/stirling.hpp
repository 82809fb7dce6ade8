#pragma once
// Stirling's series for log Γ, shared by the scalar functions and the batch kernels: one set of
// coefficients.

namespace floodgate::analysis::detail {

inline constexpr double half_log_2pi = 0.91893853320467274178;  // ½ log 2π

// The asymptotic series of log Γ(z) − [(z − ½) log z − z + ½ log 2π]:
// 1/(12z) − 1/(360z³) + 1/(1260z⁵) − 1/(1680z⁷) + 1/(1188z⁹); error < 1e-16 for z > 15 and
// < 2e-14 for z ≥ 10. Takes r = 1/z, which callers often have at hand.
[[gnu::always_inline]] inline double stirling_series_inv(double r) {
  const double r2 = r * r;
  return (1.0 / 12.0 -
          r2 * (1.0 / 360.0 - r2 * (1.0 / 1260.0 - r2 * (1.0 / 1680.0 - r2 * (1.0 / 1188.0))))) *
         r;
}
inline double stirling_series(double z) { return stirling_series_inv(1.0 / z); }

}  // namespace floodgate::analysis::detail
