#include <floodgate/sim/scenario_run.hpp>

namespace floodgate::sim {

namespace {
double seconds(core::millis d) { return static_cast<double>(d.count()) / 1000.0; }
}  // namespace

scenario_simulator::scenario_simulator(engine::rollout_spec spec, const config::scenario& s,
                                       core::instant start, core::millis lookback)
    : spec_(std::move(spec)), traffic_(s, start), source_(traffic_, lookback) {}

std::variant<providers::reading, std::string> read_traffic(
    providers::recorded::promql_source& source, const synthetic_traffic& traffic,
    const std::string& query, core::instant at) {
  if (auto r = source.read(query, at)) return std::move(*r);
  if (auto e = source.parse_error(query))
    return "the query is not PromQL floodgate evaluates: " + *e;
  const auto& s = traffic.scenario();
  return "the query selects none of the scenario's series (" + s.requests_metric + ", " +
         s.latency_metric + "_bucket, " + s.latency_metric + "_count, " + s.latency_metric +
         "_sum with its labels): " + query;
}

providers::ports::metric_answer scenario_simulator::answer(const providers::ports::metric_query& q,
                                                           core::instant at) {
  traffic_.advance_to(at);
  return providers::recorded::answer_query(q, "synthetic traffic",
                                           [&](const std::string&, const std::string& query) {
                                             return read_traffic(source_, traffic_, query, at);
                                           });
}

std::variant<replay_result, std::string> scenario_simulator::run(std::uint64_t seed,
                                                                 bool keep_ticks) {
  traffic_.reset(seed);
  return replay(
      spec_, run_options(traffic_, keep_ticks),
      [&](const std::string&, const providers::ports::metric_query& q, core::instant at) {
        return answer(q, at);
      },
      &cache_);
}

replay_options run_options(synthetic_traffic& traffic, bool keep_ticks) {
  replay_options o;
  o.start = traffic.start();
  o.until = traffic.end();
  o.decisions_only = !keep_ticks;
  o.on_weight = [&traffic](core::instant at, int w) { traffic.set_weight(at, w); };
  return o;
}

run_outcome outcome_of(const synthetic_traffic& traffic, const replay_result& r) {
  run_outcome o;
  o.promoted = r.status == core::rollout_status::promoted;
  o.aborted = r.status == core::rollout_status::aborted;
  const auto start = traffic.start();
  o.decided_s = seconds(r.ended_at - start);
  const auto bad = traffic.scenario().canary_regression_at();
  if (o.aborted) {
    if (bad && r.ended_at >= start + *bad) {
      o.detected = true;
      o.detect_s = seconds(r.ended_at - (start + *bad));
    } else {
      o.false_abort = true;
    }
  }
  if (bad && r.ended_at > start + *bad)
    o.bad_requests = traffic.canary_exposure(start + *bad, r.ended_at).requests;
  return o;
}

}  // namespace floodgate::sim
