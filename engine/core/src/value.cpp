#include <floodgate/core/value.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ostream>

namespace floodgate::core {

value value::boolean(bool b) {
  value v;
  v.kind_ = value_kind::boolean;
  v.b_ = b;
  return v;
}
value value::integer(std::int64_t i) {
  value v;
  v.kind_ = value_kind::integer;
  v.i_ = i;
  return v;
}
value value::floating(double d) {
  value v;
  v.kind_ = value_kind::floating;
  v.d_ = d;
  return v;
}
value value::string(std::string s) {
  value v;
  v.kind_ = value_kind::string;
  v.s_ = std::move(s);
  return v;
}
value value::array(std::vector<value> items) {
  value v;
  v.kind_ = value_kind::array;
  v.items_ = std::move(items);
  return v;
}
value value::map(std::vector<std::pair<std::string, value>> entries) {
  // Stable sort keeps the later of two equal keys last; it then replaces the earlier one.
  std::stable_sort(entries.begin(), entries.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  value v;
  v.kind_ = value_kind::map;
  for (auto& [key, item] : entries) {
    if (!v.keys_.empty() && v.keys_.back() == key) {
      v.items_.back() = std::move(item);
      continue;
    }
    v.keys_.push_back(std::move(key));
    v.items_.push_back(std::move(item));
  }
  return v;
}

const value* value::find(std::string_view key) const {
  const auto it = std::lower_bound(keys_.begin(), keys_.end(), key);
  if (it == keys_.end() || *it != key) return nullptr;
  return &items_[static_cast<std::size_t>(it - keys_.begin())];
}

bool operator==(const value& a, const value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.kind_ == value_kind::integer && b.kind_ == value_kind::integer) return a.i_ == b.i_;
    return a.as_double() == b.as_double();
  }
  if (a.kind_ != b.kind_) return false;
  switch (a.kind_) {
    case value_kind::nil:
      return true;
    case value_kind::boolean:
      return a.b_ == b.b_;
    case value_kind::string:
      return a.s_ == b.s_;
    case value_kind::array:
      return a.items_ == b.items_;
    case value_kind::map:
      return a.keys_ == b.keys_ && a.items_ == b.items_;
    default:
      return false;
  }
}

std::string_view kind_name(value_kind k) {
  switch (k) {
    case value_kind::nil:
      return "nil";
    case value_kind::boolean:
      return "bool";
    case value_kind::integer:
      return "int";
    case value_kind::floating:
      return "float";
    case value_kind::string:
      return "string";
    case value_kind::array:
      return "array";
    case value_kind::map:
      return "map";
  }
  return "?";
}

namespace {

std::string non_finite(double d) {
  if (std::isnan(d)) return "NaN";
  return d > 0 ? "+Inf" : "-Inf";
}

// Shortest round-trip digits: a fixed rendering is at most a sign and 309 integer digits, or
// "0." and 323 zeros before 17 significant digits.
void append_chars(std::string& out, double d, std::chars_format format) {
  std::array<char, 400> buf;
  const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), d, format);
  out.append(buf.data(), r.ptr);
}

std::string chars(double d, std::chars_format format) {
  std::string out;
  append_chars(out, d, format);
  return out;
}

// encoding/json's float64 encoder: 'f' unless the magnitude is below 1e-6 or at least 1e21,
// then 'e' with a two-digit exponent shortened ("1e-07" -> "1e-7").
std::string format_float_json(double d) {
  if (!std::isfinite(d)) return non_finite(d);
  const double a = std::fabs(d);
  if (a != 0 && (a < 1e-6 || a >= 1e21)) {
    std::string s = chars(d, std::chars_format::scientific);
    const std::size_t n = s.size();
    if (n >= 4 && s[n - 4] == 'e' && s[n - 3] == '-' && s[n - 2] == '0') s.erase(n - 2, 1);
    return s;
  }
  return chars(d, std::chars_format::fixed);
}

void append_json_string(std::string& out, const std::string& s) {
  out += '"';
  for (const char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          std::array<char, 8> buf{};
          std::snprintf(buf.data(), buf.size(), "\\u%04x", static_cast<unsigned>(c));
          out += buf.data();
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void append_json(std::string& out, const value& v) {
  switch (v.kind()) {
    case value_kind::nil:
      out += "null";
      return;
    case value_kind::boolean:
      out += v.as_bool() ? "true" : "false";
      return;
    case value_kind::integer:
      out += std::to_string(v.as_int());
      return;
    case value_kind::floating:
      out += format_float_json(v.as_double());
      return;
    case value_kind::string:
      append_json_string(out, v.as_string());
      return;
    case value_kind::array:
      out += '[';
      for (std::size_t i = 0; i < v.items().size(); ++i) {
        if (i > 0) out += ',';
        append_json(out, v.items()[i]);
      }
      out += ']';
      return;
    case value_kind::map:
      out += '{';
      for (std::size_t i = 0; i < v.keys().size(); ++i) {
        if (i > 0) out += ',';
        append_json_string(out, v.keys()[i]);
        out += ':';
        append_json(out, v.items()[i]);
      }
      out += '}';
      return;
  }
}

}  // namespace

std::optional<double> parse_go_float(std::string_view s) {
  std::string_view body = s;
  const bool negative = !body.empty() && body.front() == '-';
  if (!body.empty() && (body.front() == '+' || body.front() == '-')) body.remove_prefix(1);
  const auto is = [&](std::string_view word) {
    return body.size() == word.size() &&
           std::equal(body.begin(), body.end(), word.begin(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) == b;
           });
  };
  if (is("nan")) return std::nan("");
  if (is("inf") || is("infinity")) return negative ? -HUGE_VAL : HUGE_VAL;
  double d = 0;
  // from_chars reads the sign itself but not a leading '+'.
  const char* begin = s.data() + (!s.empty() && s.front() == '+' ? 1 : 0);
  if (begin != s.data() && s.size() > 1 && (s[1] == '-' || s[1] == '+')) return std::nullopt;
  const auto r = std::from_chars(begin, s.data() + s.size(), d);
  if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return d;
}

std::string format_float_plain(double d) {
  std::string out;
  append_float_plain(out, d);
  return out;
}

void append_float_plain(std::string& out, double d) {
  if (!std::isfinite(d)) {
    out += non_finite(d);
    return;
  }
  // A whole number below 2^53 in magnitude (counts, mostly): its shortest round-trip rendering
  // is its integer digits — every shorter digit string is another integer, itself a double —
  // written without the shortest-digits search. −0 keeps its sign through the general path.
  if (std::fabs(d) < 0x1p53 && d == std::trunc(d) && !(d == 0 && std::signbit(d))) {
    std::array<char, 20> buf;
    const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), static_cast<long long>(d));
    out.append(buf.data(), r.ptr);
    return;
  }
  append_chars(out, d, std::chars_format::fixed);
}

namespace {

// "[a,b,…]".
void append_vector(std::string& out, std::span<const double> xs) {
  out.reserve(out.size() + 2 + 24 * xs.size());
  out += '[';
  for (std::size_t i = 0; i < xs.size(); ++i) {
    if (i > 0) out += ',';
    append_float_plain(out, xs[i]);
  }
  out += ']';
}

}  // namespace

value_text value_text::vector(std::span<const double> xs) {
  if (xs.size() > numbers{}.x.size()) {
    std::string out;
    append_vector(out, xs);
    return out;
  }
  numbers n;
  std::copy(xs.begin(), xs.end(), n.x.begin());
  n.n = static_cast<std::uint8_t>(xs.size());
  return value_text(n);
}

value_text value_text::scalar(double x) {
  numbers n;
  n.x[0] = x;
  n.n = 1;
  n.f = form::scalar;
  return value_text(n);
}

value_text value_text::counts(double canary_events, double canary_total, double baseline_events,
                              double baseline_total) {
  return value_text(
      numbers{{canary_events, canary_total, baseline_events, baseline_total}, 4, form::counts});
}

bool value_text::empty() const {
  const auto* t = std::get_if<std::string>(&v_);
  return t != nullptr && t->empty();
}

std::string value_text::str() const {
  if (const auto* t = std::get_if<std::string>(&v_)) return *t;
  std::string out;
  append_to(out);
  return out;
}

void value_text::append_to(std::string& out) const {
  if (const auto* t = std::get_if<std::string>(&v_)) {
    out += *t;
    return;
  }
  const auto& n = std::get<numbers>(v_);
  switch (n.f) {
    case form::scalar:
      append_float_plain(out, n.x[0]);
      return;
    case form::vector:
      append_vector(out, std::span(n.x).first(n.n));
      return;
    case form::counts:
      out.reserve(out.size() + 120);
      out += "canary ";
      append_float_plain(out, n.x[0]);
      out += '/';
      append_float_plain(out, n.x[1]);
      out += ", baseline ";
      append_float_plain(out, n.x[2]);
      out += '/';
      append_float_plain(out, n.x[3]);
      return;
  }
}

std::ostream& operator<<(std::ostream& out, const value_text& t) { return out << t.str(); }

std::string format_float_short(double d, int digits) {
  if (!std::isfinite(d)) return non_finite(d);
  char buf[64];
  const int n = std::snprintf(buf, sizeof buf, "%.*g", digits, d);
  return std::string(buf, static_cast<std::size_t>(n));
}

std::string to_json_text(const value& v) {
  std::string out;
  append_json(out, v);
  return out;
}

}  // namespace floodgate::core
