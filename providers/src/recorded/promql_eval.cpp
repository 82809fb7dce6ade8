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
#include <type_traits>

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

// The numbers of the walk: a double over a series_view, `lanes` over a lane_view. Every
// operation on them is written once, on doubles, and applied to each lane by `each`, so a
// lane's value is the double evaluator's to the bit.

template <typename F, typename... A>
double each(F&& f, double a, A... b) {
  return f(a, b...);
}

template <typename F, typename... A>
lanes each(F&& f, const lanes& a, const A&... b) {
  lanes out;
  for (std::size_t l = 0; l < lane_width; ++l) out[l] = f(a[l], b[l]...);
  return out;
}

template <typename Num>
Num constant(double x) {
  if constexpr (std::is_same_v<Num, double>) {
    return x;
  } else {
    Num out;
    out.fill(x);
    return out;
  }
}

/// A series' samples in a range, over a series_view: staleness markers in.
struct sample_window {
  std::span<const sample> s;
  std::size_t size() const { return s.size(); }
  std::int64_t at(std::size_t j) const { return s[j].at_ms; }
  double value(std::size_t j) const { return s[j].value; }
  bool stale(std::size_t j) const { return s[j].stale; }
  static bool plain(bool) { return false; }
};

/// The same over a lane_view: shared instants, a value per lane, no staleness markers.
struct lane_window {
  std::span<const std::int64_t> t;
  std::span<const lanes> v;
  bool monotone = false;  ///< no value decreases within the window (lane_view::monotone_from)
  std::size_t size() const { return t.size(); }
  std::int64_t at(std::size_t j) const { return t[j]; }
  const lanes& value(std::size_t j) const { return v[j]; }
  static bool stale(std::size_t) { return false; }
  /// No staleness marker and, for a counter, no reset: the window's ends are its first and last
  /// samples, and nothing is added back.
  bool plain(bool counter) const { return !counter || monotone; }
};

template <typename View>
struct view_kind;

template <>
struct view_kind<series_view> {
  using num = double;
  using result_type = result;
  static sample_window window(const series_view& v, std::size_t i, std::int64_t start,
                              std::int64_t end) {
    const auto s = v.samples(i);
    const auto from = std::lower_bound(s.begin(), s.end(), start,
                                       [](const sample& x, std::int64_t t) { return x.at_ms < t; });
    const auto to = std::upper_bound(from, s.end(), end,
                                     [](std::int64_t t, const sample& x) { return t < x.at_ms; });
    return {std::span<const sample>(from, to)};
  }
  static std::optional<double> at(const series_view& v, std::size_t i, std::int64_t t,
                                  core::millis lookback) {
    return value_at(v.samples(i), t, lookback);
  }
};

template <>
struct view_kind<lane_view> {
  using num = lanes;
  using result_type = lane_result;
  static lane_window window(const lane_view& v, std::size_t i, std::int64_t start,
                            std::int64_t end) {
    const auto t = v.times(i);
    const auto from = std::lower_bound(t.begin(), t.end(), start);
    const auto to = std::upper_bound(from, t.end(), end);
    const auto first = static_cast<std::size_t>(from - t.begin());
    const auto n = static_cast<std::size_t>(to - from);
    return {t.subspan(first, n), v.values(i).subspan(first, n), first >= v.monotone_from(i)};
  }
  /// value_at's rule (series.cpp) on the shared instants.
  static std::optional<lanes> at(const lane_view& v, std::size_t i, std::int64_t t,
                                 core::millis lookback) {
    const auto ts = v.times(i);
    const auto it = std::upper_bound(ts.begin(), ts.end(), t);
    if (it == ts.begin() || *std::prev(it) < t - lookback.count()) return std::nullopt;
    return v.values(i)[static_cast<std::size_t>(it - ts.begin()) - 1];
  }
};

/// extrapolatedRate (promql/functions.go): the increase between the first and last sample of
/// the window, counter resets added back, extrapolated towards the window's edges — all the
/// way when a sample is within 1.1 average intervals of the edge, else by half an interval;
/// a counter is not extrapolated below zero.
template <typename Num, typename W>
std::optional<Num> extrapolated(const W& w, std::int64_t range_start, std::int64_t range_end,
                                bool counter, bool per_second) {
  // One pass over the window's samples, staleness markers left out: the first and last, how
  // many, and the counter resets between consecutive ones — none of which needs the pass in a
  // plain window (lane_window::plain).
  constexpr std::size_t none = static_cast<std::size_t>(-1);
  std::size_t first = none;
  std::size_t last = none;
  std::size_t count = 0;
  Num resets = constant<Num>(0);
  if (w.plain(counter)) {
    count = w.size();
    first = 0;
    last = count - 1;  // unused below two samples
  } else {
    for (std::size_t j = 0; j < w.size(); ++j) {
      if (w.stale(j)) continue;
      if (counter && last != none)
        resets = each([](double r, double before, double x) { return x < before ? r + before : r; },
                      resets, w.value(last), w.value(j));
      if (first == none) first = j;
      last = j;
      ++count;
    }
  }
  if (count < 2) return std::nullopt;
  const double first_to_start = static_cast<double>(w.at(first) - range_start) / 1000.0;
  const double to_end = static_cast<double>(range_end - w.at(last)) / 1000.0;
  const double sampled = static_cast<double>(w.at(last) - w.at(first)) / 1000.0;
  const double average = sampled / static_cast<double>(count - 1);
  const double threshold = average * 1.1;
  const double range = static_cast<double>(range_end - range_start) / 1000.0;
  return each(
      [&](double first_value, double last_value, double reset_sum) {
        double result = last_value - first_value + reset_sum;
        double to_start = first_to_start;
        if (counter && result > 0 && first_value >= 0) {
          const double to_zero = sampled * (first_value / result);
          if (to_zero < to_start) to_start = to_zero;
        }
        double interval = sampled;
        interval += to_start < threshold ? to_start : average / 2;
        interval += to_end < threshold ? to_end : average / 2;
        result *= interval / sampled;
        if (per_second) result /= range;
        return result;
      },
      w.value(first), w.value(last), resets);
}

/// bucketQuantile (promql/quantile.go, Prometheus 2.x) once the buckets are in bound order with
/// equal bounds summed (coalesceBuckets) and the last bound is +Inf: counts forced monotonic,
/// then linear interpolation inside the bucket holding the rank; the +Inf bucket answers with
/// the highest finite bound.
double bucket_quantile_merged(double q, std::vector<std::pair<double, double>>& b) {
  if (std::isnan(q)) return std::nan("");
  if (q < 0) return -HUGE_VAL;
  if (q > 1) return HUGE_VAL;
  if (b.size() < 2) return std::nan("");
  double highest = b.front().second;
  for (auto& x : b) {
    if (x.second < highest) x.second = highest;
    highest = x.second;
  }
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

/// bucketQuantile from the buckets as selected: put in bound order with equal bounds summed,
/// then bucket_quantile_merged in each lane. Without an +Inf bucket none are kept, so every lane
/// is NaN after the quantile's own checks.
template <typename Num>
Num bucket_quantile(const Num& q, std::vector<std::pair<double, Num>>& buckets) {
  std::sort(buckets.begin(), buckets.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::pair<double, Num>> merged;
  merged.reserve(buckets.size());
  if (!buckets.empty() && std::isinf(buckets.back().first)) {
    for (const auto& x : buckets) {
      if (!merged.empty() && merged.back().first == x.first) {
        merged.back().second =
            each([](double a, double c) { return a + c; }, merged.back().second, x.second);
      } else {
        merged.push_back(x);
      }
    }
  }
  if constexpr (std::is_same_v<Num, double>) {
    return bucket_quantile_merged(q, merged);
  } else {
    Num out;
    std::vector<std::pair<double, double>> b(merged.size());
    for (std::size_t l = 0; l < lane_width; ++l) {
      for (std::size_t i = 0; i < merged.size(); ++i) b[i] = {merged[i].first, merged[i].second[l]};
      out[l] = bucket_quantile_merged(q[l], b);
    }
    return out;
  }
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

template <typename Num>
struct elem {
  label_set labels;
  Num value;
};

template <typename Num>
struct value {
  bool scalar = false;
  Num number{};
  std::vector<elem<Num>> vec;
};

/// Prometheus refuses a result holding one label set twice (a function or an operator dropped
/// the metric name of two series that differed only by it).
template <typename Num>
void check_unique(const std::vector<elem<Num>>& v) {
  std::vector<const label_set*> ls;
  ls.reserve(v.size());
  for (const auto& e : v) ls.push_back(&e.labels);
  std::sort(ls.begin(), ls.end(), [](const auto* a, const auto* b) { return *a < *b; });
  for (std::size_t i = 1; i < ls.size(); ++i)
    if (*ls[i] == *ls[i - 1])
      throw eval_error{"vector cannot contain metrics with the same labelset " +
                       format_labels(*ls[i])};
}

template <typename View>
class walker {
 public:
  using num = typename view_kind<View>::num;
  using val = value<num>;

  walker(selection& sel, const View& view, core::millis lookback, std::int64_t at)
      : sel_(sel), view_(view), lookback_(lookback), at_(at) {}

  val eval(const node& n) {
    switch (n.k) {
      case node::kind::number:
        return {true, constant<num>(n.number), {}};
      case node::kind::string:
        throw eval_error{"a string cannot be evaluated here"};
      case node::kind::selector:
        return instant(n);
      case node::kind::negate: {
        auto v = eval(*n.args[0]);
        const auto neg = [](double x) { return -x; };
        if (v.scalar) return {true, each(neg, v.number), {}};
        for (auto& x : v.vec) {
          x.labels = drop_name(std::move(x.labels));
          x.value = each(neg, x.value);
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
  selection& sel_;
  const View& view_;
  core::millis lookback_;
  std::int64_t at_;

  val instant(const node& n) {
    val out;
    for (const auto i : sel_.select(n)) {
      if (auto v = view_kind<View>::at(view_, i, at_ - n.offset_ms, lookback_))
        out.vec.push_back({view_.labels(i), std::move(*v)});
    }
    return out;
  }

  /// Each selected series' samples in [t − range, t] (staleness markers still in: `f` skips
  /// them), with the window's edges.
  template <typename F>
  val over_range(const node& s, bool keep_name, F&& f) {
    const std::int64_t end = at_ - s.offset_ms;
    const std::int64_t start = end - s.range_ms;
    val out;
    const auto& picked = sel_.select(s);
    out.vec.reserve(picked.size());
    for (const auto i : picked) {
      const auto window = view_kind<View>::window(view_, i, start, end);
      if (std::optional<num> v = f(window, start, end))
        out.vec.push_back({keep_name ? view_.labels(i) : without_name(view_.labels(i)), *v});
    }
    // Series differing only by their name collide once it is dropped: the view's labels do not
    // change, so whether they do is settled once per selector.
    if (!keep_name && !sel_.distinct_without_name(s)) check_unique(out.vec);
    return out;
  }

  val call(const node& n) {
    using detail::op;
    const op f = n.code;
    if (f == op::rate || f == op::increase || f == op::delta) {
      const bool counter = f != op::delta;
      const bool per_second = f == op::rate;
      return over_range(*n.args[0], false, [&](const auto& w, std::int64_t s, std::int64_t e) {
        return extrapolated<num>(w, s, e, counter, per_second);
      });
    }
    if (f == op::irate) {
      return over_range(*n.args[0], false, [](const auto& w, std::int64_t, std::int64_t) {
        // The window's last two samples that are not staleness markers.
        constexpr std::size_t none = static_cast<std::size_t>(-1);
        std::size_t b = none;
        std::size_t a = none;
        for (std::size_t j = w.size(); j-- > 0 && a == none;) {
          if (w.stale(j)) continue;
          (b == none ? b : a) = j;
        }
        if (a == none) return std::optional<num>{};
        const double dt = static_cast<double>(w.at(b) - w.at(a)) / 1000;
        // A reset: b is all new.
        return std::optional<num>{
            each([dt](double before, double x) { return (x < before ? x : x - before) / dt; },
                 w.value(a), w.value(b))};
      });
    }
    if (f >= op::sum_over_time && f <= op::last_over_time) return over_time(n);
    if (f == op::histogram_quantile) return histogram_quantile(n);
    if (f == op::scalar) {
      const auto v = eval(*n.args[0]);
      return {true, v.vec.size() == 1 ? v.vec[0].value : constant<num>(std::nan("")), {}};
    }
    if (f == op::vector) return {false, constant<num>(0), {{{}, eval(*n.args[0]).number}}};
    auto v = eval(*n.args[0]);
    const num bound = n.args.size() > 1 ? eval(*n.args[1]).number : constant<num>(0);
    for (auto& x : v.vec) {
      x.labels = drop_name(std::move(x.labels));
      x.value = each(
          [f](double y, double b) {
            if (f == op::abs) return std::fabs(y);
            if (f == op::ceil) return std::ceil(y);
            if (f == op::floor) return std::floor(y);
            if (f == op::clamp_min) return std::max(y, b);
            return std::min(y, b);  // clamp_max
          },
          x.value, bound);
    }
    check_unique(v.vec);
    return v;
  }

  val over_time(const node& n) {
    using detail::op;
    const op f = n.code;
    return over_range(*n.args[0], f == op::last_over_time,
                      [&](const auto& w, std::int64_t, std::int64_t) {
                        // The window's samples that are not staleness markers.
                        std::size_t count = 0;
                        num acc = constant<num>(0);
                        std::size_t last = 0;
                        for (std::size_t j = 0; j < w.size(); ++j) {
                          if (w.stale(j)) continue;
                          const bool first = count == 0;
                          acc = each(
                              [f, first](double a, double v) {
                                if (first && (f == op::min_over_time || f == op::max_over_time))
                                  a = v;
                                if (f == op::sum_over_time || f == op::avg_over_time) a += v;
                                if (f == op::min_over_time && (v < a || std::isnan(a))) a = v;
                                if (f == op::max_over_time && (v > a || std::isnan(a))) a = v;
                                return a;
                              },
                              acc, w.value(j));
                          last = j;
                          ++count;
                        }
                        if (count == 0) return std::optional<num>{};
                        const double c = static_cast<double>(count);
                        if (f == op::avg_over_time)
                          acc = each([c](double a) { return a / c; }, acc);
                        if (f == op::count_over_time) acc = constant<num>(c);
                        if (f == op::last_over_time) acc = w.value(last);
                        return std::optional<num>{acc};
                      });
  }

  val histogram_quantile(const node& n) {
    const num q = eval(*n.args[0]).number;
    const auto v = eval(*n.args[1]);
    struct group {
      label_set labels;
      std::vector<std::pair<double, num>> buckets;
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
        g->buckets.reserve(v.vec.size());
      }
      g->buckets.emplace_back(*bound, x.value);
    }
    val out;
    for (auto& g : groups) out.vec.push_back({std::move(g.labels), bucket_quantile(q, g.buckets)});
    return out;
  }

  val aggregate(const node& n) {
    const auto v = eval(*n.args[0]);
    struct group {
      label_set labels;
      num value;
      double count;
    };
    std::vector<group> groups;
    using detail::op;
    const op code = n.code;
    for (const auto& x : v.vec) {
      auto key = signature(x.labels, n.grouping, !n.without);
      auto g = std::find_if(groups.begin(), groups.end(),
                            [&](const group& y) { return y.labels == key; });
      if (g == groups.end()) {
        groups.push_back({std::move(key), x.value, 1});
        continue;
      }
      g->count += 1;
      g->value = each(
          [code](double a, double y) {
            if (code == op::sum || code == op::avg) return a + y;
            if (code == op::min && (y < a || std::isnan(a))) return y;
            if (code == op::max && (y > a || std::isnan(a))) return y;
            return a;
          },
          g->value, x.value);
    }
    val out;
    for (auto& g : groups) {
      num r = g.value;
      const double c = g.count;
      if (code == op::avg) r = each([c](double a) { return a / c; }, r);
      if (code == op::count) r = constant<num>(c);
      out.vec.push_back({std::move(g.labels), r});
    }
    return out;
  }

  val binary(const node& n) {
    auto l = eval(*n.args[0]);
    auto r = eval(*n.args[1]);
    const bool cmp = detail::is_comparison(n.code);
    const auto code = n.code;
    // Arithmetic, or a comparison's 1/0 with `bool`, in every lane; a filtering comparison
    // between scalars keeps the left one.
    const auto combine = [&](const num& a, const num& b) {
      return each(
          [code, cmp, flag = n.return_bool](double x, double y) {
            if (!cmp) return arithmetic(code, x, y);
            if (flag) return compare(code, x, y) ? 1.0 : 0.0;
            return x;
          },
          a, b);
    };
    if (l.scalar && r.scalar) return {true, combine(l.number, r.number), {}};
    const bool filter = cmp && !n.return_bool;
    // A filtering comparison keeps or drops an element: over lanes that differs lane by lane.
    const auto kept = [&](const num& a, const num& b) -> bool {
      if constexpr (std::is_same_v<num, double>) {
        return compare(code, a, b);
      } else {
        throw eval_error{"a comparison without bool does not evaluate lane by lane"};
      }
    };
    val out;
    if (l.scalar || r.scalar) {
      auto& vec = l.scalar ? r.vec : l.vec;
      for (auto& x : vec) {
        const num& a = l.scalar ? l.number : x.value;
        const num& b = l.scalar ? x.value : r.number;
        if (filter && !kept(a, b)) continue;
        const num y = filter ? x.value : combine(a, b);
        out.vec.push_back({filter ? std::move(x.labels) : drop_name(std::move(x.labels)), y});
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
      const num& b = r.vec[static_cast<std::size_t>(it - right_keys.begin())].value;
      if (filter && !kept(x.value, b)) continue;
      const num y = filter ? x.value : combine(x.value, b);
      label_set labels = filter ? std::move(x.labels) : drop_name(std::move(x.labels));
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

template <typename View>
std::variant<typename view_kind<View>::result_type, std::string> evaluate_over(
    selection& sel, const View& view, core::millis lookback, const expression& e,
    std::int64_t at_ms) {
  try {
    walker<View> w(sel, view, lookback, at_ms);
    auto v = w.eval(e.root());
    typename view_kind<View>::result_type out;
    out.is_scalar = v.scalar;
    out.scalar = v.number;
    out.vector.reserve(v.vec.size());
    for (auto& x : v.vec) out.vector.push_back({std::move(x.labels), x.value});
    return out;
  } catch (const eval_error& err) {
    return err.message;
  }
}

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

const std::vector<std::size_t>& selection::select(const detail::node& selector) {
  auto [it, fresh] = selected_.try_emplace(selector.key);
  if (!fresh) return it->second;
  std::vector<std::size_t> picked;
  for (std::size_t i = 0; i < labelled_.size(); ++i) {
    const auto& labels = labelled_.labels(i);
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
  std::sort(picked.begin(), picked.end(), [&](std::size_t a, std::size_t b) {
    return labelled_.labels(a) < labelled_.labels(b);
  });
  it->second = std::move(picked);
  return it->second;
}

bool selection::distinct_without_name(const detail::node& selector) {
  const auto& picked = select(selector);
  const auto [it, fresh] = distinct_.try_emplace(selector.key, true);
  if (!fresh) return it->second;
  std::vector<label_set> ls;
  for (const auto i : picked) ls.push_back(without_name(labelled_.labels(i)));
  std::sort(ls.begin(), ls.end());
  it->second = std::adjacent_find(ls.begin(), ls.end()) == ls.end();
  return it->second;
}

std::size_t selection::series_seen(const expression& e) {
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
  return evaluate_over(*this, view_, lookback_, e, at_ms);
}

std::variant<lane_result, std::string> lane_evaluator::evaluate(const expression& e,
                                                                std::int64_t at_ms) {
  return evaluate_over(*this, view_, lookback_, e, at_ms);
}

bool lanewise(const expression& e) {
  std::vector<const node*> todo{&e.root()};
  while (!todo.empty()) {
    const auto* n = todo.back();
    todo.pop_back();
    if (n->k == node::kind::binary && detail::is_comparison(n->code) && !n->return_bool &&
        (n->args[0]->type == value_type::vector || n->args[1]->type == value_type::vector))
      return false;
    for (const auto& a : n->args) todo.push_back(a.get());
  }
  return true;
}

}  // namespace floodgate::providers::recorded::promql
