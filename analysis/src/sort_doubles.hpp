#pragma once
// Sorting doubles for the rank tests, which are bounded by it: order-preserving 64-bit keys and a
// radix sort (below). Any values but NaN (±∞ have keys at the ends).

#include <algorithm>
#include <bit>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace floodgate::analysis::detail {

// Below this many values std::sort, in cache, beats the radix passes.
inline constexpr std::size_t radix_threshold = 2048;

inline std::uint64_t order_key(double v) {
  const auto u = std::bit_cast<std::uint64_t>(v);
  return (u >> 63) != 0U ? ~u : (u | 0x8000000000000000ULL);
}
inline double from_order_key(std::uint64_t k) {
  return std::bit_cast<double>((k >> 63) != 0U ? (k & 0x7FFFFFFFFFFFFFFFULL) : ~k);
}

// LSD radix sort of n keys by the bits [shift, shift + 11·passes) of (key − low), 11 bits a
// pass, ping-ponging between `src` and `tmp`; returns the buffer that holds the result. A digit
// every key shares is skipped.
inline std::uint64_t* radix_passes(std::uint64_t* src, std::uint64_t* tmp, std::size_t n,
                                   std::uint64_t low, std::size_t shift, std::size_t passes) {
  constexpr std::size_t digit_bits = 11;
  constexpr std::size_t radix = std::size_t{1} << digit_bits;
  constexpr std::uint64_t mask = radix - 1;
  std::vector<std::uint32_t> count(passes * radix, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t k = (src[i] - low) >> shift;
    for (std::size_t d = 0; d < passes; ++d) ++count[d * radix + ((k >> (d * digit_bits)) & mask)];
  }
  const std::uint64_t first = (src[0] - low) >> shift;
  for (std::size_t d = 0; d < passes; ++d) {
    std::uint32_t* c = count.data() + d * radix;
    if (c[(first >> (d * digit_bits)) & mask] == n) continue;  // shared by every key
    const std::size_t at = shift + d * digit_bits;
    std::uint32_t sum = 0;
    for (std::size_t b = 0; b < radix; ++b) {
      const std::uint32_t here = c[b];
      c[b] = sum;
      sum += here;
    }
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t k = src[i];
      tmp[c[((k - low) >> at) & mask]++] = k;
    }
    std::swap(src, tmp);
  }
  return src;
}

// The order keys of doubles (no NaN), sorted: least-significant-digit radix passes of 11 bits on
// the keys' offset from the smallest one. Latencies span a few binades, so the offsets have ≈ 55
// significant bits (five passes); instead the keys are sorted by their top 33 significant bits
// only (three passes) and an insertion pass then orders the rare neighbours that share those bits
// (1M continuous values: ≈ 100 pairs). Should that pass find much to do (values clustered far
// below the range's resolution), the offsets are sorted in full. Each pass reads the keys once
// and writes them once to 2048 sequential streams: O(n) memory traffic, where std::sort makes
// log₂ n ≈ 20 passes over 1M values and mispredicts half its comparisons. `a` and `b` hold n
// keys each; the result is in one of them, returned.
inline std::uint64_t* sort_keys(std::span<const double> v, std::uint64_t* a, std::uint64_t* b) {
  constexpr std::size_t digit_bits = 11;
  constexpr std::size_t prefix_passes = 3;
  const std::size_t n = v.size();
  if (n == 0) return a;
  std::uint64_t low = ~std::uint64_t{0};
  std::uint64_t high = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t k = order_key(v[i] + 0.0);  // + 0.0 folds −0 into +0, as == does
    a[i] = k;
    low = std::min(low, k);
    high = std::max(high, k);
  }
  const auto bits = static_cast<std::size_t>(std::bit_width(high - low));
  const std::size_t full_passes = (bits + digit_bits - 1) / digit_bits;
  if (full_passes <= prefix_passes) return radix_passes(a, b, n, low, 0, full_passes);
  std::uint64_t* k = radix_passes(a, b, n, low, bits - prefix_passes * digit_bits, prefix_passes);
  std::size_t moves = 0;
  for (std::size_t i = 1; i < n && moves <= n; ++i) {
    const std::uint64_t x = k[i];
    std::size_t j = i;
    for (; j > 0 && k[j - 1] > x; --j) k[j] = k[j - 1];
    k[j] = x;
    moves += i - j;
  }
  if (moves <= n) return k;
  for (std::size_t i = 0; i < n; ++i) a[i] = order_key(v[i] + 0.0);  // overwritten: again
  return radix_passes(a, b, n, low, 0, full_passes);
}

// A sorted copy of doubles without NaN (sort_keys, decoded). Small inputs use std::sort, which is
// faster in cache.
inline std::vector<double> sorted_copy(std::span<const double> v) {
  const std::size_t n = v.size();
  std::vector<double> out(v.begin(), v.end());
  if (n < radix_threshold) {
    std::sort(out.begin(), out.end());
    return out;
  }
  std::unique_ptr<std::uint64_t[]> a(new std::uint64_t[n]);
  std::unique_ptr<std::uint64_t[]> b(new std::uint64_t[n]);
  const std::uint64_t* k = sort_keys(v, a.get(), b.get());
  for (std::size_t i = 0; i < n; ++i) out[i] = from_order_key(k[i]);
  return out;
}

}  // namespace floodgate::analysis::detail
