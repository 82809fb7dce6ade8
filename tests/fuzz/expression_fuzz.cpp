// libFuzzer target for the condition language (engine/core expression parser and evaluator):
// any text either parses or gives a syntax error whose column lies inside the text (or just past
// it); a parsed expression evaluates against results of every kind to a value or an error
// message — never a crash, a hang or an exception — and evaluating twice gives the same answer.
//   scripts/fuzz expression 60     (see tests/fuzz/README.md)
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <variant>
#include <vector>

#include <floodgate/core/expression.hpp>

namespace {

namespace core = floodgate::core;

[[noreturn]] void violated(const char* what, const std::string& text) {
  std::fprintf(stderr, "expression_fuzz: %s\nexpression: %s\n", what, text.c_str());
  std::abort();
}

// The shapes `result` takes in Argo Rollouts: a Prometheus scalar or vector, NaN and ±Inf,
// nothing at all, a web provider's JSON map, strings and booleans.
std::vector<core::value> results() {
  using v = core::value;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  return {
      v(),
      v::boolean(true),
      v::integer(-3),
      v::integer(std::numeric_limits<std::int64_t>::min()),
      v::floating(0.99),
      v::floating(nan),
      v::floating(-inf),
      v::string("Healthy"),
      v::array({}),
      v::array({v::floating(0.5), v::floating(nan), v::integer(7)}),
      v::map({{"ok", v::boolean(true)},
              {"data", v::array({v::map({{"value", v::string("1.5")}})})},
              {"count", v::integer(0)}}),
  };
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto parsed = core::expression::parse(text);
  if (const auto* e = std::get_if<core::syntax_error>(&parsed)) {
    if (e->column < 1 || e->column > text.size() + 1 || e->message.empty()) {
      violated("syntax error outside the text or without a message", text);
    }
    return 0;
  }
  const auto& expr = std::get<core::expression>(parsed);
  if (expr.text() != text) violated("the expression does not keep its text", text);
  (void)expr.unknown_identifiers();
  static const std::vector<core::value> inputs = results();
  for (const auto& result : inputs) {
    const auto once = expr.evaluate(result);
    const auto twice = expr.evaluate(result);
    if (once.index() != twice.index()) violated("evaluation is not deterministic", text);
    if (const auto* msg = std::get_if<std::string>(&once)) {
      if (msg->empty()) violated("an evaluation error without a message", text);
      if (*msg != std::get<std::string>(twice)) violated("evaluation is not deterministic", text);
    } else {
      const auto& a = std::get<core::value>(once);
      const auto& b = std::get<core::value>(twice);
      // NaN is not equal to itself; compare what a person would read.
      if (core::to_json_text(a) != core::to_json_text(b)) {
        violated("evaluation is not deterministic", text);
      }
    }
    (void)core::evaluate_condition(expr, result);
  }
  return 0;
}
