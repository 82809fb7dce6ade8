#pragma once
// Sorting doubles for the rank tests, which are bounded by it: order-preserving 64-bit keys and a
// radix sort (below). Any values but NaN (±∞ have keys at the ends).

#include <algorithm>
#include <array>
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

// Insertion sort of n keys that stops once it has moved keys more than `budget` places in all;
// returns the places moved (above `budget`: the keys are not sorted).
inline std::size_t insertion_sort(std::uint64_t* k, std::size_t n, std::size_t budget) {
  std::size_t moves = 0;
  for (std::size_t i = 1; i < n && moves <= budget; ++i) {
    const std::uint64_t x = k[i];
    std::size_t j = i;
    for (; j > 0 && k[j - 1] > x; --j) k[j] = k[j - 1];
    k[j] = x;
    moves += i - j;
  }
  return moves;
}

// Sorts n keys by the 33 bits [shift, shift + 33) of (key − low), from `a` back into `a` (`b` is
// scratch; shift + 33 ≤ 64). One most-significant-digit pass on the top 11 of those bits scatters
// the keys into 2 048 buckets in `b`; each bucket — a few hundred keys for a million values, in
// cache — is then sorted by the other 22 bits with three 8-bit LSD passes (b → a → b → a; the third
// pass's digit also covers two bits the bucket's keys share; a digit every key of the bucket shares
// is skipped, and the bucket copied back to `a` if it ends in `b`), or, when it holds at most 32
// keys, by insertion on the whole key. The keys cross main memory once instead of three times.
// (The in-bucket passes are radix_passes' on 8-bit digits, one count per pass; calling a
// radix_passes templated on its digit width instead, which counts every pass in one read, made
// Mann–Whitney at 1M vs 1M 9 % slower.)
inline void prefix_sort(std::uint64_t* a, std::uint64_t* b, std::size_t n, std::uint64_t low,
                        std::size_t shift) {
  constexpr std::size_t top_bits = 11;
  constexpr std::size_t buckets = std::size_t{1} << top_bits;
  constexpr std::uint64_t top_mask = buckets - 1;
  const std::size_t top_at = shift + 22;
  std::vector<std::uint32_t> start(buckets + 1, 0);
  for (std::size_t i = 0; i < n; ++i) ++start[(((a[i] - low) >> top_at) & top_mask) + 1];
  for (std::size_t d = 0; d < buckets; ++d) start[d + 1] += start[d];
  std::vector<std::uint32_t> next(start.begin(), start.end() - 1);
  for (std::size_t i = 0; i < n; ++i) b[next[((a[i] - low) >> top_at) & top_mask]++] = a[i];
  std::array<std::uint32_t, 256> count{};
  for (std::size_t d = 0; d < buckets; ++d) {
    const std::size_t first = start[d];
    const std::size_t size = start[d + 1] - first;
    if (size <= 32) {
      insertion_sort(b + first, size, size * size);  // never over budget: under size²/2 moves
      std::copy(b + first, b + first + size, a + first);
      continue;
    }
    std::uint64_t* src = b + first;
    std::uint64_t* dst = a + first;
    for (std::size_t pass = 0; pass < 3; ++pass) {
      const std::size_t at = shift + 8 * pass;
      count.fill(0);
      for (std::size_t i = 0; i < size; ++i) ++count[((src[i] - low) >> at) & 0xff];
      if (count[((src[0] - low) >> at) & 0xff] == size) continue;  // a digit all share (ties)
      std::uint32_t sum = 0;
      for (auto& c : count) {
        const std::uint32_t here = c;
        c = sum;
        sum += here;
      }
      for (std::size_t i = 0; i < size; ++i) dst[count[((src[i] - low) >> at) & 0xff]++] = src[i];
      std::swap(src, dst);
    }
    if (src != a + first) std::copy(src, src + size, a + first);
  }
}

// The order keys of doubles (no NaN), sorted: least-significant-digit radix passes of 11 bits on
// the keys' offset from the smallest one. Latencies span a few binades, so the offsets have ≈ 55
// significant bits (five passes); instead the keys are sorted by their top 33 significant bits
// only — by prefix_sort (one pass over memory, then buckets in cache), or, where whole digits of
// that prefix are zero in every key (rounded values), by three passes that skip those digits —
// and an insertion pass then orders the rare neighbours that share those bits (1M continuous
// values: ≈ 100 pairs). Should that pass find much to do (values clustered far below the range's
// resolution), the offsets are sorted in full. Each pass reads the keys once and writes them once
// to 2048 sequential streams: O(n) memory traffic, where std::sort makes log₂ n ≈ 20 passes over
// 1M values and mispredicts half its comparisons. `a` and `b` hold n keys each; the result is in
// one of them, returned.
inline std::uint64_t* sort_keys(std::span<const double> v, std::uint64_t* a, std::uint64_t* b) {
  constexpr std::size_t digit_bits = 11;
  constexpr std::size_t prefix_passes = 3;
  const std::size_t n = v.size();
  if (n == 0) return a;
  std::uint64_t low = ~std::uint64_t{0};
  std::uint64_t high = 0;
  std::uint64_t any = 0;  // the bits set in some key
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t k = order_key(v[i] + 0.0);  // + 0.0 folds −0 into +0, as == does
    a[i] = k;
    low = std::min(low, k);
    high = std::max(high, k);
    any |= k;
  }
  const auto bits = static_cast<std::size_t>(std::bit_width(high - low));
  const std::size_t full_passes = (bits + digit_bits - 1) / digit_bits;
  if (full_passes <= prefix_passes) return radix_passes(a, b, n, low, 0, full_passes);
  const std::size_t shift = bits - prefix_passes * digit_bits;
  // Values with few significant bits (latencies rounded to whole milliseconds: many ties) leave
  // whole digits of the prefix zero in every key, which radix_passes skips: one or two passes over
  // memory, cheaper than prefix_sort's in-bucket work on the few, large buckets they make.
  bool zero_digit = false;
  for (std::size_t d = 0; d < prefix_passes; ++d) {
    zero_digit |= ((any >> (shift + d * digit_bits)) & ((std::uint64_t{1} << digit_bits) - 1)) == 0;
  }
  // Below 2¹⁸ keys (2 MiB: a core's L2 here) the passes wait less on memory than prefix_sort
  // spends on its buckets (prefix_sort for every size, measured: Mann–Whitney 10k vs 10k 0.38 →
  // 0.49 ms in bench/peers, 100k 3 % slower and 1M 13 % faster in analysis-bench).
  std::uint64_t* k = a;
  if (zero_digit || n < (std::size_t{1} << 18)) {
    k = radix_passes(a, b, n, low, shift, prefix_passes);
  } else {
    prefix_sort(a, b, n, low, shift);
  }
  if (insertion_sort(k, n, n) <= n) return k;
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
