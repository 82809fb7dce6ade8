// Flagger conformance cases (shared/conformance/flagger_cases.json): ticks of the progressive
// controller, its weight arithmetic, metric checks and webhook gates. The case file describes
// some initial states and events in words; the few phrasings it uses are read here.

#include <floodgate/config/load.hpp>
#include <floodgate/config/placeholders.hpp>
#include <floodgate/core/duration.hpp>
#include <floodgate/core/progressive.hpp>
#include <floodgate/providers/metric_readings.hpp>
#include <functional>
#include <map>
#include <set>
#include <stdexcept>

#include "conformance_handlers.hpp"

namespace floodgate::cases {

namespace {

using core::canary_phase;
using core::hook;

bool mentions(const json& j, const char* text) {
  return j.is_string() && j.get<std::string>().find(text) != std::string::npos;
}

std::vector<core::range_check> metrics_of(const json& list) {
  std::vector<core::range_check> out;
  for (const auto& m : list) {
    core::range_check c;
    c.name = m.value("name", "");
    if (m.contains("thresholdRange")) {
      const json& r = m["thresholdRange"];
      if (r.contains("min")) c.min = r["min"].get<double>();
      if (r.contains("max")) c.max = r["max"].get<double>();
    } else if (m.contains("threshold")) {
      // The legacy threshold is a minimum for request-success-rate, a maximum otherwise.
      (c.name == "request-success-rate" ? c.min : c.max) = m["threshold"].get<double>();
    }
    out.push_back(c);
  }
  return out;
}

core::progressive_analysis analysis_of(const json& config) {
  const json a = config.value("analysis", json::object());
  core::progressive_analysis s;
  s.threshold = a.value("threshold", 0);
  s.max_weight = a.value("maxWeight", 0);
  s.step_weight = a.value("stepWeight", 0);
  s.step_weights = a.value("stepWeights", std::vector<int>{});
  s.step_weight_promotion = a.value("stepWeightPromotion", 0);
  s.iterations = a.value("iterations", 0);
  s.match = a.contains("match") && !a["match"].empty();
  s.mirror = a.value("mirror", false);
  s.skip_analysis = config.value("skipAnalysis", false);
  const json provider = config.value("provider", json());
  s.l4_only = provider.is_string() && provider.get<std::string>().rfind("kubernetes", 0) == 0;
  s.metrics = metrics_of(a.value("metrics", config.value("metrics", json::array())));
  return s;
}

// The test doubles of Flagger's scheduler tests: every query answers 100 unless a tick says
// otherwise; every gate says go unless a scenario says otherwise.
struct scripted_world : core::progressive_world {
  const core::progressive_analysis* spec = nullptr;
  std::optional<double> success_rate;
  std::map<hook, bool> gates;
  std::map<hook, int> asked;
  core::readiness primary;
  bool gate(hook h) override {
    ++asked[h];
    const auto it = gates.find(h);
    if (it != gates.end()) return it->second;
    return h != hook::rollback;  // rollback hooks say "not signalling" by default
  }
  std::optional<double> query(std::size_t i) override {
    if (success_rate && spec->metrics[i].name == "request-success-rate") return success_rate;
    return 100.0;
  }
  core::readiness primary_ready() override { return primary; }
};

json routes_json(const core::routes& r) {
  return {{"primary", r.primary}, {"canary", r.canary}, {"mirrored", r.mirrored}};
}

void check_routes(checker& k, const std::string& key, const json& want, const core::routes& r) {
  const json have = routes_json(r);
  for (const auto& [field, v] : want.items())
    k.check(key + "." + field, v.dump(), have[field].dump());
}

// The initial state, given as a status object or in words.
core::progressive_status initial_of(const json& initial, bool& revision_pending) {
  core::progressive_status st;
  revision_pending = false;
  if (initial.is_object()) {
    st.phase = core::canary_phase::initialized;
    const std::string p = initial.value("phase", "Initialized");
    for (int i = 0; i <= static_cast<int>(canary_phase::failed); ++i) {
      if (core::canary_phase_name(static_cast<canary_phase>(i)) == p)
        st.phase = static_cast<canary_phase>(i);
    }
    if (initial.contains("routes")) {
      st.routes.primary = initial["routes"].value("primary", 100);
      st.routes.canary = initial["routes"].value("canary", 0);
      st.routes.mirrored = initial["routes"].value("mirrored", false);
    }
    st.canary_weight = st.routes.canary;
    st.failed_checks = initial.value("failedChecks", 0);
    const json replicas =
        initial.value("canary_replicas", json(st.phase == canary_phase::initialized ? 0 : 1));
    st.canary_replicas = replicas.is_number() ? replicas.get<int>() : 1;
    return st;
  }
  if (mentions(initial, "new revision detected")) {
    st.phase = canary_phase::progressing;
    st.canary_replicas = 1;
    return st;
  }
  if (mentions(initial, "Initialized")) {
    st.phase = canary_phase::initialized;
    revision_pending = mentions(initial, "new revision") || mentions(initial, "spec changed");
    return st;
  }
  throw std::invalid_argument("unrecognised initial state " + initial.dump());
}

outcome run_ticks(const json& c) {
  const json& config = c.at("config");
  const auto spec = analysis_of(config);
  const json& obs = c.at("observations");
  bool pending = false;
  auto st = initial_of(obs.at("initial"), pending);
  scripted_world world;
  world.spec = &spec;
  std::map<int, json> expected;
  for (const auto& e : c.at("expected")) expected[e.at("t").get<int>()] = e;
  checker k;
  static const std::set<std::string> known = {
      "t",
      "phase",
      "canaryWeight",
      "failedChecks",
      "iterations",
      "routes",
      "routes_for_matched_requests",
      "canary_replicas",
      "metrics_evaluated",
      "pre_rollout_hooks_called",
      "primary_spec",
      "primary_image",
      "action",
      "flagger_canary_successes_total{analysis_status=skipped}"};
  for (const auto& tick : obs.at("ticks")) {
    const int t = tick.at("t").get<int>();
    const json event = tick.value("event", json());
    bool new_revision = pending || mentions(event, "revision") || mentions(event, "detect");
    pending = false;
    if (mentions(tick.value("pre", json()), "iterations forced to")) {
      const std::string pre = tick["pre"].get<std::string>();
      st.iterations = std::stoi(pre.substr(pre.rfind(' ') + 1));
    }
    world.primary = mentions(event, "ProgressDeadlineExceeded") ? core::readiness{false, false}
                                                                : core::readiness{};
    world.success_rate.reset();
    if (tick.contains("success_rate")) world.success_rate = tick["success_rate"].get<double>();
    const int replicas_before = st.canary_replicas;
    const auto result = core::advance(spec, st, new_revision, world);
    const auto it = expected.find(t);
    if (it == expected.end()) continue;
    const std::string at = "t" + std::to_string(t) + ".";
    for (const auto& [key, want] : it->second.items()) {
      if (key == "t") continue;
      if (known.count(key) == 0) {
        k.check(at + key, want.dump(), "(not a checked field)");
      } else if (key == "phase") {
        k.check(at + key, want.get<std::string>(), std::string(core::canary_phase_name(st.phase)));
      } else if (key == "canaryWeight") {
        k.check(at + key, want.dump(), std::to_string(st.canary_weight));
      } else if (key == "failedChecks") {
        k.check(at + key, want.dump(), std::to_string(st.failed_checks));
      } else if (key == "iterations") {
        k.check(at + key, want.dump(), std::to_string(st.iterations));
      } else if (key == "routes" || key == "routes_for_matched_requests") {
        check_routes(k, at + key, want, st.routes);
      } else if (key == "canary_replicas") {
        const int w = want.is_number() ? want.get<int>() : replicas_before;  // "unchanged (N)"
        k.check(at + key, std::to_string(w), std::to_string(st.canary_replicas));
      } else if (key == "metrics_evaluated") {
        k.check(at + key, want.dump(), result.metrics_evaluated ? "true" : "false");
      } else if (key == "pre_rollout_hooks_called") {
        k.check(at + key, want.dump(), result.pre_rollout_hooks_called ? "true" : "false");
      } else if (key == "flagger_canary_successes_total{analysis_status=skipped}") {
        k.check(
            at + key, "skipped promotion",
            result.event.find("skipped") != std::string::npos ? "skipped promotion" : result.event);
      } else {  // primary_spec, primary_image, action: the primary runs the canary's spec
        k.check(at + key, "primary promoted",
                st.primary_promoted ? "primary promoted" : "not promoted");
      }
    }
  }
  return k.result();
}

outcome strategies(const json& c) {
  checker k;
  const json& inputs = c.at("observations").at("inputs");
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    json config = {{"analysis", inputs[i].is_null() ? json::object() : inputs[i]}};
    const auto s = core::strategy_of(analysis_of(config));
    k.check("inputs[" + std::to_string(i) + "]", c.at("expected")[i].get<std::string>(),
            std::string(core::strategy_name(s)));
  }
  return k.result();
}

outcome weights(const json& c) {
  checker k;
  const json& cases = c.at("config").at("cases");
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const std::string name = "case" + std::to_string(i);
    const auto spec = analysis_of({{"analysis", cases[i]}});
    const json& want = c.at("expected").at(name);
    k.check(name + ".maxWeight", want.at("maxWeight").dump(),
            std::to_string(core::max_weight(spec)));
    for (const auto& [w, step] : want.at("nextStepWeight").items()) {
      k.check(name + ".nextStepWeight(" + w + ")", step.dump(),
              std::to_string(core::next_step_weight(spec, std::stoi(w))));
    }
  }
  return k.result();
}

outcome l4_provider(const json& c) {
  const auto spec = analysis_of(c.at("config"));
  const auto eff = core::effective_analysis(spec);
  const json& want = c.at("expected").at("effective");
  checker k;
  k.check("iterations", want.at("iterations").dump(), std::to_string(eff.iterations));
  k.check("match", want.at("match").is_null() ? "none" : "rules", eff.match ? "rules" : "none");
  k.check("strategy", want.at("strategy").get<std::string>(),
          std::string(core::strategy_name(core::strategy_of(eff))));
  // No traffic shift: drive a whole analysis and watch the routes never move.
  core::progressive_status st;
  scripted_world world;
  world.spec = &spec;
  bool moved = false;
  for (int t = 0; t < 16 && st.phase != canary_phase::succeeded; ++t) {
    core::advance(spec, st, t == 0, world);
    moved = moved || !(st.routes == core::routes{});
  }
  k.check("traffic_shift_during_analysis", "none", moved ? "routes changed" : "none");
  k.check("outcome", "Succeeded", std::string(core::canary_phase_name(st.phase)));
  return k.result();
}

outcome metric_checks(const json& c) {
  const json& config = c.at("config");
  const json list =
      config.contains("metric") ? json::array({config["metric"]}) : config.at("metrics");
  const auto checks = metrics_of(list);
  const double value = c.at("observations").value("query_result", 100.0);
  bool passed = true;
  for (const auto& m : checks) passed = passed && m.passes(value);
  const json& e = c.at("expected");
  checker k;
  const char* key = e.contains("passed") ? "passed" : "runMetricChecks";
  k.check(key, e.at(key).dump(), passed ? "true" : "false");
  return k.result();
}

outcome flagger_reading(const json& c) {
  const auto r = providers::read_prometheus_single(c.at("observations").at("http_response").dump());
  const json& e = c.at("expected");
  checker k;
  if (e.contains("error")) {
    const std::string have =
        std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : "a value";
    k.check("error", e["error"].get<std::string>(),
            have.find(e["error"].get<std::string>()) != std::string::npos
                ? e["error"].get<std::string>()
                : have);
  }
  return k.result();
}

// FLG-WH-006: each webhook gate scenario, driven tick by tick.
outcome webhook_gates(const json& c) {
  const auto spec = analysis_of(c.at("config"));
  checker k;
  {  // confirm-rollout says no on a new revision, and is asked again every tick.
    core::progressive_status st;
    scripted_world w;
    w.spec = &spec;
    w.gates[hook::confirm_rollout] = false;
    core::advance(spec, st, true, w);
    core::advance(spec, st, false, w);
    k.check("confirm-rollout.phase", "Waiting", std::string(core::canary_phase_name(st.phase)));
    k.check("confirm-rollout.canary_replicas", "0", std::to_string(st.canary_replicas));
    k.check("confirm-rollout.failedChecks", "0", std::to_string(st.failed_checks));
    k.check("confirm-rollout.asked", "2", std::to_string(w.asked[hook::confirm_rollout]));
    w.gates[hook::confirm_rollout] = true;
    core::advance(spec, st, false, w);
    k.check("confirm-rollout.after approval", "Progressing",
            std::string(core::canary_phase_name(st.phase)));
  }
  {  // pre-rollout fails three ticks in a row with threshold 2.
    core::progressive_status st;
    scripted_world w;
    w.spec = &spec;
    core::advance(spec, st, true, w);
    w.gates[hook::pre_rollout] = false;
    for (int t = 1; t <= 3; ++t) {
      core::advance(spec, st, false, w);
      if (t < 3)
        k.check("pre-rollout.tick" + std::to_string(t) + ".failedChecks", std::to_string(t),
                std::to_string(st.failed_checks));
      k.check("pre-rollout.tick" + std::to_string(t) + ".weight", "0",
              std::to_string(st.routes.canary));
    }
    k.check("pre-rollout.tick3.phase", "Failed", std::string(core::canary_phase_name(st.phase)));
    k.check("pre-rollout.hook calls", "2", std::to_string(w.asked[hook::pre_rollout]));
  }
  const auto progressing_at = [](int weight) {
    core::progressive_status st;
    st.phase = canary_phase::progressing;
    st.routes = {100 - weight, weight, false};
    st.canary_weight = weight;
    st.canary_replicas = 1;
    return st;
  };
  {  // confirm-traffic-increase says no at weight 10.
    auto st = progressing_at(10);
    scripted_world w;
    w.spec = &spec;
    w.gates[hook::confirm_traffic_increase] = false;
    core::advance(spec, st, false, w);
    k.check("confirm-traffic-increase.weight", "10", std::to_string(st.routes.canary));
    k.check("confirm-traffic-increase.failedChecks", "0", std::to_string(st.failed_checks));
  }
  {  // confirm-promotion says no at weight 50; checks keep running and may still roll back.
    auto st = progressing_at(50);
    scripted_world w;
    w.spec = &spec;
    w.gates[hook::confirm_promotion] = false;
    core::advance(spec, st, false, w);
    k.check("confirm-promotion.phase", "WaitingPromotion",
            std::string(core::canary_phase_name(st.phase)));
    k.check("confirm-promotion.status weight", "0", std::to_string(st.canary_weight));
    k.check("confirm-promotion.iterations", "-1", std::to_string(st.iterations));
    check_routes(k, "confirm-promotion.routes", {{"primary", 50}, {"canary", 50}}, st.routes);
    w.gates[hook::rollout] = false;
    for (int t = 0; t < 3; ++t) core::advance(spec, st, false, w);
    k.check("confirm-promotion.rolled back after failing checks", "Failed",
            std::string(core::canary_phase_name(st.phase)));
  }
  {  // a rollback hook answering 200 while Progressing at weight 20.
    auto st = progressing_at(20);
    scripted_world w;
    w.spec = &spec;
    w.gates[hook::rollback] = true;
    core::advance(spec, st, false, w);
    k.check("rollback.phase", "Failed", std::string(core::canary_phase_name(st.phase)));
    check_routes(k, "rollback.routes", {{"primary", 100}, {"canary", 0}}, st.routes);
  }
  return k.result();
}

config::flagger_model model_of(const json& m) {
  config::flagger_model out;
  out.name = m.value("name", "");
  out.namespace_ = m.value("namespace", "");
  out.target = m.value("target", "");
  out.ingress = m.value("ingress", out.target);
  out.service = m.value("service", out.target);
  out.route = m.value("route", out.target);
  out.interval = m.value("interval", "1m");
  if (m.contains("variables")) {
    for (const auto& [k, v] : m["variables"].items()) out.variables[k] = v.get<std::string>();
  }
  return out;
}

std::string rendered_or_error(const std::variant<std::string, config::render_error>& r) {
  if (const auto* e = std::get_if<config::render_error>(&r)) return "error: " + e->message;
  return std::get<std::string>(r);
}

// FLG-OBS-*: the builtin query each observer sends, and what it makes of Prometheus' answer.
outcome observer(const json& c) {
  const json& cfg = c.at("config");
  std::string provider = cfg.at("provider").get<std::string>();
  provider = provider.substr(0, provider.find(' '));  // "kubernetes (also gatewayapi*)"
  const auto model = model_of(cfg.at("model"));
  const json& obs = c.at("observations");
  const json cases = obs.contains("cases") ? obs["cases"] : json::array({obs});
  const json expected = c.at("expected").is_array() ? c["expected"] : json::array({c["expected"]});
  checker k;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const json& e = expected.at(i);
    const bool duration = e.contains("duration");
    const auto q = config::flagger_builtin_query(
        provider, duration ? "request-duration" : "request-success-rate", model);
    if (!q) return outcome::fail("no builtin query for " + provider);
    const std::string at = "case " + std::to_string(i) + " ";
    if (e.contains("query_sent")) k.check(at + "query_sent", e["query_sent"], q->query);
    json result = json::array();
    if (cases[i].contains("prometheus_value")) {
      result.push_back(
          {{"metric", json::object()}, {"value", {1700000000, cases[i]["prometheus_value"]}}});
    }
    const json body = {{"status", "success"},
                       {"data", {{"resultType", "vector"}, {"result", result}}}};
    const auto v = providers::read_prometheus_single(body.dump());
    if (e.contains("error")) {
      k.contains(at + "error", e["error"].get<std::string>(),
                 std::holds_alternative<std::string>(v) ? std::get<std::string>(v) : "a value");
      continue;
    }
    if (!std::holds_alternative<double>(v)) return outcome::fail(std::get<std::string>(v));
    if (duration) {
      // Flagger: time.Duration(int64(v)) milliseconds, after the observer's unit conversion.
      const auto ms = static_cast<std::int64_t>(std::get<double>(v) * q->to_milliseconds);
      k.check(at + "duration", e["duration"], core::format_go_duration(core::millis(ms)));
    } else {
      k.check(at + "value", json(e["value"].get<double>()).dump(),
              json(std::get<double>(v)).dump());
    }
  }
  return k.result();
}

// FLG-TPL-*: MetricTemplate rendering (Go text/template, missingkey=error).
outcome templates(const json& c) {
  checker k;
  if (c.at("id") == "FLG-TPL-002") {
    const auto r = config::render_flagger(c.at("config").at("template").get<std::string>(),
                                          model_of(c.at("observations").at("model")));
    k.check("error", "true", std::holds_alternative<config::render_error>(r) ? "true" : "false");
    return k.result();
  }
  const json& tpl = c.at("config").at("templates");
  const json& models = c.at("observations").at("models");
  const json& expected = c.at("expected");
  for (std::size_t i = 0; i < tpl.size(); ++i) {
    k.check(
        "template " + std::to_string(i), expected.at(i),
        rendered_or_error(config::render_flagger(tpl[i].get<std::string>(), model_of(models[i]))));
  }
  return k.result();
}

// FLG-MET-002: a templateRef must name an existing MetricTemplate; its namespace defaults to the
// canary's. Each case is loaded as files would be: the existing templates plus the Canary.
outcome template_refs(const json& c) {
  const json& cfg = c.at("config");
  std::string docs;
  for (const auto& t : cfg.at("existing_templates")) {
    const std::string ns_name = t.get<std::string>();
    const auto slash = ns_name.find('/');
    docs += "apiVersion: flagger.app/v1beta1\nkind: MetricTemplate\nmetadata:\n  name: " +
            ns_name.substr(slash + 1) + "\n  namespace: " + ns_name.substr(0, slash) +
            "\nspec:\n  provider: {type: prometheus, address: http://prometheus:9090}\n"
            "  query: sum(up{app=\"{{ target }}\"})\n---\n";
  }
  checker k;
  const json& cases = c.at("observations").at("cases");
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const json& ref = cases[i].at("templateRef");
    std::string canary =
        "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: app\n"
        "  namespace: " +
        cfg.at("canary_namespace").get<std::string>() +
        "\nspec:\n  targetRef: {apiVersion: apps/v1, kind: Deployment, name: app}\n"
        "  analysis:\n    metrics:\n    - name: custom\n      templateRef:\n"
        "        name: " +
        ref.at("name").get<std::string>() + "\n";
    if (ref.contains("namespace"))
      canary += "        namespace: " + ref["namespace"].get<std::string>() + "\n";
    const auto r = config::load({{"case.yaml", docs + canary}});
    const std::string want = c.at("expected").at(i).get<std::string>();
    k.check("case " + std::to_string(i), want.rfind("ok", 0) == 0 ? "ok" : "error",
            r.ok() ? "ok" : "error");
  }
  return k.result();
}

}  // namespace

outcome run_flagger_case(const json& c) {
  const std::string id = c.value("id", "");
  const auto starts = [&](const char* p) { return id.rfind(p, 0) == 0; };
  try {
    if (starts("FLG-SCHED-") || starts("FLG-SVC-") || id == "FLG-CFG-003") return run_ticks(c);
    if (id == "FLG-STRAT-001") return strategies(c);
    if (id == "FLG-CFG-002") return weights(c);
    if (id == "FLG-CFG-004") return l4_provider(c);
    if (id == "FLG-MET-003" || id == "FLG-MET-005" || id == "FLG-MET-006") return metric_checks(c);
    if (id == "FLG-PROM-003") return flagger_reading(c);
    if (id == "FLG-WH-006") return webhook_gates(c);
    if (starts("FLG-READY-")) {
      return outcome::skip("needs Kubernetes itself: Deployment readiness conditions");
    }
    if (auto o = run_flagger_transport_case(c)) return *o;
    if (starts("FLG-OBS-")) return observer(c);
    if (starts("FLG-TPL-")) return templates(c);
    if (id == "FLG-MET-002") return template_refs(c);
  } catch (const std::exception& e) {
    return outcome::fail(std::string("cannot run case: ") + e.what());
  }
  return outcome::fail("no handler for this Flagger case");
}

}  // namespace floodgate::cases
