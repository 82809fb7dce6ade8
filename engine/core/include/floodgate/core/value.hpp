#pragma once
// The dynamic value a metric provider returns and a condition expression computes with: nil,
// bool, int, float, string, array or map — the value model of Go's encoding/json and of
// expr-lang, which Argo Rollouts' `result` follows (a Prometheus scalar is a float, a vector or
// matrix a flat array of floats, a web provider's JSON stays JSON).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
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

/// A float for people: `digits` significant digits ("%.*g"), "NaN", "+Inf", "-Inf". Decision
/// reasons and comparison messages use it.
std::string format_float_short(double d, int digits = 4);

/// The value as Go's encoding/json would marshal it (compact, map keys sorted); non-finite
/// floats, which Go cannot marshal, are written as "NaN", "+Inf", "-Inf".
std::string to_json_text(const value& v);

}  // namespace floodgate::core
