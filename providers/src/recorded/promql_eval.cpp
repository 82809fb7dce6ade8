// The PromQL subset's evaluation at one instant, as Prometheus 2.x does it (promql/engine.go,
// functions.go, quantile.go, aggregations and binary operators), written from its documented
// semantics: range selectors take the samples in [t − range, t] (left-closed before 3.0),
// instant selectors the newest sample no older than the lookback, staleness markers end a
// series.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <floodgate/providers/recorded/promql.hpp>
#include <limits>
#include <span>

#include "promql_ast.hpp"

namespace floodgate::providers::recorded::promql {

namespace {

using detail::node;
using detail::value_type;

struct eval_error {
  std::string message;
};

const std::string name_label = "__name__";

label_set drop_name(label_set l) {
  std::erase_if(l, [](const auto& kv) { return kv.first == name_label; });
  return l;
}

/// A copy of `l` without the metric name, made in one pass.
label_set without_name(const label_set& l) {
  label_set out;
  out.reserve(l.size());
  for (const auto& kv : l)
    if (kv.first != name_label) out.push_back(kv);
  return out;
}

bool listed(const std::vector<std::string>& names, const std::string& n) {
  return std::find(names.begin(), names.end(), n) != names.end();
}

/// The labels a grouping or a vector match compares: `names` only (by / on), or all but
/// `names` and the metric name (without / ignoring / neither).
label_set signature(const label_set& l, const std::vector<std::string>& names, bool only) {
  label_set out;
  if (only && names.empty()) return out;  // `sum(…)`, `on()`: one group
  for (const auto& kv : l) {
    if (only ? listed(names, kv.first) : (!listed(names, kv.first) && kv.first != name_label))
      out.push_back(kv);
  }
  return out;
}

/// Prometheus refuses a result holding one label set twice (a function or an operator dropped
/// the metric name of two series that differed only by it).
void check_unique(const std::vector<element>& v) {
  std::vector<const label_set*> ls;
  ls.reserve(v.size());
  for (const auto& e : v) ls.push_back(&e.labels);
  std::sort(ls.begin(), ls.end(), [](const auto* a, const auto* b) { return *a < *b; });
  for (std::size_t i = 1; i < ls.size(); ++i)
    if (*ls[i] == *ls[i - 1])
      throw eval_error{"vector cannot contain metrics with the same labelset " +
                       format_labels(*ls[i])};
}

double arithmetic(detail::op o, double a, double b) {
  switch (o) {
    case detail::op::add:
      return a + b;
    case detail::op::sub:
      return a - b;
    case detail::op::mul:
      return a * b;
    case detail::op::div:
      return a / b;
    case detail::op::mod:
      return std::fmod(a, b);
    default:
      return std::pow(a, b);  // pow
  }
}

bool compare(detail::op o, double a, double b) {
  switch (o) {
    case detail::op::eq:
      return a == b;
    case detail::op::ne:
      return a != b;
    case detail::op::lt:
      return a < b;
    case detail::op::gt:
      return a > b;
    case detail::op::le:
      return a <= b;
    default:
      return a >= b;  // ge
  }
}

/// extrapolatedRate (promql/functions.go): the increase between the first and last sample of
/// the window, counter resets added back, extrapolated towards the window's edges — all the
/// way when a sample is within 1.1 average intervals of the edge, else by half an interval;
/// a counter is not extrapolated below zero.
std::optional<double> extrapolated(std::span<const sample> window, std::int64_t range_start,
                                   std::int64_t range_end, bool counter, bool per_second) {
  // One pass over the window's samples, staleness markers left out: the first and last, how
  // many, and the counter resets between consecutive ones.
  const sample* first = nullptr;
  const sample* last = nullptr;
  std::size_t count = 0;
  double resets = 0;
  for (const auto& x : window) {
    if (x.stale) continue;
    if (counter && last != nullptr && x.value < last->value) resets += last->value;
    if (first == nullptr) first = &x;
    last = &x;
    ++count;
  }
  if (count < 2) return std::nullopt;
  double result = last->value - first->value + resets;
  double to_start = static_cast<double>(first->at_ms - range_start) / 1000.0;
  const double to_end = static_cast<double>(range_end - last->at_ms) / 1000.0;
  const double sampled = static_cast<double>(last->at_ms - first->at_ms) / 1000.0;
  const double average = sampled / static_cast<double>(count - 1);
  if (counter && result > 0 && first->value >= 0) {
    const double to_zero = sampled * (first->value / result);
    if (to_zero < to_start) to_start = to_zero;
  }
  const double threshold = average * 1.1;
  double interval = sampled;
  interval += to_start < threshold ? to_start : average / 2;
  interval += to_end < threshold ? to_end : average / 2;
  result *= interval / sampled;
  if (per_second) result /= static_cast<double>(range_end - range_start) / 1000.0;
  return result;
}

/// bucketQuantile (promql/quantile.go, Prometheus 2.x): linear interpolation inside the bucket
/// holding the rank; the +Inf bucket answers with the highest finite bound.
double bucket_quantile(double q, std::vector<std::pair<double, double>>& buckets) {
  if (std::isnan(q)) return std::nan("");
  if (q < 0) return -HUGE_VAL;
  if (q > 1) return HUGE_VAL;
  std::sort(buckets.begin(), buckets.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  if (buckets.empty() || !std::isinf(buckets.back().first)) return std::nan("");
  // Buckets of one bound summed (coalesceBuckets), then counts forced monotonic.
  std::vector<std::pair<double, double>> b;
  for (const auto& x : buckets) {
    if (!b.empty() && b.back().first == x.first) {
      b.back().second += x.second;
    } else {
      b.push_back(x);
    }
  }
  double highest = b.front().second;
  for (auto& x : b) {
    if (x.second < highest) x.second = highest;
    highest = x.second;
  }
  if (b.size() < 2) return std::nan("");
  const double observations = b.back().second;
  if (observations == 0) return std::nan("");
  double rank = q * observations;
  std::size_t k = 0;
  while (k < b.size() - 1 && b[k].second < rank) ++k;
  if (k == b.size() - 1) return b[b.size() - 2].first;
  if (k == 0 && b[0].first <= 0) return b[0].first;
  double start = 0;
  double count = b[k].second;
  if (k > 0) {
    start = b[k - 1].first;
    count -= b[k - 1].second;
    rank -= b[k - 1].second;
  }
  return start + (b[k].first - start) * (rank / count);
}

/// A bucket's upper bound as Go's strconv.ParseFloat reads it ("0.25", "+Inf", "1e3").
std::optional<double> le_bound(const std::string& text) {
  if (text == "+Inf" || text == "Inf" || text == "+inf" || text == "inf") return HUGE_VAL;
  double v = 0;
  const char* first = text.data();
  if (!text.empty() && text[0] == '+') ++first;
  const auto [end, ec] = std::from_chars(first, text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

struct value {
  bool scalar = false;
  double number = 0;
  std::vector<element> vec;
};

class walker {
 public:
  walker(evaluator& e, std::int64_t at) : e_(e), at_(at) {}

  value eval(const node& n) {
    switch (n.k) {
      case node::kind::number:
        return {true, n.number, {}};
      case node::kind::string:
        throw eval_error{"a string cannot be evaluated here"};
      case node::kind::selector:
        return instant(n);
      case node::kind::negate: {
        auto v = eval(*n.args[0]);
        if (v.scalar) return {true, -v.number, {}};
        for (auto& x : v.vec) {
          x.labels = drop_name(std::move(x.labels));
          x.value = -x.value;
        }
        check_unique(v.vec);
        return v;
      }
      case node::kind::call:
        return call(n);
      case node::kind::aggregate:
        return aggregate(n);
      case node::kind::binary:
        return binary(n);
    }
    throw eval_error{"unknown expression"};
  }

 private:
  evaluator& e_;
  std::int64_t at_;

  value instant(const node& n) {
    value out;
    const auto& view = e_.view();
    for (const auto i : e_.select(n)) {
      if (const auto v = value_at(view.samples(i), at_ - n.offset_ms, e_.lookback()))
        out.vec.push_back({view.labels(i), *v});
    }
    return out;
  }

  /// Each selected series' samples in [t − range, t] (staleness markers still in: `f` skips
  /// them), with the window's edges.
  template <typename F>
  value over_range(const node& sel, bool keep_name, F&& f) {
    const auto& view = e_.view();
    const std::int64_t end = at_ - sel.offset_ms;
    const std::int64_t start = end - sel.range_ms;
    value out;
    const auto& picked = e_.select(sel);
    out.vec.reserve(picked.size());
    for (const auto i : picked) {
      const auto s = view.samples(i);
      const auto from = std::lower_bound(
          s.begin(), s.end(), start, [](const sample& x, std::int64_t t) { return x.at_ms < t; });
      const auto to = std::upper_bound(from, s.end(), end,
                                       [](std::int64_t t, const sample& x) { return t < x.at_ms; });
      const std::span<const sample> window(from, to);
      if (const std::optional<double> v = f(window, start, end))
        out.vec.push_back({keep_name ? view.labels(i) : without_name(view.labels(i)), *v});
    }
    // Series differing only by their name collide once it is dropped: the view's labels do not
    // change, so whether they do is settled once per selector.
    if (!keep_name && !e_.distinct_without_name(sel)) check_unique(out.vec);
    return out;
  }

  value call(const node& n) {
    using detail::op;
    const op f = n.code;
    if (f == op::rate || f == op::increase || f == op::delta) {
      const bool counter = f != op::delta;
      const bool per_second = f == op::rate;
      return over_range(*n.args[0], false,
                        [&](std::span<const sample> w, std::int64_t s, std::int64_t e) {
                          return extrapolated(w, s, e, counter, per_second);
                        });
    }
    if (f == op::irate) {
      return over_range(
          *n.args[0], false, [](std::span<const sample> w, std::int64_t, std::int64_t) {
            // The window's last two samples that are not staleness markers.
            const sample* b = nullptr;
            const sample* a = nullptr;
            for (auto it = w.rbegin(); it != w.rend() && a == nullptr; ++it) {
              if (it->stale) continue;
              (b == nullptr ? b : a) = &*it;
            }
            if (a == nullptr) return std::optional<double>{};
            // A reset: b is all new.
            const double d = b->value < a->value ? b->value : b->value - a->value;
            return std::optional<double>{d / (static_cast<double>(b->at_ms - a->at_ms) / 1000)};
          });
    }
    if (f >= op::sum_over_time && f <= op::last_over_time) return over_time(n);
    if (f == op::histogram_quantile) return histogram_quantile(n);
    if (f == op::scalar) {
      const auto v = eval(*n.args[0]);
      return {true, v.vec.size() == 1 ? v.vec[0].value : std::nan(""), {}};
    }
    if (f == op::vector) return {false, 0, {{{}, eval(*n.args[0]).number}}};
    auto v = eval(*n.args[0]);
    const double bound = n.args.size() > 1 ? eval(*n.args[1]).number : 0;
    for (auto& x : v.vec) {
      x.labels = drop_name(std::move(x.labels));
      if (f == op::abs) x.value = std::fabs(x.value);
      if (f == op::ceil) x.value = std::ceil(x.value);
      if (f == op::floor) x.value = std::floor(x.value);
      if (f == op::clamp_min) x.value = std::max(x.value, bound);
      if (f == op::clamp_max) x.value = std::min(x.value, bound);
    }
    check_unique(v.vec);
    return v;
  }

  value over_time(const node& n) {
    using detail::op;
    const op f = n.code;
    return over_range(*n.args[0], f == op::last_over_time,
                      [&](std::span<const sample> w, std::int64_t, std::int64_t) {
                        // The window's samples that are not staleness markers.
                        std::size_t count = 0;
                        double acc = 0;
                        double last = 0;
                        for (const auto& x : w) {
                          if (x.stale) continue;
                          const double v = x.value;
                          if (count == 0 && (f == op::min_over_time || f == op::max_over_time))
                            acc = v;
                          if (f == op::sum_over_time || f == op::avg_over_time) acc += v;
                          if (f == op::min_over_time && (v < acc || std::isnan(acc))) acc = v;
                          if (f == op::max_over_time && (v > acc || std::isnan(acc))) acc = v;
                          last = v;
                          ++count;
                        }
                        if (count == 0) return std::optional<double>{};
                        if (f == op::avg_over_time) acc /= static_cast<double>(count);
                        if (f == op::count_over_time) acc = static_cast<double>(count);
                        if (f == op::last_over_time) acc = last;
                        return std::optional<double>{acc};
                      });
  }

  value histogram_quantile(const node& n) {
    const double q = eval(*n.args[0]).number;
    const auto v = eval(*n.args[1]);
    struct group {
      label_set labels;
      std::vector<std::pair<double, double>> buckets;
    };
    std::vector<group> groups;
    static const std::vector<std::string> le{"le"};
    for (const auto& x : v.vec) {
      const auto it = std::find_if(x.labels.begin(), x.labels.end(),
                                   [](const auto& kv) { return kv.first == "le"; });
      if (it == x.labels.end()) continue;
      const auto bound = le_bound(it->second);
      if (!bound) continue;  // an le that is not a number
      auto key = signature(x.labels, le, false);
      auto g = std::find_if(groups.begin(), groups.end(),
                            [&](const group& y) { return y.labels == key; });
      if (g == groups.end()) {
        groups.push_back({std::move(key), {}});
        g = std::prev(groups.end());
      }
      g->buckets.emplace_back(*bound, x.value);
    }
    value out;
    for (auto& g : groups) out.vec.push_back({std::move(g.labels), bucket_quantile(q, g.buckets)});
    return out;
  }

  value aggregate(const node& n) {
    const auto v = eval(*n.args[0]);
    struct group {
      label_set labels;
      double value;
      double count;
    };
    std::vector<group> groups;
    for (const auto& x : v.vec) {
      auto key = signature(x.labels, n.grouping, !n.without);
      auto g = std::find_if(groups.begin(), groups.end(),
                            [&](const group& y) { return y.labels == key; });
      if (g == groups.end()) {
        groups.push_back({std::move(key), x.value, 1});
        continue;
      }
      g->count += 1;
      using detail::op;
      if (n.code == op::sum || n.code == op::avg) g->value += x.value;
      if (n.code == op::min && (x.value < g->value || std::isnan(g->value))) g->value = x.value;
      if (n.code == op::max && (x.value > g->value || std::isnan(g->value))) g->value = x.value;
    }
    value out;
    for (auto& g : groups) {
      double r = g.value;
      if (n.code == detail::op::avg) r /= g.count;
      if (n.code == detail::op::count) r = g.count;
      out.vec.push_back({std::move(g.labels), r});
    }
    return out;
  }

  value binary(const node& n) {
    auto l = eval(*n.args[0]);
    auto r = eval(*n.args[1]);
    const bool cmp = detail::is_comparison(n.code);
    auto apply = [&](double a, double b, double kept, bool& keep) {
      if (!cmp) return arithmetic(n.code, a, b);
      const bool yes = compare(n.code, a, b);
      if (n.return_bool) return yes ? 1.0 : 0.0;
      keep = yes;
      return kept;
    };
    bool keep = true;
    if (l.scalar && r.scalar) return {true, apply(l.number, r.number, l.number, keep), {}};
    const bool drop = !cmp || n.return_bool;
    value out;
    if (l.scalar || r.scalar) {
      auto& vec = l.scalar ? r.vec : l.vec;
      for (auto& x : vec) {
        keep = true;
        const double a = l.scalar ? l.number : x.value;
        const double b = l.scalar ? x.value : r.number;
        const double y = apply(a, b, x.value, keep);
        if (!keep) continue;
        out.vec.push_back({drop ? drop_name(std::move(x.labels)) : std::move(x.labels), y});
      }
      check_unique(out.vec);
      return out;
    }
    // One-to-one matching on the signature (on / ignoring / every label but the name).
    std::vector<label_set> right_keys;
    for (const auto& x : r.vec) {
      auto key = signature(x.labels, n.grouping, n.on);
      if (listed_set(right_keys, key))
        throw eval_error{"found duplicate series for the match group " + format_labels(key) +
                         " on the right hand-side of the operation: many-to-many matching "
                         "not allowed"};
      right_keys.push_back(std::move(key));
    }
    std::vector<label_set> matched;
    for (auto& x : l.vec) {
      const auto key = signature(x.labels, n.grouping, n.on);
      const auto it = std::find(right_keys.begin(), right_keys.end(), key);
      if (it == right_keys.end()) continue;
      if (listed_set(matched, key))
        throw eval_error{"multiple matches for labels " + format_labels(key) +
                         ": many-to-one matching must be explicit (group_left/group_right)"};
      matched.push_back(key);
      keep = true;
      const double y = apply(
          x.value, r.vec[static_cast<std::size_t>(it - right_keys.begin())].value, x.value, keep);
      if (!keep) continue;
      label_set labels = drop ? drop_name(std::move(x.labels)) : std::move(x.labels);
      if (n.on) {
        std::erase_if(labels, [&](const auto& kv) { return !listed(n.grouping, kv.first); });
      } else if (n.ignoring) {
        std::erase_if(labels, [&](const auto& kv) { return listed(n.grouping, kv.first); });
      }
      out.vec.push_back({std::move(labels), y});
    }
    check_unique(out.vec);
    return out;
  }

  static bool listed_set(const std::vector<label_set>& sets, const label_set& s) {
    return std::find(sets.begin(), sets.end(), s) != sets.end();
  }
};

}  // namespace

store_view::store_view(const store& s) {
  for (const auto& metric : s.metrics()) {
    for (const auto* x : s.find(metric)) {
      series_.push_back(x);
      label_set l = x->labels;
      std::erase_if(l, [](const auto& kv) { return kv.first == name_label; });
      l.emplace_back(name_label, x->metric);
      std::sort(l.begin(), l.end());
      labels_.push_back(std::move(l));
    }
  }
}

const std::vector<std::size_t>& evaluator::select(const detail::node& selector) {
  auto [it, fresh] = selected_.try_emplace(selector.key);
  if (!fresh) return it->second;
  std::vector<std::size_t> picked;
  for (std::size_t i = 0; i < view_.size(); ++i) {
    const auto& labels = view_.labels(i);
    static const std::string none;
    const bool all = std::all_of(
        selector.matchers.begin(), selector.matchers.end(), [&](const detail::matcher& m) {
          const auto l = std::find_if(labels.begin(), labels.end(),
                                      [&](const auto& kv) { return kv.first == m.name; });
          return m.matches(l == labels.end() ? none : l->second);
        });
    if (all) picked.push_back(i);
  }
  // Prometheus returns a selector's series in the order of their label sets.
  std::sort(picked.begin(), picked.end(),
            [&](std::size_t a, std::size_t b) { return view_.labels(a) < view_.labels(b); });
  it->second = std::move(picked);
  return it->second;
}

bool evaluator::distinct_without_name(const detail::node& selector) {
  const auto& picked = select(selector);
  const auto [it, fresh] = distinct_.try_emplace(selector.key, true);
  if (!fresh) return it->second;
  std::vector<label_set> ls;
  for (const auto i : picked) ls.push_back(without_name(view_.labels(i)));
  std::sort(ls.begin(), ls.end());
  it->second = std::adjacent_find(ls.begin(), ls.end()) == ls.end();
  return it->second;
}

std::size_t evaluator::series_seen(const expression& e) {
  std::vector<std::size_t> all;
  std::vector<const detail::node*> todo{&e.root()};
  while (!todo.empty()) {
    const auto* n = todo.back();
    todo.pop_back();
    if (n->k == node::kind::selector) {
      const auto& picked = select(*n);
      all.insert(all.end(), picked.begin(), picked.end());
    }
    for (const auto& a : n->args) todo.push_back(a.get());
  }
  std::sort(all.begin(), all.end());
  return static_cast<std::size_t>(std::unique(all.begin(), all.end()) - all.begin());
}

std::variant<result, std::string> evaluator::evaluate(const expression& e, std::int64_t at_ms) {
  try {
    walker w(*this, at_ms);
    auto v = w.eval(e.root());
    result out;
    out.is_scalar = v.scalar;
    out.scalar = v.number;
    out.vector = std::move(v.vec);
    return out;
  } catch (const eval_error& err) {
    return err.message;
  }
}

}  // namespace floodgate::providers::recorded::promql
