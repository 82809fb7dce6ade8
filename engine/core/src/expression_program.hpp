#pragma once
// The parsed form of an expression: nodes in one vector, children by index.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <floodgate/core/value.hpp>

namespace floodgate::core::detail {

enum class node_kind : std::uint8_t {
  literal,    // lit
  name,       // text: result or an unknown identifier
  element,    // '#': the current element of the innermost predicate
  member,     // kids[0].text ; optional_chain for ?.
  index,      // kids[0][kids[1]]
  slice,      // kids[0][kids[1]:kids[2]] ; a missing bound is -1
  call,       // text(kids...) ; predicate arguments are closures
  closure,    // kids[0] evaluated per element
  unary,      // op kids[0]
  binary,     // kids[0] op kids[1]
  ternary,    // kids[0] ? kids[1] : kids[2]
  array_lit,  // [kids...]
  map_lit,    // {keys[i]: kids[i]}
};

enum class op_code : std::uint8_t {
  none,
  not_,
  negate,
  plus,
  or_,
  and_,
  eq,
  ne,
  lt,
  le,
  gt,
  ge,
  in,
  not_in,
  contains,
  starts_with,
  ends_with,
  matches,
  range,
  add,
  sub,
  mul,
  div,
  mod,
  pow,
  coalesce,
};

// The functions of the language: one table for the parser (which names exist) and the
// evaluator (which switches on the id resolved at parse time). The functions whose second
// argument is a predicate over the elements of the first come first, all through sum.
enum class builtin : std::uint8_t {
  none,
  all,
  any,
  none_of,
  one,
  filter,
  map,
  count,
  sum,
  len,
  as_int,
  as_float,
  is_nan,
  is_inf,
  is_nil,
  default_,
  abs,
  min,
  max,
  first,
  last,
  string,
  lower,
  upper,
};

constexpr bool takes_predicate(builtin b) { return b >= builtin::all && b <= builtin::sum; }

struct builtin_info {
  std::string_view name;
  builtin id;
};

inline constexpr std::array<builtin_info, 25> builtins = {{
    {"all", builtin::all},        {"any", builtin::any},          {"none", builtin::none_of},
    {"one", builtin::one},        {"filter", builtin::filter},    {"map", builtin::map},
    {"count", builtin::count},    {"sum", builtin::sum},          {"len", builtin::len},
    {"asInt", builtin::as_int},   {"int", builtin::as_int},       {"asFloat", builtin::as_float},
    {"float", builtin::as_float}, {"isNaN", builtin::is_nan},     {"isInf", builtin::is_inf},
    {"isNil", builtin::is_nil},   {"default", builtin::default_}, {"abs", builtin::abs},
    {"min", builtin::min},        {"max", builtin::max},          {"first", builtin::first},
    {"last", builtin::last},      {"string", builtin::string},    {"lower", builtin::lower},
    {"upper", builtin::upper},
}};

inline const builtin_info* find_builtin(std::string_view name) {
  for (const auto& b : builtins) {
    if (b.name == name) return &b;
  }
  return nullptr;
}

struct node {
  node_kind kind = node_kind::literal;
  op_code op = op_code::none;
  bool optional_chain = false;
  builtin fn = builtin::none;  // call: the function
  std::size_t column = 0;
  value lit;
  std::string text;
  std::vector<int> kids;
  std::vector<std::string> keys;
};

struct program {
  std::string text;
  std::vector<node> nodes;
  int root = -1;
};

}  // namespace floodgate::core::detail
