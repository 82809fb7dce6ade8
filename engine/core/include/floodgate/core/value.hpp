#pragma once
// The dynamic value a metric provider returns and a condition expression computes with: nil,
// bool, int, float, string, array or map — the value model of Go's encoding/json and of
// expr-lang, which Argo Rollouts' `result` follows (a Prometheus scalar is a float, a vector or
// matrix a flat array of floats, a web provider's JSON stays JSON).

#include <array>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace floodgate::core {

enum class value_kind { nil, boolean, integer, floating, string, array, map };

/// A JSON-like value. Maps keep their keys sorted (Go marshals maps that way). Copyable; a
/// scalar value does not allocate. Not thread-safe for concurrent mutation.
class value {
 public:
  value() = default;  ///< nil
  static value boolean(bool b);
  static value integer(std::int64_t i);
  static value floating(double d);
  static value string(std::string s);
  static value array(std::vector<value> items);
  /// A map from its entries; a later duplicate key replaces an earlier one.
  static value map(std::vector<std::pair<std::string, value>> entries);

  value_kind kind() const { return kind_; }
  bool is_nil() const { return kind_ == value_kind::nil; }
  bool is_number() const { return kind_ == value_kind::integer || kind_ == value_kind::floating; }

  bool as_bool() const { return b_; }
  std::int64_t as_int() const { return i_; }
  /// The number as a double (integers converted); precondition: is_number().
  double as_double() const { return kind_ == value_kind::integer ? static_cast<double>(i_) : d_; }
  const std::string& as_string() const { return s_; }
  /// Array elements, or map values in key order.
  const std::vector<value>& items() const { return items_; }
  /// Map keys, sorted; empty for other kinds.
  const std::vector<std::string>& keys() const { return keys_; }
  /// The map entry for `key`, or nullptr.
  const value* find(std::string_view key) const;

  friend bool operator==(const value& a, const value& b);

 private:
  value_kind kind_ = value_kind::nil;
  bool b_ = false;
  std::int64_t i_ = 0;
  double d_ = 0.0;
  std::string s_;
  std::vector<value> items_;
  std::vector<std::string> keys_;
};

/// The name of a kind as error messages show it ("float", "array", ...).
std::string_view kind_name(value_kind k);

/// A float as Go's strconv.ParseFloat(s, 64) reads one: decimal or exponent notation with an
/// optional sign, and "NaN", "Inf", "Infinity" with any sign and case. Nothing when `s` is not
/// entirely a number. Prometheus sample values and asFloat() both read this way.
std::optional<double> parse_go_float(std::string_view s);

/// A float as Go's strconv.FormatFloat(f, 'f', -1, 64) writes it — Prometheus' SampleValue
/// rendering: shortest round-trip digits, no exponent, "NaN", "+Inf", "-Inf".
std::string format_float_plain(double d);
/// The same, appended to `out`.
void append_float_plain(std::string& out, double d);

/// Measurement.Value: a provider's answer as Argo renders it ("[0.99]", "0.5", "canary
/// 18/1685, baseline 66/14952"), held as its text or as the few numbers it is rendered from and
/// rendered when read — a simulation takes millions of looks and reads the values of a handful,
/// and rendering a float (the shortest round-trip digits) costs more than the rest of a look's
/// bookkeeping. Rendering is a pure function of the numbers: nothing is cached, so concurrent
/// readers of one value_text never write.
class value_text {
 public:
  value_text() = default;
  /// Text as it is (implicit: a provider's text is assigned as such).
  value_text(std::string text) : v_(std::move(text)) {}
  value_text(const char* text) : v_(std::string(text)) {}
  /// "[a,b,…]", each number as format_float_plain writes it: Argo's rendering of a Prometheus
  /// vector (a matrix flattened). More than four numbers are rendered at once.
  static value_text vector(std::span<const double> xs);
  /// "a": a Prometheus scalar.
  static value_text scalar(double x);
  /// "canary e/t, baseline e/t": a count comparison's look.
  static value_text counts(double canary_events, double canary_total, double baseline_events,
                           double baseline_total);

  bool empty() const;
  std::string str() const;
  void append_to(std::string& out) const;

  friend bool operator==(const value_text& a, const value_text& b) { return a.str() == b.str(); }
  friend bool operator==(const value_text& a, const std::string& b) { return a.str() == b; }
  friend bool operator==(const value_text& a, const char* b) { return a.str() == b; }

 private:
  enum class form : std::uint8_t { vector, scalar, counts };
  struct numbers {
    std::array<double, 4> x{};
    std::uint8_t n = 0;
    form f = form::vector;
  };
  explicit value_text(numbers n) : v_(n) {}
  std::variant<std::string, numbers> v_;
};
std::ostream& operator<<(std::ostream& out, const value_text& t);

/// A float for people: `digits` significant digits ("%.*g"), "NaN", "+Inf", "-Inf". Decision
/// reasons and comparison messages use it.
std::string format_float_short(double d, int digits = 4);

/// The value as Go's encoding/json would marshal it (compact, map keys sorted); non-finite
/// floats, which Go cannot marshal, are written as "NaN", "+Inf", "-Inf".
std::string to_json_text(const value& v);

}  // namespace floodgate::core
