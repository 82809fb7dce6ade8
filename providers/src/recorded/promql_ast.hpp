#pragma once
// The syntax tree of the PromQL subset (promql.hpp): built by promql_parse.cpp, walked by
// promql_eval.cpp.

#include <cstdint>
#include <memory>
#include <regex>
#include <string>
#include <vector>

namespace floodgate::providers::recorded::promql::detail {

enum class value_type { scalar, vector, matrix, string };

struct matcher {
  enum class op { equal, not_equal, match, not_match };
  std::string name;
  op kind = op::equal;
  std::string value;
  std::regex re;  ///< match / not_match: `^(?:value)$`
  bool matches(const std::string& v) const;
};

struct node {
  enum class kind { number, string, selector, call, aggregate, binary, negate };
  kind k = kind::number;
  value_type type = value_type::scalar;
  std::size_t position = 0;  ///< 1-based character where it starts

  double number = 0;  ///< number
  std::string name;   ///< string literal; function or aggregation name; binary operator

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

bool is_comparison(const std::string& op);

}  // namespace floodgate::providers::recorded::promql::detail
