// The HTML reports on data no recording gives so easily: names to escape, non-finite statistics,
// nothing measured, a sweep point that detected nothing. Rendering in a browser is the app
// tests' part (tests/app/html_report_test.cpp).

#include <catch2/catch.hpp>
#include <floodgate/core/decision.hpp>
#include <floodgate/sim/report_html.hpp>

#include <cmath>
#include <memory>
#include <string>

namespace sim = floodgate::sim;
namespace core = floodgate::core;

namespace {

core::instant at_s(long long seconds) { return core::instant(core::millis(seconds * 1000)); }

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// No coordinate, label or number printed from NaN or infinity.
void check_finite(const std::string& html) {
  CHECK(html.find("nan") == std::string::npos);
  CHECK(html.find("inf") == std::string::npos);
}

// A comparison look at `t` with counts and the given e-value.
sim::replay_tick look_at(long long t, double canary_events, double e_value) {
  sim::replay_tick tick;
  tick.at = at_s(t);
  tick.weight = 20;
  core::observation o;
  o.request = {false, 0};
  core::comparison_data d;
  d.canary = {canary_events, 1000};
  d.baseline = {40, 4000};
  o.result = d;
  tick.observations.push_back(o);
  core::metric_look look;
  look.request = o.request;
  look.metric = "errors <5xx> & co";
  auto v = std::make_shared<core::comparison_verdict>();
  v->statistic = "count e-value one-sided";
  v->e_value = e_value;
  v->p_value = std::min(1.0, 1.0 / e_value);
  v->n = 1000;
  v->required_n = NAN;
  v->alpha = 0.05;
  look.taken.evidence = v;
  look.taken.phase = e_value >= 20 ? core::phase::failed : core::phase::successful;
  tick.looks.push_back(look);
  return tick;
}

}  // namespace

TEST_CASE("a run's report escapes names and draws no non-finite number", "[sim][html]") {
  sim::replay_result r;
  r.plan = "<script>alert(1)</script>";
  r.steps = 2;
  r.ticks.push_back(look_at(60, 10, 1.5));
  r.ticks.push_back(look_at(120, 30, INFINITY));  // an e-value past double's range
  r.ticks.push_back(look_at(180, 60, 40));
  core::decision abort;
  abort.at = at_s(180);
  abort.step = 1;
  abort.kind = core::decision_kind::abort;
  abort.reason.rule = "analysis Failed";
  abort.reason.metric = "errors <5xx> & co";
  r.decisions.push_back(abort);
  r.ended = "aborted";
  r.ended_at = at_s(180);
  const auto html = sim::timeline_html(r, at_s(0), {"plan " + r.plan, {{"from", "a <test>"}}});
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  CHECK(html.find("errors &lt;5xx&gt; &amp; co") != std::string::npos);
  check_finite(html);
  // Weight; canary against baseline; the e-value against 1/α = 20 (the infinite look left out);
  // no sample-size chart without a finite required n.
  CHECK(count(html, "<svg class=\"chart\"") == 3);
  CHECK(html.find("fails at e ≥ 1/α = 20") != std::string::npos);
  CHECK(count(html, "data-mark=\"failed look\"") == 2);  // e = ∞ and e = 40
  CHECK(html.find("class=\"abort\"") != std::string::npos);
}

TEST_CASE("a run that measured nothing says so instead of drawing", "[sim][html]") {
  sim::replay_result r;
  r.plan = "empty";
  r.ended = "the recorded data ends";
  const auto html = sim::timeline_html(r, at_s(0), {"empty", {}});
  CHECK(html.find("No metric was measured.") != std::string::npos);
  CHECK(html.find("No decisions.") != std::string::npos);
  check_finite(html);
}

TEST_CASE("a Monte Carlo without outcomes and a sweep that detected nothing", "[sim][html]") {
  sim::monte_carlo_result mc;
  mc.plan = "p";
  mc.regression_at = core::millis(600000);
  const auto mc_html = sim::monte_carlo_html(mc, {"mc", {}}, at_s(0));
  CHECK(mc_html.find("Time to decision: nothing to draw.") != std::string::npos);
  check_finite(mc_html);

  sim::sweep_result sw;
  sw.plan = "p";
  for (const char* alpha : {"0.01", "0.05"}) {
    sim::sweep_point p;
    p.settings = {{"alpha", alpha}};
    p.false_abort = sim::estimate_rate(std::string(alpha) == "0.01" ? 0 : 3, 100);
    p.detection = sim::estimate_rate(0, 100);
    p.detect_s = sim::estimate_mean({});
    p.bad_requests = sim::estimate_mean({100, 200});
    p.decision_s = sim::estimate_mean({600, 600});
    p.pareto = std::string(alpha) == "0.01";
    sw.points.push_back(p);
  }
  const auto sw_html = sim::sweep_html(sw, {"sweep", {}});
  check_finite(sw_html);
  // Nothing detected: no time to plot; the bad requests still are.
  CHECK(sw_html.find("False aborts against time to detect: nothing to draw.") != std::string::npos);
  CHECK(count(sw_html, "data-mark=\"front point\"") == 1);
  CHECK(count(sw_html, "data-mark=\"dominated point\"") == 1);
}

TEST_CASE("a run decided at its first instant is drawn from zero, its valueless look marked",
          "[sim][html]") {
  // A blue-green pre-promotion analysis failing at once on no traffic: one look, `[NaN]`, one
  // abort, all at the start.
  sim::replay_result r;
  r.plan = "bg";
  r.steps = 4;
  sim::replay_tick t;
  t.at = at_s(0);
  core::observation o;
  o.request = {false, 0};
  o.result = core::value::array({core::value::floating(NAN)});
  t.observations.push_back(o);
  core::metric_look look;
  look.request = o.request;
  look.metric = "success-rate";
  look.taken.phase = core::phase::failed;
  look.taken.value = "[NaN]";
  t.looks.push_back(look);
  r.ticks.push_back(t);
  core::decision abort;
  abort.at = at_s(0);
  abort.kind = core::decision_kind::abort;
  abort.reason.metric = "success-rate";
  r.decisions.push_back(abort);
  r.ended = "aborted";
  r.ended_at = at_s(0);
  const auto html = sim::timeline_html(r, at_s(0), {"bg", {}});
  check_finite(html);
  CHECK(count(html, "<svg class=\"chart\"") == 2);  // the weight, and the metric's markers
  CHECK(html.find("nothing to draw") == std::string::npos);
  CHECK(html.find("failed look [NaN]") != std::string::npos);
  // Axes from zero: no negative time or weight.
  CHECK(html.find(">-1s<") == std::string::npos);
  CHECK(html.find(">-0.5<") == std::string::npos);
}
