#pragma once
// The part of PromQL that rollout queries use, evaluated over series in memory (recorded or
// synthetic) as Prometheus 2.x (Debian 12 ships 2.42) evaluates it at one instant: vector
// selectors with label matchers (=, !=, =~, !~; RE2 regexes, fully anchored) and `offset`; range
// selectors; rate, increase, irate, delta with Prometheus' extrapolation and counter-reset
// handling (promql/functions.go, extrapolatedRate); histogram_quantile (promql/quantile.go,
// bucketQuantile); the *_over_time functions, abs, ceil, floor, clamp_min, clamp_max, scalar,
// vector; sum, avg, min, max, count with by / without; + - * / % ^ and the comparisons (with
// `bool`), between scalars and vectors, one-to-one vector matching with on / ignoring.
//
// Anything else (subqueries, `@`, group_left, and / or / unless, other functions) is refused
// when the query is parsed, with the character where it starts: floodgate never guesses what a
// query means.

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include <floodgate/core/duration.hpp>
#include <floodgate/providers/recorded/series.hpp>

namespace floodgate::providers::recorded::promql {

namespace detail {
struct node;
}

/// A parsed query.
class expression {
 public:
  /// The query, or "at character 23: expected …, found …" (1-based).
  static std::variant<expression, std::string> parse(std::string_view text);
  const detail::node& root() const { return *root_; }
  const std::string& text() const { return text_; }

 private:
  std::shared_ptr<const detail::node> root_;
  std::string text_;
};

/// The series a query can see, by their labels (with `__name__`, in name order).
class labelled_view {
 public:
  virtual ~labelled_view() = default;
  virtual std::size_t size() const = 0;
  virtual const label_set& labels(std::size_t i) const = 0;
};

/// The series a query can see, each one's samples in time order.
class series_view : public labelled_view {
 public:
  virtual std::span<const sample> samples(std::size_t i) const = 0;
};

/// How many runs one lane evaluation answers for.
inline constexpr std::size_t lane_width = 32;
/// One number per lane.
using lanes = std::array<double, lane_width>;

/// The series of `lane_width` runs of one system that differ only in their values — synthetic
/// traffic drawn from different seeds, scraped at the same instants: the labels and the sample
/// instants are shared, each instant holds one value per lane. No staleness markers.
class lane_view : public labelled_view {
 public:
  virtual std::span<const std::int64_t> times(std::size_t i) const = 0;
  /// One per time.
  virtual std::span<const lanes> values(std::size_t i) const = 0;
  /// A row from which series i's values never decrease in any lane (each row at least the one
  /// before it, lane by lane, NaN never counting as a decrease): a counter window starting
  /// there has no reset to look for, so rate() and increase() over a window growing with the
  /// rollout ({{elapsed}}) cost the same at every look. The default knows nothing (the end).
  virtual std::size_t monotone_from(std::size_t i) const { return times(i).size(); }
};

/// The series of a store, as a view (metric keys become `__name__`).
class store_view final : public series_view {
 public:
  explicit store_view(const store& s);
  std::size_t size() const override { return series_.size(); }
  const label_set& labels(std::size_t i) const override { return labels_[i]; }
  std::span<const sample> samples(std::size_t i) const override { return series_[i]->samples; }

 private:
  std::vector<const series*> series_;
  std::vector<label_set> labels_;
};

/// One element of an instant vector.
struct element {
  label_set labels;
  double value = 0;
};

/// What a query evaluates to: a scalar, or an instant vector in Prometheus' order.
struct result {
  bool is_scalar = false;
  double scalar = 0;
  std::vector<element> vector;
};

/// Which series each selector of a query picks, worked out once per selector and kept, so the
/// view's labels must not change while it lives.
class selection {
 public:
  explicit selection(const labelled_view& view) : labelled_(view) {}

  /// How many series the query's selectors pick together (0: the query sees no data here).
  std::size_t series_seen(const expression& e);
  /// The series a selector picks, in label order.
  const std::vector<std::size_t>& select(const detail::node& selector);
  /// Whether the series a selector picks stay distinct without their metric name.
  bool distinct_without_name(const detail::node& selector);

 private:
  const labelled_view& labelled_;
  /// By the selector's text: a selector written twice is worked out once.
  std::unordered_map<std::string, std::vector<std::size_t>> selected_;
  std::unordered_map<std::string, bool> distinct_;
};

/// Evaluates queries over one view (its samples may change between evaluations, not its
/// labels). Not thread-safe: one per thread.
class evaluator : public selection {
 public:
  explicit evaluator(const series_view& view, core::millis lookback = core::millis{300000})
      : selection(view), view_(view), lookback_(lookback) {}

  /// The query's value at `at_ms`, or why it has none ("histogram_quantile: …").
  std::variant<result, std::string> evaluate(const expression& e, std::int64_t at_ms);
  const series_view& view() const { return view_; }
  core::millis lookback() const { return lookback_; }

 private:
  const series_view& view_;
  core::millis lookback_;
};

/// One element of an instant vector, in every lane.
struct lane_element {
  label_set labels;
  lanes values{};
};

/// What a query evaluates to in every lane. The elements are the same in every lane (the labels
/// and sample instants are): only a comparison that filters a vector could keep different ones.
struct lane_result {
  bool is_scalar = false;
  lanes scalar{};
  std::vector<lane_element> vector;
};

/// Whether a query evaluates lane by lane: no comparison without `bool` on a vector (which keeps
/// different elements in different lanes).
bool lanewise(const expression& e);

/// The evaluator over a lane view: the labels worked on once for all the lanes, the numbers lane
/// by lane with the same operations as `evaluator` — each lane's value is the one `evaluator`
/// gives over that lane's series, to the bit. Only lanewise queries.
class lane_evaluator : public selection {
 public:
  explicit lane_evaluator(const lane_view& view, core::millis lookback = core::millis{300000})
      : selection(view), view_(view), lookback_(lookback) {}

  /// The query's value at `at_ms` in every lane, or why it has none (the same in every lane).
  std::variant<lane_result, std::string> evaluate(const expression& e, std::int64_t at_ms);
  const lane_view& view() const { return view_; }
  core::millis lookback() const { return lookback_; }

 private:
  const lane_view& view_;
  core::millis lookback_;
};

}  // namespace floodgate::providers::recorded::promql
