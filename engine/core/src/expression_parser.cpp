// Parser for expr-lang conditions: a tokenizer and a precedence-climbing parser with
// expr-lang's precedences (or 10, and 15, comparisons 20, .. 25, + - 30, unary not 50,
// * / % 60, unary - + 90, ** ^ 100 right-associative, ?? 500, the ternary lowest).

#include <cctype>
#include <charconv>
#include <floodgate/core/expression.hpp>
#include <set>
#include <stdexcept>

#include "expression_program.hpp"

namespace floodgate::core {

namespace {

using detail::node;
using detail::node_kind;
using detail::op_code;

enum class tok { end, number, string, ident, punct };

// The character at byte i for a message: a UTF-8 lead byte with its continuation bytes, so a
// message never quotes half a character (its JSON would not be UTF-8).
std::string utf8_char_at(std::string_view s, std::size_t i) {
  std::size_t end = i + 1;
  while (end < s.size() && end < i + 4 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80)
    ++end;
  return std::string(s.substr(i, end - i));
}

struct token {
  tok kind = tok::end;
  std::string text;  // identifier, operator, or decoded string
  value number;
  std::size_t column = 0;
};

struct parse_failure {
  std::size_t column;
  std::string message;
};

std::string describe(const token& t) {
  switch (t.kind) {
    case tok::end:
      return "end of expression";
    case tok::string:
      return "string \"" + t.text + "\"";
    case tok::number:
      return "number " + t.text;
    default:
      return "'" + t.text + "'";
  }
}

std::vector<token> tokenize(std::string_view s) {
  std::vector<token> out;
  std::size_t i = 0;
  const auto fail = [&](std::size_t at, std::string msg) {
    throw parse_failure{at + 1, std::move(msg)};
  };
  static const char* const two[] = {"==", "!=", "<=", ">=", "&&", "||", "**", "??", "?.", ".."};
  while (i < s.size()) {
    const char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    token t;
    t.column = i + 1;
    if (std::isdigit(static_cast<unsigned char>(c)) ||
        (c == '.' && i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1])) &&
         (out.empty() || out.back().kind == tok::punct))) {
      std::size_t j = i;
      bool is_float = false;
      std::string digits;
      while (j < s.size()) {
        const char d = s[j];
        if (std::isdigit(static_cast<unsigned char>(d))) {
          digits += d;
        } else if (d == '_') {
        } else if (d == '.' && !is_float && j + 1 < s.size() && s[j + 1] != '.') {
          is_float = true;
          digits += d;
        } else if ((d == 'e' || d == 'E') && j + 1 < s.size()) {
          is_float = true;
          digits += d;
          if (s[j + 1] == '+' || s[j + 1] == '-') digits += s[++j];
        } else {
          break;
        }
        ++j;
      }
      t.kind = tok::number;
      t.text = std::string(s.substr(i, j - i));
      if (is_float) {
        double d = 0;
        const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), d);
        if (r.ec != std::errc() || r.ptr != digits.data() + digits.size()) {
          fail(i, "invalid number " + t.text);
        }
        t.number = value::floating(d);
      } else {
        std::int64_t n = 0;
        const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), n);
        if (r.ec != std::errc()) fail(i, "integer " + t.text + " is out of range");
        t.number = value::integer(n);
      }
      i = j;
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '$') {
      std::size_t j = i;
      while (j < s.size() &&
             (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_' || s[j] == '$')) {
        ++j;
      }
      t.kind = tok::ident;
      t.text = std::string(s.substr(i, j - i));
      i = j;
    } else if (c == '"' || c == '\'') {
      std::size_t j = i + 1;
      std::string text;
      for (;; ++j) {
        if (j >= s.size()) fail(i, "string starting here is not closed");
        if (s[j] == c) break;
        if (s[j] == '\\' && j + 1 < s.size()) {
          const char e = s[++j];
          switch (e) {
            case 'n':
              text += '\n';
              break;
            case 't':
              text += '\t';
              break;
            case 'r':
              text += '\r';
              break;
            case '\\':
            case '"':
            case '\'':
              text += e;
              break;
            default:
              fail(j - 1, "unknown escape \\" + utf8_char_at(s, j) + " in string");
          }
        } else {
          text += s[j];
        }
      }
      t.kind = tok::string;
      t.text = std::move(text);
      i = j + 1;
    } else {
      t.kind = tok::punct;
      for (const char* op : two) {
        if (s.substr(i, 2) == op) t.text = op;
      }
      if (t.text.empty()) {
        if (std::string_view("()[]{},.:?!<>+-*/%^#").find(c) == std::string_view::npos) {
          fail(i, "unexpected character '" + utf8_char_at(s, i) + "'");
        }
        t.text = std::string(1, c);
      }
      i += t.text.size();
    }
    out.push_back(std::move(t));
  }
  token end;
  end.column = s.size() + 1;
  out.push_back(end);
  return out;
}

struct binary_op {
  op_code op;
  int precedence;
  bool right_assoc;
};

class parser {
 public:
  explicit parser(std::string_view text) : toks_(tokenize(text)) {}

  detail::program run(std::string_view text) {
    prog_.text = std::string(text);
    if (peek().kind == tok::end) throw parse_failure{1, "expected an expression, found nothing"};
    prog_.root = parse_expr(0);
    if (peek().kind != tok::end) {
      throw parse_failure{peek().column,
                          "expected an operator or end of expression, found " + describe(peek())};
    }
    return std::move(prog_);
  }

 private:
  const token& peek(std::size_t ahead = 0) const {
    return toks_[std::min(pos_ + ahead, toks_.size() - 1)];
  }
  bool is_punct(const char* p, std::size_t ahead = 0) const {
    return peek(ahead).kind == tok::punct && peek(ahead).text == p;
  }
  bool is_word(const char* w, std::size_t ahead = 0) const {
    return peek(ahead).kind == tok::ident && peek(ahead).text == w;
  }
  token take() { return toks_[pos_ < toks_.size() - 1 ? pos_++ : pos_]; }
  void expect(const char* p, const std::string& what) {
    if (!is_punct(p)) {
      throw parse_failure{peek().column, "expected '" + std::string(p) + "' " + what + ", found " +
                                             describe(peek())};
    }
    take();
  }

  int add(node n) {
    prog_.nodes.push_back(std::move(n));
    return static_cast<int>(prog_.nodes.size()) - 1;
  }
  int make(node_kind k, std::size_t column, std::vector<int> kids, op_code op = op_code::none) {
    node n;
    n.kind = k;
    n.column = column;
    n.kids = std::move(kids);
    n.op = op;
    return add(std::move(n));
  }

  std::optional<binary_op> binary_at() const {
    const token& t = peek();
    if (t.kind == tok::punct) {
      static const std::pair<const char*, binary_op> ops[] = {
          {"||", {op_code::or_, 10, false}},      {"&&", {op_code::and_, 15, false}},
          {"==", {op_code::eq, 20, false}},       {"!=", {op_code::ne, 20, false}},
          {"<", {op_code::lt, 20, false}},        {"<=", {op_code::le, 20, false}},
          {">", {op_code::gt, 20, false}},        {">=", {op_code::ge, 20, false}},
          {"..", {op_code::range, 25, false}},    {"+", {op_code::add, 30, false}},
          {"-", {op_code::sub, 30, false}},       {"*", {op_code::mul, 60, false}},
          {"/", {op_code::div, 60, false}},       {"%", {op_code::mod, 60, false}},
          {"**", {op_code::pow, 100, true}},      {"^", {op_code::pow, 100, true}},
          {"??", {op_code::coalesce, 500, false}}};
      for (const auto& [text, op] : ops) {
        if (t.text == text) return op;
      }
      return std::nullopt;
    }
    if (t.kind != tok::ident) return std::nullopt;
    static const std::pair<const char*, binary_op> words[] = {
        {"or", {op_code::or_, 10, false}},
        {"and", {op_code::and_, 15, false}},
        {"in", {op_code::in, 20, false}},
        {"contains", {op_code::contains, 20, false}},
        {"startsWith", {op_code::starts_with, 20, false}},
        {"endsWith", {op_code::ends_with, 20, false}},
        {"matches", {op_code::matches, 20, false}}};
    for (const auto& [text, op] : words) {
      if (t.text == text) return op;
    }
    if (t.text == "not" && is_word("in", 1)) return binary_op{op_code::not_in, 20, false};
    return std::nullopt;
  }

  int parse_expr(int min_prec) {
    int lhs = parse_unary();
    for (;;) {
      if (const auto op = binary_at(); op && op->precedence >= min_prec) {
        const std::size_t column = peek().column;
        take();
        if (op->op == op_code::not_in) take();
        const int rhs = parse_expr(op->right_assoc ? op->precedence : op->precedence + 1);
        lhs = make(node_kind::binary, column, {lhs, rhs}, op->op);
        continue;
      }
      if (min_prec == 0 && is_punct("?")) {
        const std::size_t column = take().column;
        const int yes = parse_expr(0);
        expect(":", "in the conditional after '?'");
        const int no = parse_expr(0);
        lhs = make(node_kind::ternary, column, {lhs, yes, no});
        continue;
      }
      return lhs;
    }
  }

  int parse_unary() {
    const token& t = peek();
    if ((t.kind == tok::punct && t.text == "!") || (t.kind == tok::ident && t.text == "not")) {
      const std::size_t column = take().column;
      return make(node_kind::unary, column, {parse_expr(50)}, op_code::not_);
    }
    if (t.kind == tok::punct && (t.text == "-" || t.text == "+")) {
      const bool minus = t.text == "-";
      const std::size_t column = take().column;
      return make(node_kind::unary, column, {parse_expr(90)},
                  minus ? op_code::negate : op_code::plus);
    }
    return parse_postfix(parse_primary());
  }

  int parse_postfix(int target) {
    for (;;) {
      if (is_punct(".") || is_punct("?.")) {
        const bool optional = peek().text == "?.";
        const std::size_t column = take().column;
        if (peek().kind != tok::ident) {
          throw parse_failure{peek().column, "expected a field name after '" +
                                                 std::string(optional ? "?." : ".") + "', found " +
                                                 describe(peek())};
        }
        node n;
        n.kind = node_kind::member;
        n.column = column;
        n.optional_chain = optional;
        n.text = take().text;
        n.kids = {target};
        target = add(std::move(n));
      } else if (is_punct("[")) {
        const std::size_t column = take().column;
        int from = -1;
        if (!is_punct(":")) from = parse_expr(0);
        if (is_punct(":")) {
          take();
          int to = -1;
          if (!is_punct("]")) to = parse_expr(0);
          expect("]", "to close the slice");
          target = make(node_kind::slice, column, {target, from, to});
        } else {
          expect("]", "to close the index");
          target = make(node_kind::index, column, {target, from});
        }
      } else {
        return target;
      }
    }
  }

  int parse_closure_argument() {
    const std::size_t column = peek().column;
    if (is_punct("{")) {
      take();
      ++closure_depth_;
      const int body = parse_expr(0);
      --closure_depth_;
      expect("}", "to close the predicate");
      return make(node_kind::closure, column, {body});
    }
    ++closure_depth_;
    const int body = parse_expr(0);
    --closure_depth_;
    return make(node_kind::closure, column, {body});
  }

  int parse_call(const token& name) {
    take();  // (
    node n;
    n.kind = node_kind::call;
    n.column = name.column;
    n.text = name.text;
    const detail::builtin_info* fn = detail::find_builtin(name.text);
    if (fn == nullptr) throw parse_failure{name.column, "unknown function " + name.text + "()"};
    n.fn = fn->id;
    const bool predicate = detail::takes_predicate(fn->id);
    while (!is_punct(")")) {
      if (!n.kids.empty()) expect(",", "between the arguments of " + name.text);
      n.kids.push_back(predicate && n.kids.size() == 1 ? parse_closure_argument() : parse_expr(0));
    }
    take();
    return add(std::move(n));
  }

  int parse_primary() {
    const token t = peek();
    switch (t.kind) {
      case tok::number: {
        take();
        node n;
        n.column = t.column;
        n.lit = t.number;
        return add(std::move(n));
      }
      case tok::string: {
        take();
        node n;
        n.column = t.column;
        n.lit = value::string(t.text);
        return add(std::move(n));
      }
      case tok::ident:
        return parse_identifier(t);
      case tok::end:
        throw parse_failure{t.column, "expected a value, found end of expression"};
      case tok::punct:
        break;
    }
    if (t.text == "(") {
      take();
      const int inner = parse_expr(0);
      expect(")", "to close the parenthesis");
      return inner;
    }
    if (t.text == "#") {
      take();
      if (closure_depth_ == 0) {
        throw parse_failure{t.column,
                            "'#' is only allowed inside a predicate such as all(xs, {# > 0})"};
      }
      return make(node_kind::element, t.column, {});
    }
    if (t.text == "." && closure_depth_ > 0 && peek(1).kind == tok::ident) {
      // `.x` inside a predicate is `#.x`.
      const int element = make(node_kind::element, t.column, {});
      return element;  // parse_postfix sees the '.' next
    }
    if (t.text == "[") return parse_array_literal();
    if (t.text == "{") return parse_map_literal();
    throw parse_failure{t.column, "expected a value, found " + describe(t)};
  }

  int parse_identifier(const token& t) {
    if (t.text == "true" || t.text == "false") {
      take();
      node n;
      n.column = t.column;
      n.lit = value::boolean(t.text == "true");
      return add(std::move(n));
    }
    if (t.text == "nil") {
      take();
      node n;
      n.column = t.column;
      return add(std::move(n));
    }
    static const std::set<std::string, std::less<>> reserved = {
        "and", "or", "in", "not", "contains", "startsWith", "endsWith", "matches"};
    if (reserved.count(t.text) > 0) {
      throw parse_failure{t.column, "expected a value, found the operator '" + t.text + "'"};
    }
    take();
    if (is_punct("(")) return parse_call(t);
    node n;
    n.kind = node_kind::name;
    n.column = t.column;
    n.text = t.text;
    return add(std::move(n));
  }

  int parse_array_literal() {
    const std::size_t column = take().column;
    std::vector<int> kids;
    while (!is_punct("]")) {
      if (!kids.empty()) {
        expect(",", "between array elements");
        if (is_punct("]")) break;
      }
      kids.push_back(parse_expr(0));
    }
    take();
    return make(node_kind::array_lit, column, std::move(kids));
  }

  int parse_map_literal() {
    const std::size_t column = take().column;
    node n;
    n.kind = node_kind::map_lit;
    n.column = column;
    while (!is_punct("}")) {
      if (!n.kids.empty()) {
        expect(",", "between map entries");
        if (is_punct("}")) break;
      }
      const token key = peek();
      if (key.kind != tok::ident && key.kind != tok::string && key.kind != tok::number) {
        throw parse_failure{key.column, "expected a map key, found " + describe(key)};
      }
      take();
      n.keys.push_back(key.text);
      expect(":", "after the map key");
      n.kids.push_back(parse_expr(0));
    }
    take();
    return add(std::move(n));
  }

  std::vector<token> toks_;
  std::size_t pos_ = 0;
  int closure_depth_ = 0;
  detail::program prog_;
};

}  // namespace

std::variant<expression, syntax_error> expression::parse(std::string_view text) {
  try {
    parser p(text);
    return expression(std::make_shared<const detail::program>(p.run(text)));
  } catch (const parse_failure& f) {
    return syntax_error{f.column, f.message};
  }
}

const std::string& expression::text() const { return program_->text; }

std::vector<std::string> expression::unknown_identifiers() const {
  std::vector<std::string> out;
  for (const auto& n : program_->nodes) {
    if (n.kind == node_kind::name && n.text != "result") out.push_back(n.text);
  }
  return out;
}

}  // namespace floodgate::core
