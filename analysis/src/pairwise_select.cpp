// Selection in the implicit sorted matrix e(i, r) = a_i − b_{n−1−r} (ascending in i and in r),
// in the spirit of Monahan (1984, ACM TOMS algorithm 616) and Floyd & Rivest (1975): each row
// keeps a window [lo_i, hi_i) of ranks still in play; a random sample of the window's elements
// gives pivots that bracket the wanted ranks, one O(m + n) counting pass per pivot shrinks every
// window at once, and once few candidates are left they are materialised and the ranks selected.
// Expected O((m + n) log(m·n)) with a small constant.

#include "pairwise_select.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include <floodgate/analysis/random.hpp>

namespace floodgate::analysis::detail {
namespace {

struct target {
  std::size_t k;    // 1-based rank
  std::size_t out;  // index into the output
};

class selector {
 public:
  selector(std::span<const double> a, std::span<const double> b, std::span<double> out)
      : a_(a), b_(b), out_(out), gen_(0x5e1ec7ULL) {}

  void solve(std::vector<std::size_t> lo, std::vector<std::size_t> hi, std::vector<target> ts) {
    const std::size_t m = a_.size();
    const std::size_t n = b_.size();
    const std::size_t threshold = std::max<std::size_t>(m + n, 8192);
    bool split_next = false;
    while (true) {
      std::size_t below = 0;
      std::size_t active = 0;
      for (std::size_t i = 0; i < m; ++i) {
        below += lo[i];
        active += hi[i] - lo[i];
      }
      if (active <= threshold) {
        finish(lo, hi, ts, below);
        return;
      }
      const auto sample = draw(lo, hi, active);
      const std::size_t k_min = ts.front().k;
      const std::size_t k_max = ts.back().k;
      const double s = static_cast<double>(sample.size());
      const double q_min = (static_cast<double>(k_min - below) - 0.5) / static_cast<double>(active);
      const double q_max = (static_cast<double>(k_max - below) - 0.5) / static_cast<double>(active);
      if (split_next || (ts.size() > 1 && q_max - q_min > 0.1)) {
        split_next = false;
        // Partition around a pivot near the middle target; recurse on each side.
        const std::size_t mid = ts.size() / 2;
        const double qm =
            (static_cast<double>(ts[mid].k - below) - 0.5) / static_cast<double>(active);
        const double pivot = sample[std::min(sample.size() - 1, static_cast<std::size_t>(qm * s))];
        std::vector<std::size_t> lt(m);
        std::vector<std::size_t> le(m);
        const auto [n_lt, n_le] = count_both(pivot, lt, le);
        std::vector<target> left;
        std::vector<target> right;
        for (const auto& t : ts) {
          if (t.k <= n_lt) {
            left.push_back(t);
          } else if (t.k > n_le) {
            right.push_back(t);
          } else {
            out_[t.out] = pivot;
          }
        }
        if (!left.empty() && right.empty()) {
          hi = lt;
          ts = left;
          continue;
        }
        if (left.empty() && !right.empty()) {
          lo = le;
          ts = right;
          continue;
        }
        if (!left.empty()) solve(lo, lt, left);
        if (!right.empty()) solve(le, hi, right);
        return;
      }
      // Bracket every target between two sample quantiles and shrink both sides.
      const double delta = 2.5 * std::sqrt(0.25 / s) + 2.0 / s;
      bool progress = false;
      if (q_min - delta > 0.0) {
        const double p = sample[static_cast<std::size_t>((q_min - delta) * s)];
        std::vector<std::size_t> le(m);
        if (count(p, false, le) < k_min) {
          lo = std::move(le);
          progress = true;
        }
      }
      if (q_max + delta < 1.0) {
        const double p = sample[std::min(sample.size() - 1,
                                         static_cast<std::size_t>(std::ceil((q_max + delta) * s)))];
        std::vector<std::size_t> lt(m);
        if (count(p, true, lt) >= k_max) {
          hi = std::move(lt);
          progress = true;
        }
      }
      split_next = !progress;  // an unlucky sample, or ties at the target: partition instead
    }
  }

 private:
  double element(std::size_t i, std::size_t r) const { return a_[i] - b_[b_.size() - 1 - r]; }

  // Per-row counts of elements ≤ v (or < v when strict); rows' counts fall as i grows.
  std::size_t count(double v, bool strict, std::vector<std::size_t>& per_row) const {
    const std::size_t n = b_.size();
    std::size_t r = n;
    std::size_t total = 0;
    for (std::size_t i = 0; i < a_.size(); ++i) {
      if (strict) {
        while (r > 0 && element(i, r - 1) >= v) --r;
      } else {
        while (r > 0 && element(i, r - 1) > v) --r;
      }
      per_row[i] = r;
      total += r;
    }
    return total;
  }

  // count(v, true, lt) and count(v, false, le) in one pass (two pointers, one sweep over rows).
  std::pair<std::size_t, std::size_t> count_both(double v, std::vector<std::size_t>& lt,
                                                 std::vector<std::size_t>& le) const {
    const std::size_t n = b_.size();
    std::size_t r_lt = n;
    std::size_t r_le = n;
    std::size_t total_lt = 0;
    std::size_t total_le = 0;
    for (std::size_t i = 0; i < a_.size(); ++i) {
      while (r_le > 0 && element(i, r_le - 1) > v) --r_le;
      if (r_lt > r_le) r_lt = r_le;  // #{< v} ≤ #{≤ v}
      while (r_lt > 0 && element(i, r_lt - 1) >= v) --r_lt;
      lt[i] = r_lt;
      le[i] = r_le;
      total_lt += r_lt;
      total_le += r_le;
    }
    return {total_lt, total_le};
  }

  std::vector<double> draw(const std::vector<std::size_t>& lo, const std::vector<std::size_t>& hi,
                           std::size_t active) {
    // More samples give tighter brackets; ~4√(m+n) keeps sampling far below a counting pass.
    const std::size_t samples = std::clamp<std::size_t>(
        static_cast<std::size_t>(4.0 * std::sqrt(static_cast<double>(a_.size() + b_.size()))), 256,
        4096);
    std::vector<std::size_t> prefix(lo.size() + 1, 0);
    for (std::size_t i = 0; i < lo.size(); ++i) prefix[i + 1] = prefix[i] + (hi[i] - lo[i]);
    std::vector<double> out(samples);
    for (auto& v : out) {
      const auto pick = static_cast<std::size_t>(gen_.uniform() * static_cast<double>(active));
      const auto row = static_cast<std::size_t>(
          std::upper_bound(prefix.begin(), prefix.end(), pick) - prefix.begin() - 1);
      v = element(row, lo[row] + (pick - prefix[row]));
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  void finish(const std::vector<std::size_t>& lo, const std::vector<std::size_t>& hi,
              const std::vector<target>& ts, std::size_t below) {
    std::vector<double> vals;
    for (std::size_t i = 0; i < lo.size(); ++i) {
      for (std::size_t r = lo[i]; r < hi[i]; ++r) vals.push_back(element(i, r));
    }
    // Targets ascend, so each nth_element only needs the part right of the previous one.
    auto first = vals.begin();
    for (const auto& t : ts) {
      const auto nth = vals.begin() + static_cast<std::ptrdiff_t>(t.k - below - 1);
      std::nth_element(first, nth, vals.end());
      out_[t.out] = *nth;
      first = nth;
    }
  }

  std::span<const double> a_;
  std::span<const double> b_;
  std::span<double> out_;
  rng gen_;
};

}  // namespace

void select_pairwise_differences(std::span<const double> a, std::span<const double> b,
                                 std::span<const std::size_t> ks, std::span<double> out) {
  if (ks.empty()) return;
  std::vector<target> ts;
  for (std::size_t t = 0; t < ks.size(); ++t) ts.push_back({ks[t], t});
  std::sort(ts.begin(), ts.end(), [](const target& x, const target& y) { return x.k < y.k; });
  selector s(a, b, out);
  s.solve(std::vector<std::size_t>(a.size(), 0), std::vector<std::size_t>(a.size(), b.size()),
          std::move(ts));
}

}  // namespace floodgate::analysis::detail
