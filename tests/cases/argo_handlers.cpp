// Argo Rollouts conformance cases (shared/conformance/argo_analysis_cases.json); the format is
// described in the file's "conventions".

#include <cmath>
#include <floodgate/core/analysis_run.hpp>
#include <floodgate/core/threshold_metric.hpp>
#include <floodgate/providers/metric_readings.hpp>
#include <functional>
#include <map>
#include <stdexcept>

#include "conformance_handlers.hpp"

namespace floodgate::cases {

namespace {

using core::phase;
using core::value;

// The case file's {"$float": "NaN"} encodings as the doubles they stand for.
json decode_floats(const json& j) {
  if (j.is_object() && j.size() == 1 && j.contains("$float")) {
    const auto s = j["$float"].get<std::string>();
    if (s == "NaN") return std::nan("");
    return s == "-Inf" ? -HUGE_VAL : HUGE_VAL;
  }
  json out = j;
  if (j.is_structured()) {
    for (auto it = out.begin(); it != out.end(); ++it) *it = decode_floats(*it);
  }
  return out;
}

// A case value as the provider value it stands for (numbers are Go float64s).
value to_value(const json& j) { return providers::value_from_json(decode_floats(j)); }

bool same(const value& a, const value& b) {
  if (a.kind() == core::value_kind::floating && b.kind() == core::value_kind::floating &&
      std::isnan(a.as_double()) && std::isnan(b.as_double())) {
    return true;
  }
  if (a.kind() == core::value_kind::array && b.kind() == core::value_kind::array) {
    if (a.items().size() != b.items().size()) return false;
    for (std::size_t i = 0; i < a.items().size(); ++i) {
      if (!same(a.items()[i], b.items()[i])) return false;
    }
    return true;
  }
  return a == b;
}

std::optional<std::int64_t> int_field(const json& m, const char* key) {
  if (!m.contains(key) || m[key].is_null()) return std::nullopt;
  return m[key].get<std::int64_t>();
}

std::optional<core::millis> duration_field(const json& m, const char* key) {
  if (!m.contains(key)) return std::nullopt;
  auto d = core::parse_go_duration(m[key].get<std::string>());
  if (auto* err = std::get_if<std::string>(&d)) throw std::invalid_argument(*err);
  return std::get<core::millis>(d);
}

core::threshold_metric metric_of(const json& m) {
  core::threshold_metric out;
  out.name = m.value("name", "");
  out.interval = duration_field(m, "interval");
  out.initial_delay = duration_field(m, "initialDelay");
  out.count = int_field(m, "count");
  out.failure_limit = int_field(m, "failureLimit");
  out.inconclusive_limit = int_field(m, "inconclusiveLimit");
  out.consecutive_error_limit = int_field(m, "consecutiveErrorLimit");
  out.consecutive_success_limit = int_field(m, "consecutiveSuccessLimit");
  if (m.contains("successCondition")) {
    out.success_condition = core::condition::parse(m["successCondition"].get<std::string>());
  }
  if (m.contains("failureCondition")) {
    out.failure_condition = core::condition::parse(m["failureCondition"].get<std::string>());
  }
  out.dry_run = m.value("dryRun", false);
  out.providers = m.contains("provider") ? static_cast<int>(m["provider"].size()) : 0;
  return out;
}

std::vector<core::threshold_metric> metrics_of(const json& j) {
  std::vector<core::threshold_metric> out;
  if (j.is_array()) {
    for (const auto& m : j) out.push_back(metric_of(m));
  } else {
    out.push_back(metric_of(j));
  }
  return out;
}

core::metric_counters counters_of(const json& j) {
  core::metric_counters c;
  if (!j.is_object()) return c;
  c.count = j.value("count", 0);
  c.successful = j.value("successful", 0);
  c.failed = j.value("failed", 0);
  c.inconclusive = j.value("inconclusive", 0);
  c.error = j.value("error", 0);
  c.consecutive_error = j.value("consecutive_error", 0);
  c.consecutive_success = j.value("consecutive_success", 0);
  return c;
}

phase phase_of(const json& j) {
  const auto p = core::parse_phase(j.get<std::string>());
  if (!p) throw std::invalid_argument("unknown phase " + j.dump());
  return *p;
}

std::string name(phase p) { return std::string(core::phase_name(p)); }

// A measurement as a provider and the conditions make it: phase, message, value.
struct measured {
  phase p = phase::running;
  std::string message;
  std::string value_text;
  std::optional<value> result;
};

measured from_reading(const core::threshold_metric& m,
                      const std::variant<providers::reading, std::string>& r) {
  measured out;
  if (const auto* err = std::get_if<std::string>(&r)) {
    out.p = phase::error;
    out.message = *err;
    return out;
  }
  const auto& reading = std::get<providers::reading>(r);
  out.result = reading.result;
  const auto v = core::evaluate_measurement(m, reading.result);
  out.p = v.phase;
  out.message = v.message;
  // Argo marks the measurement Error without a value when the conditions cannot be evaluated.
  if (v.phase != phase::error) out.value_text = reading.value_text.str();
  return out;
}

outcome check_measured(const json& expected, const measured& got) {
  checker k;
  if (expected.contains("measurement_phase")) {
    k.check("measurement_phase", expected["measurement_phase"].get<std::string>(), name(got.p));
  }
  if (expected.contains("measurement_value")) {
    k.check("measurement_value", expected["measurement_value"].get<std::string>(), got.value_text);
  }
  if (expected.contains("result")) {
    const value want = to_value(expected["result"]);
    const value have = got.result.value_or(value());
    if (!same(want, have)) k.check("result", core::to_json_text(want), core::to_json_text(have));
  }
  const json needles = expected.value("message_contains", json::array());
  for (const auto& needle : needles) {
    k.contains("message", needle.get<std::string>(), got.message);
  }
  return k.result();
}

outcome measurement_eval(const json& c) {
  const auto m = metric_of(c.at("metric"));
  const value result = to_value(c.at("measurements").at(0).at("result"));
  const auto v = core::evaluate_measurement(m, result);
  measured got{v.phase, v.message, "", result};
  return check_measured(c.at("expected"), got);
}

outcome prometheus_conversion(const json& c) {
  const auto m = metric_of(c.at("metric"));
  const json& response = c.at("measurements").at(0).at("prometheus_response");
  std::variant<providers::reading, std::string> reading;
  if (response.contains("transport_error")) {
    reading = response["transport_error"].get<std::string>();
  } else {
    reading = providers::read_prometheus(response.dump());
  }
  json expected = c.at("expected");
  // The range-query request parameters belong to the HTTP client; the conversion is what runs.
  expected.erase("query_range");
  return check_measured(expected, from_reading(m, reading));
}

outcome web_conversion(const json& c) {
  const auto m = metric_of(c.at("metric"));
  const json& web = c.at("metric").at("provider").at("web");
  const json& meas = c.at("measurements").at(0);
  const auto reading =
      providers::read_web(meas.at("http_status").get<int>(), meas.at("body").get<std::string>(),
                          web.value("jsonPath", std::string("{$}")));
  return check_measured(c.at("expected"), from_reading(m, reading));
}

outcome kayenta_score(const json& c) {
  const json& threshold = c.at("metric").at("provider").at("kayenta").at("threshold");
  const auto r = providers::read_kayenta(c.at("measurements").at(0).at("kayenta_response").dump(),
                                         threshold.at("pass").get<double>(),
                                         threshold.at("marginal").get<double>());
  measured got;
  if (const auto* err = std::get_if<std::string>(&r)) {
    got.p = phase::error;
    got.message = *err;
  } else {
    got.p = std::get<providers::kayenta_reading>(r).phase;
    got.value_text = std::get<providers::kayenta_reading>(r).value_text;
  }
  return check_measured(c.at("expected"), got);
}

outcome metric_assessment(const json& c) {
  const auto m = metric_of(c.at("metric"));
  const json& ms = c.at("measurements");
  checker k;
  core::metric_counters counters;
  if (c.value("input_mode", "counters") == "sequence") {
    for (const auto& e : ms) core::record(counters, phase_of(e.at("phase")));
    const auto want = counters_of(c.at("counters_after"));
    if (!(want == counters)) k.check("counters_after", c.at("counters_after").dump(), "different");
  } else {
    counters = counters_of(c.at("counters"));
  }
  const bool last_done = !ms.empty() && core::completed(phase_of(ms.back().at("phase")));
  const json& e = c.at("expected");
  for (const bool terminating : {false, true}) {
    const char* key = terminating ? "metric_phase_when_terminating" : "metric_phase";
    if (!e.contains(key)) continue;
    k.check(key, e[key].get<std::string>(),
            name(core::assess_metric(m, counters, ms.size(), last_done, terminating)));
  }
  if (e.contains("message")) {
    const auto limit = core::limit_exceeded(m, counters);
    k.check("message", e["message"].get<std::string>(), limit ? limit->message : "");
  }
  return k.result();
}

core::metric_result result_of(const json& r) {
  core::metric_result out;
  out.counters = counters_of(r.value("counters", json::object()));
  out.phase = r.contains("phase") ? phase_of(r["phase"]) : phase::pending;
  out.message = r.value("message", "");
  const json measurements = r.value("measurements", json::array());
  for (const auto& e : measurements) {
    core::measurement m;
    m.phase = phase_of(e.at("phase"));
    m.message = e.value("message", "");
    if (core::completed(m.phase)) m.finished_at = core::instant(core::millis(0));
    out.measurements.push_back(std::move(m));
  }
  return out;
}

void check_summary(checker& k, const std::string& key, const json& want,
                   const core::run_summary& s) {
  const json have = {{"count", s.count},
                     {"successful", s.successful},
                     {"failed", s.failed},
                     {"inconclusive", s.inconclusive},
                     {"error", s.error}};
  for (const auto& [field, v] : want.items()) {
    k.check(key + "." + field, v.dump(), have.value(field, json()).dump());
  }
}

outcome run_assessment(const json& c) {
  std::vector<core::threshold_metric> metrics;
  std::vector<std::optional<core::metric_result>> results;
  for (const auto& m : c.at("metrics")) {
    metrics.push_back(metric_of(m));
    results.push_back(m.contains("result") ? std::optional(result_of(m["result"])) : std::nullopt);
  }
  const auto run = core::assess_run(metrics, results, c.value("terminate", false));
  const json& e = c.at("expected");
  checker k;
  if (e.contains("run_phase"))
    k.check("run_phase", e["run_phase"].get<std::string>(), name(run.phase));
  if (e.contains("run_message"))
    k.check("run_message", e["run_message"].get<std::string>(), run.message);
  if (e.contains("run_summary")) check_summary(k, "run_summary", e["run_summary"], run.summary);
  if (e.contains("dry_run_summary")) {
    check_summary(k, "dry_run_summary", e["dry_run_summary"], run.dry_run_summary);
  }
  const json metric_phases = e.value("metric_phases", json::object());
  for (const auto& [metric, want] : metric_phases.items()) {
    for (std::size_t i = 0; i < metrics.size(); ++i) {
      if (metrics[i].name != metric) continue;
      k.check("metric_phases." + metric, want.get<std::string>(),
              results[i] ? name(results[i]->phase) : "not started");
    }
  }
  return k.result();
}

outcome validation(const json& c) {
  std::vector<core::threshold_metric> metrics;
  for (const auto& m : c.at("metric").is_array() ? c.at("metric") : json::array({c.at("metric")})) {
    metrics.push_back(metric_of(m));
  }
  const auto err = core::validate_metrics(metrics);
  const json& e = c.at("expected");
  checker k;
  k.check("valid", e.at("valid").dump(), err ? "false" : "true");
  if (e.contains("error")) k.check("error", e["error"].get<std::string>(), err.value_or(""));
  return k.result();
}

outcome scheduling(const json& c) {
  const core::instant now{core::millis(1'000'000'000)};
  const auto ago = [&](const json& s) {
    return now - core::millis(std::llround(s.get<double>() * 1000));
  };
  const auto metrics = metrics_of(c.at("metric"));
  std::vector<std::optional<core::metric_result>> results(metrics.size());
  const json state = c.value("state", json::object());
  std::optional<core::instant> started;
  if (state.contains("run_started_ago_s") && !state["run_started_ago_s"].is_null()) {
    started = ago(state["run_started_ago_s"]);
  }
  if (!c.at("measurements").empty()) {
    // The state's counters when it gives them (synthetic, as in the Go tests), else the
    // measurements folded from zero.
    core::metric_result r;
    const bool given = state.contains("counters");
    if (given) r.counters = counters_of(state["counters"]);
    for (const auto& e : c.at("measurements")) {
      core::measurement m;
      m.phase = phase_of(e.at("phase"));
      if (e.contains("finished_ago_s")) m.finished_at = ago(e["finished_ago_s"]);
      if (e.contains("resume_at_in_s")) {
        m.resume_at = now + core::millis(std::llround(e["resume_at_in_s"].get<double>() * 1000));
      }
      if (!given) core::record(r.counters, m.phase);
      r.measurements.push_back(m);
    }
    r.phase = phase::running;
    results[0] = r;
  }
  const json finished = state.value("per_metric_last_finished_ago_s", json::object());
  const json phases = state.value("metric_phases", json::object());
  for (std::size_t i = 0; i < metrics.size(); ++i) {
    if (finished.contains(metrics[i].name)) {
      core::metric_result r;
      r.phase = phase::running;
      core::measurement m;
      m.phase = phase::successful;
      m.finished_at = ago(finished[metrics[i].name]);
      r.measurements.push_back(m);
      core::record(r.counters, phase::successful);
      results[i] = r;
    }
    if (phases.contains(metrics[i].name)) {
      core::metric_result r;
      r.phase = phase_of(phases[metrics[i].name]);
      results[i] = r;
    }
  }
  const auto due = core::due_metrics(metrics, results, started, now, false);
  const json& e = c.at("expected");
  checker k;
  if (e.contains("measure_now")) {
    const bool first_due = !due.empty() && due.front() == 0;
    k.check("measure_now", e["measure_now"].dump(), first_due ? "true" : "false");
  }
  if (e.contains("tasks")) k.check("tasks", e["tasks"].dump(), std::to_string(due.size()));
  if (e.contains("next_reconcile_in_s")) {
    const auto wake = core::next_wake_up(metrics, results, started, now);
    const std::string have =
        wake ? std::to_string(std::chrono::duration_cast<std::chrono::seconds>(*wake - now).count())
             : "none";
    k.check("next_reconcile_in_s", e["next_reconcile_in_s"].dump(), have);
  }
  return k.result();
}

outcome effective_count(const json& c) {
  const auto n = core::effective_count(metric_of(c.at("metric")));
  checker k;
  k.check("effective_count", c.at("expected").at("effective_count").dump(),
          n ? std::to_string(*n) : "null");
  return k.result();
}

outcome terminating(const json& c) {
  checker k;
  int index = 0;
  for (const auto& sub : c.at("cases")) {
    std::vector<core::threshold_metric> metrics;
    std::vector<std::optional<core::metric_result>> results;
    for (const auto& row : sub.at("results")) {
      core::threshold_metric m;
      m.name = row.at(0).get<std::string>();
      m.dry_run = row.at(2).get<bool>();
      core::metric_result r;
      r.phase = phase_of(row.at(1));
      metrics.push_back(m);
      results.emplace_back(r);
    }
    const bool t = core::is_terminating(sub.at("spec_terminate").get<bool>(), metrics, results);
    k.check("cases[" + std::to_string(index++) + "].terminating", sub.at("terminating").dump(),
            t ? "true" : "false");
  }
  return k.result();
}

outcome measurement_retention(const json& c) {
  checker k;
  int index = 0;
  for (const auto& sub : c.at("cases")) {
    for (const char* metric : {"metric1", "metric2"}) {
      core::metric_result r;
      for (const auto& v : sub.at(std::string(metric) + "_values")) {
        core::measurement m;
        m.value = v.get<std::string>();
        r.measurements.push_back(m);
      }
      const json& retention = sub.at("retention");
      const auto limit = retention.contains(metric) ? retention[metric].get<std::size_t>()
                                                    : sub.at("limit").get<std::size_t>();
      core::trim_measurements(r, limit);
      json kept = json::array();
      for (const auto& m : r.measurements) kept.push_back(m.value.str());
      k.check("cases[" + std::to_string(index) + "]." + metric,
              sub.at(std::string("expect_") + metric).dump(), kept.dump());
    }
    ++index;
  }
  core::metric_result many;
  many.measurements.resize(25);
  core::trim_measurements(many, 0);
  k.check("default_limit", c.at("expected").at("default_limit").dump(),
          std::to_string(many.measurements.size()));
  return k.result();
}

outcome rollout_reaction(const json& c) {
  static const std::map<std::string, core::analysis_kind> kinds = {
      {"step", core::analysis_kind::step},
      {"background", core::analysis_kind::background},
      {"prePromotion", core::analysis_kind::pre_promotion},
      {"postPromotion", core::analysis_kind::post_promotion}};
  const json& in = c.at("input");
  const auto kind = kinds.at(in.at("analysis_kind").get<std::string>());
  const auto r = core::react_to_run(kind, phase_of(in.at("analysis_run_phase")), "<run message>");
  checker k;
  k.check("rollout_action", c.at("expected").at("rollout_action").get<std::string>(),
          core::describe(r));
  return k.result();
}

}  // namespace

outcome run_argo_case(const json& c) {
  static const std::map<std::string, std::function<outcome(const json&)>> kinds = {
      {"measurement_eval", measurement_eval},
      {"prometheus_conversion", prometheus_conversion},
      {"web_conversion", web_conversion},
      {"kayenta_score", kayenta_score},
      {"metric_assessment", metric_assessment},
      {"run_assessment", run_assessment},
      {"validation", validation},
      {"scheduling", scheduling},
      {"effective_count", effective_count},
      {"terminating", terminating},
      {"measurement_retention", measurement_retention},
      {"rollout_reaction", rollout_reaction},
  };
  const std::string kind = c.value("kind", "");
  const auto it = kinds.find(kind);
  if (it == kinds.end()) return outcome::fail("unknown case kind \"" + kind + "\"");
  try {
    return it->second(c);
  } catch (const std::exception& e) {
    return outcome::fail(std::string("cannot run case: ") + e.what());
  }
}

}  // namespace floodgate::cases
