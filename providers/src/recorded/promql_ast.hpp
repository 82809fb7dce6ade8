#pragma once
// The syntax tree of the PromQL subset (promql.hpp): built by promql_parse.cpp, walked by
// promql_eval.cpp.

#include <re2/re2.h>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace floodgate::providers::recorded::promql::detail {

enum class value_type { scalar, vector, matrix, string };

/// What a call, an aggregation or a binary operator does, decided once when parsed.
enum class op : std::uint8_t {
  none,
  rate,
  increase,
  irate,
  delta,
  sum_over_time,
  avg_over_time,
  min_over_time,
  max_over_time,
  count_over_time,
  last_over_time,
  abs,
  ceil,
  floor,
  clamp_min,
  clamp_max,
  histogram_quantile,
  scalar,
  vector,
  sum,
  avg,
  min,
  max,
  count,
  add,
  sub,
  mul,
  div,
  mod,
  pow,
  eq,
  ne,
  lt,
  gt,
  le,
  ge
};
/// The op of a function, aggregation or operator name (none when unknown).
op op_of(std::string_view name);

struct matcher {
  enum class op { equal, not_equal, match, not_match };
  std::string name;
  op kind = op::equal;
  std::string value;
  /// match / not_match: RE2, as Prometheus, fully anchored; linear in the value whatever the
  /// pattern (a backtracking engine takes exponential time on `(a*)*b`).
  std::shared_ptr<const re2::RE2> re;
  bool matches(const std::string& v) const;
};

struct node {
  enum class kind { number, string, selector, call, aggregate, binary, negate };
  kind k = kind::number;
  value_type type = value_type::scalar;
  std::size_t position = 0;  ///< 1-based character where it starts

  double number = 0;   ///< number
  std::string name;    ///< string literal; function or aggregation name; binary operator
  op code = op::none;  ///< call, aggregate, binary: what `name` does

  // selector
  std::vector<matcher> matchers;  ///< with the metric name as a `__name__` matcher
  std::int64_t range_ms = 0;      ///< a range selector's window; 0 = instant
  std::int64_t offset_ms = 0;
  std::string key;  ///< the selector's text without range and offset (what picks series)

  // call, aggregate (args), binary (args[0] op args[1]), negate (args[0])
  std::vector<std::unique_ptr<node>> args;
  std::vector<std::string> grouping;  ///< aggregate: by / without; binary: on / ignoring
  bool without = false;               ///< aggregate: `without`
  bool on = false;                    ///< binary: `on(…)` given
  bool ignoring = false;              ///< binary: `ignoring(…)` given
  bool return_bool = false;           ///< comparison with `bool`
};

bool is_comparison(op o);

}  // namespace floodgate::providers::recorded::promql::detail
