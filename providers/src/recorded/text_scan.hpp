#pragma once
// The pieces of the recorded-series text formats: lines, CSV fields (RFC 4180), timestamps
// (unix seconds or RFC 3339), Prometheus label sets and exposition lines. Internal to the
// readers; each returns the value or what was expected.

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <floodgate/providers/recorded/series.hpp>

namespace floodgate::providers::recorded::detail {

std::string_view trim(std::string_view s);
/// A text quoted for an error message, cut after 40 bytes.
std::string shown(std::string_view s);
bool is_digit(char c);
/// RFC 3339 to milliseconds since the epoch (parse_timestamp's second form).
std::variant<std::int64_t, std::string> parse_rfc3339(std::string_view s);

/// Lines of a text, numbered from 1, without their "\n" or "\r\n".
class line_reader {
 public:
  explicit line_reader(std::string_view text) : rest_(text) {}
  bool next(std::string_view& line, int& number);

 private:
  std::string_view rest_;
  int number_ = 0;
  bool done_ = false;
};

/// One CSV record on one line: fields separated by commas, a field in double quotes may hold
/// commas and doubled quotes ("say ""hi"""); an unquoted field may hold quotes as they are.
std::variant<std::vector<std::string>, std::string> csv_fields(std::string_view line);
/// A CSV field as csv_fields reads it back: quoted when it must be.
std::string csv_field(std::string_view text);

/// A Prometheus label set: "" or "{}" for none, else {name="value",...} with \\, \" and \n
/// escapes. Sorted by name; a repeated name is an error.
std::variant<label_set, std::string> parse_labels(std::string_view text);

struct exposition_sample {
  std::string metric;
  label_set labels;
  double value = 0;
  std::int64_t at_ms = 0;
};
/// `name{labels} value timestamp` — the timestamp in milliseconds (Prometheus text) or in
/// seconds (OpenMetrics, which may add an exemplar after " # ").
std::variant<exposition_sample, std::string> parse_exposition_line(std::string_view line,
                                                                   bool openmetrics);

}  // namespace floodgate::providers::recorded::detail
