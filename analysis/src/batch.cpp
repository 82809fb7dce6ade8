#include <floodgate/analysis/batch.hpp>
#include <floodgate/analysis/distributions.hpp>

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <limits>

#include "batch_lanes.hpp"

// The kernels are loops over the lanes of batch_lanes.hpp, which the compiler vectorises (this
// file is compiled with -fno-trapping-math, which lets it turn the lanes' choices into blends,
// -fno-math-errno, which keeps square roots inline, and -fvect-cost-model=dynamic, which
// vectorises at -O2). On x86-64 each kernel is compiled three
// times, for AVX-512 (x86-64-v4), AVX2 (x86-64-v3) and the baseline (SSE2), and the loader picks
// the widest the CPU has (GCC's target_clones, an ifunc); the three give the same bits.
#if defined(__x86_64__) && defined(__ELF__) && defined(__GNUC__) && !defined(__clang__)
#define FLOODGATE_VECTOR_CLONES \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define FLOODGATE_VECTOR_CLONES
#endif

namespace floodgate::analysis {
namespace {

constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();

template <alternative Alt>
FLOODGATE_VECTOR_CLONES void two_proportion_loop(const double* __restrict x1,
                                                 const double* __restrict n1,
                                                 const double* __restrict x2,
                                                 const double* __restrict n2, std::size_t size,
                                                 double* __restrict z, double* __restrict p) {
  for (std::size_t i = 0; i < size; ++i) {
    const auto r = detail::two_proportion_lane<Alt>(x1[i], n1[i], x2[i], n2[i]);
    z[i] = r.z;
    p[i] = r.p_value;
  }
}

template <bool ShiftCanary>
FLOODGATE_VECTOR_CLONES void count_log_e_large_baseline_loop(
    const double* __restrict xb, const double* __restrict xc, const double* __restrict rho,
    std::size_t size, const detail::count_prior p, double* __restrict log_e) {
  for (std::size_t i = 0; i < size; ++i) {
    log_e[i] = detail::count_log_e_large_baseline_lane<ShiftCanary>(xb[i], xc[i], rho[i], p);
  }
}

FLOODGATE_VECTOR_CLONES
void count_log_e_general_loop(const double* __restrict xb, const double* __restrict xc,
                              const double* __restrict rho, std::size_t size,
                              const detail::count_prior p, double* __restrict log_e) {
  for (std::size_t i = 0; i < size; ++i) {
    log_e[i] = detail::count_log_e_general_lane(xb[i], xc[i], rho[i], p);
  }
}

// Comparisons gathered for a lane: the gathering loop stores every comparison it offers at the
// next free slot and advances only past those taken, so it has no branch on the data.
struct count_chunk {
  static constexpr std::size_t size = 256;
  std::array<double, size> xb{}, xc{}, rho{}, log_e{};
  std::array<std::size_t, size> at{};  // where each came from
};

// The count e-values of K comparisons, each through the lane detail::count_route_of names. Below
// k = 10 every comparison takes the general lane. Otherwise every comparison goes through the
// unshifted lane first (vectorised); those routed elsewhere are gathered into chunks and
// recomputed through the canary-shifted lane (vectorised), and the general ones among them (a
// baseline mass below 10: canary shares above 1 − 10/k; invalid shares) gathered again and
// recomputed through the general lane; then scattered back.
void count_log_e(const double* xb, const double* xc, const double* rho, std::size_t size,
                 const detail::count_prior& p, double* log_e) {
  if (!(p.k >= 10.0)) {
    count_log_e_general_loop(xb, xc, rho, size, p, log_e);
    return;
  }
  count_log_e_large_baseline_loop<false>(xb, xc, rho, size, p, log_e);
  count_chunk shifted;
  count_chunk general;
  const auto flush = [&](std::size_t n) {
    count_log_e_large_baseline_loop<true>(shifted.xb.data(), shifted.xc.data(), shifted.rho.data(),
                                          n, p, shifted.log_e.data());
    std::size_t m = 0;
    for (std::size_t j = 0; j < n; ++j) {
      general.xb[m] = shifted.xb[j];
      general.xc[m] = shifted.xc[j];
      general.rho[m] = shifted.rho[j];
      general.at[m] = j;
      m += detail::count_large_baseline(shifted.rho[j], p.k) ? 0 : 1;
    }
    count_log_e_general_loop(general.xb.data(), general.xc.data(), general.rho.data(), m, p,
                             general.log_e.data());
    for (std::size_t j = 0; j < m; ++j) shifted.log_e[general.at[j]] = general.log_e[j];
    for (std::size_t j = 0; j < n; ++j) log_e[shifted.at[j]] = shifted.log_e[j];
  };
  // Passes of at most chunk − n comparisons, so that the gathering loop needs no test for a full
  // chunk (which GCC would merge with the data's test into a mispredicted branch).
  std::size_t n = 0;
  for (std::size_t i = 0; i < size;) {
    const std::size_t stop = std::min(size, i + (count_chunk::size - n));
    for (; i < stop; ++i) {
      shifted.xb[n] = xb[i];
      shifted.xc[n] = xc[i];
      shifted.rho[n] = rho[i];
      shifted.at[n] = i;
      n += detail::count_unshifted(rho[i], p.k) ? 0 : 1;
    }
    if (n >= count_chunk::size / 2) {
      flush(n);
      n = 0;
    }
  }
  flush(n);
}

FLOODGATE_VECTOR_CLONES
void sample_size_gate_loop(const double* __restrict nc, const double* __restrict nb,
                           const double* __restrict rate, std::size_t size, double mde, double z_a,
                           double z_b, double* __restrict required, std::uint8_t* __restrict met) {
  for (std::size_t i = 0; i < size; ++i) {
    const double p2 = rate[i];
    const double p1 = p2 + mde;
    const double n = detail::two_proportion_n_lane(p1, p2, nb[i] / nc[i], z_a, z_b);
    const bool valid = (nc[i] > 0.0) & (nb[i] > 0.0) & (p2 >= 0.0) & (p1 <= 1.0);
    const double r = valid ? n : nan_v;
    required[i] = r;
    met[i] = nc[i] >= r ? 1 : 0;
  }
}

template <alternative Alt>
FLOODGATE_VECTOR_CLONES void prop_test_loop(const double* __restrict x1,
                                            const double* __restrict n1,
                                            const double* __restrict x2,
                                            const double* __restrict n2, std::size_t size,
                                            bool yates, double zq, double* __restrict difference,
                                            double* __restrict p_value, double* __restrict lower,
                                            double* __restrict upper) {
  for (std::size_t i = 0; i < size; ++i) {
    const auto t = detail::prop_test_lane<Alt>(x1[i], n1[i], x2[i], n2[i], yates, zq);
    difference[i] = t.p1 - t.p2;
    p_value[i] = t.p_value;
    lower[i] = t.lower;
    upper[i] = t.upper;
  }
}

FLOODGATE_VECTOR_CLONES
void two_proportion_n_loop(const double* __restrict p1, const double* __restrict p2,
                           const double* __restrict ratio, std::size_t size, double z_a, double z_b,
                           double* __restrict n) {
  for (std::size_t i = 0; i < size; ++i) {
    // two_proportion_n_ratio's checks (sample_size.cpp) on the rates and the ratio.
    const bool valid = (p1[i] >= 0.0) & (p1[i] <= 1.0) & (p2[i] >= 0.0) & (p2[i] <= 1.0) &
                       (p1[i] != p2[i]) & (ratio[i] > 0.0);
    const double v = detail::two_proportion_n_lane(p1[i], p2[i], ratio[i], z_a, z_b);
    n[i] = valid ? v : nan_v;
  }
}

// The count e-value batches' shared checks: equal lengths (asserted) and a prior concentration
// k > 0, finite — otherwise every slot is NaN and there is nothing to compute.
bool count_batch_valid([[maybe_unused]] std::span<const double> baseline_events,
                       [[maybe_unused]] std::span<const double> canary_events,
                       [[maybe_unused]] std::span<const double> canary_share, double k,
                       std::span<double> log_e) {
  assert(canary_events.size() == baseline_events.size());
  assert(canary_share.size() == baseline_events.size() && log_e.size() == baseline_events.size());
  if (k > 0.0 && std::isfinite(k)) return true;
  std::fill(log_e.begin(), log_e.end(), nan_v);
  return false;
}

}  // namespace

void prop_test_batch(std::span<const double> x1, std::span<const double> n1,
                     std::span<const double> x2, std::span<const double> n2, bool yates,
                     alternative alt, double conf_level, std::span<double> difference,
                     std::span<double> p_value, std::span<double> lower, std::span<double> upper) {
  assert(n1.size() == x1.size() && x2.size() == x1.size() && n2.size() == x1.size());
  assert(difference.size() == x1.size() && p_value.size() == x1.size());
  assert(lower.size() == x1.size() && upper.size() == x1.size());
  if (!(conf_level > 0.0 && conf_level < 1.0)) {
    for (auto out : {difference, p_value, lower, upper}) std::fill(out.begin(), out.end(), nan_v);
    return;
  }
  const double zq =
      normal_quantile(alt == alternative::two_sided ? (1.0 + conf_level) / 2.0 : conf_level);
  detail::with_alternative(alt, [&](auto a) {
    prop_test_loop<decltype(a)::value>(x1.data(), n1.data(), x2.data(), n2.data(), x1.size(), yates,
                                       zq, difference.data(), p_value.data(), lower.data(),
                                       upper.data());
  });
}

void two_proportion_n_batch(std::span<const double> p_canary, std::span<const double> p_baseline,
                            std::span<const double> ratio, double alpha, double power, sides s,
                            std::span<double> n_canary) {
  assert(p_baseline.size() == p_canary.size() && ratio.size() == p_canary.size());
  assert(n_canary.size() == p_canary.size());
  if (!(alpha > 0.0 && alpha < 1.0) || !(power > 0.0 && power < 1.0)) {
    std::fill(n_canary.begin(), n_canary.end(), nan_v);
    return;
  }
  const double z_a = normal_quantile(1.0 - (s == sides::two ? alpha / 2.0 : alpha));
  two_proportion_n_loop(p_canary.data(), p_baseline.data(), ratio.data(), p_canary.size(), z_a,
                        normal_quantile(power), n_canary.data());
}

void count_log_e_value_one_sided_batch(std::span<const double> baseline_events,
                                       std::span<const double> canary_events,
                                       std::span<const double> canary_share, double k,
                                       std::span<double> log_e) {
  if (!count_batch_valid(baseline_events, canary_events, canary_share, k, log_e)) return;
  const auto prior = detail::count_prior_of(k);
  // The scalar function passes the shares {1 − ρ, ρ} to the two-arm e-value, which normalises
  // them: ρ/((1 − ρ) + ρ), formed the same way here, a chunk at a time on the stack.
  std::array<double, count_chunk::size> share;
  for (std::size_t at = 0; at < log_e.size(); at += share.size()) {
    const std::size_t n = std::min(share.size(), log_e.size() - at);
    const double* rho = canary_share.data() + at;
    for (std::size_t i = 0; i < n; ++i) share[i] = rho[i] / ((1.0 - rho[i]) + rho[i]);
    count_log_e(baseline_events.data() + at, canary_events.data() + at, share.data(), n, prior,
                log_e.data() + at);
    for (std::size_t i = 0; i < n; ++i) {
      double& e = log_e[at + i];
      const bool open = rho[i] > 0.0 && rho[i] < 1.0;
      e = open && !std::isnan(e) ? detail::count_log_e_one_sided(e, baseline_events[at + i],
                                                                 canary_events[at + i], rho[i], k)
                                 : nan_v;
    }
  }
}

void two_proportion_z_batch(std::span<const double> x1, std::span<const double> n1,
                            std::span<const double> x2, std::span<const double> n2, alternative alt,
                            std::span<double> z, std::span<double> p_value) {
  assert(n1.size() == x1.size() && x2.size() == x1.size() && n2.size() == x1.size());
  assert(z.size() == x1.size() && p_value.size() == x1.size());
  detail::with_alternative(alt, [&](auto a) {
    two_proportion_loop<decltype(a)::value>(x1.data(), n1.data(), x2.data(), n2.data(), x1.size(),
                                            z.data(), p_value.data());
  });
}

void count_log_e_value_batch(std::span<const double> baseline_events,
                             std::span<const double> canary_events,
                             std::span<const double> canary_share, double k,
                             std::span<double> log_e) {
  if (!count_batch_valid(baseline_events, canary_events, canary_share, k, log_e)) return;
  count_log_e(baseline_events.data(), canary_events.data(), canary_share.data(), log_e.size(),
              detail::count_prior_of(k), log_e.data());
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
  sample_size_gate_loop(canary_requests.data(), baseline_requests.data(), baseline_rate.data(),
                        required.size(), mde, normal_quantile(1.0 - alpha / 2.0),
                        normal_quantile(power), required.data(), met.data());
}

}  // namespace floodgate::analysis
