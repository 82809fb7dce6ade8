#pragma once
// Sorting doubles for the rank tests, which are bounded by it: order-preserving 64-bit keys and a
// bucket pass (below). Finite values only.

#include <algorithm>
#include <bit>
#include <cstdint>
#include <vector>

namespace floodgate::analysis::detail {

inline std::uint64_t order_key(double v) {
  const auto u = std::bit_cast<std::uint64_t>(v);
  return (u >> 63) != 0U ? ~u : (u | 0x8000000000000000ULL);
}
inline double from_order_key(std::uint64_t k) {
  return std::bit_cast<double>((k >> 63) != 0U ? (k & 0x7FFFFFFFFFFFFFFFULL) : ~k);
}

// Sorts finite doubles ascending. Large inputs take one most-significant-digit pass of up to 4096
// buckets over the span of the keys actually present (so the buckets split the data, not the
// exponent range), then sort each small bucket in cache with std::sort: two passes over memory
// instead of std::sort's log n.
inline void sort_doubles(std::vector<double>& v) {
  constexpr std::size_t direct_threshold = 4096;
  if (v.size() < direct_threshold) {
    std::sort(v.begin(), v.end());
    return;
  }
  std::vector<std::uint64_t> keys(v.size());
  std::uint64_t lo = ~std::uint64_t{0};
  std::uint64_t hi = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const std::uint64_t k = order_key(v[i] + 0.0);  // + 0.0 folds −0 into +0, as == does
    keys[i] = k;
    lo = std::min(lo, k);
    hi = std::max(hi, k);
  }
  constexpr int digit_bits = 12;
  const int width = static_cast<int>(std::bit_width(hi - lo));
  const int shift = std::max(0, width - digit_bits);
  const std::size_t buckets = static_cast<std::size_t>((hi - lo) >> shift) + 1;
  std::vector<std::uint32_t> start(buckets + 1, 0);
  for (const std::uint64_t k : keys) ++start[static_cast<std::size_t>((k - lo) >> shift) + 1];
  for (std::size_t b = 1; b <= buckets; ++b) start[b] += start[b - 1];
  std::vector<std::uint64_t> sorted(v.size());
  {
    std::vector<std::uint32_t> next(start.begin(), start.end() - 1);
    for (const std::uint64_t k : keys)
      sorted[next[static_cast<std::size_t>((k - lo) >> shift)]++] = k;
  }
  for (std::size_t b = 0; b < buckets; ++b) {
    if (start[b + 1] - start[b] > 1)
      std::sort(sorted.begin() + start[b], sorted.begin() + start[b + 1]);
  }
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = from_order_key(sorted[i]);
}

}  // namespace floodgate::analysis::detail
