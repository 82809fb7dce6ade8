#pragma once
// Recorded metrics, read from files: Prometheus `query_range` JSON (as the HTTP API returns it),
// CSV (`timestamp,metric,labels,value`) and Prometheus / OpenMetrics text with timestamps. Each
// series is a metric key, its labels and its samples in time order; a sample may be a staleness
// marker (the series ends there, as Prometheus marks a series that disappeared). Reading never
// throws: a file that cannot be read is a list of errors, each with the file and line.
//
// Samples are put in time order per series (a file need not be sorted). Two samples of one
// series at the same instant are one sample when they agree and an error naming both lines when
// they do not (Prometheus refuses a "duplicate sample for timestamp" with another value).

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <floodgate/core/duration.hpp>

namespace floodgate::providers::recorded {

/// Label names and values in name order.
using label_set = std::vector<std::pair<std::string, std::string>>;

/// "{code=\"500\",track=\"canary\"}" (Prometheus' text; "" for no labels).
std::string format_labels(const label_set& labels);

struct sample {
  std::int64_t at_ms = 0;
  double value = 0;
  bool stale = false;  ///< a staleness marker: no value from here on
};

struct series {
  std::string metric;  ///< the key queries are matched by: a query's text or a metric name
  label_set labels;
  std::vector<sample> samples;  ///< in time order, one per instant
};

/// One problem in a recorded file: "rec.csv:12: the value \"x\" is not a number".
struct read_error {
  std::string file;
  int line = 0;  ///< 1-based; 0 when not known
  std::string message;
  std::string format() const;
};

enum class file_format { query_range_json, csv, prometheus_text, openmetrics };

/// The format of a file: by its name's extension (.json, .csv), else JSON when it starts with
/// '{', CSV when its first line is the CSV header, OpenMetrics when it ends with "# EOF",
/// Prometheus text otherwise.
file_format detect_format(std::string_view name, std::string_view text);

/// Everything read from recorded files, keyed by metric then labels.
class store {
 public:
  /// Reads one file's text. `name` locates errors and, for `query_range` JSON, is the key of a
  /// series without a `__name__` label (the file name without its directory and extension).
  /// Returns the errors found (none: the file's series were added).
  std::vector<read_error> add_file(const std::string& name, std::string_view text);
  /// Reads a file from disk.
  std::vector<read_error> add_path(const std::string& path);

  /// Adds one sample (readers and tests); `line` locates a conflicting duplicate.
  void add(const std::string& metric, label_set labels, sample s, const std::string& file,
           int line);
  /// Puts every series in time order and merges duplicates; the errors of conflicting ones.
  /// Called by add_file; call it after add().
  std::vector<read_error> finish();

  /// The series of a metric key, in the order they first appeared (empty when none).
  std::vector<const series*> find(std::string_view metric) const;
  std::vector<std::string> metrics() const;
  std::size_t series_count() const { return all_.size(); }
  std::size_t sample_count() const;
  /// The first and last sample instant over every series (nothing when empty).
  std::optional<std::pair<std::int64_t, std::int64_t>> time_span() const;

 private:
  struct where {
    std::uint32_t file;
    std::uint32_t line;
  };
  /// The index of the series of `metric` and `labels`, added when new.
  std::size_t series_for(const std::string& metric, label_set labels);
  static bool same_sample(const sample& a, const sample& b);
  /// "duplicate sample for m{…} at T ms with another value than file:line".
  std::string conflict(const series& s, std::int64_t at_ms, const where& first) const;

  std::vector<series> all_;
  std::vector<std::vector<where>> where_;  ///< per series, per sample: where it was read
  std::vector<bool> unsorted_;             ///< per series: a sample came out of order
  std::vector<std::string> files_;
  std::map<std::string, std::vector<std::size_t>, std::less<>> by_metric_;
  std::map<std::pair<std::string, std::string>, std::size_t> by_key_;  ///< metric, labels
};

/// Unix seconds ("1732442400", "1732442400.25") or RFC 3339 ("2026-11-24T10:00:00Z",
/// "2026-11-24T10:00:00.250+01:00"), to milliseconds since the epoch; or what was expected.
std::variant<std::int64_t, std::string> parse_timestamp(std::string_view text);

/// The value of a series at `at_ms` as an instant query sees it: the newest sample at or before
/// `at_ms` and no older than `lookback` (Prometheus' --query.lookback-delta, 5 minutes by
/// default), unless that sample is a staleness marker.
std::optional<double> value_at(std::span<const sample> samples, std::int64_t at_ms,
                               core::millis lookback);
inline std::optional<double> value_at(const series& s, std::int64_t at_ms, core::millis lookback) {
  return value_at(std::span<const sample>(s.samples), at_ms, lookback);
}

}  // namespace floodgate::providers::recorded
