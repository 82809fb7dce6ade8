#pragma once
// Answers from recorded series, as Prometheus would have given them: a rendered query is
// matched to the series recorded for it (by an explicit mapping, else by its text), its value
// at the tick's instant is taken as an instant query takes it (the newest sample within the
// lookback, none after a staleness marker), and the instant vector so formed is converted by
// the code that converts a live answer's — Argo Rollouts' conversion (read_numbers), a
// comparison's arms combined as live. A query recorded under no key is evaluated as PromQL over
// the raw series recorded (promql.hpp: counters, histogram buckets), as Prometheus would have
// evaluated it at that instant. A query that sees no recorded series at all is an Error
// measurement naming it.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <floodgate/providers/metric_readings.hpp>
#include <floodgate/providers/ports/metrics_source.hpp>
#include <floodgate/providers/recorded/promql_source.hpp>
#include <floodgate/providers/recorded/series.hpp>

namespace floodgate::providers::recorded {

struct replay_options {
  core::millis lookback{300000};  ///< Prometheus' --query.lookback-delta (5m)
  /// What a query is matched by, to the key of its recorded series: "<metric>" (a threshold
  /// metric's query), "<metric>/<arm>" (a comparison arm: "error-rate/canary.events"), or the
  /// rendered query text itself. Without an entry, the query text is the key.
  std::map<std::string, std::string> mapping;
};

class replay_source {
 public:
  replay_source(const store& recorded, replay_options options);

  /// The answer to `q` of the plan's metric `metric` at `at`.
  ports::metric_answer answer(const std::string& metric, const ports::metric_query& q,
                              core::instant at) const;
  /// The Prometheus body an instant query of `key` at `at` would return (a vector), or nothing
  /// when no series is recorded under `key`: what the replay answered, for people and tests.
  std::optional<std::string> instant_body(const std::string& key, core::instant at) const;

  /// The keys of every query answered so far that had no recorded series, for the report.
  const std::vector<std::string>& unmatched() const { return unmatched_; }

 private:
  /// Each series of `key` with a value at `at`, in the store's order; nothing when none is
  /// recorded under `key`.
  std::optional<std::vector<std::pair<const series*, double>>> instant_vector(
      const std::string& key, core::instant at) const;
  std::variant<reading, std::string> read_key(const std::string& metric, const std::string& arm,
                                              const std::string& query, core::instant at) const;
  const store& store_;
  replay_options opt_;
  mutable std::vector<std::string> unmatched_;
  std::unique_ptr<promql::store_view> view_;
  /// Queries recorded under no key, evaluated over the raw series.
  std::unique_ptr<promql_source> raw_;
};

}  // namespace floodgate::providers::recorded
