#include <catch2/catch.hpp>
#include <cmath>
#include <floodgate/core/expression.hpp>

using floodgate::core::evaluate_condition;
using floodgate::core::expression;
using floodgate::core::syntax_error;
using floodgate::core::value;

namespace {

expression parse(const std::string& text) {
  auto r = expression::parse(text);
  if (auto* err = std::get_if<syntax_error>(&r)) {
    FAIL("parse of \"" << text << "\" failed at column " << err->column << ": " << err->message);
  }
  return std::get<expression>(r);
}

syntax_error parse_error(const std::string& text) {
  auto r = expression::parse(text);
  REQUIRE(std::holds_alternative<syntax_error>(r));
  return std::get<syntax_error>(r);
}

bool holds(const std::string& text, const value& result = value()) {
  auto r = evaluate_condition(parse(text), result);
  if (auto* err = std::get_if<std::string>(&r)) FAIL(text << ": " << *err);
  return std::get<bool>(r);
}

std::string eval_error(const std::string& text, const value& result = value()) {
  auto r = evaluate_condition(parse(text), result);
  REQUIRE(std::holds_alternative<std::string>(r));
  return std::get<std::string>(r);
}

value floats(std::initializer_list<double> xs) {
  std::vector<value> items;
  for (const double x : xs) items.push_back(value::floating(x));
  return value::array(std::move(items));
}

}  // namespace

TEST_CASE("arithmetic, comparison and logic follow expr-lang", "[core][expression]") {
  CHECK(holds("1 + 2 * 3 == 7"));
  CHECK(holds("(1 + 2) * 3 == 9"));
  CHECK(holds("7 / 2 == 3.5"));  // '/' divides as floats
  CHECK(holds("7 % 4 == 3"));
  CHECK(holds("2 ** 3 ** 2 == 512"));  // right-associative
  CHECK(holds("-2 ** 2 == -4"));
  CHECK(holds("1 == 1.0 && 1 < 1.5"));
  CHECK(holds("not false and true or false"));
  CHECK(holds("!(1 > 2) || false"));
  CHECK(holds("'abc' < 'abd' && \"a\" + 'b' == 'ab'"));
  CHECK(holds("true ? 1 == 1 : false"));
  CHECK(holds("nil ?? 3 == 3"));
  CHECK(holds("2 in [1, 2, 3] && 5 not in [1, 2]"));
  CHECK(holds("'a' in {a: 1} && len({a: 1, b: 2}) == 2"));
  CHECK(holds("'canary-v2' startsWith 'canary' && 'x.y' contains '.' && 'abc' endsWith 'bc'"));
  CHECK(holds("'build-123' matches '^build-[0-9]+$'"));
  CHECK(holds("len(1..5) == 5 && sum(1..4) == 10"));
}

TEST_CASE("result is bound to the provider value", "[core][expression]") {
  const value v = floats({0.99, 0.5});
  CHECK(holds("result[0] >= 0.95", v));
  CHECK(holds("result[-1] == 0.5", v));
  CHECK(holds("len(result) == 2 && result[0:1] == [0.99]", v));
  CHECK(holds("all(result, {# > 0.1}) && any(result, # < 0.6)", v));
  CHECK(holds("none(result, # > 1) && one(result, # > 0.9) && count(result, # > 0) == 2", v));
  CHECK(holds("len(filter(result, # > 0.9)) == 1 && map(result, # * 2)[1] == 1.0", v));
  CHECK(holds("max(result) == 0.99 && min(result) == 0.5 && first(result) == 0.99", v));
  const value m = value::map({{"items", value::array({value::map({{"x", value::floating(2)}})})},
                              {"name", value::string("api")}});
  CHECK(holds("result.name == 'api' && result.missing == nil && result?.a?.b == nil", m));
  CHECK(holds("all(result.items, .x > 1)", m));
  CHECK(holds("result['name'] == 'api'", m));
}

TEST_CASE("Argo's helper functions", "[core][expression]") {
  CHECK(holds("asInt(result) == 1", value::floating(1.9)));
  CHECK(holds("asInt('42') == 42"));
  CHECK(holds("asFloat(result) > 1.1", value::string("1.2")));
  CHECK(holds("isNaN(result)", value::floating(std::nan(""))));
  CHECK(holds("isInf(result) && result > 0", value::floating(HUGE_VAL)));
  CHECK(holds("isNil(result) && default(result, 0.5) == 0.5"));
  CHECK(holds("default(result, 0) == 3", value::floating(3)));
  CHECK(holds("!(result > 0) && !(result <= 0)", value::floating(std::nan(""))));  // NaN: false
}

TEST_CASE("runtime errors say what went wrong", "[core][expression]") {
  CHECK(eval_error("result[0] > 1", value::array({})) ==
        "index out of range: 0 (array length is 0)");
  CHECK(eval_error("result[0] > 1") == "cannot fetch 0 from nil");
  CHECK(eval_error("a == true").find("unknown name a") == 0);
  CHECK(eval_error("asFloat(result) > 1", value::string("NotANum")).find("invalid syntax") !=
        std::string::npos);
  CHECK(eval_error("result", value::integer(1)) == "expected bool, but got int");
  CHECK(eval_error("'a' < 1") == "invalid operation: < (mismatched types string and int)");
  CHECK(eval_error("1 && true") == "&& needs a bool, got int");
  CHECK(eval_error("all(result, # + 1)", floats({1})) ==
        "the predicate of all must return a bool, got float");
  CHECK(eval_error("len(1.5) > 0") == "invalid argument for len (type float)");
  CHECK(eval_error("1 % 0 == 0") == "integer divide by zero");
  // Found by tests/fuzz/expression_fuzz: floats outside int64 used to be converted regardless.
  CHECK(eval_error("result[01e308] >= 1", floats({1})) ==
        "index out of range: 1e+308 (array length is 1)");
  CHECK(eval_error("asInt(1e19) > 0") == "asInt: cannot convert 10000000000000000000 to an int");
  CHECK(eval_error("len(-1..9223372036854775807) > 0") ==
        "range -1..9223372036854775807 is too long (at most 10000 items)");
  CHECK(eval_error("result[0..990108] >= 1", floats({1})) ==
        "range 0..990108 is too long (at most 10000 items)");
  CHECK(holds("len(1..10000) == 10000"));
  CHECK(eval_error("all()") == "all() takes 2 arguments, got 0");
  CHECK(eval_error("sum() == 0") == "sum() takes 1 to 2 arguments, got 0");
}

TEST_CASE("int64 arithmetic wraps around as Go's does", "[core][expression]") {
  CHECK(holds("9223372036854775807 + 1 == -9223372036854775807 - 1"));
  CHECK(holds("-(-9223372036854775807 - 1) == -9223372036854775807 - 1"));
  CHECK(holds("3037000500 * 3037000500 == -9223372036709301616"));
  CHECK(holds("(-9223372036854775807 - 1) % -1 == 0"));
  CHECK(holds("len(9223372036854775806..9223372036854775807) == 2"));
  CHECK(holds("asInt(-9.2e18) == -9200000000000000000"));
}

TEST_CASE("syntax errors name the column and what was expected", "[core][expression]") {
  auto e = parse_error("result[0] >= ");
  CHECK(e.column == 14);
  CHECK(e.message == "expected a value, found end of expression");
  e = parse_error("len(result");
  CHECK(e.column == 11);
  CHECK(e.message == "expected ',' between the arguments of len, found end of expression");
  e = parse_error("result[0 >= 1");
  CHECK(e.message == "expected ']' to close the index, found end of expression");
  e = parse_error("result >= 1 1");
  CHECK(e.column == 13);
  CHECK(e.message == "expected an operator or end of expression, found number 1");
  e = parse_error("resutl(1)");
  CHECK(e.message == "unknown function resutl()");
  e = parse_error("# > 1");
  CHECK(e.column == 1);
  e = parse_error("'open");
  CHECK(e.message == "string starting here is not closed");
  e = parse_error("result @ 1");
  CHECK(e.column == 8);
  CHECK(e.message == "unexpected character '@'");
  // A character outside ASCII is quoted whole (plan_fuzz found half of one, whose JSON failed).
  CHECK(parse_error("result \xC6\x84 1").message == "unexpected character '\xC6\x84'");
  CHECK(parse_error("'a\\\xE2\x82\xAC'").message == "unknown escape \\\xE2\x82\xAC in string");
  CHECK(parse_error("").message == "expected an expression, found nothing");
}

TEST_CASE("misspelled names are reported before any measurement", "[core][expression]") {
  CHECK(parse("resutl[0] > 1 && result > 0").unknown_identifiers() ==
        std::vector<std::string>{"resutl"});
  CHECK(parse("all(result, # > 1)").unknown_identifiers().empty());
}
