// Synthetic traffic and the runs made on it: the series as Prometheus would scrape them (their
// rates, error shares, histogram agreeing with the counter, weights and regressions followed,
// diurnal traffic integrated), determinism for a seed, one run of a plan, and the Monte Carlo
// summary (the same on one thread as on two; its rates and intervals).

#include <catch2/catch.hpp>

#include <cmath>
#include <floodgate/config/scenario.hpp>
#include <floodgate/core/value.hpp>
#include <floodgate/providers/recorded/promql.hpp>
#include <floodgate/sim/monte_carlo.hpp>
#include <floodgate/sim/sweep.hpp>
#include <floodgate/sim/synthetic.hpp>
#include <string>
#include <vector>
#include "scenario_fixtures.hpp"

namespace sim = floodgate::sim;
namespace core = floodgate::core;
namespace config = floodgate::config;
namespace engine = floodgate::engine;
namespace promql = floodgate::providers::recorded::promql;

namespace {

const core::instant start = floodgate::test::scenario_start;
using floodgate::test::scenario_of;
using floodgate::test::spec_of;

double eval(promql::evaluator& e, const std::string& q, core::instant at) {
  auto p = promql::expression::parse(q);
  REQUIRE(std::holds_alternative<promql::expression>(p));
  auto r = e.evaluate(std::get<promql::expression>(p), at.time_since_epoch().count());
  REQUIRE(std::holds_alternative<promql::result>(r));
  const auto& v = std::get<promql::result>(r);
  if (v.is_scalar) return v.scalar;
  INFO(q);
  REQUIRE(v.vector.size() == 1);
  return v.vector[0].value;
}

const char* basic = R"(  traffic: {rps: 200}
  labels: {service: shop}
  baseline: {errorRate: 0.01, latency: {lognormal: {median: 100ms, sigma: 0.5}}}
  regressions:
  - at: 30m
    errorRate: {multiply: 4}
    latency: {add: 100ms}
)";

}  // namespace

TEST_CASE("synthetic traffic is scraped as an instrumented service exposes it",
          "[sim][synthetic]") {
  sim::synthetic_traffic t(scenario_of(basic), start);
  promql::evaluator e(t);
  t.set_weight(start, 25);
  t.advance_to(start + core::millis(3600000));
  const auto at = start + core::millis(25 * 60000);
  // The request rate splits 75/25; over 20 minutes the estimate is within 1 %.
  const double base = eval(e, R"(sum(rate(http_requests_total{track="stable"}[20m])))", at);
  const double canary = eval(e, R"(sum(rate(http_requests_total{track="canary"}[20m])))", at);
  CHECK(base == Approx(150).epsilon(0.01));
  CHECK(canary == Approx(50).epsilon(0.02));
  // The error share, before and after the canary's regression (×4 from 30 minutes).
  const std::string share =
      R"(sum(increase(http_requests_total{track="canary",code="500"}[20m])) / sum(increase(http_requests_total{track="canary"}[20m])))";
  CHECK(eval(e, share, at) == Approx(0.01).margin(0.003));
  CHECK(eval(e, share, start + core::millis(55 * 60000)) == Approx(0.04).margin(0.006));
  // The histogram counts every request the counter counts, scrape by scrape.
  for (const char* track : {"stable", "canary"}) {
    const std::string sel = std::string("{track=\"") + track + "\"}";
    for (int minute : {1, 17, 44}) {
      const auto when = start + core::millis(minute * 60000);
      CHECK(eval(e, "sum(http_requests_total" + sel + ")", when) ==
            eval(e, "http_request_duration_seconds_count" + sel, when));
      CHECK(eval(e, "http_request_duration_seconds_bucket{le=\"+Inf\"," + sel.substr(1), when) ==
            eval(e, "http_request_duration_seconds_count" + sel, when));
    }
  }
  // The median latency: 100 ms, interpolated inside the (0.05, 0.1] and (0.1, 0.25] buckets as
  // histogram_quantile does; the mean from _sum / _count: e^(σ²/2)·100 ms = 113.3 ms.
  const double median = eval(
      e,
      R"(histogram_quantile(0.5, sum by (le) (rate(http_request_duration_seconds_bucket{track="stable"}[20m]))))",
      at);
  CHECK(median == Approx(0.1).margin(0.01));
  const double mean = eval(
      e,
      R"(sum(rate(http_request_duration_seconds_sum{track="stable"}[20m])) / sum(rate(http_request_duration_seconds_count{track="stable"}[20m])))",
      at);
  CHECK(mean == Approx(0.1 * std::exp(0.125)).epsilon(0.01));
  // After the regression the canary's latency is 100 ms more: its median 200 ms.
  const double later = eval(
      e,
      R"(histogram_quantile(0.5, sum by (le) (rate(http_request_duration_seconds_bucket{track="canary"}[20m]))))",
      start + core::millis(55 * 60000));
  CHECK(later == Approx(0.2).margin(0.02));
  // Expected exposure: 50 requests a second for a minute.
  const auto ex = t.canary_exposure(start, start + core::millis(60000));
  CHECK(ex.requests == Approx(3000));
  CHECK(ex.errors == Approx(30));
}

TEST_CASE("synthetic traffic follows the weights and is reproducible for a seed",
          "[sim][synthetic]") {
  sim::synthetic_traffic t(scenario_of(basic), start);
  promql::evaluator e(t);
  auto run = [&](std::uint64_t seed) {
    t.reset(seed);
    t.set_weight(start, 10);
    t.advance_to(start + core::millis(10 * 60000));
    t.set_weight(start + core::millis(10 * 60000), 50);
    t.advance_to(start + core::millis(20 * 60000));
    std::vector<double> out;
    for (std::size_t i = 0; i < t.size(); ++i)
      for (const auto& s : t.samples(i)) out.push_back(s.value);
    return out;
  };
  const auto a = run(7);
  const auto b = run(7);
  const auto c = run(8);
  CHECK(a == b);
  CHECK(a != c);
  // Before the start the canary serves nothing; from 10 to 20 minutes, half.
  run(7);
  CHECK(eval(e, R"(sum(increase(http_requests_total{track="canary"}[10m])))", start) == 0);
  CHECK(eval(e, R"(sum(rate(http_requests_total{track="canary"}[9m])))",
             start + core::millis(20 * 60000)) == Approx(100).epsilon(0.03));
  // The first scrape is at start − warmup, every counter at zero.
  CHECK(t.samples(0).front().at_ms == (start - core::millis(600000)).time_since_epoch().count());
  CHECK(t.samples(0).front().value == 0);
}

TEST_CASE("a seed's traffic is pinned, through weight changes and a regression",
          "[sim][synthetic]") {
  // The counters a seed gives, as the docs' Monte Carlo figures depend on them: the draws, the
  // expected counts kept while intervals repeat and worked out again when the weight or the
  // regime changes mid-interval. A change of sampler or of the arithmetic shows here.
  sim::synthetic_traffic t(scenario_of(basic), start);
  t.reset(11);
  t.set_weight(start, 10);
  t.advance_to(start + core::millis(7 * 60000 + 5000));
  t.set_weight(start + core::millis(7 * 60000 + 5000), 30);  // mid-interval
  t.advance_to(start + core::millis(35 * 60000));            // the regression at 30 minutes
  std::vector<double> last;
  for (std::size_t i = 0; i < t.size(); ++i) last.push_back(t.samples(i).back().value);
  std::string got;
  for (const double v : last) got += floodgate::core::format_float_plain(v) + " ";
  // Baseline then canary: requests by code (200, 500), the 12 cumulative buckets, _count, _sum.
  // Made by the sampler before poisson_draw and the kept expected counts (commit bd0c267) and
  // after: the same.
  CHECK(got ==
        "427336 4266 0 1 1205 35529 215668 417424 431304 431601 431602 431602 431602 431602 "
        "431602 48889.39936614906 107391 1618 0 0 292 7559 45248 102096 108898 109009 109009 "
        "109009 109009 109009 109009 14189.98932910194 ");
}

TEST_CASE("diurnal traffic peaks at the hour given and integrates exactly", "[sim][synthetic]") {
  const auto s = scenario_of("  traffic: {rps: 100, diurnal: {amplitude: 0.5, peak: \"14:00\"}}\n");
  sim::synthetic_traffic t(s, start);
  const core::instant midnight{core::millis(1767571200000)};  // 2026-01-05T00:00:00Z
  CHECK(t.rate_at(midnight + core::millis(14 * 3600000)) == Approx(150));
  CHECK(t.rate_at(midnight + core::millis(2 * 3600000)) == Approx(50));
  // A day of it: 100 a second on average.
  const auto day = t.canary_exposure(start, start + core::millis(86400000));
  CHECK(day.requests == 0);  // weight 0
  t.set_weight(start, 100);
  CHECK(t.canary_exposure(start, start + core::millis(86400000)).requests == Approx(100.0 * 86400));
  // An hour by the midpoint rule, against the closed form.
  double sum = 0;
  const auto from = start;
  for (int i = 0; i < 3600; ++i) sum += t.rate_at(from + core::millis(i * 1000 + 500));
  CHECK(t.canary_exposure(from, from + core::millis(3600000)).requests ==
        Approx(sum).epsilon(1e-6));
}

namespace {

const char* plan_text = R"(apiVersion: floodgate.dev/v1
kind: Plan
metadata: {name: fixed-threshold}
spec:
  strategy:
    canary:
      steps:
      - setWeight: 20
      - analysis:
          metrics:
          - name: success-rate
            interval: 1m
            count: 10
            failureLimit: 1
            successCondition: result[0] >= 0.99
            provider:
              prometheus:
                address: http://prometheus:9090
                query: sum(rate(http_requests_total{track="canary",code!~"5.."}[1m])) / sum(rate(http_requests_total{track="canary"}[1m]))
      - setWeight: 60
)";

}  // namespace

TEST_CASE("a plan runs on synthetic traffic, its queries evaluated as Prometheus would",
          "[sim][synthetic]") {
  const auto healthy = scenario_of("  traffic: {rps: 200}\n  baseline: {errorRate: 0.001}\n");
  sim::scenario_simulator s(spec_of(plan_text), healthy, start);
  auto r = s.run(3, true);
  REQUIRE(std::holds_alternative<sim::replay_result>(r));
  const auto& got = std::get<sim::replay_result>(r);
  CHECK(got.ended == "promoted");
  // Ten looks a minute apart. The first, at the instant the canary gets its weight, sees no
  // canary traffic yet: 0/0, NaN, Failed (Argo's pitfall without initialDelay; failureLimit 1
  // tolerates it); the others a success rate near 99.9 %.
  std::vector<core::measurement> looks;
  for (const auto& t : got.ticks)
    for (const auto& l : t.looks) looks.push_back(l.taken);
  REQUIRE(looks.size() == 10);
  CHECK(looks[0].value == "[NaN]");
  CHECK(looks[0].phase == core::phase::failed);
  for (std::size_t i = 1; i < looks.size(); ++i) {
    INFO(looks[i].value);
    CHECK(looks[i].phase == core::phase::successful);
  }
  const auto o = s.outcome(got);
  CHECK(o.promoted);
  CHECK_FALSE(o.false_abort);

  // Errors ×20 from 3 minutes: detected at the first look whose window is past it.
  const auto bad = scenario_of(
      "  traffic: {rps: 200}\n  baseline: {errorRate: 0.001}\n  regressions:\n"
      "  - {at: 3m, errorRate: {multiply: 20}}\n");
  sim::scenario_simulator b(spec_of(plan_text), bad, start);
  const auto bad_run = b.run(3, false);
  const auto& worse = std::get<sim::replay_result>(bad_run);
  CHECK(worse.ended == "aborted");
  CHECK(worse.ticks.empty());  // decisions only
  const auto ob = b.outcome(worse);
  CHECK(ob.detected);
  CHECK(ob.detect_s >= 60);
  CHECK(ob.detect_s <= 180);
  CHECK(ob.bad_requests == Approx(0.2 * 200 * ob.detect_s));

  // A query that selects nothing of the scenario is an Error, saying so.
  auto other = std::string(plan_text);
  for (auto p = other.find("http_requests_total"); p != std::string::npos;
       p = other.find("http_requests_total"))
    other.replace(p, 19, "nothing_total");
  sim::scenario_simulator n(spec_of(other), healthy, start);
  const auto none_run = n.run(1, true);
  const auto& none = std::get<sim::replay_result>(none_run);
  REQUIRE_FALSE(none.ticks.empty());
  bool said = false;
  for (const auto& t : none.ticks)
    for (const auto& l : t.looks)
      said = said || l.taken.message.find("the query selects none of the scenario's series") !=
                         std::string::npos;
  CHECK(said);
}

TEST_CASE("a Monte Carlo gives the same figures on any number of threads", "[sim][synthetic]") {
  const auto noisy = scenario_of("  traffic: {rps: 15}\n  baseline: {errorRate: 0.004}\n");
  sim::monte_carlo_options o;
  o.runs = 300;
  o.seed = 11;
  o.threads = 1;
  std::size_t calls = 0;
  o.progress = [&](std::size_t done, std::size_t total) {
    CHECK(done <= total);
    ++calls;
  };
  auto one = sim::monte_carlo(spec_of(plan_text), noisy, start, o);
  o.threads = 2;
  auto two = sim::monte_carlo(spec_of(plan_text), noisy, start, o);
  REQUIRE(std::holds_alternative<sim::monte_carlo_result>(one));
  REQUIRE(std::holds_alternative<sim::monte_carlo_result>(two));
  const auto& a = std::get<sim::monte_carlo_result>(one);
  const auto& b = std::get<sim::monte_carlo_result>(two);
  CHECK(calls > 0);
  CHECK(a.plan == "fixed-threshold");
  REQUIRE(a.outcomes.size() == 300);
  for (std::size_t i = 0; i < a.outcomes.size(); ++i) {
    CHECK(a.outcomes[i].decided_s == b.outcomes[i].decided_s);
    CHECK(a.outcomes[i].aborted == b.outcomes[i].aborted);
  }
  // 3 canary requests a second at 0.4 % errors: a 1-minute success rate dips below 99 % with
  // two errors in ~180 requests — the fixed threshold aborts healthy canaries now and then.
  CHECK(a.false_abort.count == a.aborted);
  CHECK(a.false_abort.count > 0);
  CHECK(a.false_abort.count < 300);
  CHECK(a.false_abort.low < a.false_abort.rate);
  CHECK(a.false_abort.high > a.false_abort.rate);
  CHECK(a.promoted + a.aborted + a.undecided == 300);
  CHECK(a.decision_s.n == a.promoted + a.aborted);
  CHECK(a.decision_s.low <= a.decision_s.mean);
  CHECK(a.decision_s.p50 <= a.decision_s.p95);
  CHECK_FALSE(a.regression_at);

  // A plan that cannot start: the error, once.
  auto broken = sim::monte_carlo(spec_of("kind: Nonsense\n"), noisy, start, o);
  CHECK(std::holds_alternative<std::string>(broken));
}

TEST_CASE("a sweep runs each combination as its own Monte Carlo and marks the Pareto front",
          "[sim][synthetic]") {
  const auto healthy = scenario_of("  traffic: {rps: 15}\n  baseline: {errorRate: 0.004}\n");
  const auto bad = scenario_of(
      "  traffic: {rps: 15}\n  baseline: {errorRate: 0.004}\n  regressions:\n  - at: 0s\n"
      "    errorRate: {multiply: 5}\n");
  sim::monte_carlo_options o;
  o.runs = 60;
  o.seed = 3;
  std::size_t last = 0;
  o.progress = [&](std::size_t done, std::size_t total) {
    CHECK(total == 4 * 2 * 60);
    CHECK(done <= total);
    last = done;
  };
  const std::vector<config::setting> grid{
      {"successCondition", {"result[0] >= 0.99", "result[0] >= 0.9"}}, {"interval", {"1m", "2m"}}};
  auto r = sim::sweep(spec_of(plan_text), grid, {healthy, bad}, start, o);
  REQUIRE(std::holds_alternative<sim::sweep_result>(r));
  const auto& s = std::get<sim::sweep_result>(r);
  CHECK(last == 4 * 2 * 60);
  CHECK(s.plan == "fixed-threshold");
  REQUIRE(s.points.size() == 4);
  // The last setting varies fastest.
  CHECK(s.points[1].settings == std::vector<std::pair<std::string, std::string>>{
                                    {"successCondition", "result[0] >= 0.99"}, {"interval", "2m"}});
  // Each point is the Monte Carlo of its plan: the healthy scenario's false aborts, the bad
  // one's detection, as monte_carlo reports them on the edited files.
  auto edited = spec_of(plan_text);
  for (const auto& [k, v] : s.points[3].settings)
    edited.files =
        std::get<std::vector<config::source_file>>(config::apply_setting(edited.files, k, v));
  o.progress = nullptr;
  const auto h = std::get<sim::monte_carlo_result>(sim::monte_carlo(edited, healthy, start, o));
  const auto b = std::get<sim::monte_carlo_result>(sim::monte_carlo(edited, bad, start, o));
  CHECK(s.points[3].false_abort.count == h.false_abort.count);
  CHECK(s.points[3].false_abort.of == 60);  // the healthy scenario's runs only
  REQUIRE(s.points[3].detection);
  CHECK(s.points[3].detection->count == b.detection.count);
  CHECK(s.points[3].bad_requests->mean == b.bad_requests.mean);
  // A 90 % threshold aborts fewer healthy canaries than a 99 % one, at the same interval.
  CHECK(s.points[2].false_abort.rate < s.points[0].false_abort.rate);
  // The front: no point on it is dominated by another on all three objectives.
  std::size_t front = 0;
  for (const auto& p : s.points) {
    if (!p.pareto) continue;
    ++front;
    for (const auto& q : s.points) {
      const bool dominates =
          q.false_abort.rate <= p.false_abort.rate && q.detect_s->mean <= p.detect_s->mean &&
          q.bad_requests->mean <= p.bad_requests->mean &&
          (q.false_abort.rate < p.false_abort.rate || q.detect_s->mean < p.detect_s->mean ||
           q.bad_requests->mean < p.bad_requests->mean);
      CHECK_FALSE(dominates);
    }
  }
  CHECK(front >= 1);
  // And every point off it is dominated by one.
  for (const auto& p : s.points) {
    if (p.pareto) continue;
    bool beaten = false;
    for (const auto& q : s.points) {
      beaten = beaten ||
               (q.false_abort.rate <= p.false_abort.rate && q.detect_s->mean <= p.detect_s->mean &&
                q.bad_requests->mean <= p.bad_requests->mean);
    }
    CHECK(beaten);
  }
  // A setting that applies to nothing is named.
  auto wrong = sim::sweep(spec_of(plan_text), {{"pause.4", {"1m"}}}, {healthy}, start, o);
  CHECK(std::get<std::string>(wrong).rfind("--sweep pause.4: \"pause.4\" applies to nothing", 0) ==
        0);
}
