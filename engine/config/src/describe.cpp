#include <floodgate/config/describe.hpp>

#include <yaml-cpp/yaml.h>

#include <floodgate/core/value.hpp>

namespace floodgate::config {

namespace {

std::string duration_or(const std::optional<core::millis>& d, const std::string& none) {
  return d ? core::format_go_duration(*d) : none;
}

nlohmann::json metric_json(const metric_spec& s) {
  const auto& m = s.metric;
  nlohmann::json j;
  j["name"] = m.name;
  j["interval"] = duration_or(m.interval, "");
  j["initialDelay"] = duration_or(m.initial_delay, "0s");
  j["count"] = m.count.value_or(0);
  j["failureLimit"] = m.failure_limit.value_or(0);
  j["inconclusiveLimit"] = m.inconclusive_limit.value_or(0);
  j["consecutiveErrorLimit"] =
      m.consecutive_error_limit.value_or(core::default_consecutive_error_limit);
  j["consecutiveSuccessLimit"] = m.consecutive_success_limit.value_or(0);
  if (m.success_condition) j["successCondition"] = m.success_condition->text;
  if (m.failure_condition) j["failureCondition"] = m.failure_condition->text;
  j["dryRun"] = m.dry_run;
  if (m.compare) {
    const auto& c = *m.compare;
    j["compare"] = {{"test", core::comparison_test_name(c.test)},
                    {"direction", core::regression_direction_name(c.direction)},
                    {"alpha", c.alpha},
                    {"power", c.power},
                    {"minEffect", c.min_effect},
                    {"quantile", c.quantile},
                    {"model", core::sample_size_model_name(c.model)},
                    {"maxTime", duration_or(c.max_time, "")},
                    {"onInsufficient", core::insufficient_resolution_name(c.on_insufficient)}};
  }
  nlohmann::json p;
  p["kind"] = provider_kind_name(s.source.kind);
  if (!s.source.address.empty()) p["address"] = s.source.address;
  if (!s.source.query.empty()) p["query"] = s.source.query;
  if (s.source.kind == provider_kind::web) p["method"] = s.source.method;
  if (!s.source.headers.empty()) p["headers"] = s.source.headers;
  if (!s.source.arms.empty()) p["arms"] = s.source.arms;
  if (!s.source.kayenta.empty()) p["kayenta"] = s.source.kayenta;
  j["provider"] = p;
  return j;
}

nlohmann::json analysis_json(const analysis_spec& a) {
  nlohmann::json j;
  j["templates"] = a.templates;
  j["metrics"] = nlohmann::json::array();
  for (const auto& m : a.metrics) j["metrics"].push_back(metric_json(m));
  return j;
}

std::string metric_line(const metric_spec& s) {
  const auto& m = s.metric;
  std::string out = "    - " + m.name + " (" + std::string(provider_kind_name(s.source.kind));
  if (m.compare) {
    out += ", compare " + std::string(core::comparison_test_name(m.compare->test));
  } else if (m.success_condition || m.failure_condition) {
    out += ", ";
    if (m.success_condition) out += "success: " + m.success_condition->text;
    if (m.success_condition && m.failure_condition) out += "; ";
    if (m.failure_condition) out += "failure: " + m.failure_condition->text;
  }
  if (m.interval) out += ", every " + core::format_go_duration(*m.interval);
  if (m.count) out += ", count " + std::to_string(*m.count);
  if (m.dry_run) out += ", dry run";
  return out + ")\n";
}

std::string analysis_lines(const analysis_spec& a) {
  std::string out;
  for (const auto& m : a.metrics) out += metric_line(m);
  return out;
}

}  // namespace

std::string summarize(const plan& p) {
  std::string out =
      p.origin + " \"" + p.name + "\" (" + p.file + ":" + std::to_string(p.line) + ")";
  if (const auto* c = std::get_if<canary_strategy>(&p.strategy)) {
    out += ": canary, " + std::to_string(c->plan.steps.size()) + " steps\n";
    for (std::size_t i = 0; i < c->plan.steps.size(); ++i) {
      const auto& st = c->plan.steps[i];
      out += "  " + std::to_string(i) + ". ";
      switch (st.what) {
        case core::canary_step::kind::set_weight:
          out += "setWeight " + std::to_string(st.weight) + "\n";
          break;
        case core::canary_step::kind::pause:
          out += "pause " +
                 (st.duration ? core::format_go_duration(*st.duration)
                              : std::string("until approved")) +
                 "\n";
          break;
        case core::canary_step::kind::analysis:
          out += "analysis\n" + analysis_lines(c->step_analyses[i]);
          break;
      }
    }
    if (!c->plan.background.empty()) {
      out += "  background analysis from step " + std::to_string(c->plan.background_from_step) +
             "\n" + analysis_lines(c->background);
    }
  } else if (const auto* b = std::get_if<blue_green_strategy>(&p.strategy)) {
    out += ": blue-green, autoPromotion " + std::string(b->plan.auto_promotion ? "on" : "off") +
           ", scaleDownDelay " + core::format_go_duration(b->plan.scale_down_delay) + "\n";
    if (!b->pre_promotion.metrics.empty())
      out += "  pre-promotion analysis\n" + analysis_lines(b->pre_promotion);
    if (!b->post_promotion.metrics.empty())
      out += "  post-promotion analysis\n" + analysis_lines(b->post_promotion);
  } else if (const auto* g = std::get_if<progressive_strategy>(&p.strategy)) {
    const auto& a = g->analysis;
    out += ": progressive (" + std::string(core::strategy_name(core::strategy_of(a))) +
           "), provider " + g->provider + ", every " + g->interval + ", threshold " +
           std::to_string(a.threshold);
    if (a.step_weight) out += ", stepWeight " + std::to_string(a.step_weight);
    if (!a.step_weights.empty()) out += ", stepWeights " + std::to_string(a.step_weights.size());
    out += ", maxWeight " + std::to_string(core::max_weight(a));
    if (a.iterations) out += ", iterations " + std::to_string(a.iterations);
    out += "\n";
    for (const auto& m : g->metrics) {
      out += "    - " + m.check.name + " [";
      out += m.check.min ? core::format_float_short(*m.check.min, 6) : std::string("-inf");
      out += ", ";
      out += m.check.max ? core::format_float_short(*m.check.max, 6) : std::string("+inf");
      out += "]" + (m.template_ref.empty() ? "" : " template " + m.template_ref) + ": " + m.query +
             "\n";
    }
    for (const auto& w : g->webhooks)
      out += "    webhook " + w.type + " " + w.name + " " + w.url + "\n";
  } else if (const auto* r = std::get_if<analysis_strategy>(&p.strategy)) {
    out += ": analysis run\n" + analysis_lines(r->analysis);
  }
  for (const auto& a : p.runtime_args) out += "  runtime arg: " + a + "\n";
  for (const auto& n : p.notes) out += "  note: " + n + "\n";
  return out;
}

std::string summarize(const load_result& r, bool with_errors) {
  std::string out;
  for (const auto& p : r.plans) out += "plan " + summarize(p);
  for (const auto& t : r.templates) {
    out += "template " + t.kind + " \"" + t.name + "\" (" + t.file + ":" + std::to_string(t.line) +
           "), " + std::to_string(t.metrics) + " metric(s)\n";
  }
  for (const auto& s : r.skipped) {
    out += "skipped " + s.kind + (s.name.empty() ? "" : " \"" + s.name + "\"") + " (" + s.file +
           ":" + std::to_string(s.line) + "): " + s.note + "\n";
  }
  if (with_errors) {
    for (const auto& e : r.errors) out += "error " + e.format() + "\n";
  }
  return out;
}

nlohmann::json to_json(const plan& p) {
  nlohmann::json j;
  j["name"] = p.name;
  j["origin"] = p.origin;
  j["file"] = p.file;
  j["args"] = p.args;
  j["runtimeArgs"] = p.runtime_args;
  if (!p.notes.empty()) j["notes"] = p.notes;
  if (const auto* c = std::get_if<canary_strategy>(&p.strategy)) {
    nlohmann::json steps = nlohmann::json::array();
    for (std::size_t i = 0; i < c->plan.steps.size(); ++i) {
      const auto& st = c->plan.steps[i];
      switch (st.what) {
        case core::canary_step::kind::set_weight:
          steps.push_back({{"setWeight", st.weight}});
          break;
        case core::canary_step::kind::pause:
          steps.push_back({{"pause", {{"duration", duration_or(st.duration, "")}}}});
          break;
        case core::canary_step::kind::analysis:
          steps.push_back({{"analysis", analysis_json(c->step_analyses[i])}});
          break;
      }
    }
    nlohmann::json canary = {{"steps", steps}};
    if (!c->plan.background.empty()) {
      canary["analysis"] = analysis_json(c->background);
      canary["analysis"]["startingStep"] = c->plan.background_from_step;
    }
    j["strategy"] = {{"canary", canary}};
  } else if (const auto* b = std::get_if<blue_green_strategy>(&p.strategy)) {
    nlohmann::json bg = {
        {"autoPromotionEnabled", b->plan.auto_promotion},
        {"autoPromotionSeconds",
         b->plan.auto_promotion_after ? b->plan.auto_promotion_after->count() / 1000 : 0},
        {"scaleDownDelaySeconds", b->plan.scale_down_delay.count() / 1000}};
    if (!b->pre_promotion.metrics.empty())
      bg["prePromotionAnalysis"] = analysis_json(b->pre_promotion);
    if (!b->post_promotion.metrics.empty())
      bg["postPromotionAnalysis"] = analysis_json(b->post_promotion);
    j["strategy"] = {{"blueGreen", bg}};
  } else if (const auto* g = std::get_if<progressive_strategy>(&p.strategy)) {
    const auto& a = g->analysis;
    nlohmann::json metrics = nlohmann::json::array();
    for (const auto& m : g->metrics) {
      nlohmann::json mj = {{"name", m.check.name}, {"interval", m.interval}, {"query", m.query}};
      if (m.check.min) mj["thresholdRange"]["min"] = *m.check.min;
      if (m.check.max) mj["thresholdRange"]["max"] = *m.check.max;
      if (!m.template_ref.empty()) mj["templateRef"] = m.template_ref;
      metrics.push_back(mj);
    }
    nlohmann::json hooks = nlohmann::json::array();
    for (const auto& w : g->webhooks) {
      hooks.push_back({{"name", w.name}, {"type", w.type}, {"url", w.url}, {"timeout", w.timeout}});
    }
    j["strategy"] = {{"progressive",
                      {{"provider", g->provider},
                       {"kind", core::strategy_name(core::strategy_of(a))},
                       {"interval", g->interval},
                       {"threshold", a.threshold <= 0 ? 1 : a.threshold},
                       {"maxWeight", core::max_weight(a)},
                       {"stepWeight", a.step_weight},
                       {"stepWeights", a.step_weights},
                       {"stepWeightPromotion", a.step_weight_promotion},
                       {"iterations", a.iterations},
                       {"mirror", a.mirror},
                       {"skipAnalysis", a.skip_analysis},
                       {"metrics", metrics},
                       {"webhooks", hooks}}}};
  } else if (const auto* r = std::get_if<analysis_strategy>(&p.strategy)) {
    j["strategy"] = {{"analysisRun", analysis_json(r->analysis)}};
  }
  return j;
}

nlohmann::json to_json(const load_result& r) {
  nlohmann::json j;
  j["plans"] = nlohmann::json::array();
  for (const auto& p : r.plans) j["plans"].push_back(to_json(p));
  j["templates"] = nlohmann::json::array();
  for (const auto& t : r.templates) {
    j["templates"].push_back({{"kind", t.kind},
                              {"name", t.name},
                              {"file", t.file},
                              {"line", t.line},
                              {"metrics", t.metrics}});
  }
  j["skipped"] = nlohmann::json::array();
  for (const auto& s : r.skipped) {
    j["skipped"].push_back(
        {{"kind", s.kind}, {"name", s.name}, {"file", s.file}, {"line", s.line}, {"note", s.note}});
  }
  j["errors"] = nlohmann::json::array();
  for (const auto& e : r.errors) {
    j["errors"].push_back({{"file", e.file},
                           {"line", e.line},
                           {"column", e.column},
                           {"pointer", e.pointer},
                           {"message", e.message}});
  }
  return j;
}

namespace {

void emit(YAML::Emitter& out, const nlohmann::json& j) {
  if (j.is_object()) {
    out << YAML::BeginMap;
    for (auto it = j.begin(); it != j.end(); ++it) {
      out << YAML::Key << it.key() << YAML::Value;
      emit(out, it.value());
    }
    out << YAML::EndMap;
  } else if (j.is_array()) {
    out << YAML::BeginSeq;
    for (const auto& v : j) emit(out, v);
    out << YAML::EndSeq;
  } else if (j.is_string()) {
    out << YAML::DoubleQuoted << j.get<std::string>();
  } else if (j.is_null()) {
    out << YAML::Null;
  } else {
    out << j.dump();  // numbers and booleans as JSON writes them
  }
}

}  // namespace

std::string to_yaml_text(const nlohmann::json& j) {
  YAML::Emitter out;
  emit(out, j);
  return std::string(out.c_str()) + "\n";
}

}  // namespace floodgate::config
