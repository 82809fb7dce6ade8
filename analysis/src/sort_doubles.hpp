#pragma once
// Sorting doubles for the rank tests, which are bounded by it: order-preserving 64-bit keys and a
// radix sort (below). Finite values only.

#include <algorithm>
#include <bit>
#include <cstdint>
#include <memory>
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

// A sorted copy of finite doubles: a least-significant-digit radix sort of the order-preserving
// keys, six 11-bit digits, all six histograms counted in the pass that makes the keys, and a
// digit every key shares (the sign and high exponent bits of latencies, say) skipped. Each
// remaining pass reads the keys once and writes them once to 2048 sequential streams: O(n)
// memory traffic, where std::sort makes log₂ n ≈ 20 passes over 1M values and mispredicts half
// its comparisons. The key buffers are not zero-filled (every slot is written before it is
// read). Small inputs use std::sort, which is faster in cache.
inline std::vector<double> sorted_copy(std::span<const double> v) {
  constexpr std::size_t direct_threshold = 2048;
  const std::size_t n = v.size();
  if (n < direct_threshold) {
    std::vector<double> out(v.begin(), v.end());
    std::sort(out.begin(), out.end());
    return out;
  }
  constexpr std::size_t digit_bits = 11;
  constexpr std::size_t digits = 6;  // 66 bits ≥ 64
  constexpr std::size_t radix = std::size_t{1} << digit_bits;
  constexpr std::uint64_t mask = radix - 1;
  std::unique_ptr<std::uint64_t[]> keys(new std::uint64_t[n]);
  std::unique_ptr<std::uint64_t[]> other(new std::uint64_t[n]);
  std::vector<std::uint32_t> count(digits * radix, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t k = order_key(v[i] + 0.0);  // + 0.0 folds −0 into +0, as == does
    keys[i] = k;
    for (std::size_t d = 0; d < digits; ++d) ++count[d * radix + ((k >> (d * digit_bits)) & mask)];
  }
  const auto shared = [&](std::size_t d) {
    return count[d * radix + ((keys[0] >> (d * digit_bits)) & mask)] == n;
  };
  std::size_t end = digits;  // one past the last digit the keys differ in
  while (end > 0 && shared(end - 1)) --end;
  std::vector<double> out(n);
  for (std::size_t d = 0; d < end; ++d) {
    if (shared(d)) continue;
    std::uint32_t* c = count.data() + d * radix;
    const std::size_t shift = d * digit_bits;
    std::uint32_t sum = 0;
    for (std::size_t b = 0; b < radix; ++b) {
      const std::uint32_t here = c[b];
      c[b] = sum;
      sum += here;
    }
    if (d + 1 == end) {  // the last pass writes the doubles themselves
      for (std::size_t i = 0; i < n; ++i) {
        const std::uint64_t k = keys[i];
        out[c[(k >> shift) & mask]++] = from_order_key(k);
      }
      return out;
    }
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t k = keys[i];
      other[c[(k >> shift) & mask]++] = k;
    }
    keys.swap(other);
  }
  for (std::size_t i = 0; i < n; ++i) out[i] = from_order_key(keys[i]);  // all keys equal
  return out;
}

}  // namespace floodgate::analysis::detail
