// Runs in lockstep (sim/lockstep.hpp) against the same runs made one by one
// (scenario_simulator): every decision, with its evidence to the bit, every end, and the first
// run's looks, for plans whose runs tick together (background analyses), drift apart (a step
// analysis that ends when its test decides), ask queries that do not evaluate lane by lane
// (a filtering comparison), or fail (a query that does not parse, one that sees nothing).

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <floodgate/config/scenario.hpp>
#include <floodgate/core/decision.hpp>
#include <floodgate/sim/lockstep.hpp>
#include <floodgate/sim/monte_carlo.hpp>
#include "scenario_fixtures.hpp"

namespace sim = floodgate::sim;
namespace core = floodgate::core;
namespace config = floodgate::config;
namespace engine = floodgate::engine;

namespace {

const core::instant start = floodgate::test::scenario_start;
using floodgate::test::scenario_of;
using floodgate::test::spec_of;

bool same_number(const std::optional<double>& a, const std::optional<double>& b) {
  if (a.has_value() != b.has_value()) return false;
  if (!a) return true;
  return std::memcmp(&*a, &*b, sizeof(double)) == 0;
}

void check_same(const sim::replay_result& lockstep, const sim::replay_result& alone) {
  CHECK(lockstep.ended == alone.ended);
  CHECK(lockstep.ended_at == alone.ended_at);
  CHECK(lockstep.status == alone.status);
  CHECK(lockstep.weight == alone.weight);
  CHECK(lockstep.step == alone.step);
  REQUIRE(lockstep.decisions.size() == alone.decisions.size());
  for (std::size_t i = 0; i < alone.decisions.size(); ++i) {
    const auto& a = lockstep.decisions[i];
    const auto& b = alone.decisions[i];
    INFO(core::format_decision(b, start));
    CHECK(core::format_decision(a, start) == core::format_decision(b, start));
    CHECK(same_number(a.reason.estimate, b.reason.estimate));
    CHECK(same_number(a.reason.interval_low, b.reason.interval_low));
    CHECK(same_number(a.reason.interval_high, b.reason.interval_high));
    CHECK(same_number(a.reason.p_value, b.reason.p_value));
    CHECK(same_number(a.reason.e_value, b.reason.e_value));
    CHECK(same_number(a.reason.n, b.reason.n));
    CHECK(same_number(a.reason.required_n, b.reason.required_n));
  }
  REQUIRE(lockstep.ticks.size() == alone.ticks.size());
  for (std::size_t t = 0; t < alone.ticks.size(); ++t) {
    const auto& a = lockstep.ticks[t];
    const auto& b = alone.ticks[t];
    CHECK(a.at == b.at);
    REQUIRE(a.looks.size() == b.looks.size());
    for (std::size_t k = 0; k < b.looks.size(); ++k) {
      CHECK(a.looks[k].taken.value == b.looks[k].taken.value);
      CHECK(a.looks[k].taken.message == b.looks[k].taken.message);
      CHECK(a.looks[k].taken.phase == b.looks[k].taken.phase);
    }
  }
}

/// `runs` runs in lockstep groups, each against the same seed run alone.
void check_lockstep(const std::string& plan, const config::scenario& s, std::size_t runs,
                    std::size_t* aborted = nullptr, std::size_t* promoted = nullptr) {
  sim::lockstep_simulator together(spec_of(plan), s, start);
  sim::scenario_simulator alone(spec_of(plan), s, start);
  constexpr std::size_t width = floodgate::providers::recorded::promql::lane_width;
  for (std::size_t first = 0; first < runs; first += width) {
    std::vector<std::uint64_t> seeds;
    for (std::size_t i = first; i < std::min(runs, first + width); ++i)
      seeds.push_back(sim::run_seed(17, i));
    auto got = together.run(seeds, true);
    REQUIRE(std::holds_alternative<std::vector<sim::replay_result>>(got));
    const auto& results = std::get<std::vector<sim::replay_result>>(got);
    REQUIRE(results.size() == seeds.size());
    for (std::size_t k = 0; k < seeds.size(); ++k) {
      INFO("run " << first + k);
      auto one = alone.run(seeds[k], k == 0);
      REQUIRE(std::holds_alternative<sim::replay_result>(one));
      const auto& expected = std::get<sim::replay_result>(one);
      check_same(results[k], expected);
      const auto a = together.outcome(k, results[k]);
      const auto b = alone.outcome(expected);
      CHECK(a.bad_requests == b.bad_requests);
      CHECK(a.detected == b.detected);
      if (aborted != nullptr && expected.status == core::rollout_status::aborted) ++*aborted;
      if (promoted != nullptr && expected.status == core::rollout_status::promoted) ++*promoted;
    }
  }
}

// Three background metrics looked at every 10 s by every run together: a threshold, a
// histogram quantile, the anytime-valid count test over {{elapsed}}.
const char* background = R"(apiVersion: floodgate.dev/v1
kind: Plan
metadata: {name: background}
spec:
  strategy:
    canary:
      analysis:
        metrics:
        - name: success-rate
          interval: 10s
          failureLimit: 3
          successCondition: result[0] >= 0.97
          provider:
            prometheus:
              address: http://p:9090
              query: sum(rate(http_requests_total{track="canary",code!~"5.."}[1m])) / sum(rate(http_requests_total{track="canary"}[1m]))
        - name: p99-latency
          interval: 10s
          failureLimit: 3
          successCondition: result[0] < 0.6
          provider:
            prometheus:
              address: http://p:9090
              query: histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{track="canary"}[1m])))
        - name: error-rate
          interval: 10s
          compare: {test: sequential_counts, direction: increase, alpha: 0.05, power: 0.8, minEffect: 0.01}
          provider:
            prometheus:
              address: http://p:9090
              canary:
                events: sum(increase(http_requests_total{track="canary",code=~"5.."}[{{elapsed}}]))
                total: sum(increase(http_requests_total{track="canary"}[{{elapsed}}]))
              baseline:
                events: sum(increase(http_requests_total{track="stable",code=~"5.."}[{{elapsed}}]))
                total: sum(increase(http_requests_total{track="stable"}[{{elapsed}}]))
      steps:
      - setWeight: 20
      - pause: {duration: 5m}
      - setWeight: 50
      - pause: {duration: 5m}
)";

// A step analysis that ends when its test decides (each run at its own instant, so the runs
// then tick apart), and a metric whose query filters a vector (evaluated lane by lane).
const char* drifting = R"(apiVersion: floodgate.dev/v1
kind: Plan
metadata: {name: drifting}
spec:
  strategy:
    canary:
      steps:
      - setWeight: 30
      - analysis:
          metrics:
          - name: error-rate
            interval: 1m
            compare: {test: sequential_counts, direction: increase, alpha: 0.05, power: 0.8, minEffect: 0.02, maxTime: 30m, onInsufficient: inconclusive}
            provider:
              prometheus:
                address: http://p:9090
                canary:
                  events: sum(increase(http_requests_total{track="canary",code=~"5.."}[{{elapsed}}]))
                  total: sum(increase(http_requests_total{track="canary"}[{{elapsed}}]))
                baseline:
                  events: sum(increase(http_requests_total{track="stable",code=~"5.."}[{{elapsed}}]))
                  total: sum(increase(http_requests_total{track="stable"}[{{elapsed}}]))
          - name: busy
            interval: 45s
            failureLimit: 100
            successCondition: result[0] > 1
            provider:
              prometheus:
                address: http://p:9090
                query: sum(rate(http_requests_total{track="canary"}[1m])) > 3
      - setWeight: 60
      - analysis:
          metrics:
          - name: latency-sum
            interval: 20s
            count: 6
            successCondition: result[0] < 0.3
            provider:
              prometheus:
                address: http://p:9090
                query: sum(rate(http_request_duration_seconds_sum{track="canary"}[1m])) / sum(rate(http_request_duration_seconds_count{track="canary"}[1m]))
)";

const char* regressing = R"(  traffic: {rps: 40}
  baseline: {errorRate: 0.01, latency: {lognormal: {median: 80ms, sigma: 0.6}}}
  regressions:
  - {at: 8m, errorRate: {multiply: 3}, latency: {add: 30ms}}
)";

}  // namespace

TEST_CASE("runs in lockstep take the decisions they take alone", "[sim][lockstep]") {
  SECTION("background analyses: the runs tick together") {
    std::size_t aborted = 0;
    std::size_t promoted = 0;
    check_lockstep(background, scenario_of(regressing), 40, &aborted, &promoted);
    // Both ends occur, so lanes end at different instants and the others go on.
    CHECK(aborted > 0);
    CHECK(promoted > 0);
  }
  SECTION("a step analysis that ends when it decides: the runs drift apart") {
    check_lockstep(drifting, scenario_of("  traffic: {rps: 25}\n  baseline: {errorRate: 0.02}\n"),
                   40);
  }
  SECTION("queries that fail fail alike") {
    std::string broken = background;
    broken.replace(broken.find("histogram_quantile("), 19, "histogram_quantile((");
    check_lockstep(broken, scenario_of(regressing), 5);
    std::string none = background;
    for (auto p = none.find("http_request_duration_seconds_bucket"); p != std::string::npos;
         p = none.find("http_request_duration_seconds_bucket"))
      none.replace(p, 36, "nothing_bucket");
    check_lockstep(none, scenario_of(regressing), 5);
  }
}

TEST_CASE("a Monte Carlo's outcomes are the runs made alone", "[sim][lockstep]") {
  const auto s = scenario_of(regressing);
  sim::monte_carlo_options o;
  o.runs = 70;  // three groups, the last one partial
  o.seed = 5;
  o.threads = 2;
  auto mc = sim::monte_carlo(spec_of(background), s, start, o);
  REQUIRE(std::holds_alternative<sim::monte_carlo_result>(mc));
  const auto& r = std::get<sim::monte_carlo_result>(mc);
  sim::scenario_simulator alone(spec_of(background), s, start);
  for (std::size_t i = 0; i < o.runs; ++i) {
    auto one = alone.run(sim::run_seed(o.seed, i), false);
    const auto expected = alone.outcome(std::get<sim::replay_result>(one));
    INFO("run " << i);
    CHECK(r.outcomes[i].promoted == expected.promoted);
    CHECK(r.outcomes[i].aborted == expected.aborted);
    CHECK(r.outcomes[i].decided_s == expected.decided_s);
    CHECK(r.outcomes[i].detect_s == expected.detect_s);
    CHECK(r.outcomes[i].bad_requests == expected.bad_requests);
  }
}
