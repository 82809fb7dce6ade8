// Evaluation of parsed expressions with expr-lang's runtime semantics and Argo Rollouts'
// environment (utils/evaluate/evaluate.go): the functions asInt, asFloat, isNaN, isInf, isNil
// and default. Runtime errors unwind as eval_failure and come back as a message.

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <floodgate/core/expression.hpp>
#include <regex>

#include "expression_program.hpp"

namespace floodgate::core {

namespace {

using detail::builtin;
using detail::node;
using detail::node_kind;
using detail::op_code;

struct eval_failure {
  std::string message;
};

[[noreturn]] void fail(std::string message) { throw eval_failure{std::move(message)}; }

std::string show(const value& v) {
  std::string s = to_json_text(v);
  if (s.size() > 40) s = s.substr(0, 37) + "...";
  return s;
}

std::string type_of(const value& v) { return std::string(kind_name(v.kind())); }

bool truthy(const value& v, const char* what) {
  if (v.kind() != value_kind::boolean) fail(std::string(what) + " needs a bool, got " + type_of(v));
  return v.as_bool();
}

double number_of(const value& v, const std::string& what) {
  if (!v.is_number()) fail(what + " needs a number, got " + type_of(v) + " " + show(v));
  return v.as_double();
}

int compare_values(const value& a, const value& b, const char* op) {
  if (a.is_number() && b.is_number()) {
    if (a.kind() == value_kind::integer && b.kind() == value_kind::integer) {
      return a.as_int() < b.as_int() ? -1 : (a.as_int() > b.as_int() ? 1 : 0);
    }
    const double x = a.as_double();
    const double y = b.as_double();
    if (std::isnan(x) || std::isnan(y)) return 2;  // unordered: every comparison is false
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.kind() == value_kind::string && b.kind() == value_kind::string) {
    const int c = a.as_string().compare(b.as_string());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  fail(std::string("invalid operation: ") + op + " (mismatched types " + type_of(a) + " and " +
       type_of(b) + ")");
}

bool equal(const value& a, const value& b) {
  if (a.is_number() && b.is_number()) {
    return compare_values(a, b, "==") == 0;
  }
  return a == b;
}

constexpr std::uint64_t max_range_items = 10000;

// What a missing map member reads as (made once, not per evaluation).
const value nil_value;

// Go's int64 arithmetic wraps around on overflow (two's complement; the Go spec, "Integer
// overflow"); so does expr-lang's. Computed on uint64, where wrapping is defined in C++ too.
std::int64_t wrapping(op_code op, std::int64_t a, std::int64_t b) {
  const auto ua = static_cast<std::uint64_t>(a);
  const auto ub = static_cast<std::uint64_t>(b);
  const std::uint64_t r = op == op_code::add ? ua + ub : op == op_code::sub ? ua - ub : ua * ub;
  return static_cast<std::int64_t>(r);
}

// Whether a float converts to int64 without leaving its range (-2^63 ≤ d < 2^63); outside it
// C++'s conversion is undefined and Go's implementation-defined, so floodgate reports an error.
bool fits_int64(double d) { return d >= -9223372036854775808.0 && d < 9223372036854775808.0; }

value arithmetic(op_code op, const value& a, const value& b) {
  if (op == op_code::add && a.kind() == value_kind::string && b.kind() == value_kind::string) {
    return value::string(a.as_string() + b.as_string());
  }
  static const char* const names[] = {"+", "-", "*", "/", "%", "**"};
  const char* name = names[static_cast<int>(op) - static_cast<int>(op_code::add)];
  if (!a.is_number() || !b.is_number()) {
    fail(std::string("invalid operation: ") + name + " (mismatched types " + type_of(a) + " and " +
         type_of(b) + ")");
  }
  const bool ints = a.kind() == value_kind::integer && b.kind() == value_kind::integer;
  switch (op) {
    case op_code::add:
      return ints ? value::integer(wrapping(op, a.as_int(), b.as_int()))
                  : value::floating(a.as_double() + b.as_double());
    case op_code::sub:
      return ints ? value::integer(wrapping(op, a.as_int(), b.as_int()))
                  : value::floating(a.as_double() - b.as_double());
    case op_code::mul:
      return ints ? value::integer(wrapping(op, a.as_int(), b.as_int()))
                  : value::floating(a.as_double() * b.as_double());
    case op_code::div:
      return value::floating(a.as_double() / b.as_double());
    case op_code::mod:
      if (!ints)
        fail("invalid operation: % needs integers, got " + type_of(a) + " and " + type_of(b));
      if (b.as_int() == 0) fail("integer divide by zero");
      if (b.as_int() == -1) return value::integer(0);  // Go: MinInt64 % -1 == 0, no trap
      return value::integer(a.as_int() % b.as_int());
    default:
      return value::floating(std::pow(a.as_double(), b.as_double()));
  }
}

std::int64_t index_of(const value& index, std::size_t length, bool clamp) {
  if (index.kind() != value_kind::integer) {
    if (index.kind() == value_kind::floating &&
        std::trunc(index.as_double()) == index.as_double()) {
      if (!fits_int64(index.as_double())) {
        fail("index out of range: " + show(index) + " (array length is " + std::to_string(length) +
             ")");
      }
      return index_of(value::integer(static_cast<std::int64_t>(index.as_double())), length, clamp);
    }
    fail("array index must be an int, got " + type_of(index));
  }
  std::int64_t i = index.as_int();
  const auto n = static_cast<std::int64_t>(length);
  if (i < 0) i += n;
  if (clamp) return std::clamp<std::int64_t>(i, 0, n);
  if (i < 0 || i >= n) {
    fail("index out of range: " + std::to_string(index.as_int()) + " (array length is " +
         std::to_string(length) + ")");
  }
  return i;
}

class evaluator {
 public:
  evaluator(const detail::program& p, const value& result) : p_(p), result_(result) {}

  value eval(int id) {
    const node& n = p_.nodes[static_cast<std::size_t>(id)];
    switch (n.kind) {
      case node_kind::literal:
        return n.lit;
      case node_kind::name:
        if (n.text == "result") return result_;
        fail("unknown name " + n.text +
             " (the environment has result, asInt, asFloat, isNaN, "
             "isInf, isNil, default)");
      case node_kind::element:
        if (depth_ == 0) fail("'#' outside a predicate");
        return *elements_[depth_ - 1];
      case node_kind::member:
      case node_kind::index:
        if (const value* p = lookup(id)) return *p;
        return n.kind == node_kind::member ? member(n) : index(n);
      case node_kind::slice:
        return slice(n);
      case node_kind::call:
        return call(n);
      case node_kind::closure:
        return eval(n.kids[0]);
      case node_kind::unary:
        return unary(n);
      case node_kind::binary:
        return binary(n);
      case node_kind::ternary:
        return truthy(eval(n.kids[0]), "the condition of ?:") ? eval(n.kids[1]) : eval(n.kids[2]);
      case node_kind::array_lit: {
        std::vector<value> items;
        items.reserve(n.kids.size());
        for (const int k : n.kids) items.push_back(eval(k));
        return value::array(std::move(items));
      }
      case node_kind::map_lit: {
        std::vector<std::pair<std::string, value>> entries;
        for (std::size_t i = 0; i < n.kids.size(); ++i)
          entries.emplace_back(n.keys[i], eval(n.kids[i]));
        return value::map(std::move(entries));
      }
    }
    fail("unsupported expression");
  }

 private:
  // A reference to the value a node denotes when it names an existing one (a literal, result,
  // #, or a member or element of those), so reading a big result costs no copy; otherwise the
  // node is evaluated into `storage`.
  const value& resolve(int id, value& storage) {
    if (const value* p = lookup(id)) return *p;
    storage = eval(id);
    return storage;
  }
  const value* lookup(int id) {
    const node& n = p_.nodes[static_cast<std::size_t>(id)];
    switch (n.kind) {
      case node_kind::literal:
        return &n.lit;
      case node_kind::name:
        return n.text == "result" ? &result_ : nullptr;
      case node_kind::element:
        return depth_ == 0 ? nullptr : elements_[depth_ - 1];
      case node_kind::member: {
        const value* t = lookup(n.kids[0]);
        if (t == nullptr || t->kind() != value_kind::map) return nullptr;
        const value* found = t->find(n.text);
        return found != nullptr ? found : &nil_value;
      }
      case node_kind::index: {
        const value* t = lookup(n.kids[0]);
        if (t == nullptr || t->kind() != value_kind::array) return nullptr;
        value storage;
        const value& key = resolve(n.kids[1], storage);
        return &t->items()[static_cast<std::size_t>(index_of(key, t->items().size(), false))];
      }
      default:
        return nullptr;
    }
  }

  value member(const node& n) {
    value storage;
    const value& target = resolve(n.kids[0], storage);
    if (target.is_nil()) {
      if (n.optional_chain) return value();
      fail("cannot fetch " + n.text + " from nil");
    }
    if (target.kind() != value_kind::map) {
      fail("cannot fetch " + n.text + " from " + type_of(target) + " " + show(target));
    }
    const value* found = target.find(n.text);
    return found ? *found : value();
  }

  value index(const node& n) {
    value storage;
    const value& target = resolve(n.kids[0], storage);
    const value key = eval(n.kids[1]);
    switch (target.kind()) {
      case value_kind::array:
        return target
            .items()[static_cast<std::size_t>(index_of(key, target.items().size(), false))];
      case value_kind::string: {
        const auto i = static_cast<std::size_t>(index_of(key, target.as_string().size(), false));
        return value::string(target.as_string().substr(i, 1));
      }
      case value_kind::map: {
        if (key.kind() != value_kind::string) fail("map key must be a string, got " + type_of(key));
        const value* found = target.find(key.as_string());
        return found ? *found : value();
      }
      case value_kind::nil:
        fail("cannot fetch " + show(key) + " from nil");
      default:
        fail("cannot index " + type_of(target) + " " + show(target));
    }
  }

  value slice(const node& n) {
    value storage;
    const value& target = resolve(n.kids[0], storage);
    std::size_t length = 0;
    if (target.kind() == value_kind::array) {
      length = target.items().size();
    } else if (target.kind() == value_kind::string) {
      length = target.as_string().size();
    } else {
      fail("cannot slice " + type_of(target));
    }
    auto from = n.kids[1] < 0 ? 0 : index_of(eval(n.kids[1]), length, true);
    auto to =
        n.kids[2] < 0 ? static_cast<std::int64_t>(length) : index_of(eval(n.kids[2]), length, true);
    if (to < from) to = from;
    if (target.kind() == value_kind::string) {
      return value::string(target.as_string().substr(static_cast<std::size_t>(from),
                                                     static_cast<std::size_t>(to - from)));
    }
    return value::array(
        std::vector<value>(target.items().begin() + from, target.items().begin() + to));
  }

  value unary(const node& n) {
    const value v = eval(n.kids[0]);
    switch (n.op) {
      case op_code::not_:
        return value::boolean(!truthy(v, "!"));
      case op_code::negate:
        if (v.kind() == value_kind::integer)
          return value::integer(wrapping(op_code::sub, 0, v.as_int()));
        return value::floating(-number_of(v, "unary -"));
      default:
        number_of(v, "unary +");
        return v;
    }
  }

  value binary(const node& n) {
    switch (n.op) {
      case op_code::or_:
        if (truthy(eval(n.kids[0]), "||")) return value::boolean(true);
        return value::boolean(truthy(eval(n.kids[1]), "||"));
      case op_code::and_:
        if (!truthy(eval(n.kids[0]), "&&")) return value::boolean(false);
        return value::boolean(truthy(eval(n.kids[1]), "&&"));
      case op_code::coalesce: {
        value a = eval(n.kids[0]);
        return a.is_nil() ? eval(n.kids[1]) : a;
      }
      default:
        break;
    }
    value storage_a;
    value storage_b;
    const value& a = resolve(n.kids[0], storage_a);
    const value& b = resolve(n.kids[1], storage_b);
    switch (n.op) {
      case op_code::eq:
        return value::boolean(equal(a, b));
      case op_code::ne:
        return value::boolean(!equal(a, b));
      case op_code::lt:
        return value::boolean(compare_values(a, b, "<") == -1);
      case op_code::le: {
        const int c = compare_values(a, b, "<=");
        return value::boolean(c == -1 || c == 0);
      }
      case op_code::gt:
        return value::boolean(compare_values(a, b, ">") == 1);
      case op_code::ge: {
        const int c = compare_values(a, b, ">=");
        return value::boolean(c == 1 || c == 0);
      }
      case op_code::in:
        return value::boolean(contains(b, a));
      case op_code::not_in:
        return value::boolean(!contains(b, a));
      case op_code::contains:
      case op_code::starts_with:
      case op_code::ends_with:
      case op_code::matches:
        return value::boolean(string_test(n.op, a, b));
      case op_code::range: {
        if (a.kind() != value_kind::integer || b.kind() != value_kind::integer) {
          fail("invalid operation: .. needs integers, got " + type_of(a) + " and " + type_of(b));
        }
        const std::int64_t lo = a.as_int(), hi = b.as_int();
        std::vector<value> items;
        if (hi < lo) return value::array(std::move(items));
        // hi - lo on uint64: the distance between any two int64 fits, the difference may not.
        // A range holds at most 10 000 items, so that a condition evaluates in bounded time and
        // memory in the controller's loop (expr-lang bounds it by a memory budget of 10^6
        // units instead); expression_fuzz found `result[0..990108]` taking seconds.
        if (static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo) >= max_range_items)
          fail("range " + show(a) + ".." + show(b) + " is too long (at most " +
               std::to_string(max_range_items) + " items)");
        for (std::int64_t i = lo; i < hi; ++i) items.push_back(value::integer(i));
        items.push_back(value::integer(hi));  // hi may be MaxInt64: no ++ past it
        return value::array(std::move(items));
      }
      default:
        return arithmetic(n.op, a, b);
    }
  }

  static bool contains(const value& container, const value& needle) {
    if (container.kind() == value_kind::array) {
      return std::any_of(container.items().begin(), container.items().end(),
                         [&](const value& v) { return equal(v, needle); });
    }
    if (container.kind() == value_kind::map) {
      if (needle.kind() != value_kind::string)
        fail("map key must be a string, got " + type_of(needle));
      return container.find(needle.as_string()) != nullptr;
    }
    fail("invalid operation: in needs an array or a map on the right, got " + type_of(container));
  }

  static bool string_test(op_code op, const value& a, const value& b) {
    if (a.kind() != value_kind::string || b.kind() != value_kind::string) {
      fail("invalid operation: string operator on " + type_of(a) + " and " + type_of(b));
    }
    const std::string& s = a.as_string();
    const std::string& t = b.as_string();
    switch (op) {
      case op_code::contains:
        return s.find(t) != std::string::npos;
      case op_code::starts_with:
        return s.rfind(t, 0) == 0;
      case op_code::ends_with:
        return s.size() >= t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0;
      default:
        try {
          return std::regex_search(s, std::regex(t));
        } catch (const std::regex_error&) {
          fail("invalid regular expression " + show(b));
        }
    }
  }

  value call(const node& n);
  value predicate_call(const node& n);
  bool apply(int closure, const value& element, const std::string& fn) {
    push_element(element);
    value r = eval(closure);
    --depth_;
    if (r.kind() != value_kind::boolean)
      fail("the predicate of " + fn + " must return a bool, got " + type_of(r));
    return r.as_bool();
  }

  const detail::program& p_;
  const value& result_;
  // The elements of the enclosing predicates, innermost last; a fixed stack so evaluating
  // allocates nothing.
  void push_element(const value& v) {
    if (depth_ == elements_.size()) fail("predicates nested too deeply");
    elements_[depth_++] = &v;
  }
  std::array<const value*, 16> elements_{};
  std::size_t depth_ = 0;
};

value as_int(const value& v) {
  switch (v.kind()) {
    case value_kind::integer:
      return v;
    case value_kind::floating:
      if (!fits_int64(v.as_double())) fail("asInt: cannot convert " + show(v) + " to an int");
      return value::integer(static_cast<std::int64_t>(v.as_double()));
    case value_kind::string: {
      std::int64_t i = 0;
      const std::string& s = v.as_string();
      const auto r = std::from_chars(s.data(), s.data() + s.size(), i);
      if (r.ec != std::errc() || r.ptr != s.data() + s.size() || s.empty()) {
        fail("asInt: strconv.ParseInt: parsing " + show(v) + ": invalid syntax");
      }
      return value::integer(i);
    }
    default:
      fail("asInt: cannot convert " + type_of(v) + " to an int");
  }
}

value as_float(const value& v) {
  switch (v.kind()) {
    case value_kind::integer:
    case value_kind::floating:
      return value::floating(v.as_double());
    case value_kind::string: {
      const auto d = parse_go_float(v.as_string());
      if (!d) fail("asFloat: strconv.ParseFloat: parsing " + show(v) + ": invalid syntax");
      return value::floating(*d);
    }
    default:
      fail("asFloat: cannot convert " + type_of(v) + " to a float");
  }
}

void arity(const node& n, std::size_t lo, std::size_t hi) {
  if (n.kids.size() < lo || n.kids.size() > hi) {
    fail(n.text + "() takes " +
         (lo == hi ? std::to_string(lo) : std::to_string(lo) + " to " + std::to_string(hi)) +
         " argument" + (hi == 1 ? "" : "s") + ", got " + std::to_string(n.kids.size()));
  }
}

const std::vector<value>& array_arg(const value& v, const std::string& fn) {
  if (v.kind() != value_kind::array)
    fail(fn + "() needs an array, got " + type_of(v) + " " + show(v));
  return v.items();
}

value evaluator::predicate_call(const node& n) {
  if (n.kids.empty()) arity(n, n.fn == builtin::sum ? 1 : 2, 2);  // `all()`: found by the fuzzer
  value storage;
  const value& target = resolve(n.kids[0], storage);
  const auto& items = array_arg(target, n.text);
  const int closure = n.kids.size() > 1 ? n.kids[1] : -1;
  if (n.fn == builtin::sum) {
    arity(n, 1, 2);
    value total = value::integer(0);
    for (const auto& item : items) {
      if (closure >= 0) {
        push_element(item);
        const value mapped = eval(closure);
        --depth_;
        total = arithmetic(op_code::add, total, mapped);
      } else {
        total = arithmetic(op_code::add, total, item);
      }
    }
    return total;
  }
  arity(n, 2, 2);
  if (n.fn == builtin::map) {
    std::vector<value> out;
    out.reserve(items.size());
    for (const auto& item : items) {
      push_element(item);
      out.push_back(eval(closure));
      --depth_;
    }
    return value::array(std::move(out));
  }
  std::int64_t matched = 0;
  std::vector<value> kept;
  for (const auto& item : items) {
    const bool ok = apply(closure, item, n.text);
    if (ok) ++matched;
    if (n.fn == builtin::all && !ok) return value::boolean(false);
    if (n.fn == builtin::any && ok) return value::boolean(true);
    if (n.fn == builtin::none_of && ok) return value::boolean(false);
    if (n.fn == builtin::filter && ok) kept.push_back(item);
  }
  switch (n.fn) {
    case builtin::all:
    case builtin::none_of:
      return value::boolean(true);
    case builtin::any:
      return value::boolean(false);
    case builtin::one:
      return value::boolean(matched == 1);
    case builtin::count:
      return value::integer(matched);
    default:
      return value::array(std::move(kept));
  }
}

value evaluator::call(const node& n) {
  if (detail::takes_predicate(n.fn)) return predicate_call(n);
  // Arguments by reference where they name existing values; at most a few, so no heap.
  std::array<value, 4> storage;
  std::array<const value*, 4> refs{};
  if (n.kids.size() > refs.size()) arity(n, 0, refs.size());
  for (std::size_t i = 0; i < n.kids.size(); ++i) refs[i] = &resolve(n.kids[i], storage[i]);
  const auto args = [&](std::size_t i) -> const value& { return *refs[i]; };
  const std::string& fn = n.text;
  switch (n.fn) {
    case builtin::len: {
      arity(n, 1, 1);
      const value& v = args(0);
      if (v.kind() == value_kind::string) {
        return value::integer(static_cast<std::int64_t>(v.as_string().size()));
      }
      if (v.kind() == value_kind::array || v.kind() == value_kind::map) {
        return value::integer(static_cast<std::int64_t>(v.items().size()));
      }
      fail("invalid argument for len (type " + type_of(v) + ")");
    }
    case builtin::as_int:
      arity(n, 1, 1);
      return as_int(args(0));
    case builtin::as_float:
      arity(n, 1, 1);
      return as_float(args(0));
    case builtin::is_nan:
      arity(n, 1, 1);
      return value::boolean(std::isnan(number_of(args(0), "isNaN")));
    case builtin::is_inf:
      arity(n, 1, 1);
      return value::boolean(std::isinf(number_of(args(0), "isInf")));
    case builtin::is_nil:
      arity(n, 1, 1);
      return value::boolean(args(0).is_nil());
    case builtin::default_:
      arity(n, 2, 2);
      return args(0).is_nil() ? args(1) : args(0);
    case builtin::abs:
      arity(n, 1, 1);
      if (args(0).kind() == value_kind::integer) return value::integer(std::abs(args(0).as_int()));
      return value::floating(std::fabs(number_of(args(0), "abs")));
    case builtin::min:
    case builtin::max: {
      if (n.kids.empty()) arity(n, 1, 4);
      std::vector<value> flat;
      if (n.kids.size() == 1 && args(0).kind() == value_kind::array) {
        flat = args(0).items();
      } else {
        for (std::size_t i = 0; i < n.kids.size(); ++i) flat.push_back(args(i));
      }
      if (flat.empty()) fail(fn + "() of an empty array");
      value best = flat[0];
      const int wanted = n.fn == builtin::min ? -1 : 1;
      for (const auto& v : flat) {
        number_of(v, fn);
        if (compare_values(v, best, fn.c_str()) == wanted) best = v;
      }
      return best;
    }
    case builtin::first:
    case builtin::last: {
      arity(n, 1, 1);
      const auto& items = array_arg(args(0), fn);
      if (items.empty()) return value();
      return n.fn == builtin::first ? items.front() : items.back();
    }
    case builtin::string:
      arity(n, 1, 1);
      if (args(0).kind() == value_kind::string) return args(0);
      if (args(0).kind() == value_kind::floating) {
        return value::string(format_float_plain(args(0).as_double()));
      }
      return value::string(to_json_text(args(0)));
    case builtin::lower:
    case builtin::upper: {
      arity(n, 1, 1);
      if (args(0).kind() != value_kind::string) {
        fail(fn + "() needs a string, got " + type_of(args(0)));
      }
      std::string s = args(0).as_string();
      for (char& c : s) {
        const auto u = static_cast<unsigned char>(c);
        c = static_cast<char>(n.fn == builtin::lower ? std::tolower(u) : std::toupper(u));
      }
      return value::string(std::move(s));
    }
    default:
      fail("unknown function " + fn + "()");
  }
}

}  // namespace

std::variant<value, std::string> expression::evaluate(const value& result) const {
  try {
    evaluator e(*program_, result);
    return e.eval(program_->root);
  } catch (const eval_failure& f) {
    return f.message;
  }
}

std::variant<bool, std::string> evaluate_condition(const expression& e, const value& result) {
  auto r = e.evaluate(result);
  if (auto* err = std::get_if<std::string>(&r)) return std::move(*err);
  const value& v = std::get<value>(r);
  if (v.kind() != value_kind::boolean) return "expected bool, but got " + type_of(v);
  return v.as_bool();
}

}  // namespace floodgate::core
