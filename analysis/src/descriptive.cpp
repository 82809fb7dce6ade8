#include <floodgate/analysis/descriptive.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

namespace floodgate::analysis {

summary summarize(std::span<const double> v) {
  summary s;
  s.count = v.size();
  if (v.empty()) return s;
  double sum = 0.0;
  s.min = s.max = v.front();
  for (double a : v) {
    sum += a;
    s.min = std::min(s.min, a);
    s.max = std::max(s.max, a);
  }
  const double n = static_cast<double>(v.size());
  s.mean = sum / n;
  if (v.size() < 2) {
    s.variance = std::numeric_limits<double>::quiet_NaN();
    return s;
  }
  // Two-pass with the compensating term (Chan, Golub & LeVeque 1983).
  double ss = 0.0;
  double comp = 0.0;
  for (double a : v) {
    const double d = a - s.mean;
    ss += d * d;
    comp += d;
  }
  s.variance = (ss - comp * comp / n) / (n - 1.0);
  return s;
}

double percentile_r7_sorted(std::span<const double> sorted, double p) {
  if (sorted.empty() || !(p >= 0.0 && p <= 100.0)) return std::numeric_limits<double>::quiet_NaN();
  const double h = static_cast<double>(sorted.size() - 1) * p / 100.0;
  const double lo = std::floor(h);
  const auto i = static_cast<std::size_t>(lo);
  if (i + 1 >= sorted.size()) return sorted.back();
  return sorted[i] + (h - lo) * (sorted[i + 1] - sorted[i]);
}

double percentile_r7(std::span<const double> v, double p) {
  std::vector<double> s(v.begin(), v.end());
  std::sort(s.begin(), s.end());
  return percentile_r7_sorted(s, p);
}

iqr_fences iqr_outliers(std::span<const double> v, double factor, bool reduce_sensitivity) {
  iqr_fences f;
  f.outlier.assign(v.size(), false);
  if (v.empty()) return f;
  std::vector<double> s(v.begin(), v.end());
  std::sort(s.begin(), s.end());
  const double q1 = percentile_r7_sorted(s, 25.0);
  const double q3 = percentile_r7_sorted(s, 75.0);
  const double iqr = q3 - q1;
  f.lower = q1 - factor * iqr;
  f.upper = q3 + factor * iqr;
  if (reduce_sensitivity) {
    f.lower = std::min(percentile_r7_sorted(s, 1.0), f.lower);
    f.upper = std::max(percentile_r7_sorted(s, 99.0), f.upper);
  }
  for (std::size_t i = 0; i < v.size(); ++i) f.outlier[i] = v[i] > f.upper || v[i] < f.lower;
  return f;
}

}  // namespace floodgate::analysis
