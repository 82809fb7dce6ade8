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

/// The series a query can see: each one's labels (with `__name__`, in name order) and samples
/// (in time order).
class series_view {
 public:
  virtual ~series_view() = default;
  virtual std::size_t size() const = 0;
  virtual const label_set& labels(std::size_t i) const = 0;
  virtual std::span<const sample> samples(std::size_t i) const = 0;
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

/// Evaluates queries over one view. Which series a selector picks is worked out once per
/// selector and kept, so the view's labels must not change while the evaluator lives (its
/// samples may). Not thread-safe: one per thread.
class evaluator {
 public:
  explicit evaluator(const series_view& view, core::millis lookback = core::millis{300000})
      : view_(view), lookback_(lookback) {}

  /// The query's value at `at_ms`, or why it has none ("histogram_quantile: …").
  std::variant<result, std::string> evaluate(const expression& e, std::int64_t at_ms);

  /// How many series the query's selectors pick together (0: the query sees no data here).
  std::size_t series_seen(const expression& e);
  /// The series a selector picks, in label order.
  const std::vector<std::size_t>& select(const detail::node& selector);
  /// Whether the series a selector picks stay distinct without their metric name.
  bool distinct_without_name(const detail::node& selector);
  const series_view& view() const { return view_; }
  core::millis lookback() const { return lookback_; }

 private:
  const series_view& view_;
  core::millis lookback_;
  /// By the selector's text: a selector written twice is worked out once.
  std::unordered_map<std::string, std::vector<std::size_t>> selected_;
  std::unordered_map<std::string, bool> distinct_;
};

}  // namespace floodgate::providers::recorded::promql
