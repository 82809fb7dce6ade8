// The canary controller driven with scripted observations and a fake clock; whole decision
// traces are compared with golden files in tests/core/golden/ (FLOODGATE_UPDATE_GOLDEN=1
// rewrites them after a deliberate change — review the diff).

#include <floodgate/analysis/random.hpp>

#include "drive.hpp"

using namespace floodgate::core;
using namespace floodgate::core::testing;

namespace {

threshold_metric success_rate(std::int64_t count, std::int64_t failure_limit) {
  threshold_metric m;
  m.name = "success-rate";
  m.interval = millis(60000);
  m.count = count;
  m.failure_limit = failure_limit;
  m.success_condition = condition::parse("result[0] >= 0.99");
  return m;
}

canary_plan standard_plan() {
  canary_plan p;
  p.steps.push_back({canary_step::kind::set_weight, 20, std::nullopt, {}});
  p.steps.push_back({canary_step::kind::analysis, 0, std::nullopt, {success_rate(3, 1)}});
  p.steps.push_back({canary_step::kind::set_weight, 50, std::nullopt, {}});
  p.steps.push_back({canary_step::kind::pause, 0, millis(300000), {}});
  return p;
}

}  // namespace

TEST_CASE("a healthy canary walks its steps and promotes", "[core][controller]") {
  const auto log = drive(standard_plan(), [](auto, auto) { return rate(0.995); });
  check_golden("canary_healthy.trace", log.lines);
  CHECK(log.state.status == rollout_status::promoted);
  CHECK(log.state.weight == 100);
}

TEST_CASE("failures beyond failureLimit abort to weight 0", "[core][controller]") {
  int calls = 0;
  const auto log =
      drive(standard_plan(), [&](auto, auto) { return rate(++calls >= 2 ? 0.97 : 0.995); });
  check_golden("canary_failing.trace", log.lines);
  CHECK(log.state.status == rollout_status::aborted);
  CHECK(log.state.weight == 0);
}

TEST_CASE("an empty result is an error, retried every 10 s, never a pass", "[core][controller]") {
  const auto log = drive(standard_plan(), [](auto, auto) { return value::array({}); });
  check_golden("canary_no_data.trace", log.lines);
  CHECK(log.state.status == rollout_status::aborted);
}

TEST_CASE("a broken Prometheus never promotes", "[core][controller]") {
  const auto log =
      drive(standard_plan(), [](auto, auto) { return reply(std::string("connection refused")); });
  CHECK(log.state.status == rollout_status::aborted);
  CHECK(log.lines.back() == "final aborted weight 0");
}

TEST_CASE("inconclusive pauses for a human, whose promote passes the step", "[core][controller]") {
  auto plan = standard_plan();
  plan.steps[1].metrics[0].failure_condition = condition::parse("result[0] < 0.95");
  const auto log = drive(plan, [](auto, auto) { return rate(0.97); }, {{600, "approve"}});
  check_golden("canary_inconclusive.trace", log.lines);
  CHECK(log.state.status == rollout_status::promoted);
}

TEST_CASE("background analysis aborts during a pause, a human abort too", "[core][controller]") {
  auto plan = standard_plan();
  threshold_metric latency;
  latency.name = "p99-latency";
  latency.interval = millis(30000);
  latency.success_condition = condition::parse("result[0] < 0.5");
  plan.background = {latency};
  plan.background_from_step = 2;
  const auto log = drive(plan, [](const metric_request& r, instant now) {
    if (!r.background) return rate(0.995);
    return rate(now - epoch > millis(240000) ? 0.9 : 0.2);
  });
  check_golden("canary_background.trace", log.lines);
  CHECK(log.state.status == rollout_status::aborted);

  const auto manual =
      drive(standard_plan(), [](auto, auto) { return rate(0.995); }, {{200, "sre@example"}});
  CHECK(manual.lines[manual.lines.size() - 2] ==
        "t=3m20s step=3 abort 0 [manual abort] by sre@example");
}

TEST_CASE("properties over random observations", "[core][controller][property]") {
  const canary_plan plan = standard_plan();
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    const auto run = [&] {
      floodgate::analysis::rng rng(seed);
      const double bad_rate = rng.uniform() * 0.6;
      std::map<std::size_t, int> bad_answers;  // per step index: answers below the threshold
      run_log log;
      const auto answer_of = [&](const metric_request&, instant) -> reply {
        const double u = rng.uniform();
        if (u < bad_rate / 3) return std::string("timeout");
        if (u < bad_rate) {
          ++bad_answers[log.state.step];
          return rate(0.9);
        }
        return rate(0.999);
      };
      drive(log, plan, answer_of, {}, [&](const decision& d) {
        if (d.kind == decision_kind::abort) REQUIRE(d.weight == 0);
        // Never promote past an analysis that saw more failures than its failureLimit (1).
        if (d.kind == decision_kind::promote) REQUIRE(bad_answers[1] <= 1);
      });
      REQUIRE((log.state.status == rollout_status::promoted ||
               log.state.status == rollout_status::aborted));
      if (log.state.status == rollout_status::aborted) REQUIRE(log.state.weight == 0);
      return log.lines;
    };
    REQUIRE(run() == run());  // same inputs, same trace
  }
}

namespace {

// A step plan with one comparison metric (error rate, two_proportion, δ = 0.5 pp) on the
// analysis step; 100 requests per second split by the canary weight, counted from the step's
// analysis start (what `increase(...[{{elapsed}}])` queries return).
canary_plan comparison_plan(std::optional<millis> max_time, insufficient_resolution how) {
  threshold_metric m;
  m.name = "error-rate";
  m.interval = millis(60000);
  comparison_metric c;
  c.test = comparison_test::two_proportion;
  c.min_effect = 0.005;
  c.max_time = max_time;
  c.on_insufficient = how;
  m.compare = c;
  canary_plan p;
  p.steps.push_back({canary_step::kind::set_weight, 10, std::nullopt, {}});
  p.steps.push_back({canary_step::kind::analysis, 0, std::nullopt, {m}});
  p.steps.push_back({canary_step::kind::set_weight, 50, std::nullopt, {}});
  p.steps.push_back({canary_step::kind::pause, 0, millis(60000), {}});
  return p;
}

comparison_data traffic(const rollout_state& s, instant now, double canary_error_rate) {
  const double seconds = s.step_run && s.step_run->started_at
                             ? std::chrono::duration<double>(now - *s.step_run->started_at).count()
                             : 0.0;
  const double w = s.weight / 100.0;
  comparison_data d;
  d.canary.total = std::round(100.0 * w * seconds);
  d.canary.events = std::round(d.canary.total * canary_error_rate);
  d.baseline.total = std::round(100.0 * (1.0 - w) * seconds);
  d.baseline.events = std::round(d.baseline.total * 0.01);
  return d;
}

run_log drive_comparison(const canary_plan& plan, double canary_error_rate,
                         const std::map<std::int64_t, std::string>& commands = {}) {
  run_log log;
  drive(
      log, plan,
      [&](const metric_request&, instant now) -> reply {
        return traffic(log.state, now, canary_error_rate);
      },
      commands);
  return log;
}

}  // namespace

TEST_CASE("a comparison metric holds on insufficient data, then passes", "[core][controller]") {
  const auto log = drive_comparison(comparison_plan(std::nullopt, {}), 0.01);
  check_golden("comparison_healthy.trace", log.lines);
  CHECK(log.state.status == rollout_status::promoted);
}

TEST_CASE("a comparison metric aborts a regressed canary", "[core][controller]") {
  const auto log = drive_comparison(comparison_plan(std::nullopt, {}), 0.03);
  check_golden("comparison_failing.trace", log.lines);
  CHECK(log.state.status == rollout_status::aborted);
  CHECK(log.state.weight == 0);
}

TEST_CASE("a step still insufficient at maxTime resolves as the plan says", "[core][controller]") {
  const millis three_minutes(180000);
  auto log = drive_comparison(comparison_plan(three_minutes, insufficient_resolution::abort), 0.01);
  check_golden("comparison_max_time_abort.trace", log.lines);
  CHECK(log.state.status == rollout_status::aborted);

  log = drive_comparison(comparison_plan(three_minutes, insufficient_resolution::inconclusive),
                         0.01, {{600, "approve"}});
  check_golden("comparison_max_time_inconclusive.trace", log.lines);
  CHECK(log.state.status == rollout_status::promoted);  // a human's promote, recorded

  log = drive_comparison(comparison_plan(three_minutes, insufficient_resolution::hold), 0.01);
  check_golden("comparison_max_time_hold.trace", log.lines);
  CHECK(log.state.status == rollout_status::promoted);  // data arrived after the hold
}

TEST_CASE("comparison properties over random traffic", "[core][controller][property]") {
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    const auto run = [&] {
      floodgate::analysis::rng rng(seed);
      const canary_plan plan = comparison_plan(
          millis(60000 * static_cast<std::int64_t>(1 + rng.uniform() * 10)),
          static_cast<insufficient_resolution>(static_cast<int>(rng.uniform() * 3)));
      const double error_rate = rng.uniform() * 0.03;
      const double outage = rng.uniform() * 0.3;
      const comparison_metric& spec = *plan.steps[1].metrics[0].compare;
      std::optional<comparison_outcome> last;  // the last look's outcome on the analysis step
      bool failed_seen = false;
      run_log log;
      const auto answer_of = [&](const metric_request&, instant now) -> reply {
        if (rng.uniform() < outage) return std::string("timeout");
        auto d = traffic(log.state, now, error_rate);
        if (rng.uniform() < 0.1) d.canary.total = std::numeric_limits<double>::quiet_NaN();
        last = compare(spec, d).outcome;
        failed_seen = failed_seen || *last == comparison_outcome::failed;
        return d;
      };
      drive(log, plan, answer_of, {}, [&](const decision& d) {
        if (d.kind == decision_kind::abort) REQUIRE(d.weight == 0);
        if (d.kind == decision_kind::promote ||
            (d.kind == decision_kind::set_weight && d.step == 2)) {
          // Never past the analysis unless its last look was successful and none failed.
          REQUIRE(last == comparison_outcome::successful);
          REQUIRE_FALSE(failed_seen);
        }
      });
      return log.lines;
    };
    REQUIRE(run() == run());
  }
}
