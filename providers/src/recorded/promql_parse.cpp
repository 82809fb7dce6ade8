// The PromQL subset's parser: recursive descent with precedence climbing, types checked as it
// goes (Prometheus' parser/parse.go checkAST does the same after parsing). Precedence, lowest
// first: comparisons; + -; * / %; unary minus; ^ (right-associative).
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <floodgate/providers/recorded/promql.hpp>
#include <optional>

#include "promql_ast.hpp"

namespace floodgate::providers::recorded::promql {

namespace detail {

bool matcher::matches(const std::string& v) const {
  switch (kind) {
    case op::equal:
      return v == value;
    case op::not_equal:
      return v != value;
    case op::match:
      return re2::RE2::FullMatch(v, *re);
    case op::not_match:
      return !re2::RE2::FullMatch(v, *re);
  }
  return false;
}

op op_of(std::string_view name) {
  static const std::pair<std::string_view, op> table[] = {
      {"rate", op::rate},
      {"increase", op::increase},
      {"irate", op::irate},
      {"delta", op::delta},
      {"sum_over_time", op::sum_over_time},
      {"avg_over_time", op::avg_over_time},
      {"min_over_time", op::min_over_time},
      {"max_over_time", op::max_over_time},
      {"count_over_time", op::count_over_time},
      {"last_over_time", op::last_over_time},
      {"abs", op::abs},
      {"ceil", op::ceil},
      {"floor", op::floor},
      {"clamp_min", op::clamp_min},
      {"clamp_max", op::clamp_max},
      {"histogram_quantile", op::histogram_quantile},
      {"scalar", op::scalar},
      {"vector", op::vector},
      {"sum", op::sum},
      {"avg", op::avg},
      {"min", op::min},
      {"max", op::max},
      {"count", op::count},
      {"+", op::add},
      {"-", op::sub},
      {"*", op::mul},
      {"/", op::div},
      {"%", op::mod},
      {"^", op::pow},
      {"==", op::eq},
      {"!=", op::ne},
      {"<", op::lt},
      {">", op::gt},
      {"<=", op::le},
      {">=", op::ge},
  };
  for (const auto& [n, o] : table)
    if (n == name) return o;
  return op::none;
}

bool is_comparison(op o) { return o >= op::eq && o <= op::ge; }

}  // namespace detail

namespace {

using detail::node;
using detail::value_type;

struct parse_error {
  std::size_t position;
  std::string message;
};

std::string type_name(value_type t) {
  switch (t) {
    case value_type::scalar:
      return "a scalar";
    case value_type::vector:
      return "an instant vector";
    case value_type::matrix:
      return "a range vector";
    case value_type::string:
      return "a string";
  }
  return "?";
}

struct function_info {
  std::string_view name;
  std::vector<value_type> args;
  value_type returns;
};

const std::vector<function_info>& functions() {
  using v = value_type;
  static const std::vector<function_info> f{
      {"rate", {v::matrix}, v::vector},
      {"increase", {v::matrix}, v::vector},
      {"irate", {v::matrix}, v::vector},
      {"delta", {v::matrix}, v::vector},
      {"sum_over_time", {v::matrix}, v::vector},
      {"avg_over_time", {v::matrix}, v::vector},
      {"min_over_time", {v::matrix}, v::vector},
      {"max_over_time", {v::matrix}, v::vector},
      {"count_over_time", {v::matrix}, v::vector},
      {"last_over_time", {v::matrix}, v::vector},
      {"abs", {v::vector}, v::vector},
      {"ceil", {v::vector}, v::vector},
      {"floor", {v::vector}, v::vector},
      {"clamp_min", {v::vector, v::scalar}, v::vector},
      {"clamp_max", {v::vector, v::scalar}, v::vector},
      {"histogram_quantile", {v::scalar, v::vector}, v::vector},
      {"scalar", {v::vector}, v::scalar},
      {"vector", {v::scalar}, v::vector},
  };
  return f;
}

bool is_aggregation(std::string_view s) {
  return s == "sum" || s == "avg" || s == "min" || s == "max" || s == "count";
}

bool ident_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_' || c == ':';
}
bool ident_char(char c) { return ident_start(c) || std::isdigit(static_cast<unsigned char>(c)); }

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

class parser {
 public:
  explicit parser(std::string_view text) : s_(text) {}

  std::unique_ptr<node> parse_all() {
    auto n = parse_binary(0);
    space();
    if (i_ < s_.size()) fail("an operator or the end of the query");
    if (n->type != value_type::scalar && n->type != value_type::vector)
      throw parse_error{n->position, "the query is " + type_name(n->type) +
                                         "; floodgate evaluates instant queries to a scalar "
                                         "or an instant vector"};
    return n;
  }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
  int depth_ = 0;

  [[noreturn]] void fail(const std::string& expected) const {
    std::string found = "the end of the query";
    if (i_ < s_.size()) {
      std::size_t n = 1;
      if (ident_char(s_[i_]))
        while (i_ + n < s_.size() && ident_char(s_[i_ + n])) ++n;
      found = "\"" + std::string(s_.substr(i_, n)) + "\"";
    }
    throw parse_error{i_ + 1, "expected " + expected + ", found " + found};
  }
  [[noreturn]] static void refuse(std::size_t at, const std::string& what) {
    throw parse_error{at + 1, what + " is not supported by floodgate's PromQL evaluator"};
  }

  void space() {
    while (i_ < s_.size()) {
      if (std::isspace(static_cast<unsigned char>(s_[i_])) != 0) {
        ++i_;
      } else if (s_[i_] == '#') {  // a comment runs to the end of the line
        while (i_ < s_.size() && s_[i_] != '\n') ++i_;
      } else {
        break;
      }
    }
  }
  bool at_char(char c) {
    space();
    return i_ < s_.size() && s_[i_] == c;
  }
  bool eat(std::string_view tok) {
    space();
    if (s_.substr(i_, tok.size()) != tok) return false;
    i_ += tok.size();
    return true;
  }
  void expect(char c, const std::string& what) {
    if (!at_char(c)) fail(what);
    ++i_;
  }
  /// The identifier at the cursor (not consumed), or "".
  std::string peek_ident() {
    space();
    std::size_t n = 0;
    if (i_ < s_.size() && ident_start(s_[i_]))
      while (i_ + n < s_.size() && ident_char(s_[i_ + n])) ++n;
    return std::string(s_.substr(i_, n));
  }
  std::string ident(const std::string& what) {
    auto id = peek_ident();
    if (id.empty()) fail(what);
    i_ += id.size();
    return id;
  }
  std::string label_name() {
    space();
    const auto id = peek_ident();
    if (id.empty() || id.find(':') != std::string::npos) fail("a label name");
    i_ += id.size();
    return id;
  }

  std::string string_literal() {
    space();
    if (i_ >= s_.size() || (s_[i_] != '"' && s_[i_] != '\'' && s_[i_] != '`'))
      fail("a quoted string");
    const char q = s_[i_++];
    std::string out;
    while (i_ < s_.size() && s_[i_] != q) {
      char c = s_[i_++];
      if (c == '\\' && q != '`' && i_ < s_.size()) {
        const char e = s_[i_++];
        switch (e) {
          case 'n':
            c = '\n';
            break;
          case 't':
            c = '\t';
            break;
          case 'r':
            c = '\r';
            break;
          case '\\':
          case '"':
          case '\'':
            c = e;
            break;
          default:
            throw parse_error{i_ - 1, std::string("unknown escape sequence \\") + e};
        }
      }
      out += c;
    }
    if (i_ >= s_.size()) throw parse_error{s_.size() + 1, "unterminated quoted string"};
    ++i_;
    return out;
  }

  /// A Prometheus duration: "5m", "1h30m", "90s", "250ms" (y w d h m s ms, largest first).
  std::int64_t duration(const std::string& what) {
    space();
    const std::size_t start = i_;
    std::int64_t total = 0;
    int last_unit = -1;
    static const std::vector<std::pair<std::string_view, std::int64_t>> units{
        {"y", 365LL * 86400000},
        {"w", 7LL * 86400000},
        {"d", 86400000},
        {"h", 3600000},
        {"ms", 1},
        {"m", 60000},
        {"s", 1000}};
    static const std::vector<int> order{0, 1, 2, 3, 6, 4, 5};  // rank of each unit, largest first
    while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_])) != 0) {
      std::int64_t n = 0;
      while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_])) != 0) {
        if (n > 1000000000000LL) throw parse_error{start + 1, "the duration is too long"};
        n = n * 10 + (s_[i_++] - '0');
      }
      int unit = -1;
      for (std::size_t u = 0; u < units.size(); ++u) {
        if (s_.substr(i_, units[u].first.size()) == units[u].first &&
            !(units[u].first == "m" && s_.substr(i_, 2) == "ms")) {
          unit = static_cast<int>(u);
          break;
        }
      }
      if (unit < 0) fail("a duration unit (ms, s, m, h, d, w, y)");
      const int rank = order[static_cast<std::size_t>(unit)];
      if (rank <= last_unit) throw parse_error{i_ + 1, "duration units must go largest first"};
      last_unit = rank;
      i_ += units[static_cast<std::size_t>(unit)].first.size();
      // Prometheus holds a duration in int64 nanoseconds: about 292 years at most.
      constexpr std::int64_t longest_ms = 9223372036854LL;
      const std::int64_t unit_ms = units[static_cast<std::size_t>(unit)].second;
      if (n > (longest_ms - total) / unit_ms)
        throw parse_error{start + 1, "the duration is too long"};
      total += n * unit_ms;
    }
    if (i_ == start) fail(what);
    if (total <= 0) throw parse_error{start + 1, "the duration must be more than 0"};
    return total;
  }

  std::unique_ptr<node> make(node::kind k, value_type t, std::size_t at) {
    auto n = std::make_unique<node>();
    n->k = k;
    n->type = t;
    n->position = at + 1;
    return n;
  }

  static int precedence(const std::string& op) {
    if (detail::is_comparison(detail::op_of(op))) return 1;
    if (op == "+" || op == "-") return 2;
    if (op == "*" || op == "/" || op == "%") return 3;
    if (op == "^") return 5;
    return -1;
  }

  /// The binary operator at the cursor (consumed), or "".
  std::string binary_operator() {
    space();
    for (std::string_view op : {"==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/", "%", "^"}) {
      if (s_.substr(i_, op.size()) == op) {
        i_ += op.size();
        return std::string(op);
      }
    }
    const auto id = lower(peek_ident());
    if (id == "and" || id == "or" || id == "unless" || id == "atan2") refuse(i_, "\"" + id + "\"");
    return "";
  }

  std::unique_ptr<node> parse_binary(int min_prec) {
    // Nesting deeper than any real query: refused before it can exhaust the stack.
    if (++depth_ > 256) throw parse_error{i_ + 1, "the query nests too deeply"};
    struct leave {
      int& d;
      ~leave() { --d; }
    } guard{depth_};
    auto lhs = parse_unary();
    for (;;) {
      const std::size_t at = i_;
      const std::size_t op_at = (space(), i_);
      auto op = binary_operator();
      const int prec = op.empty() ? -1 : precedence(op);
      if (op.empty() || prec < min_prec) {
        i_ = at;
        return lhs;
      }
      auto n = make(node::kind::binary, value_type::scalar, op_at);
      n->name = op;
      n->code = detail::op_of(op);
      if (peek_ident() == "bool") {
        if (!detail::is_comparison(n->code)) fail("an expression (bool goes with comparisons)");
        i_ += 4;
        n->return_bool = true;
      }
      const auto mod = peek_ident();
      if (mod == "on" || mod == "ignoring") {
        i_ += mod.size();
        (mod == "on" ? n->on : n->ignoring) = true;
        n->grouping = label_list();
      }
      const auto group = peek_ident();
      if (group == "group_left" || group == "group_right") refuse(i_, group);
      auto rhs = parse_binary(op == "^" ? prec : prec + 1);
      check_operands(*n, *lhs, *rhs);
      n->args.push_back(std::move(lhs));
      n->args.push_back(std::move(rhs));
      lhs = std::move(n);
    }
  }

  void check_operands(node& n, const node& lhs, const node& rhs) {
    for (const node* o : {&lhs, &rhs})
      if (o->type != value_type::scalar && o->type != value_type::vector)
        throw parse_error{o->position,
                          "binary expression must contain only scalar and instant "
                          "vector types, found " +
                              type_name(o->type)};
    const bool vectors = lhs.type == value_type::vector && rhs.type == value_type::vector;
    if ((n.on || n.ignoring) && !vectors)
      throw parse_error{n.position, "vector matching only allowed between instant vectors"};
    if (detail::is_comparison(n.code) && !n.return_bool && lhs.type == value_type::scalar &&
        rhs.type == value_type::scalar)
      throw parse_error{n.position, "comparisons between scalars must use the bool modifier"};
    n.type = lhs.type == value_type::vector || rhs.type == value_type::vector ? value_type::vector
                                                                              : value_type::scalar;
  }

  std::vector<std::string> label_list() {
    expect('(', "\"(\" and label names");
    std::vector<std::string> out;
    if (at_char(')')) {
      ++i_;
      return out;
    }
    for (;;) {
      out.push_back(label_name());
      if (at_char(',')) {
        ++i_;
        if (at_char(')')) break;  // a trailing comma
        continue;
      }
      break;
    }
    expect(')', "\",\" or \")\"");
    return out;
  }

  std::unique_ptr<node> parse_unary() {
    space();
    const std::size_t at = i_;
    if (at_char('-') || at_char('+')) {
      const bool minus = s_[i_] == '-';
      ++i_;
      auto operand = parse_binary(precedence("^"));
      if (operand->type != value_type::scalar && operand->type != value_type::vector)
        throw parse_error{operand->position,
                          "unary expression only allowed on scalars and instant vectors"};
      if (!minus) return operand;
      if (operand->k == node::kind::number) {
        operand->number = -operand->number;
        operand->position = at + 1;
        return operand;
      }
      auto n = make(node::kind::negate, operand->type, at);
      n->args.push_back(std::move(operand));
      return n;
    }
    return parse_postfix();
  }

  std::unique_ptr<node> parse_postfix() {
    auto n = parse_primary();
    if (at_char('[')) {
      const std::size_t at = i_;
      ++i_;
      if (n->k != node::kind::selector || n->range_ms != 0)
        throw parse_error{at + 1, "ranges only allowed for vector selectors"};
      n->range_ms = duration("a range duration such as 5m");
      if (at_char(':')) refuse(i_, "a subquery");
      expect(']', "\"]\"");
      n->type = value_type::matrix;
    }
    if (at_char('@')) refuse(i_, "the @ modifier");
    if (peek_ident() == "offset") {
      const std::size_t at = i_;
      i_ += 6;
      if (n->k != node::kind::selector)
        throw parse_error{at + 1, "offset modifier must be preceded by a vector selector"};
      const bool negative = eat("-");
      n->offset_ms = duration("an offset duration such as 5m") * (negative ? -1 : 1);
    }
    return n;
  }

  std::unique_ptr<node> parse_number() {
    space();
    const std::size_t at = i_;
    const std::string rest(s_.substr(i_, 64));
    char* end = nullptr;
    const double v = std::strtod(rest.c_str(), &end);
    const auto used = static_cast<std::size_t>(end - rest.c_str());
    if (used == 0) fail("a number");
    i_ += used;
    auto n = make(node::kind::number, value_type::scalar, at);
    n->number = v;
    return n;
  }

  std::unique_ptr<node> parse_primary() {
    space();
    const std::size_t at = i_;
    if (i_ >= s_.size()) fail("an expression");
    const char c = s_[i_];
    if (c == '(') {
      ++i_;
      auto inner = parse_binary(0);
      expect(')', "\")\"");
      return inner;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) != 0 ||
        (c == '.' && i_ + 1 < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_ + 1]))))
      return parse_number();
    if (c == '"' || c == '\'' || c == '`') {
      auto n = make(node::kind::string, value_type::string, at);
      n->name = string_literal();
      return n;
    }
    if (c == '{') return selector(at, "");
    const auto id = peek_ident();
    if (id.empty()) fail("an expression");
    const auto low = lower(id);
    if (low == "inf" || low == "nan") {
      i_ += id.size();
      auto n = make(node::kind::number, value_type::scalar, at);
      n->number = low == "inf" ? HUGE_VAL : std::nan("");
      return n;
    }
    i_ += id.size();
    if (is_aggregation(id)) return aggregate(at, id);
    if (at_char('(')) return call(at, id);
    return selector(at, id);
  }

  std::unique_ptr<node> aggregate(std::size_t at, const std::string& op) {
    auto n = make(node::kind::aggregate, value_type::vector, at);
    n->name = op;
    n->code = detail::op_of(op);
    auto modifier = [&] {
      const auto m = peek_ident();
      if (m != "by" && m != "without") return false;
      i_ += m.size();
      n->without = m == "without";
      n->grouping = label_list();
      return true;
    };
    const bool before = modifier();
    expect('(', "\"(\"");
    auto arg = parse_binary(0);
    if (at_char(','))
      throw parse_error{i_ + 1, op + " takes one argument (parameterised aggregations such as "
                                     "topk are not supported)"};
    expect(')', "\")\"");
    if (arg->type != value_type::vector)
      throw parse_error{arg->position, "expected an instant vector in aggregation \"" + op +
                                           "\", found " + type_name(arg->type)};
    if (!before) modifier();
    n->args.push_back(std::move(arg));
    return n;
  }

  std::unique_ptr<node> call(std::size_t at, const std::string& name) {
    const auto& fs = functions();
    const auto f =
        std::find_if(fs.begin(), fs.end(), [&](const auto& x) { return x.name == name; });
    if (f == fs.end()) refuse(at, "the function " + name + "()");
    auto n = make(node::kind::call, f->returns, at);
    n->name = name;
    n->code = detail::op_of(name);
    expect('(', "\"(\"");
    while (!at_char(')')) {
      if (!n->args.empty()) expect(',', "\",\" or \")\"");
      n->args.push_back(parse_binary(0));
    }
    ++i_;
    if (n->args.size() != f->args.size())
      throw parse_error{at + 1, name + "() takes " + std::to_string(f->args.size()) + " argument" +
                                    (f->args.size() == 1 ? "" : "s") + ", found " +
                                    std::to_string(n->args.size())};
    for (std::size_t k = 0; k < f->args.size(); ++k) {
      if (n->args[k]->type != f->args[k])
        throw parse_error{n->args[k]->position, name + "() expects " + type_name(f->args[k]) +
                                                    " as argument " + std::to_string(k + 1) +
                                                    ", found " + type_name(n->args[k]->type)};
    }
    return n;
  }

  std::unique_ptr<node> selector(std::size_t at, const std::string& metric) {
    auto n = make(node::kind::selector, value_type::vector, at);
    if (!metric.empty())
      n->matchers.push_back({"__name__", detail::matcher::op::equal, metric, {}});
    if (at_char('{')) {
      ++i_;
      while (!at_char('}')) {
        detail::matcher m;
        m.name = label_name();
        if (eat("=~")) {
          m.kind = detail::matcher::op::match;
        } else if (eat("!~")) {
          m.kind = detail::matcher::op::not_match;
        } else if (eat("!=")) {
          m.kind = detail::matcher::op::not_equal;
        } else if (eat("=")) {
          m.kind = detail::matcher::op::equal;
        } else {
          fail("a label matching operator (=, !=, =~, !~)");
        }
        const std::size_t v_at = (space(), i_);
        m.value = string_literal();
        if (m.kind == detail::matcher::op::match || m.kind == detail::matcher::op::not_match) {
          re2::RE2::Options options;
          options.set_log_errors(false);
          m.re = std::make_shared<const re2::RE2>(m.value, options);
          if (!m.re->ok())
            throw parse_error{v_at + 1, "invalid regular expression: " + m.re->error()};
        }
        n->matchers.push_back(std::move(m));
        if (!at_char(',')) break;
        ++i_;
      }
      expect('}', "\",\" or \"}\"");
    }
    const bool any_non_empty = std::any_of(n->matchers.begin(), n->matchers.end(),
                                           [](const detail::matcher& m) { return !m.matches(""); });
    if (!any_non_empty)
      throw parse_error{at + 1, "vector selector must contain at least one non-empty matcher"};
    n->key = std::string(s_.substr(at, i_ - at));
    return n;
  }
};

}  // namespace

std::variant<expression, std::string> expression::parse(std::string_view text) {
  try {
    parser p(text);
    expression e;
    e.root_ = p.parse_all();
    e.text_ = std::string(text);
    return e;
  } catch (const parse_error& e) {
    return "at character " + std::to_string(e.position) + ": " + e.message;
  }
}

}  // namespace floodgate::providers::recorded::promql
