#pragma once
// The parsed form of an expression: nodes in one vector, children by index.

#include <cstdint>
#include <string>
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

struct node {
  node_kind kind = node_kind::literal;
  op_code op = op_code::none;
  bool optional_chain = false;
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
