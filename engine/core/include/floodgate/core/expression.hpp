#pragma once
// Conditions in the language Argo Rollouts users write: expr-lang (github.com/expr-lang/expr),
// with Argo's environment (`result`, `asInt`, `asFloat`, `isNaN`, `isInf`, `isNil`, `default`).
//
// Supported: literals (int, float, string, true/false, nil, arrays [..], maps {k: v}), `result`,
// member access `a.b` and `a?.b`, indexing `a[i]` (negative from the end) and slicing `a[i:j]`,
// arithmetic `+ - * / % ** ^`, comparison `== != < <= > >=`, `&& || !` and `and or not`,
// `in` / `not in`, `contains`, `startsWith`, `endsWith`, `matches`, ranges `a..b`, `??`,
// the ternary `c ? a : b`, and the builtins `len`, `all`, `any`, `none`, `one`, `filter`, `map`,
// `count`, `sum`, `min`, `max`, `abs`, `first`, `last`, `int`, `float`, `string`, `lower`,
// `upper` with predicates `{# > 1}` or `# > 1` (`#` is the element, `.x` its member x).
//
// Semantics follow expr-lang: int and float compare and add as numbers, `/` always divides as
// floats, NaN compares false, a missing map key is nil, indexing past the end or into nil is an
// error. Deliberate difference from Argo: `default(x, d)` is d when x is nil, else x (Argo
// returns its whole provider result instead of x; for the usual `default(result, d)` the two
// agree), and `isNil(x)` tests x.

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <floodgate/core/value.hpp>

namespace floodgate::core {

namespace detail {
struct program;
}

/// Where and why an expression does not parse. `column` counts characters from 1.
struct syntax_error {
  std::size_t column = 0;
  std::string message;  ///< "expected ')' to close the call of len, found end of expression"
};

/// A parsed expression; cheap to copy (the program is shared and immutable), safe to evaluate
/// from several threads at once.
class expression {
 public:
  /// Parses `text`; on failure the error names the column and what was expected.
  static std::variant<expression, syntax_error> parse(std::string_view text);

  const std::string& text() const;
  /// The free identifiers the expression reads that are neither builtins nor `result`
  /// (misspellings such as `resutl`), so a plan check can reject them before any measurement.
  std::vector<std::string> unknown_identifiers() const;

  /// Evaluates with `result` bound to the given value. Returns the value, or the evaluation
  /// error ("index out of range: 0 (array length is 0)", "unknown name a", ...).
  std::variant<value, std::string> evaluate(const value& result) const;

 private:
  explicit expression(std::shared_ptr<const detail::program> p) : program_(std::move(p)) {}
  std::shared_ptr<const detail::program> program_;
};

/// Evaluates a condition that must yield a bool ("expected bool, but got float" otherwise).
std::variant<bool, std::string> evaluate_condition(const expression& e, const value& result);

}  // namespace floodgate::core
