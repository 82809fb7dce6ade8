#include <floodgate/analysis/random.hpp>

#include <array>
#include <cmath>

namespace floodgate::analysis {
namespace {

std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace

// ln k!: a table below 256, Stirling's series above it (error below 1e-16 relative there;
// Abramowitz & Stegun 6.1.41). Not std::lgamma, which writes the global `signgam` and so races
// between threads.
double detail::log_factorial(double k) noexcept {
  static const auto table = [] {
    std::array<double, 256> t{};
    for (std::size_t i = 2; i < t.size(); ++i) t[i] = t[i - 1] + std::log(static_cast<double>(i));
    return t;
  }();
  if (k < 256) return table[static_cast<std::size_t>(k)];
  const double n = k + 1;  // ln Γ(n)
  const double r = 1 / n;
  const double r2 = r * r;
  return (n - 0.5) * std::log(n) - n + 0.91893853320467274178 +
         r * (1.0 / 12 - r2 * (1.0 / 360 - r2 * (1.0 / 1260 - r2 / 1680)));
}

rng::rng(std::uint64_t seed) noexcept {
  for (auto& s : s_) s = splitmix64(seed);
}

double rng::normal() noexcept {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  double u = 0.0;
  double v = 0.0;
  double s = 0.0;
  do {
    u = 2.0 * uniform() - 1.0;
    v = 2.0 * uniform() - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  const double f = std::sqrt(-2.0 * std::log(s) / s);
  spare_ = v * f;
  has_spare_ = true;
  return u * f;
}

std::uint64_t rng::poisson(double mean) noexcept { return poisson_draw(mean)(*this); }

poisson_draw::poisson_draw(double mean) noexcept : mean_(mean) {
  if (!(mean > 0)) return;
  if (mean < 10) {
    limit_ = std::exp(-mean);
    return;
  }
  // PTRS, with the paper's constants.
  small_ = false;
  log_mean_ = std::log(mean);
  b_ = 0.931 + 2.53 * std::sqrt(mean);
  a_ = -0.059 + 0.02483 * b_;
  two_a_ = 2 * a_;
  log_inv_alpha_ = std::log(1.1239 + 1.1328 / (b_ - 3.4));
  v_r_ = 0.9277 - 3.6224 / (b_ - 2);
}

std::uint64_t poisson_draw::rejected(rng& g, double v0, double us0, double k0) const noexcept {
  for (ptrs_candidate c{v0, us0, k0};;) {
    const auto [v, us, k] = c;
    if (!(k < 0 || (us < 0.013 && v > us)) &&
        std::log(v) + log_inv_alpha_ - std::log(a_ / (us * us) + b_) <=
            -mean_ + k * log_mean_ - detail::log_factorial(k))
      return static_cast<std::uint64_t>(k);
    c = candidate(g);
    if (squeezed(c)) return static_cast<std::uint64_t>(c.k);
  }
}

}  // namespace floodgate::analysis
