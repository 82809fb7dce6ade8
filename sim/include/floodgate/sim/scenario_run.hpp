#pragma once
// A plan run on a scenario's synthetic traffic: the replay (replay.hpp) with its measurements
// answered by floodgate's PromQL evaluator over synthetic_traffic, the traffic following every
// weight the controller decides. One simulator per thread: it keeps the loaded plan, the series
// and the parsed queries from run to run.

#include <cstdint>
#include <string>
#include <variant>

#include <floodgate/providers/recorded/promql_source.hpp>
#include <floodgate/sim/replay.hpp>
#include <floodgate/sim/synthetic.hpp>

namespace floodgate::sim {

/// What one run tells about the plan.
struct run_outcome {
  bool promoted = false;
  bool aborted = false;
  double decided_s = 0;  ///< seconds from the start to the promotion or abort (or the end)
  /// Aborted before the canary regressed (a healthy canary, or not yet bad).
  bool false_abort = false;
  /// Aborted at or after the canary's regression.
  bool detected = false;
  double detect_s = 0;      ///< seconds from the regression to the abort, when detected
  double bad_requests = 0;  ///< canary requests served under the regression until the end
};

/// A run's replay options on `traffic` (reset for the run): from its start to its end, the
/// traffic told every weight decided; `keep_ticks` keeps every tick, else only the decisions.
replay_options run_options(synthetic_traffic& traffic, bool keep_ticks);

/// What a run on `traffic` tells about the plan.
run_outcome outcome_of(const synthetic_traffic& traffic, const replay_result& r);

/// The reading of `query` at `at` through `source` (a PromQL source over `traffic`); the errors
/// say what is not PromQL floodgate evaluates or name the scenario's series a query missed.
std::variant<providers::reading, std::string> read_traffic(
    providers::recorded::promql_source& source, const synthetic_traffic& traffic,
    const std::string& query, core::instant at);

class scenario_simulator {
 public:
  scenario_simulator(engine::rollout_spec spec, const config::scenario& s, core::instant start,
                     core::millis lookback = core::millis{300000});

  /// One run on traffic drawn from `seed`. `keep_ticks` keeps every tick's looks (a report);
  /// without it only the decisions. The error says why the plan cannot start.
  std::variant<replay_result, std::string> run(std::uint64_t seed, bool keep_ticks);
  /// The outcome of a run just made.
  run_outcome outcome(const replay_result& r) const { return outcome_of(traffic_, r); }

  const synthetic_traffic& traffic() const { return traffic_; }

 private:
  providers::ports::metric_answer answer(const providers::ports::metric_query& q, core::instant at);
  engine::rollout_spec spec_;
  engine::plan_cache cache_{true};  ///< the plan loaded once, kept from run to run
  synthetic_traffic traffic_;
  providers::recorded::promql_source source_;
};

}  // namespace floodgate::sim
