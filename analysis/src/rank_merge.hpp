#pragma once
// What the rank tests need of two ascending samples — U of the first and the tie-correction sum —
// with no rank array: one merge pass, or without ties four branch-free walks.

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "sort_doubles.hpp"

namespace floodgate::analysis::detail {

struct rank_summary {
  double two_u = 0.0;    // 2·U1, an integer (exact in a double up to 2^53)
  double tie_sum = 0.0;  // Σ (t³ − t) over groups of equal values in the pooled sample
};

// Ranks of (xs − shift) ∪ ys. Both spans ascending; (xs − shift) stays ascending because
// rounding is monotone.
inline rank_summary merge_ranks(std::span<const double> xs, std::span<const double> ys,
                                double shift) {
  rank_summary s;
  std::size_t i = 0;
  std::size_t j = 0;
  double y_below = 0.0;
  while (i < xs.size() || j < ys.size()) {
    const bool take_x = j == ys.size() || (i < xs.size() && xs[i] - shift <= ys[j]);
    const double v = take_x ? xs[i] - shift : ys[j];
    double cx = 0.0;
    while (i < xs.size() && xs[i] - shift == v) {
      ++i;
      cx += 1.0;
    }
    double cy = 0.0;
    while (j < ys.size() && ys[j] == v) {
      ++j;
      cy += 1.0;
    }
    s.two_u += cx * (2.0 * y_below + cy);
    y_below += cy;
    const double t = cx + cy;
    s.tie_sum += t * t * t - t;
  }
  return s;
}

// Whether an ascending sample holds two equal values (no early exit, no branch on the data).
template <class T>
bool has_adjacent_equal(std::span<const T> v) {
  bool any = false;
  for (std::size_t i = 1; i < v.size(); ++i) any |= v[i - 1] == v[i];
  return any;
}

// 2·U1 of two ascending samples when nothing is tied (then 2·U1 = 2·Σ over x of #{y < x}), or
// nothing when something is: ties within an arm, or an x equal to some y (seen when the walk
// leaves that x). Works on doubles and on their order keys alike. The count is a branch-free
// walk, every step moving either x or y on one comparison; x is cut into four parts, each part's
// walk starting at its first value's place in y (binary search), and the four walks run side by
// side so that their dependency chains (load, compare, step) overlap: merge_ranks' inner loops
// mispredict on nearly every value of continuous data (5× slower at 1M).
template <class T>
std::optional<double> two_u_untied(std::span<const T> xs, std::span<const T> ys) {
  if (xs.empty() || ys.empty() || has_adjacent_equal(xs) || has_adjacent_equal(ys)) {
    return std::nullopt;
  }
  constexpr std::size_t parts = 4;
  const std::size_t n = ys.size();
  // x above every y counts n; for the others the walk stops at a y ≥ x before y runs out.
  const auto m =
      static_cast<std::size_t>(std::upper_bound(xs.begin(), xs.end(), ys.back()) - xs.begin());
  std::size_t total = n * (xs.size() - m);
  std::array<std::size_t, parts> i{};
  std::array<std::size_t, parts> end{};
  std::array<std::size_t, parts> j{};
  std::array<std::size_t, parts> sum{};
  for (std::size_t p = 0; p < parts; ++p) {
    i[p] = m * p / parts;
    end[p] = m * (p + 1) / parts;
    if (i[p] < end[p]) {
      j[p] =
          static_cast<std::size_t>(std::lower_bound(ys.begin(), ys.end(), xs[i[p]]) - ys.begin());
    }
  }
  const T* x = xs.data();
  const T* y = ys.data();
  bool tie = false;
  bool running = m >= parts;  // no part empty
  while (running) {
#pragma GCC unroll 4
    for (std::size_t p = 0; p < parts; ++p) {
      const bool below = y[j[p]] < x[i[p]];
      tie |= y[j[p]] == x[i[p]];
      sum[p] += below ? 0 : j[p];
      j[p] += below ? 1 : 0;
      i[p] += below ? 0 : 1;
    }
    for (std::size_t p = 0; p < parts; ++p) running &= i[p] < end[p];
  }
  for (std::size_t p = 0; p < parts; ++p) {
    while (i[p] < end[p]) {
      const bool below = y[j[p]] < x[i[p]];
      tie |= y[j[p]] == x[i[p]];
      sum[p] += below ? 0 : j[p];
      j[p] += below ? 1 : 0;
      i[p] += below ? 0 : 1;
    }
    total += sum[p];
  }
  if (tie) return std::nullopt;
  return 2.0 * static_cast<double>(total);
}

// merge_ranks(xs, ys, 0.0), faster when nothing is tied.
inline rank_summary rank_sums(std::span<const double> xs, std::span<const double> ys) {
  if (const auto two_u = two_u_untied(xs, ys)) return {*two_u, 0.0};
  return merge_ranks(xs, ys, 0.0);
}

// rank_sums(sorted x, sorted y) for unsorted samples. Large samples are sorted as order keys in
// three buffers (sort_keys; the second sort reuses the first's spare) and walked as keys: a third
// less fresh memory to fault in than two sorted copies, and no decoding unless something is tied.
inline rank_summary rank_sums_unsorted(std::span<const double> x, std::span<const double> y) {
  if (x.size() < radix_threshold || y.size() < radix_threshold) {
    return rank_sums(sorted_copy(x), sorted_copy(y));
  }
  const std::size_t most = std::max(x.size(), y.size());
  std::unique_ptr<std::uint64_t[]> a(new std::uint64_t[most]);
  std::unique_ptr<std::uint64_t[]> b(new std::uint64_t[most]);
  std::unique_ptr<std::uint64_t[]> c(new std::uint64_t[y.size()]);
  const std::uint64_t* kx = sort_keys(x, a.get(), b.get());
  const std::uint64_t* ky = sort_keys(y, c.get(), kx == a.get() ? b.get() : a.get());
  const std::span<const std::uint64_t> xs(kx, x.size());
  const std::span<const std::uint64_t> ys(ky, y.size());
  if (const auto two_u = two_u_untied(xs, ys)) return {*two_u, 0.0};
  std::vector<double> dx(x.size());
  std::vector<double> dy(y.size());
  std::transform(xs.begin(), xs.end(), dx.begin(), from_order_key);
  std::transform(ys.begin(), ys.end(), dy.begin(), from_order_key);
  return merge_ranks(dx, dy, 0.0);
}

}  // namespace floodgate::analysis::detail
