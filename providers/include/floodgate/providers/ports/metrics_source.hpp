#pragma once
// The port through which the runtime measures a metric: one query (or one per comparison arm)
// in, one answer out — the `result` conditions see, a comparison's counts or samples, or the
// error that makes the measurement an Error. Implementations: the Prometheus and web providers
// (providers/live_metrics.hpp); the simulator feeds the controller without this port.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <floodgate/core/comparison.hpp>
#include <floodgate/core/duration.hpp>
#include <floodgate/core/value.hpp>

namespace floodgate::providers::ports {

/// One measurement to take, rendered: no `{{…}}` placeholder is left in it.
struct metric_query {
  std::string provider;  ///< "prometheus" or "web"
  std::string address;   ///< Prometheus base URL, web URL
  std::string query;     ///< PromQL, or the web metric's JSONPath
  /// Comparison metrics: the rendered query per arm and quantity ("canary.events",
  /// "canary.total", "baseline.events", "baseline.total", or "canary", "baseline" for samples).
  std::map<std::string, std::string> arms;
  std::string method;  ///< web: GET (default), POST, PUT
  std::string body;    ///< web
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<core::millis> timeout;  ///< nothing: the source's default (30 s)
  std::optional<core::instant> at;      ///< Prometheus evaluation time; nothing: the server's now
  /// Prometheus: a range query (`/api/v1/query_range`) instead of an instant one; the answer's
  /// `result` is then every point of every series, flattened (Argo's matrix conversion).
  struct time_range {
    core::instant start;
    core::instant end;
    core::millis step{60000};
  };
  std::optional<time_range> range;
};

/// What came back: a threshold metric's `result` with its rendering, a comparison's data, or
/// the reason there is no answer ("connect 127.0.0.1:9090: Connection refused").
struct metric_answer {
  std::variant<core::value, std::string, core::comparison_data> result;
  core::value_text value_text;
  std::vector<std::string> warnings;  ///< Prometheus API warnings
  bool failed() const { return std::holds_alternative<std::string>(result); }
};

class metrics_source {
 public:
  virtual ~metrics_source() = default;
  /// Takes the measurement; `done` is called exactly once, on the source's executor. Never
  /// throws for an outside failure: that is an answer holding the error.
  virtual void measure(const metric_query& q, std::function<void(metric_answer)> done) = 0;
};

}  // namespace floodgate::providers::ports
