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

// Logarithms element by element through the C library: glibc picks its FMA/AVX2 log at run time,
// which on this target (baseline x86-64: SSE2) is faster than Eigen's SSE2 polynomial
// (measured: bench/README.md). The rest of each kernel stays in Eigen.
chunk log_v(const chunk& x) {
  chunk r(x.size());
  for (Eigen::Index i = 0; i < x.size(); ++i) r[i] = std::log(x[i]);
  return r;
}
// log1p(x) for x > −1 as x·log(u)/(u − 1), u = 1 + x rounded (W. Kahan's correction; exact where
// u = 1): one log, cheaper than the library's log1p.
chunk log1p_v(const chunk& x) {
  chunk r(x.size());
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    const double u = 1.0 + x[i];
    r[i] = u == 1.0 ? x[i] : x[i] * std::log(u) / (u - 1.0);
  }
  return r;
}

// Stirling's series is evaluated only at w ≥ 10 (truncation error below 2e-14 there); a smaller
// z is shifted up by 10 with Γ(z) = Γ(z + 10) / (z (z+1) … (z+9)). `log_ratio` is
// log(z (z+1) … (z+9) / w¹⁰) for a shifted element and 0 for the others; `small` marks them.
// A chunk with nothing below 10 costs no product and no logarithm.
constexpr double shift = 10.0;
struct shifted {
  chunk w;
  chunk log_ratio;
  Eigen::Array<bool, Eigen::Dynamic, 1, Eigen::ColMajor, chunk_size, 1> small;
  bool any = false;
};

shifted shift_up(const chunk& z) {
  shifted r;
  r.small = z < shift;
  r.any = r.small.any();
  r.w = z;
  r.log_ratio = chunk::Zero(z.size());
  if (!r.any) return r;
  for (Eigen::Index i = 0; i < z.size(); ++i) {
    if (!r.small[i]) continue;
    const double x = z[i];
    double p = x;
    for (int j = 1; j < 10; ++j) p *= x + j;
    const double w = x + shift;
    const double w2 = w * w;
    const double w8 = (w2 * w2) * (w2 * w2);
    r.w[i] = w;
    r.log_ratio[i] = std::log(p / (w8 * w2));
  }
  return r;
}

// stirling_error(z) = log Γ(z) − [(z − ½) log z − z + ½ log 2π] for z > 0. Shifted:
// (z − ½) log(w/z) − log_ratio − 10 + series(w).
chunk stirling_error_v(const chunk& z) {
  const auto sh = shift_up(z);
  chunk s = detail::stirling_series<chunk>(sh.w);
  if (!sh.any) return s;
  for (Eigen::Index i = 0; i < z.size(); ++i) {
    if (sh.small[i]) s[i] += (z[i] - 0.5) * std::log(sh.w[i] / z[i]) - sh.log_ratio[i] - shift;
  }
  return s;
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
    // The Stirling decomposition of multinomial_log_e_value (see sequential.cpp), with log Γ(aᵢ)
    // folded into the arm's log qᵢ: (a − ½) log q − log Γ(a) = (a − ½) log(q/w) + log_ratio
    // + w − ½ log 2π − series(w), w = a or a + 10 (shift_up). Per comparison, with no count
    // below 10: five logarithms.
    const chunk x_sum = xb + xc;
    const chunk total = k + x_sum;
    auto arm = [&](const chunk& x, const chunk& r) {
      const chunk a = k * r;
      const chunk q = (a + x) / total;
      const chunk rel = (x - r * x_sum) / (r * total);
      const chunk xlog = (x > 0.0).select(x * log1p_v(rel), 0.0);
      const auto sa = shift_up(a);
      return chunk(xlog + (a - 0.5) * log_v(q / sa.w) + sa.log_ratio + sa.w - half_log_2pi -
                   detail::stirling_series<chunk>(sa.w) + stirling_error_v(a + x));
    };
    const chunk value = -0.5 * log_v(total) + half_log_2pi - stirling_error_v(total) + lgamma_k +
                        arm(xb, 1.0 - rho) + arm(xc, rho);
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
