#pragma once
// Stirling's series for log Γ, shared by the scalar functions (double) and the batch kernels
// (Eigen arrays): one set of coefficients.

namespace floodgate::analysis::detail {

inline constexpr double half_log_2pi = 0.91893853320467274178;  // ½ log 2π

// The asymptotic series of log Γ(z) − [(z − ½) log z − z + ½ log 2π]:
// 1/(12z) − 1/(360z³) + 1/(1260z⁵) − 1/(1680z⁷) + 1/(1188z⁹); error < 1e-16 for z > 15.
template <class T>
T stirling_series(const T& z) {
  const T z2 = 1.0 / (z * z);
  return (1.0 / 12.0 -
          z2 * (1.0 / 360.0 - z2 * (1.0 / 1260.0 - z2 * (1.0 / 1680.0 - z2 / 1188.0)))) /
         z;
}

}  // namespace floodgate::analysis::detail
