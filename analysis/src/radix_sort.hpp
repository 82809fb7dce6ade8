#pragma once
// LSD radix sort for doubles: order-preserving 64-bit keys, 11-bit digits, digits shared by every
// key skipped (latencies of one service share their exponent and sign bits). Rank tests are
// bounded by sorting; this is 5–10× std::sort on 10⁵–10⁶ values. Finite values only.

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <span>
#include <vector>

namespace floodgate::analysis::detail {

inline std::uint64_t order_key(double v) {
  const auto u = std::bit_cast<std::uint64_t>(v);
  return (u >> 63) != 0U ? ~u : (u | 0x8000000000000000ULL);
}
inline double from_order_key(std::uint64_t k) {
  return std::bit_cast<double>((k >> 63) != 0U ? (k & 0x7FFFFFFFFFFFFFFFULL) : ~k);
}

inline void sort_doubles(std::vector<double>& v) {
  constexpr std::size_t radix_threshold = 2048;
  if (v.size() < radix_threshold) {
    std::sort(v.begin(), v.end());
    return;
  }
  constexpr int bits = 11;
  constexpr int passes = 6;  // 66 ≥ 64 bits
  constexpr std::size_t buckets = std::size_t{1} << bits;
  std::vector<std::uint64_t> keys(v.size());
  std::vector<std::uint64_t> tmp(v.size());
  std::vector<std::array<std::uint32_t, buckets>> hist(passes);
  for (auto& h : hist) h.fill(0);
  for (std::size_t i = 0; i < v.size(); ++i) {
    const std::uint64_t k = order_key(v[i]);
    keys[i] = k;
    for (int p = 0; p < passes; ++p) {
      ++hist[static_cast<std::size_t>(p)][(k >> (p * bits)) & (buckets - 1)];
    }
  }
  for (int p = 0; p < passes; ++p) {
    auto& h = hist[static_cast<std::size_t>(p)];
    if (std::any_of(h.begin(), h.end(), [&](std::uint32_t c) { return c == v.size(); })) continue;
    std::uint32_t sum = 0;
    for (auto& c : h) {
      const std::uint32_t count = c;
      c = sum;
      sum += count;
    }
    for (const std::uint64_t k : keys) tmp[h[(k >> (p * bits)) & (buckets - 1)]++] = k;
    keys.swap(tmp);
  }
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = from_order_key(keys[i]);
}

}  // namespace floodgate::analysis::detail
