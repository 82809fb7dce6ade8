// Selection in the implicit matrix of differences e(i, j) = a_i − b_j, ascending in i and
// descending in j, in the spirit of Monahan (1984, ACM TOMS algorithm 616) and Floyd & Rivest
// (1975). Each group of nearby wanted ranks keeps, per row, the window of columns still in play;
// a stratified sample of the window's elements gives two pivots that bracket the group's ranks
// (3 standard errors of the sample quantile either side), one branch-free O(m + n) walk per pivot
// counts the elements below it in every row (the walks of all groups' pivots side by side), and
// the counts become the new window. A pivot that falls between a group's ranks splits the group;
// a value held by a whole run of equal differences at a wanted rank is found as that rank's answer
// directly. Once few candidates are left they are listed and the ranks selected. Expected
// O((m + n)·log(m·n)) with a small constant.

#include "pairwise_select.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <utility>
#include <vector>

#include <floodgate/analysis/random.hpp>

namespace floodgate::analysis::detail {
namespace {

struct target {
  std::size_t k;    // 1-based rank
  std::size_t out;  // index into the output
};

// Per row i, how many of its differences a window excludes from below: the row's elements are
// e(i, n−1), …, e(i, 0) in ascending order, so a count c keeps b_{n−c}, …, b_{n−1}.
// Entry m is n, so a walk may read one past the last row.
using row_counts = std::shared_ptr<const std::size_t[]>;
using row_counts_mut = std::shared_ptr<std::size_t[]>;

struct bound {
  row_counts rows;
  std::size_t total = 0;
};

struct group {
  std::vector<target> ts;  // ascending k
  bound lo;                // elements known to lie below every target
  bound hi;                // elements not known to lie above every target
};

class selector {
 public:
  selector(std::span<const double> a, std::span<const double> b, std::span<double> out)
      : a_(a), b_(b.begin(), b.end()), out_(out), gen_(0x5e1ec7ULL) {
    // +∞ after the last b stops every walk at j = n: a_i − ∞ = −∞ exceeds no pivot.
    b_.push_back(std::numeric_limits<double>::infinity());
    const row_counts_mut none = std::make_shared<std::size_t[]>(a.size() + 1, 0);
    none.get()[a.size()] = b.size();
    none_ = none;
  }

  void solve(std::vector<target> ts) {
    const std::size_t m = a_.size();
    const std::size_t n = n_cols();
    const std::size_t threshold = std::max<std::size_t>(m + n, 8192);
    const row_counts all = std::make_shared<std::size_t[]>(m + 1, n);
    // Ranks closer than a quarter of the listing threshold are bracketed together.
    std::vector<group> open;
    for (const auto& t : ts) {
      if (open.empty() || t.k - open.back().ts.back().k > threshold / 4) {
        open.push_back({{}, {none_, 0}, {all, m * n}});
      }
      open.back().ts.push_back(t);
    }
    while (!open.empty()) {
      std::vector<plan> plans;
      for (auto& g : open) {
        if (g.hi.total - g.lo.total <= threshold) {
          finish(g);
        } else {
          plans.push_back(choose_pivots(std::move(g)));
        }
      }
      count_all(plans);
      open.clear();
      for (auto& p : plans) split(p, open);
    }
  }

 private:
  std::size_t n_cols() const { return b_.size() - 1; }

  // The element in row i, window column c (counted from the row's smallest): b_{n−1−c}.
  double element(std::size_t i, std::size_t c) const { return a_[i] - b_[n_cols() - 1 - c]; }

  // A group's round: two pivots from a sample of its window (equal when a lone pivot is counted
  // both ways), and the counts below them.
  struct plan {
    group g;
    double p_lo = 0.0;  // counted as #{≤ p_lo}
    double p_hi = 0.0;  // counted as #{< p_hi}
    bound le;
    bound lt;
  };

  plan choose_pivots(group g) {
    const std::size_t active = g.hi.total - g.lo.total;
    std::vector<double> sample = draw(g, active);
    const auto s = static_cast<double>(sample.size());
    const auto frac = [&](std::size_t k) {
      return (static_cast<double>(k - g.lo.total) - 0.5) / static_cast<double>(active);
    };
    const double q_min = frac(g.ts.front().k);
    const double q_max = frac(g.ts.back().k);
    const auto margin = [&](double q) { return 3.0 * std::sqrt(q * (1.0 - q) / s) + 1.0 / s; };
    const double lo_at = q_min - margin(q_min);
    const double hi_at = q_max + margin(q_max);
    const auto pick = [&](double at) {
      const auto idx = std::min(sample.size() - 1, static_cast<std::size_t>(at * s));
      std::nth_element(sample.begin(), sample.begin() + static_cast<std::ptrdiff_t>(idx),
                       sample.end());
      return sample[idx];
    };
    plan pl{std::move(g), 0.0, 0.0, {}, {}};
    if (lo_at > 0.0 && hi_at < 1.0) {
      // Below and above every rank, as far as the sample can tell.
      pl.p_lo = pick(lo_at);
      pl.p_hi = pick(hi_at);
    } else {
      // A lone pivot (the ranks fill the window's top or bottom) is counted both ways, so that
      // equal values at a rank are always recognised.
      pl.p_lo = pick(lo_at > 0.0 ? lo_at : (hi_at < 1.0 ? hi_at : 0.5));
      pl.p_hi = pl.p_lo;
    }
    return pl;
  }

  // Each target's tightest bounds among the old ones and the round's two counts; targets that
  // end up with the same bounds stay together, and go on in `next`. When both pivots are one
  // value p, a target whose rank lies between its counts, #{< p} < k ≤ #{≤ p}, is p.
  void split(const plan& pl, std::vector<group>& next) {
    const group& g = pl.g;
    std::vector<group> parts;
    for (const auto& t : g.ts) {
      if (pl.p_lo == pl.p_hi && pl.lt.total < t.k && t.k <= pl.le.total) {
        out_[t.out] = pl.p_lo;
        continue;
      }
      bound lower = g.lo;
      bound upper = g.hi;
      for (const bound* c : {&pl.le, &pl.lt}) {
        if (c->total < t.k) {
          if (c->total > lower.total) lower = *c;
        } else if (c->total < upper.total) {
          upper = *c;
        }
      }
      if (parts.empty() || parts.back().lo.rows != lower.rows ||
          parts.back().hi.rows != upper.rows) {
        parts.push_back({{}, lower, upper});
      }
      parts.back().ts.push_back(t);
    }
    for (auto& p : parts) next.push_back(std::move(p));
  }

  // One pivot's per-row counts of elements ≤ v, for a v inside the window whose top row counts
  // are `cap` (counts never exceed it). #{< p} is #{≤ p⁻}, p⁻ the next double below p.
  struct walk {
    double v = 0.0;
    const std::size_t* cap = nullptr;
    std::size_t* rows = nullptr;
    bound* dest = nullptr;  // receives the total
  };

  // Every plan's counts. A count is a walk of i and j together, each step moving one of them,
  // without a branch on the data; up to six walks advance side by side, so
  // their dependency chains (load b_j, subtract, compare, step) overlap instead of queueing.
  void count_all(std::vector<plan>& plans) const {
    const std::size_t m = a_.size();
    const std::size_t n = n_cols();
    constexpr double minus_inf = -std::numeric_limits<double>::infinity();
    std::vector<walk> walks;
    const auto add = [&](double v, plan& pl, bound& dest) {
      const row_counts_mut rows = fresh_rows();
      walks.push_back({v, pl.g.hi.rows.get(), rows.get(), &dest});
      dest.rows = rows;
    };
    for (auto& pl : plans) {
      add(pl.p_lo, pl, pl.le);
      if (pl.p_hi == minus_inf) {
        pl.lt = {none_, 0};  // nothing lies below −∞ (differences overflow to ±∞)
      } else {
        add(std::nextafter(pl.p_hi, minus_inf), pl, pl.lt);
      }
    }
    std::size_t w = 0;
    for (; w + 6 <= walks.size(); w += 6) walk_together<6>(&walks[w], m, n);
    for (; w + 4 <= walks.size(); w += 4) walk_together<4>(&walks[w], m, n);
    for (; w + 2 <= walks.size(); w += 2) walk_together<2>(&walks[w], m, n);
    for (; w < walks.size(); ++w) walk_together<1>(&walks[w], m, n);
  }

  template <std::size_t K>
  void walk_together(walk* ws, std::size_t m, std::size_t n) const {
    const double* a = a_.data();
    const double* b = b_.data();
    std::array<std::size_t, K> i{};
    std::array<std::size_t, K> j{};
    std::array<std::size_t, K> total{};
    std::array<double, K> v{};
    std::array<const std::size_t*, K> cap{};
    std::array<std::size_t*, K> rows{};
    for (std::size_t c = 0; c < K; ++c) {
      v[c] = ws[c].v;
      cap[c] = ws[c].cap;
      rows[c] = ws[c].rows;
      j[c] = n - cap[c][0];
      rows[c][m] = n;
    }
    bool live = true;
    while (live) {
      live = false;
#pragma GCC unroll 6
      for (std::size_t c = 0; c < K; ++c) {
        if (i[c] == m) continue;
        live = true;
        const double d = a[i[c]] - b[j[c]];
        const bool skip = d > v[c];  // b_j's difference lies above the pivot: step j
        rows[c][i[c]] = n - j[c];
        total[c] += skip ? 0 : n - j[c];
        j[c] += skip ? 1 : 0;
        i[c] += skip ? 0 : 1;
        j[c] = std::max(j[c], n - cap[c][i[c]]);
      }
    }
    for (std::size_t c = 0; c < K; ++c) ws[c].dest->total = total[c];
  }

  // Row counts for a walk to fill; every entry below m is written by the walk.
  row_counts_mut fresh_rows() const {
    return std::make_shared_for_overwrite<std::size_t[]>(a_.size() + 1);
  }

  // A stratified sample of the window's elements: one uniform pick in each of s equal slices of
  // the active ranks, read off in one pass over the rows.
  std::vector<double> draw(const group& g, std::size_t active) {
    const std::size_t m = a_.size();
    const std::size_t n = n_cols();
    const std::size_t s = std::clamp<std::size_t>((m + n) / 8, 256, 2048);
    const std::size_t* lo = g.lo.rows.get();
    const std::size_t* hi = g.hi.rows.get();
    std::vector<double> out;
    out.reserve(s);
    const double width = static_cast<double>(active) / static_cast<double>(s);
    std::size_t row = 0;
    std::size_t before = 0;  // active elements in rows before `row`
    for (std::size_t t = 0; t < s; ++t) {
      auto at = static_cast<std::size_t>((static_cast<double>(t) + gen_.uniform()) * width);
      at = std::min(at, active - 1);
      while (before + (hi[row] - lo[row]) <= at) {
        before += hi[row] - lo[row];
        ++row;
      }
      out.push_back(element(row, lo[row] + (at - before)));
    }
    return out;
  }

  void finish(const group& g) {
    const std::size_t* lo = g.lo.rows.get();
    const std::size_t* hi = g.hi.rows.get();
    std::vector<double> vals;
    vals.reserve(g.hi.total - g.lo.total);
    for (std::size_t i = 0; i < a_.size(); ++i) {
      for (std::size_t c = lo[i]; c < hi[i]; ++c) vals.push_back(element(i, c));
    }
    // Targets ascend, so each nth_element only needs the part right of the previous one.
    auto first = vals.begin();
    for (const auto& t : g.ts) {
      const auto nth = vals.begin() + static_cast<std::ptrdiff_t>(t.k - g.lo.total - 1);
      std::nth_element(first, nth, vals.end());
      out_[t.out] = *nth;
      first = nth;
    }
  }

  std::span<const double> a_;
  std::vector<double> b_;
  row_counts none_;  // no element of any row
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
  s.solve(std::move(ts));
}

}  // namespace floodgate::analysis::detail
