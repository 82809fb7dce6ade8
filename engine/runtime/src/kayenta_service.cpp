#include <algorithm>
#include <cmath>
#include <ctime>
#include <floodgate/engine/kayenta_service.hpp>
#include <floodgate/providers/ports/decision_json.hpp>
#include <iomanip>
#include <random>
#include <sstream>

namespace floodgate::engine {

using ojson = nlohmann::ordered_json;
using nlohmann::json;

namespace {

// "2026-11-24T10:00:00Z", "2026-11-24T10:00:00.250Z", "2026-11-24T11:00:00+01:00".
std::optional<core::instant> parse_rfc3339(const std::string& s) {
  std::tm tm{};
  std::istringstream in(s);
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
  if (in.fail()) return std::nullopt;
  long long ms = 0;
  std::string rest;
  std::getline(in, rest);
  std::size_t i = 0;
  if (i < rest.size() && rest[i] == '.') {
    ++i;
    int digits = 0;
    long long frac = 0;
    while (i < rest.size() && std::isdigit(static_cast<unsigned char>(rest[i]))) {
      if (digits < 3) frac = frac * 10 + (rest[i] - '0'), ++digits;
      ++i;
    }
    if (digits == 0) return std::nullopt;
    while (digits < 3) frac *= 10, ++digits;
    ms = frac;
  }
  long long offset_s = 0;
  if (i < rest.size() && (rest[i] == 'Z' || rest[i] == 'z')) {
    ++i;
  } else if (i + 6 == rest.size() && (rest[i] == '+' || rest[i] == '-') && rest[i + 3] == ':') {
    const int h = std::stoi(rest.substr(i + 1, 2));
    const int m = std::stoi(rest.substr(i + 4, 2));
    offset_s = (rest[i] == '+' ? 1 : -1) * (h * 3600LL + m * 60LL);
    i += 6;
  } else {
    return std::nullopt;
  }
  if (i != rest.size()) return std::nullopt;
  const long long secs = static_cast<long long>(timegm(&tm)) - offset_s;
  return core::instant(core::millis(secs * 1000 + ms));
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size()))
    s.replace(p, from.size(), to);
  return s;
}

// One arm's scope as the request gives it.
struct scope {
  std::string scope;
  std::string location;
  core::instant start;
  core::instant end;
  core::millis step{60000};
};

std::variant<scope, std::string> read_scope(const json& j, const std::string& where) {
  if (!j.is_object()) return where + ": expected an object";
  scope s;
  for (const auto& [key, out] : {std::pair{"scope", &s.scope}, {"location", &s.location}}) {
    if (!j.contains(key)) continue;
    if (!j[key].is_string())
      return where + "." + key + ": expected a string, found " + j[key].type_name();
    *out = j[key].get<std::string>();
  }
  if (s.scope.empty()) return where + ".scope: expected the scope (e.g. the canary's label)";
  for (const char* k : {"start", "end"}) {
    if (!j.contains(k) || !j[k].is_string())
      return where + "." + k + ": expected an RFC 3339 time such as 2026-11-24T10:00:00Z";
    const auto t = parse_rfc3339(j[k].get<std::string>());
    if (!t)
      return where + "." + k + ": found \"" + j[k].get<std::string>() +
             "\", expected an RFC 3339 time such as 2026-11-24T10:00:00Z";
    (k[0] == 's' ? s.start : s.end) = *t;
  }
  if (s.end <= s.start) return where + ": end must come after start";
  if (j.contains("step")) {
    if (!j["step"].is_number() || j["step"].get<double>() <= 0)
      return where + ".step: expected a positive number of seconds";
    s.step = core::millis(static_cast<long long>(j["step"].get<double>() * 1000));
  }
  return s;
}

// A member naming one of `choices` (absent: the first): sets `out`, or says what was expected.
template <class E>
std::optional<std::string> choose(const json& j, const char* key, const std::string& where,
                                  std::initializer_list<std::pair<const char*, E>> choices,
                                  E& out) {
  const std::string found = j.value(key, choices.begin()->first);
  std::string expected;
  for (const auto& [name, value] : choices) {
    if (found == name) {
      out = value;
      return std::nullopt;
    }
    expected += (expected.empty() ? "" : ", ") + std::string(name);
  }
  return where + "." + key + ": found \"" + found + "\", expected one of " + expected;
}

std::optional<std::string> read_metric_config(const json& c, const std::string& where,
                                              analysis::kayenta_metric_config& out) {
  using namespace analysis;
  if (!c.is_object()) return where + ": expected an object";
  if (auto e = choose(c, "direction", where,
                      {std::pair{"either", kayenta_direction::either},
                       {"increase", kayenta_direction::increase},
                       {"decrease", kayenta_direction::decrease}},
                      out.direction))
    return e;
  if (auto e = choose(c, "nanStrategy", where,
                      {std::pair{"remove", kayenta_nan_strategy::remove},
                       {"replace", kayenta_nan_strategy::replace}},
                      out.nan_strategy))
    return e;
  out.critical = c.value("critical", false);
  out.must_have_data = c.value("mustHaveData", false);
  if (c.contains("outliers")) {
    const auto& o = c["outliers"];
    out.remove_outliers = o.value("strategy", "keep") == "remove";
    out.outlier_factor = o.value("outlierFactor", 3.0);
  }
  if (c.contains("effectSize")) {
    const auto& e = c["effectSize"];
    out.allowed_increase = e.value("allowedIncrease", 1.0);
    out.allowed_decrease = e.value("allowedDecrease", 1.0);
    out.critical_increase = e.value("criticalIncrease", 1.0);
    out.critical_decrease = e.value("criticalDecrease", 1.0);
    if (auto err = choose(e, "measure", where + ".effectSize",
                          {std::pair{"meanRatio", kayenta_effect_measure::mean_ratio},
                           {"cles", kayenta_effect_measure::cles}},
                          out.effect_measure))
      return err;
  }
  return std::nullopt;
}

ojson summary_json(const analysis::summary& s) {
  ojson j;
  j["count"] = s.count;
  if (s.count > 0) {
    j["mean"] = s.mean;
    j["min"] = s.min;
    j["max"] = s.max;
  }
  return j;
}

// A finite number, or null.
ojson number(double x) { return std::isfinite(x) ? ojson(x) : ojson(nullptr); }

}  // namespace

std::variant<kayenta_canary_config, std::string> kayenta_config_from_json(
    const json& j, const std::string& where) {
  try {
    if (!j.is_object()) return where + ": expected an object, found " + j.type_name();
    kayenta_canary_config c;
    c.name = j.value("name", "");
    if (c.name.empty()) return where + ".name: expected the config's name";
    c.id = j.value("id", c.name);
    c.prometheus = j.value("prometheus", "");
    if (j.contains("applications"))
      c.applications = j["applications"].get<std::vector<std::string>>();
    if (j.contains("classifier") && j["classifier"].contains("groupWeights"))
      c.group_weights = j["classifier"]["groupWeights"].get<std::map<std::string, double>>();
    if (!j.contains("metrics") || !j["metrics"].is_array() || j["metrics"].empty())
      return where + ".metrics: expected a list of metrics";
    for (std::size_t i = 0; i < j["metrics"].size(); ++i) {
      const auto& m = j["metrics"][i];
      const std::string at = where + ".metrics[" + std::to_string(i) + "]";
      kayenta_metric_def d;
      d.name = m.value("name", "");
      if (d.name.empty()) return at + ".name: expected the metric's name";
      if (m.contains("query") && m["query"].is_string()) {
        d.query = m["query"].get<std::string>();
      } else if (m.contains("query") && m["query"].is_object()) {
        const auto& q = m["query"];
        if (q.value("type", "prometheus") != "prometheus")
          return at + ".query.type: only prometheus queries are served";
        d.query = q.value("customInlineTemplate", "");
        if (d.query.rfind("PromQL:", 0) == 0) d.query = d.query.substr(7);
      }
      if (d.query.empty())
        return at + ".query: expected PromQL (a string, or customInlineTemplate \"PromQL:…\")";
      d.scope_name = m.value("scopeName", "default");
      if (m.contains("groups")) d.groups = m["groups"].get<std::vector<std::string>>();
      if (d.groups.empty()) d.groups = {d.name};  // the scorer counts metrics by group
      if (m.contains("analysisConfigurations") && m["analysisConfigurations"].contains("canary")) {
        if (auto e = read_metric_config(m["analysisConfigurations"]["canary"],
                                        at + ".analysisConfigurations.canary", d.config))
          return *e;
      }
      c.metrics.push_back(std::move(d));
    }
    return c;
  } catch (const json::exception& e) {
    return where + ": " + e.what();
  }
}

// --- executions --------------------------------------------------------------------------

struct kayenta_service::execution_state {
  std::string id;
  const kayenta_canary_config* config = nullptr;
  double pass = 0;
  double marginal = 0;
  core::instant started{};
  // Per metric: the control and experiment series, or the first error.
  std::vector<std::vector<double>> control, experiment;
  std::size_t waiting = 0;
  std::string error;
  bool complete = false;
  ojson result;
};

kayenta_service::kayenta_service(providers::ports::metrics_source& metrics,
                                 std::vector<kayenta_canary_config> configs)
    : metrics_(metrics), configs_(std::move(configs)) {}

ojson kayenta_service::list_configs(const std::string& application) const {
  ojson out = ojson::array();
  for (const auto& c : configs_) {
    if (!application.empty() && !c.applications.empty() &&
        std::find(c.applications.begin(), c.applications.end(), application) ==
            c.applications.end())
      continue;
    ojson e;
    e["id"] = c.id;
    e["name"] = c.name;
    e["updatedTimestamp"] = 0;
    e["updatedTimestampIso"] = "1970-01-01T00:00:00.000Z";
    e["applications"] = c.applications;
    out.push_back(std::move(e));
  }
  return out;
}

std::variant<std::string, kayenta_service::refusal> kayenta_service::start(
    const std::string& config_id, const json& body, core::instant now) {
  const auto cfg = std::find_if(configs_.begin(), configs_.end(),
                                [&](const auto& c) { return c.id == config_id; });
  if (cfg == configs_.end()) return refusal{404, "no canary config with id \"" + config_id + "\""};
  if (!body.is_object()) return refusal{400, "body: expected a JSON object"};
  for (const auto& [k, v] : body.items())
    if (k != "scopes" && k != "thresholds" && k != "siteLocal")
      return refusal{400, "body." + k + ": unknown field (expected scopes, thresholds)"};
  auto x = std::make_shared<execution_state>();
  x->config = &*cfg;
  x->started = now;
  const auto& th = body.value("thresholds", json::object());
  if (!th.is_object() || !th.contains("pass") || !th["pass"].is_number() ||
      !th.contains("marginal") || !th["marginal"].is_number())
    return refusal{400, "body.thresholds: expected {\"pass\": N, \"marginal\": N}"};
  x->pass = th["pass"].get<double>();
  x->marginal = th["marginal"].get<double>();
  std::map<std::string, std::pair<scope, scope>> scopes;  // name → (control, experiment)
  if (!body.contains("scopes") || !body["scopes"].is_object() || body["scopes"].empty())
    return refusal{400, "body.scopes: expected {\"<name>\": {controlScope, experimentScope}}"};
  for (const auto& [name, s] : body["scopes"].items()) {
    const std::string at = "body.scopes." + name;
    if (!s.is_object()) return refusal{400, at + ": expected an object"};
    auto control = read_scope(s.value("controlScope", json()), at + ".controlScope");
    if (auto* e = std::get_if<std::string>(&control)) return refusal{400, *e};
    auto experiment = read_scope(s.value("experimentScope", json()), at + ".experimentScope");
    if (auto* e = std::get_if<std::string>(&experiment)) return refusal{400, *e};
    scopes[name] = {std::get<scope>(control), std::get<scope>(experiment)};
  }
  // Each metric's scope: its scopeName, or the request's only scope.
  std::vector<const std::pair<scope, scope>*> scope_of;
  for (const auto& m : cfg->metrics) {
    auto it = scopes.find(m.scope_name);
    if (it == scopes.end() && scopes.size() == 1) it = scopes.begin();
    if (it == scopes.end())
      return refusal{
          400, "body.scopes: no scope \"" + m.scope_name + "\" for metric \"" + m.name + "\""};
    scope_of.push_back(&it->second);
  }
  x->id = std::to_string(now.time_since_epoch().count()) + "-" + std::to_string(++counter_);
  {
    std::random_device rd;
    std::ostringstream hex;
    hex << std::hex << rd() << rd();
    x->id += "-" + hex.str();
  }
  executions_[x->id] = x;
  order_.push_back(x->id);
  while (order_.size() > kept_executions) {
    const auto it = executions_.find(order_.front());
    if (it != executions_.end() && !it->second->complete) break;  // never drop a running one
    if (it != executions_.end()) executions_.erase(it);
    order_.pop_front();
  }

  const auto n = cfg->metrics.size();
  x->control.resize(n);
  x->experiment.resize(n);
  x->waiting = 2 * n;
  for (std::size_t i = 0; i < n; ++i) {
    for (const bool is_control : {true, false}) {
      const scope& s = is_control ? scope_of[i]->first : scope_of[i]->second;
      providers::ports::metric_query q;
      q.provider = "prometheus";
      q.address = cfg->prometheus;
      q.query = replace_all(replace_all(cfg->metrics[i].query, "${scope}", s.scope), "${location}",
                            s.location);
      q.range = providers::ports::metric_query::time_range{s.start, s.end, s.step};
      metrics_.measure(q, [x, i, is_control](providers::ports::metric_answer a) {
        const auto& name = x->config->metrics[i].name;
        const char* arm = is_control ? "control" : "experiment";
        if (const auto* e = std::get_if<std::string>(&a.result)) {
          if (x->error.empty()) x->error = name + " (" + arm + "): " + *e;
        } else if (const auto* v = std::get_if<core::value>(&a.result)) {
          auto& out = is_control ? x->control[i] : x->experiment[i];
          if (v->kind() == core::value_kind::array) {
            for (const auto& p : v->items())
              if (p.is_number()) out.push_back(p.as_double());
          } else if (v->is_number()) {
            out.push_back(v->as_double());
          }
        }
        if (--x->waiting > 0) return;
        x->complete = true;
        if (!x->error.empty()) return;
        // Judge: classify each metric, then score.
        ojson results = ojson::array();
        std::vector<analysis::kayenta_scored_metric> scored;
        for (std::size_t k = 0; k < x->config->metrics.size(); ++k) {
          const auto& m = x->config->metrics[k];
          const auto r = analysis::kayenta_classify(x->experiment[k], x->control[k], m.config);
          scored.push_back({r.label, m.groups, r.critical, false});
          ojson one;
          one["name"] = m.name;
          one["id"] = std::to_string(k);
          one["classification"] = analysis::to_string(r.label);
          one["classificationReason"] = r.reason;
          one["groups"] = m.groups;
          one["critical"] = r.critical;
          one["experimentMetadata"]["stats"] = summary_json(r.canary);
          one["controlMetadata"]["stats"] = summary_json(r.baseline);
          one["resultMetadata"]["ratio"] = number(r.effect);
          one["resultMetadata"]["hodgesLehmann"] = number(r.estimate);
          one["resultMetadata"]["confidenceInterval"] = {number(r.ci.lower), number(r.ci.upper)};
          results.push_back(std::move(one));
        }
        const auto score = analysis::kayenta_weighted_sum(scored, x->config->group_weights);
        const auto verdict = analysis::kayenta_classify_score(score.score, x->pass, x->marginal);
        ojson groups = ojson::array();
        for (const auto& [g, gs] : score.groups) groups.push_back({{"name", g}, {"score", gs}});
        ojson judge;
        judge["judgeName"] = "floodgate-NetflixACAJudge-v1.0";
        judge["results"] = std::move(results);
        judge["groupScores"] = std::move(groups);
        judge["score"]["score"] = score.score;
        judge["score"]["classification"] = analysis::to_string(verdict);
        judge["score"]["classificationReason"] = score.reason;
        x->result["judgeResult"] = std::move(judge);
      });
    }
  }
  return x->id;
}

std::optional<ojson> kayenta_service::execution(const std::string& id) const {
  const auto it = executions_.find(id);
  if (it == executions_.end()) return std::nullopt;
  const auto& x = *it->second;
  ojson j;
  j["canaryExecutionId"] = x.id;
  j["canaryConfigId"] = x.config->id;
  j["startTimeIso"] = providers::ports::format_rfc3339(x.started);
  j["complete"] = x.complete;
  if (!x.complete) {
    j["executionStatus"] = "RUNNING";
    j["status"] = "running";
    return j;
  }
  if (!x.error.empty()) {
    j["executionStatus"] = "TERMINAL";
    j["status"] = "terminal";
    j["exception"]["details"]["error"] = x.error;
    return j;
  }
  j["executionStatus"] = "SUCCEEDED";
  j["status"] = "succeeded";
  j["thresholds"] = {{"pass", x.pass}, {"marginal", x.marginal}};
  j["result"] = x.result;
  return j;
}

}  // namespace floodgate::engine
