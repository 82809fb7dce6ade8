#include <floodgate/analysis/batch.hpp>
#include <floodgate/analysis/distributions.hpp>

#include <Eigen/Core>
#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

#include "stirling.hpp"
#include "tails.hpp"

namespace floodgate::analysis {
namespace {

// Kernels run over chunks of at most 512 comparisons held in stack-allocated Eigen arrays: no heap
// temporaries, and a chunk's working set stays in L1/L2.
constexpr Eigen::Index chunk_size = 512;
using chunk = Eigen::Array<double, Eigen::Dynamic, 1, Eigen::ColMajor, chunk_size, 1>;
using cmap = Eigen::Map<const Eigen::ArrayXd>;

constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();
using detail::half_log_2pi;

chunk load(std::span<const double> s, std::size_t at, Eigen::Index len) {
  return cmap(s.data() + at, len);
}
void store(std::span<double> s, std::size_t at, const chunk& v) {
  Eigen::Map<Eigen::ArrayXd>(s.data() + at, v.size()) = v;
}

template <class Kernel>
void for_each_chunk(std::size_t size, Kernel&& kernel) {
  for (std::size_t at = 0; at < size; at += chunk_size) {
    kernel(at, static_cast<Eigen::Index>(std::min<std::size_t>(chunk_size, size - at)));
  }
}

// stirling_error(z) for z > 0, vectorised: below 16 it shifts z up by 16 with
// Γ(z) = Γ(z + 16) / (z (z+1) … (z+15)) so that only the series is needed.
chunk stirling_error_v(const chunk& z) {
  if ((z >= 16.0).all()) return detail::stirling_series<chunk>(z);
  const auto small = (z < 16.0);
  const chunk w = small.select(z + 16.0, z);
  chunk prod = chunk::Ones(z.size());
  for (int j = 0; j < 16; ++j) prod *= (z + j);
  const chunk lgamma_w = (w - 0.5) * w.log() - w + half_log_2pi + detail::stirling_series<chunk>(w);
  const chunk shifted = lgamma_w - prod.log() - ((z - 0.5) * z.log() - z + half_log_2pi);
  return small.select(shifted, detail::stirling_series<chunk>(z));
}

chunk lgamma_v(const chunk& z) {
  return (z - 0.5) * z.log() - z + half_log_2pi + stirling_error_v(z);
}

}  // namespace

void two_proportion_z_batch(std::span<const double> x1, std::span<const double> n1,
                            std::span<const double> x2, std::span<const double> n2, alternative alt,
                            std::span<double> z, std::span<double> p_value) {
  assert(n1.size() == x1.size() && x2.size() == x1.size() && n2.size() == x1.size());
  assert(z.size() == x1.size() && p_value.size() == x1.size());
  for_each_chunk(x1.size(), [&](std::size_t at, Eigen::Index len) {
    const chunk a1 = load(x1, at, len);
    const chunk b1 = load(n1, at, len);
    const chunk a2 = load(x2, at, len);
    const chunk b2 = load(n2, at, len);
    const chunk pooled = (a1 + a2) / (b1 + b2);
    const chunk var = pooled * (1.0 - pooled) * (b1.inverse() + b2.inverse());
    const auto valid = (a1 >= 0.0) && (a2 >= 0.0) && (a1 <= b1) && (a2 <= b2) && (var > 0.0);
    const chunk zz = valid.select((a1 / b1 - a2 / b2) / var.sqrt(), nan_v);
    store(z, at, zz);
  });
  // Eigen 3.4 has no vectorised erfc for double: the tails go through the scalar helper.
  for (std::size_t i = 0; i < z.size(); ++i) p_value[i] = detail::p_value_from_z(z[i], alt);
}

void count_log_e_value_batch(std::span<const double> baseline_events,
                             std::span<const double> canary_events,
                             std::span<const double> canary_share, double k,
                             std::span<double> log_e) {
  assert(canary_events.size() == baseline_events.size());
  assert(canary_share.size() == baseline_events.size() && log_e.size() == baseline_events.size());
  if (!(k > 0.0) || !std::isfinite(k)) {
    std::fill(log_e.begin(), log_e.end(), nan_v);
    return;
  }
  const double lgamma_k = std::lgamma(k);
  for_each_chunk(log_e.size(), [&](std::size_t at, Eigen::Index len) {
    const chunk xb = load(baseline_events, at, len);
    const chunk xc = load(canary_events, at, len);
    const chunk rho = load(canary_share, at, len);
    // The same Stirling decomposition as multinomial_log_e_value (see sequential.cpp).
    const chunk x_sum = xb + xc;
    const chunk total = k + x_sum;
    const chunk r_b = 1.0 - rho;
    auto arm = [&](const chunk& x, const chunk& r) {
      const chunk a = k * r;
      const chunk q = (a + x) / total;
      const chunk rel = (x - r * x_sum) / (r * total);
      const chunk xlog = (x > 0.0).select(x * rel.log1p(), 0.0);
      return chunk(xlog + (a - 0.5) * q.log() + stirling_error_v(a + x) - lgamma_v(a));
    };
    const chunk value = -0.5 * total.log() + half_log_2pi - stirling_error_v(total) + lgamma_k +
                        arm(xb, r_b) + arm(xc, rho);
    const auto valid = (xb >= 0.0) && (xc >= 0.0) && (rho > 0.0) && (rho < 1.0);
    const chunk result = valid.select((x_sum == 0.0).select(chunk::Zero(len), value), nan_v);
    store(log_e, at, result);
  });
}

void sample_size_gate_batch(std::span<const double> canary_requests,
                            std::span<const double> baseline_requests,
                            std::span<const double> baseline_rate, double mde, double alpha,
                            double power, std::span<double> required, std::span<std::uint8_t> met) {
  assert(baseline_requests.size() == canary_requests.size());
  assert(baseline_rate.size() == canary_requests.size());
  assert(required.size() == canary_requests.size() && met.size() == canary_requests.size());
  if (!(mde > 0.0) || !(alpha > 0.0 && alpha < 1.0) || !(power > 0.0 && power < 1.0)) {
    std::fill(required.begin(), required.end(), nan_v);
    std::fill(met.begin(), met.end(), std::uint8_t{0});
    return;
  }
  const double z_a = normal_quantile(1.0 - alpha / 2.0);
  const double z_b = normal_quantile(power);
  for_each_chunk(required.size(), [&](std::size_t at, Eigen::Index len) {
    const chunk nc = load(canary_requests, at, len);
    const chunk nb = load(baseline_requests, at, len);
    const chunk p2 = load(baseline_rate, at, len);
    const chunk ratio = nb / nc;
    const chunk p1 = p2 + mde;
    const chunk pbar = (p1 + ratio * p2) / (1.0 + ratio);
    const chunk sd0 = (pbar * (1.0 - pbar) * (1.0 + ratio.inverse())).sqrt();
    const chunk sd1 = (p1 * (1.0 - p1) + p2 * (1.0 - p2) / ratio).sqrt();
    const chunk n1 = ((z_a * sd0 + z_b * sd1).max(0.0) / mde).square();
    const auto valid = (nc > 0.0) && (nb > 0.0) && (p2 >= 0.0) && (p1 <= 1.0);
    store(required, at, valid.select(n1, nan_v));
  });
  for (std::size_t i = 0; i < met.size(); ++i) {
    met[i] = static_cast<std::uint8_t>(canary_requests[i] >= required[i] ? 1 : 0);
  }
}

}  // namespace floodgate::analysis
