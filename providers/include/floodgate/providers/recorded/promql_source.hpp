#pragma once
// Rendered queries answered by evaluating them as PromQL (promql.hpp) over series in memory —
// the raw series of a recording, or synthetic traffic — and read as a live answer is read:
// Argo's conversion of a vector (read_numbers) or a scalar (read_scalar), a comparison's arms
// combined as live (comparison_answer).

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <floodgate/providers/metric_readings.hpp>
#include <floodgate/providers/ports/metrics_source.hpp>
#include <floodgate/providers/recorded/promql.hpp>

namespace floodgate::providers::recorded {

class promql_source {
 public:
  /// `view`'s labels must not change while the source lives (its samples may).
  promql_source(const promql::series_view& view, core::millis lookback) : eval_(view, lookback) {}

  /// The reading of `query` at `at`, or the evaluation's error; nothing when the query is not
  /// PromQL floodgate evaluates or its selectors see none of the view's series.
  std::optional<std::variant<reading, std::string>> read(const std::string& query,
                                                         core::instant at);
  /// Why `query` is not PromQL floodgate evaluates ("at character 12: …"), or nothing.
  std::optional<std::string> parse_error(const std::string& query);

 private:
  struct query_entry {
    std::variant<promql::expression, std::string> parsed;
    bool sees_series = false;  ///< its selectors pick some series of the view (fixed labels)
  };
  const query_entry& entry(const std::string& query);
  promql::evaluator eval_;
  /// Each query text parsed, and its selectors resolved, once.
  std::map<std::string, query_entry, std::less<>> queries_;
};

/// The same over a lane view (promql.hpp): a query evaluated once for every lane.
class lane_source {
 public:
  /// `view`'s labels must not change while the source lives (its samples may).
  lane_source(const promql::lane_view& view, core::millis lookback) : eval_(view, lookback) {}

  /// The evaluation of `query` at `at` for every lane, or its error (the same in every lane);
  /// nothing when the query is not PromQL floodgate evaluates, its selectors see none of the
  /// view's series, or it does not evaluate lane by lane (promql::lanewise) — a promql_source
  /// over each lane answers it then.
  std::optional<std::variant<promql::lane_result, std::string>> evaluate(const std::string& query,
                                                                         core::instant at);
  /// Lane `lane`'s reading of an evaluation: what promql_source::read gives over that lane's
  /// series (read_numbers, read_scalar; without its value text when `value_text` is false).
  static reading reading_of(const promql::lane_result& r, std::size_t lane, bool value_text = true);

 private:
  struct query_entry {
    std::optional<promql::expression> parsed;  ///< when it parses, sees series and is lanewise
  };
  promql::lane_evaluator eval_;
  std::map<std::string, query_entry, std::less<>> queries_;
};

/// How a rendered query is answered from series in memory: one query, or each comparison arm's
/// (`read(arm, query)`, arm "" for a threshold metric's). Web providers and range queries are
/// errors naming `what` ("recorded series").
ports::metric_answer answer_query(const ports::metric_query& q, std::string_view what,
                                  const std::function<std::variant<reading, std::string>(
                                      const std::string& arm, const std::string& query)>& read);

}  // namespace floodgate::providers::recorded
