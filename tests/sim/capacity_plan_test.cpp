#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>

#include <floodgate/analysis/distributions.hpp>
#include <floodgate/config/load.hpp>
#include <floodgate/core/comparison.hpp>
#include <floodgate/sim/capacity_plan.hpp>
#include <floodgate/sim/plan_outline.hpp>

namespace fs = floodgate::sim;
using Catch::Matchers::WithinRel;

namespace {
fs::capacity_inputs example(fs::sample_size_model model) {
  fs::capacity_inputs in;
  in.traffic = fs::rate_curve(1000);
  in.baseline_error_rate = 0.01;
  in.mde = 0.005;
  in.model = model;
  in.steps = {{0.05, 600}, {0.25, 600}, {0.5, 600}};
  return in;
}
}  // namespace

TEST_CASE("quick model reproduces the source document", "[sim]") {
  const auto r = fs::plan_capacity(example(fs::sample_size_model::quick));
  REQUIRE_FALSE(r.error);
  const auto& s = r.plan.steps.at(0);
  CHECK(s.required_canary_requests == 1522.0);
  CHECK_THAT(s.required_seconds, WithinRel(30.44, 1e-12));
  CHECK(s.canary_requests == 30000.0);
  CHECK(s.baseline_requests == 570000.0);
  CHECK_THAT(s.canary_error_events, WithinRel(300.0, 1e-12));
  CHECK(s.long_enough);
  CHECK(r.plan.total_seconds == 1800.0);
}

TEST_CASE("two-sample model uses the step's allocation ratio", "[sim]") {
  const auto r = fs::plan_capacity(example(fs::sample_size_model::two_sample));
  REQUIRE_FALSE(r.error);
  // statistics.md §3.2's formula for 1 % -> 1.5 %, canary 5 % against 95 %, one-sided at α as
  // the controller's prop.test: statsmodels samplesize_proportions_2indep_onetail(0.005, 0.01,
  // 0.8, ratio=19, alpha=0.05, alternative='larger') = 3004.49 -> 3 005 canary requests (the
  // section's table, 3 761, is the two-sided default alternative).
  CHECK(r.plan.steps.at(0).required_canary_requests == 3005.0);
  // The step detects exactly the effect whose requirement equals its own traffic.
  for (const auto& s : r.plan.steps) {
    CHECK(s.detectable_effect < 0.005);
    CHECK(s.long_enough);
  }
  // A too-short step is flagged with the duration it would need.
  auto in = example(fs::sample_size_model::two_sample);
  in.steps = {{0.05, 30}};
  const auto shorter = fs::plan_capacity(in);
  CHECK_FALSE(shorter.plan.steps.at(0).long_enough);
  CHECK_THAT(shorter.plan.steps.at(0).required_seconds, WithinRel(3005.0 / 50.0, 1e-12));
}

TEST_CASE("sequential model sizes steps in error events", "[sim]") {
  const auto r = fs::plan_capacity(example(fs::sample_size_model::sequential));
  REQUIRE_FALSE(r.error);
  CHECK(r.plan.steps.at(0).required_canary_requests > 0.0);
  CHECK_FALSE(r.plan.notes.empty());
}

TEST_CASE("capacity inputs are validated with the field named", "[sim]") {
  auto in = example(fs::sample_size_model::two_sample);
  in.traffic = fs::rate_curve(0);
  CHECK(fs::plan_capacity(in).error->field == "rps");
  in = example(fs::sample_size_model::two_sample);
  in.mde = 0;
  CHECK(fs::plan_capacity(in).error->field == "mde");
  in = example(fs::sample_size_model::sequential);
  in.baseline_error_rate = 0;
  CHECK(fs::plan_capacity(in).error->message.find("sequential") != std::string::npos);
  in = example(fs::sample_size_model::two_sample);
  in.steps.clear();
  CHECK(fs::plan_capacity(in).error->field == "steps");
}

namespace {
// 20 requests a second at midnight rising linearly to 60 at noon and back (a period of a day),
// through a point an hour.
fs::rate_curve triangle_day() {
  std::vector<std::pair<double, double>> pts;
  for (int h = 0; h < 24; ++h)
    pts.emplace_back(3600.0 * h, 20.0 + 40.0 * (h <= 12 ? h : 24 - h) / 12);
  return std::get<fs::rate_curve>(fs::rate_curve::sampled(pts, 86400.0));
}
}  // namespace

TEST_CASE("a rate curve integrates exactly and inverts its integral", "[sim]") {
  const auto c = triangle_day();
  CHECK(c.period() == 86400.0);
  CHECK_THAT(c.mean(), WithinRel(40.0, 1e-12));
  CHECK(c.min() == 20.0);
  CHECK(c.max() == 60.0);
  CHECK_THAT(c.rate_at(1800.0), WithinRel(20.0 + 40.0 / 24.0, 1e-12));
  // The first hour: a trapezoid from 20 to 20 + 40/12 req/s.
  CHECK_THAT(c.requests(0.0, 3600.0), WithinRel(3600.0 * (20.0 + 20.0 / 12.0), 1e-12));
  // A whole day from any start, and across the wrap: 40 · 86 400.
  CHECK_THAT(c.requests(5000.0, 5000.0 + 86400.0), WithinRel(40.0 * 86400.0, 1e-12));
  CHECK_THAT(c.requests(80000.0, 90000.0),
             WithinRel(c.requests(80000.0, 86400.0) + c.requests(0.0, 3600.0), 1e-12));
  // time_for is the inverse of requests, within and across segments and days.
  for (double t0 : {0.0, 1234.5, 43000.0, 86000.0, 200000.0}) {
    for (double n : {1.0, 5000.0, 1e6, 5e6}) {
      const double d = c.time_for(t0, n);
      CHECK_THAT(c.requests(t0, t0 + d), WithinRel(n, 1e-9));
    }
  }
  CHECK(c.time_for(0.0, 0.0) == 0.0);
  // A curve without traffic for a stretch: the requests arrive after it.
  const auto gap = std::get<fs::rate_curve>(
      fs::rate_curve::sampled({{0.0, 0.0}, {100.0, 0.0}, {101.0, 10.0}, {200.0, 10.0}}, 201.0));
  CHECK(gap.time_for(0.0, 1.0) > 100.0);
  CHECK_THAT(gap.requests(0.0, gap.time_for(0.0, 1.0)), WithinRel(1.0, 1e-9));
  const auto none =
      std::get<fs::rate_curve>(fs::rate_curve::sampled({{0.0, 0.0}, {60.0, 0.0}}, 120.0));
  CHECK(std::isinf(none.time_for(0.0, 1.0)));
  // Bad points are named.
  CHECK(std::get<std::string>(fs::rate_curve::sampled({{0.0, 1.0}, {0.0, 2.0}}, 10.0)) ==
        "point 2: expected times in increasing order");
  CHECK(std::get<std::string>(fs::rate_curve::sampled({{0.0, 1.0}, {5.0, -2.0}}, 10.0)) ==
        "point 2: expected a finite rate >= 0");
  CHECK(
      std::holds_alternative<std::string>(fs::rate_curve::sampled({{0.0, 1.0}, {5.0, 2.0}}, 5.0)));
}

TEST_CASE("on a daily curve the plan depends on its start time", "[sim]") {
  auto in = example(fs::sample_size_model::two_sample);
  in.traffic = triangle_day();
  in.steps = {{0.05, 1800}, {0.25, 1800}};
  const auto starts = fs::plan_by_start_time(in, 24);
  REQUIRE(starts.size() == 24);
  CHECK(starts[1].start_s == 3600.0);
  // Midnight (20 req/s) needs three times as long as noon (60 req/s), to the second.
  const auto& night = starts[0].plan.steps[0];
  const auto& noon = starts[12].plan.steps[0];
  CHECK(night.required_canary_requests == noon.required_canary_requests);
  CHECK_THAT(noon.canary_requests, WithinRel(0.05 * in.traffic.requests(43200.0, 45000.0), 1e-12));
  CHECK(night.required_seconds > 2.5 * noon.required_seconds);
  CHECK_FALSE(night.long_enough);
  CHECK(noon.long_enough);
  CHECK(starts[0].plan.shortest_seconds > starts[12].plan.shortest_seconds);
  // A constant rate has no start times to compare.
  CHECK(fs::plan_by_start_time(example(fs::sample_size_model::two_sample), 24).empty());
}

TEST_CASE("an open-ended step is counted at the time its test needs", "[sim]") {
  auto in = example(fs::sample_size_model::two_sample);
  in.steps = {{0.05, std::numeric_limits<double>::quiet_NaN()}, {0.25, 600}};
  const auto r = fs::plan_capacity(in);
  REQUIRE_FALSE(r.error);
  const auto& s = r.plan.steps.at(0);
  CHECK(s.open_ended);
  CHECK(s.required_canary_requests == 3005.0);
  CHECK_THAT(s.required_seconds, WithinRel(3005.0 / 50.0, 1e-12));
  CHECK_THAT(s.canary_requests, WithinRel(3005.0, 1e-12));
  CHECK(s.detectable_effect == 0.005);
  CHECK_THAT(r.plan.total_seconds, WithinRel(3005.0 / 50.0 + 600.0, 1e-12));
  CHECK_THAT(r.plan.steps.at(1).start_s, WithinRel(3005.0 / 50.0, 1e-12));
}

namespace {
// n lognormal latencies (median m ms, log-sd s) at evenly spaced quantiles, shifted by `by`.
std::vector<double> lognormal_sample(std::size_t n, double m, double s, double by = 0.0) {
  std::vector<double> out;
  for (std::size_t i = 0; i < n; ++i) {
    const double u = (static_cast<double>(i) + 0.5) / static_cast<double>(n);
    out.push_back(m * std::exp(s * floodgate::analysis::normal_quantile(u)) + by);
  }
  return out;
}
}  // namespace

TEST_CASE("the latency models ask what the controller's tests ask at each look", "[sim]") {
  // The controller sizes its sample tests from the baseline it observes
  // (engine/core/src/comparison.cpp); from a large lognormal baseline it must ask the n the plan
  // computes from the lognormal itself. Equal arms: a 50 % matched step.
  namespace core = floodgate::core;
  for (auto [model, test] :
       {std::pair{fs::sample_size_model::mann_whitney, core::comparison_test::mann_whitney},
        std::pair{fs::sample_size_model::quantile, core::comparison_test::quantile},
        std::pair{fs::sample_size_model::welch, core::comparison_test::welch}}) {
    fs::capacity_inputs in;
    in.traffic = fs::rate_curve(1000);
    in.model = model;
    in.latency = fs::latency_assumption{80.0, 0.6};
    in.mde = 8.0;
    in.quantile = 0.95;
    in.baseline = fs::baseline_source::matched;
    in.steps = {{0.5, 600}};
    const auto r = fs::plan_capacity(in);
    REQUIRE_FALSE(r.error);
    core::comparison_metric m;
    m.test = test;
    m.min_effect = 8.0;
    m.quantile = 0.95;
    core::comparison_data d;
    d.baseline_samples = lognormal_sample(200000, 80.0, 0.6);
    d.canary_samples = d.baseline_samples;
    const auto v = core::compare(m, d);
    INFO(fs::to_string(model) << ": " << v.message);
    REQUIRE(v.required_n);
    CHECK_THAT(r.plan.steps[0].required_canary_requests, WithinRel(*v.required_n, 0.01));
  }
}

TEST_CASE("the count models ask what the controller's count tests ask", "[sim]") {
  namespace core = floodgate::core;
  auto in = example(fs::sample_size_model::two_sample);
  in.steps = {{0.05, 600}};
  const auto r = fs::plan_capacity(in);
  core::comparison_metric m;
  m.test = core::comparison_test::two_proportion;
  m.min_effect = 0.005;
  core::comparison_data d;
  d.canary = {10, 1000};
  d.baseline = {190, 19000};  // 1 % at the step's 95:5 allocation
  CHECK(core::compare(m, d).required_n == r.plan.steps[0].required_canary_requests);
}

TEST_CASE("the latency models need the baseline's latency", "[sim]") {
  auto in = example(fs::sample_size_model::mann_whitney);
  in.mde = 10;
  CHECK(fs::plan_capacity(in).error->field == "latency-median");
  in.latency = fs::latency_assumption{80.0, 0.6};
  in.mde = 0;
  CHECK(fs::plan_capacity(in).error->field == "mde");
  in.mde = 10;
  in.model = fs::sample_size_model::quantile;
  in.quantile = 1.0;
  CHECK(fs::plan_capacity(in).error->field == "quantile");
  CHECK(fs::parse_sample_size_model("mann_whitney") == fs::sample_size_model::mann_whitney);
  CHECK_FALSE(fs::parse_sample_size_model("magic"));
}

namespace {
floodgate::config::plan load_one(const std::string& yaml) {
  const auto r = floodgate::config::load({{"plan.yaml", yaml}});
  INFO((r.errors.empty() ? std::string() : r.errors.front().format()));
  REQUIRE(r.ok());
  return r.plans.at(0);
}
}  // namespace

TEST_CASE("a plan's outline: its traffic steps and the metrics that can be sized", "[sim]") {
  const auto p = load_one(R"x(apiVersion: floodgate.dev/v1
kind: Plan
metadata: {name: checkout}
spec:
  strategy:
    canary:
      steps:
      - pause: {duration: 1m}
      - setWeight: 10
      - analysis:
          metrics:
          - name: errors
            interval: 1m
            compare: {test: sequential_counts, minEffect: 0.005, alpha: 0.01, maxTime: 30m}
            provider:
              prometheus:
                address: http://prometheus:9090
                canary: {events: a, total: b}
                baseline: {events: c, total: d}
          - name: p99
            interval: 1m
            successCondition: result[0] < 0.5
            provider: {prometheus: {address: http://prometheus:9090, query: q}}
      - setWeight: 50
      - pause: {duration: 10m}
      - pause: {}
)x");
  const auto o = std::get<fs::plan_outline>(fs::outline_of(p));
  REQUIRE(o.steps.size() == 3);  // the pause at weight 0 sends the canary nothing
  CHECK(o.steps[0].traffic.weight == 0.1);
  CHECK(std::isnan(o.steps[0].traffic.duration_s));
  CHECK(o.steps[0].max_seconds == 1800.0);
  CHECK(o.steps[0].what == "analysis errors, p99");
  CHECK(o.steps[1].traffic.weight == 0.5);
  CHECK(o.steps[1].traffic.duration_s == 600.0);
  CHECK(o.steps[2].what == "pause until approved");
  REQUIRE(o.metrics.size() == 1);
  CHECK(o.metrics[0].name == "errors");
  CHECK(o.metrics[0].model == fs::sample_size_model::sequential);
  CHECK(o.metrics[0].alpha == 0.01);
  CHECK(o.metrics[0].min_effect == 0.005);
  REQUIRE(o.notes.size() == 1);
  CHECK(o.notes[0].find("metric \"p99\" is a fixed threshold (successCondition result[0] < 0.5)") ==
        0);
}

TEST_CASE("a Flagger canary is outlined step by step, a blue-green plan has nothing to size",
          "[sim]") {
  const auto flagger = load_one(R"x(apiVersion: flagger.app/v1beta1
kind: Canary
metadata: {name: podinfo, namespace: test}
spec:
  provider: nginx
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}
  analysis:
    interval: 30s
    maxWeight: 30
    stepWeight: 10
    metrics:
    - name: request-success-rate
      threshold: 99
)x");
  const auto o = std::get<fs::plan_outline>(fs::outline_of(flagger));
  REQUIRE(o.steps.size() == 3);
  CHECK(o.steps[2].traffic.weight == 0.3);
  CHECK(o.steps[2].traffic.duration_s == 30.0);
  CHECK(o.metrics.empty());
  REQUIRE(o.notes.size() == 1);
  CHECK(o.notes[0].find("fixed range check") != std::string::npos);
  const auto bg = load_one(R"x(apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: bg}
spec:
  strategy:
    blueGreen: {activeService: active, previewService: preview}
)x");
  CHECK(std::get<std::string>(fs::outline_of(bg)).find("blue-green") != std::string::npos);
}
