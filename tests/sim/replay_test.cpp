// A plan replayed in virtual time on recorded series: the decisions and their instants, every
// look's statistics, and how a replay ends (promoted, aborted, waiting for a human, out of
// recorded data). The live engine against the same answers is the integration suite's proof
// (tests/integration/run_test.cpp, "replaying what a live rollout recorded").

#include <catch2/catch.hpp>
#include <floodgate/providers/recorded/replay_source.hpp>
#include <floodgate/sim/replay.hpp>

namespace sim = floodgate::sim;
namespace core = floodgate::core;
namespace engine = floodgate::engine;
namespace config = floodgate::config;
namespace recorded = floodgate::providers::recorded;

namespace {

core::instant at_s(long long seconds) { return core::instant(core::millis(seconds * 1000)); }

const char* threshold_plan = R"(apiVersion: floodgate.dev/v1
kind: Plan
metadata: {name: replayed}
spec:
  args:
  - name: app
    value: shop
  strategy:
    canary:
      steps:
      - setWeight: 20
      - analysis:
          metrics:
          - name: success-rate
            initialDelay: 5s
            interval: 10s
            count: 3
            successCondition: result[0] >= 0.99
            provider:
              prometheus:
                address: http://prometheus:9090
                query: sum(rate(ok{app="{{args.app}}"}[1m])) / sum(rate(all{app="{{args.app}}"}[1m]))
      - setWeight: 50
      - pause: {duration: 1m}
)";

// Success rates every 15 s from t = 1000 s: `good` until `bad_from`, then 0.9.
std::string success_rates(long long bad_from) {
  std::string csv = "timestamp,metric,labels,value\n";
  for (long long t = 1000; t <= 1300; t += 15)
    csv += std::to_string(t) +
           ",\"sum(rate(ok{app=\"\"shop\"\"}[1m])) / sum(rate(all{app=\"\"shop\"\"}[1m]))\",," +
           (t < bad_from ? "0.995" : "0.9") + "\n";
  return csv;
}

struct replayed {
  recorded::store st;
  sim::replay_result result;
};

replayed run(const std::string& plan, const std::string& csv, long long start,
             std::optional<long long> until = std::nullopt) {
  replayed out;
  const auto errors = out.st.add_file("rec.csv", csv);
  REQUIRE(errors.empty());
  engine::rollout_spec spec;
  spec.files = {{"plan.yaml", plan}};
  sim::replay_options o;
  o.start = at_s(start);
  if (until) o.until = at_s(*until);
  recorded::replay_source src(out.st, {});
  auto r = sim::replay(spec, o, [&](const std::string& metric, const auto& q, core::instant at) {
    return src.answer(metric, q, at);
  });
  REQUIRE(std::holds_alternative<sim::replay_result>(r));
  out.result = std::move(std::get<sim::replay_result>(r));
  return out;
}

std::vector<std::string> lines(const sim::replay_result& r, core::instant epoch) {
  std::vector<std::string> out;
  for (const auto& d : r.decisions) out.push_back(core::format_decision(d, epoch));
  return out;
}

}  // namespace

TEST_CASE("a healthy canary replayed: the plan's decisions at the plan's instants", "[sim]") {
  const auto r = run(threshold_plan, success_rates(99999), 1010).result;
  CHECK(lines(r, at_s(1010)) == std::vector<std::string>{
                                    "t=0s step=0 set_weight 20 [step]",
                                    "t=25s step=2 set_weight 50 [step]",
                                    "t=25s step=3 pause 50 [step] for 1m",
                                    "t=1m25s step=4 promote 100 [all steps completed]",
                                });
  CHECK(r.ended == "promoted");
  CHECK(r.weight == 100);
  CHECK(r.ended_at == at_s(1095));
  // Three looks, at 5 s, 15 s and 25 s, each the value recorded at or before it.
  std::vector<std::string> looks;
  for (const auto& t : r.ticks)
    for (std::size_t i = 0; i < t.looks.size(); ++i)
      looks.push_back(
          t.looks[i].metric + " " + std::string(core::phase_name(t.looks[i].taken.phase)) + " " +
          t.looks[i].taken.value.str() + " @" + std::to_string((t.at - at_s(1010)).count() / 1000));
  CHECK(looks == std::vector<std::string>{"success-rate Successful [0.995] @5",
                                          "success-rate Successful [0.995] @15",
                                          "success-rate Successful [0.995] @25"});
}

TEST_CASE("a regression in the recording aborts at the first look that sees it", "[sim]") {
  // 0.9 from t = 1030: the look at 1025 still sees 1015's 0.995, the one at 1035 sees 0.9.
  const auto r = run(threshold_plan, success_rates(1030), 1010).result;
  REQUIRE(r.decisions.size() == 2);
  CHECK(r.decisions[1].kind == core::decision_kind::abort);
  CHECK(r.decisions[1].at == at_s(1035));
  CHECK(r.decisions[1].reason.value == "[0.9]");
  CHECK(r.ended == "aborted");
  CHECK(r.weight == 0);
}

TEST_CASE(
    "a look with nothing recorded within the lookback is what Prometheus gives: an empty "
    "result",
    "[sim]") {
  // The recording starts 10 min after the rollout: every look sees no sample, `result[0]` of an
  // empty result is an Error, and Argo's consecutive errors end the run.
  const auto r = run(threshold_plan, success_rates(99999), 400).result;
  REQUIRE_FALSE(r.ticks.empty());
  const auto& first = r.ticks.at(1);
  REQUIRE(first.looks.size() == 1);
  CHECK(first.looks[0].taken.phase == core::phase::error);
  CHECK(r.ended == "aborted");
}

TEST_CASE("a replay stops where a human would be asked, and where the recording ends", "[sim]") {
  std::string plan = threshold_plan;
  plan.replace(plan.find("pause: {duration: 1m}"), 21, "pause: {}");
  const auto waiting = run(plan, success_rates(99999), 1010).result;
  CHECK(waiting.ended == "waiting for a human");
  CHECK(waiting.status == core::rollout_status::paused);
  CHECK(waiting.weight == 50);

  const auto cut = run(threshold_plan, success_rates(99999), 1010, 1030).result;
  CHECK(cut.ended == "the recorded data ends");
  CHECK(cut.status == core::rollout_status::progressing);
  CHECK(cut.ended_at == at_s(1030));
  CHECK(cut.ticks.size() == 3);  // 0 s, 5 s and 15 s; 25 s is after the end
}

TEST_CASE("a comparison replayed: each look carries its statistics", "[sim]") {
  const std::string plan = R"(apiVersion: floodgate.dev/v1
kind: Plan
metadata: {name: compared}
spec:
  strategy:
    canary:
      steps:
      - setWeight: 50
      - analysis:
          metrics:
          - name: error-rate
            interval: 30s
            compare: {test: sequential_counts, direction: increase, alpha: 0.05, power: 0.8, minEffect: 0.02}
            provider:
              prometheus:
                address: http://prometheus:9090
                canary: {events: ce, total: ct}
                baseline: {events: be, total: bt}
)";
  // Cumulative counts: the canary fails 8 %, the baseline 1 %, 100 requests a second each.
  std::string csv = "timestamp,metric,labels,value\n";
  for (long long t = 0; t <= 600; t += 15) {
    const auto n = static_cast<double>(100 * t);
    csv += std::to_string(1000 + t) + ",ct,," + std::to_string(n) + "\n" +
           std::to_string(1000 + t) + ",ce,," + std::to_string(0.08 * n) + "\n" +
           std::to_string(1000 + t) + ",bt,," + std::to_string(n) + "\n" +
           std::to_string(1000 + t) + ",be,," + std::to_string(0.01 * n) + "\n";
  }
  const auto r = run(plan, csv, 1000).result;
  REQUIRE(r.ended == "aborted");
  const auto& last = r.decisions.back();
  CHECK(last.kind == core::decision_kind::abort);
  CHECK(last.reason.metric == "error-rate");
  REQUIRE(last.reason.e_value);
  CHECK(*last.reason.e_value >= 20.0);  // 1/α
  // Every look before the abort has its statistics.
  std::size_t with_evidence = 0;
  for (const auto& t : r.ticks)
    for (const auto& l : t.looks) with_evidence += l.taken.evidence ? 1 : 0;
  CHECK(with_evidence >= 1);
  CHECK(r.ticks.back().looks.at(0).taken.evidence->e_value == last.reason.e_value);
}

TEST_CASE("a plan that cannot run is refused with the reason floodgate run gives", "[sim]") {
  engine::rollout_spec spec;
  spec.files = {{"plan.yaml", threshold_plan}};
  spec.plan = "checkout";
  sim::replay_options o;
  const auto r = sim::replay(spec, o, [](const std::string&, const auto&, core::instant) {
    return floodgate::providers::ports::metric_answer{};
  });
  REQUIRE(std::holds_alternative<std::string>(r));
  CHECK(std::get<std::string>(r) == "no plan named \"checkout\" in the files");
}

TEST_CASE("a query memo shares a rendering between equal keys at one instant only", "[sim]") {
  sim::replay_run::query_memo memo;
  config::metric_spec a;
  config::metric_spec b;
  const core::instant t0 = core::instant(core::millis(1000000));
  const core::instant t1 = t0 + core::millis(10000);
  int rendered = 0;
  auto render = [&](const std::string& text) {
    return [&rendered, text] {
      ++rendered;
      return sim::replay_run::rendered_query(text);
    };
  };
  const engine::session::render_key a0{&a, t0};
  const auto first = memo.get(t1, a0, render("a from t0"));
  // The same metric and run start: the same rendering, not made again.
  CHECK(memo.get(t1, a0, render("not made")) == first);
  CHECK(rendered == 1);
  // Another run start (a run that started later) or another metric: its own rendering.
  const auto later = memo.get(t1, {&a, t1}, render("a from t1"));
  const auto other = memo.get(t1, {&b, t0}, render("b from t0"));
  CHECK(rendered == 3);
  CHECK(std::get<std::string>(*later) == "a from t1");
  CHECK(std::get<std::string>(*other) == "b from t0");
  // The next instant starts afresh: {{elapsed}} has moved.
  const auto next = memo.get(t1 + core::millis(10000), a0, render("a from t0, later"));
  CHECK(rendered == 4);
  CHECK(next != first);
  CHECK(std::get<std::string>(*first) == "a from t0");
}
