#include <floodgate/config/load.hpp>

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <floodgate/config/placeholders.hpp>
#include <floodgate/core/comparison.hpp>

#include "yaml_reader.hpp"

namespace floodgate::config {

std::string diagnostic::format() const {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line) + ":" + std::to_string(column);
  out += ": " + pointer + ": " + message;
  return out;
}

std::string_view provider_kind_name(provider_kind k) {
  switch (k) {
    case provider_kind::prometheus:
      return "prometheus";
    case provider_kind::web:
      return "web";
    case provider_kind::kayenta:
      return "kayenta";
  }
  return "?";
}

namespace {

using detail::at;
using detail::child;
using detail::reader;
using detail::yaml_node;

constexpr std::string_view argo_api = "argoproj.io/v1alpha1";
constexpr std::string_view flagger_api = "flagger.app/v1beta1";
constexpr std::string_view floodgate_api = "floodgate.dev/v1";

// Metric providers Argo Rollouts knows and floodgate does not read.
const std::vector<std::string_view> foreign_providers = {
    "job",      "datadog",  "newRelic",   "cloudWatch", "wavefront",
    "graphite", "influxdb", "skywalking", "plugin",     "apm"};

struct document {
  std::string file;
  yaml_node node;
  std::string api;
  std::string kind;
  std::string name;
  std::string namespace_;
};

// ---------------------------------------------------------------------------------------------
// Arguments: {{args.x}} with values from the template's defaults and the caller's args.

struct arg_context {
  std::map<std::string, std::string> values;
  std::set<std::string> runtime;  // valueFrom: known when the analysis starts
  bool keep_all = false;          // a template checked on its own: every arg is a placeholder
};

struct renderer {
  reader& r;
  const arg_context& args;

  std::optional<std::string> operator()(const std::string& text, const yaml_node& at,
                                        const std::string& pointer) const {
    auto out = render_placeholders(
        text,
        [&](std::string_view key) -> std::optional<std::string> {
          if (!key.starts_with("args.")) return std::nullopt;
          const auto it = args.values.find(std::string(key.substr(5)));
          if (it == args.values.end()) return std::nullopt;
          return it->second;
        },
        [&](std::string_view key) {
          if (key == "elapsed") return true;  // floodgate's run-time window, see plan-reference
          return key.starts_with("args.") &&
                 (args.keep_all || args.runtime.count(std::string(key.substr(5))) > 0);
        });
    if (auto* e = std::get_if<render_error>(&out)) {
      r.error(at, pointer,
              e->key.empty() ? e->message
                             : "{{" + e->key +
                                   "}} has no value (declare it in the template's "
                                   "args or pass it from the Rollout)");
      return std::nullopt;
    }
    return std::get<std::string>(out);
  }
};

bool has_placeholder(const std::string& s) { return s.find("{{") != std::string::npos; }

// ---------------------------------------------------------------------------------------------
// Metrics (Argo's Metric, plus floodgate's `compare`).

// A scalar field read after its {{args.x}} are rendered, by one of reader's *_of readings;
// nothing while an argument is only known at run time.
template <class Read>
auto rendered(reader& r, const renderer& sub, const yaml_node& m, const std::string& ptr,
              std::string_view key, Read read) {
  using result = decltype(read(std::string(), m, ptr));
  const auto raw = r.string(m, ptr, key);
  if (!raw) return result{};
  const auto text = sub(*raw, at(m, key), child(ptr, key));
  if (!text || has_placeholder(*text)) return result{};
  return read(*text, at(m, key), child(ptr, key));
}

void read_headers(reader& r, const renderer& sub, const yaml_node& parent, const std::string& ptr,
                  std::map<std::string, std::string>& out) {
  const yaml_node h = at(parent, "headers");
  if (!h.defined() || h.is_null()) return;
  const std::string hp = child(ptr, "headers");
  if (!r.sequence(h, hp)) return;
  for (std::size_t i = 0; i < h.size(); ++i) {
    const std::string ip = child(hp, i);
    if (!r.map(h[i], ip, {"key", "value"})) continue;
    const auto k = r.string(h[i], ip, "key", true);
    const auto v = r.string(h[i], ip, "value", true);
    if (!k || !v) continue;
    if (auto text = sub(*v, at(h[i], "value"), child(ip, "value"))) out[*k] = *text;
  }
}

// A keyword field read with core's parser; a word it does not know is reported with the words it
// does, and the closest of them.
template <class E>
void keyword(reader& r, const yaml_node& c, const std::string& ptr, std::string_view key,
             std::optional<E> (*parse)(std::string_view),
             const std::vector<std::string_view>& words, E& out, bool required = false) {
  const auto text = r.string(c, ptr, key, required);
  if (!text) return;
  if (const auto v = parse(*text)) {
    out = *v;
    return;
  }
  std::string expected;
  for (std::size_t i = 0; i < words.size(); ++i) {
    expected += (i == 0 ? "" : i + 1 == words.size() ? " or " : ", ") + std::string(words[i]);
  }
  const auto guess = detail::did_you_mean(*text, words);
  r.error(at(c, key), child(ptr, key),
          "found \"" + *text + "\", expected " + expected +
              (guess.empty() ? "" : " (did you mean \"" + guess + "\"?)"));
}

void read_compare(reader& r, const yaml_node& c, const std::string& ptr,
                  core::threshold_metric& m) {
  if (!r.map(c, ptr,
             {"test", "direction", "alpha", "power", "minEffect", "quantile", "model", "maxTime",
              "onInsufficient"})) {
    return;
  }
  core::comparison_metric spec;
  keyword(r, c, ptr, "test", &core::parse_comparison_test,
          {"two_proportion", "sequential_counts", "mann_whitney", "kayenta", "quantile", "welch"},
          spec.test, true);
  keyword(r, c, ptr, "direction", &core::parse_regression_direction, {"increase", "decrease"},
          spec.direction);
  if (const auto v = r.number(c, ptr, "alpha")) spec.alpha = *v;
  if (const auto v = r.number(c, ptr, "power")) spec.power = *v;
  if (const auto v = r.number(c, ptr, "minEffect")) {
    spec.min_effect = *v;
  } else if (!at(c, "minEffect").defined()) {
    r.error(c, child(ptr, "minEffect"),
            "missing; expected the minimum detectable effect (e.g. 0.005 for half a percentage "
            "point, 20 for 20 ms)");
  }
  if (const auto v = r.number(c, ptr, "quantile")) spec.quantile = *v;
  keyword(r, c, ptr, "model", &core::parse_sample_size_model, {"two_sample", "quick"}, spec.model);
  spec.max_time = r.duration(c, ptr, "maxTime");
  keyword(r, c, ptr, "onInsufficient", &core::parse_insufficient_resolution,
          {"hold", "abort", "inconclusive"}, spec.on_insufficient);
  if (spec.min_effect > 0.0) {
    if (auto bad = core::validate_comparison(spec, "")) {
      r.error(c, ptr, bad->substr(1));  // drop the leading "." of the empty prefix
    }
  }
  m.compare = spec;
}

void read_provider(reader& r, const renderer& sub, const yaml_node& p, const std::string& ptr,
                   metric_spec& out, bool comparison) {
  if (!p.defined()) {
    r.error(p, ptr, "missing; expected one provider: prometheus, web or kayenta");
    return;
  }
  if (!p.is_map() || p.size() != 1) {
    r.error(p, ptr, "expected exactly one provider: prometheus, web or kayenta");
    out.metric.providers = p.is_map() ? static_cast<int>(p.size()) : 0;
    if (!p.is_map()) return;
  }
  for (auto it = p.begin(); it != p.end(); ++it) {
    const std::string name = it->first.scalar();
    const yaml_node body = it->second;
    const std::string bp = child(ptr, name);
    const auto text = [&](std::string_view key, bool required = false) -> std::string {
      const auto raw = r.string(body, bp, key, required);
      if (!raw) return "";
      return sub(*raw, at(body, key), child(bp, key)).value_or("");
    };
    auto& src = out.source;
    if (name == "prometheus") {
      src.kind = provider_kind::prometheus;
      if (!r.map(body, bp,
                 {"address", "query", "timeout", "insecure", "headers", "authentication",
                  "rangeQuery", "canary", "baseline"})) {
        continue;
      }
      src.address = text("address");
      if (comparison) {
        for (const std::string arm : {"canary", "baseline"}) {
          const yaml_node a = at(body, arm);
          const std::string ap = child(bp, arm);
          if (!a.defined()) {
            r.error(body, ap,
                    "missing; a comparison metric needs a query per arm (canary and "
                    "baseline)");
            continue;
          }
          if (a.is_scalar()) {
            src.arms[arm] = sub(a.scalar(), a, ap).value_or("");
            continue;
          }
          if (!r.map(a, ap, {"events", "total"})) continue;
          for (const std::string q : {"events", "total"}) {
            const auto raw = r.string(a, ap, q, true);
            if (raw) src.arms[arm + "." + q] = sub(*raw, at(a, q), child(ap, q)).value_or("");
          }
        }
        const bool counts = out.metric.compare &&
                            (out.metric.compare->test == core::comparison_test::two_proportion ||
                             out.metric.compare->test == core::comparison_test::sequential_counts);
        const bool has_counts =
            src.arms.count("canary.events") > 0 || src.arms.count("baseline.events") > 0;
        const bool has_samples = src.arms.count("canary") > 0 || src.arms.count("baseline") > 0;
        if (counts && has_samples) {
          r.error(body, bp, "a count test needs events and total queries per arm, not one query");
        } else if (!counts && has_counts) {
          r.error(body, bp, "a sample test needs one query per arm (its points are the samples)");
        }
        if (at(body, "query").defined()) {
          r.error(at(body, "query"), child(bp, "query"),
                  "a comparison metric queries each arm: use canary and baseline, not query");
        }
      } else {
        src.query = text("query", true);
        if (at(body, "canary").defined() || at(body, "baseline").defined()) {
          r.error(body, bp, "canary and baseline queries need compare: on the metric");
        }
      }
      src.timeout_seconds = r.number(body, bp, "timeout");
      read_headers(r, sub, body, bp, src.headers);
    } else if (name == "web") {
      src.kind = provider_kind::web;
      if (!r.map(body, bp,
                 {"url", "method", "headers", "body", "jsonBody", "timeoutSeconds", "jsonPath",
                  "insecure", "authentication"})) {
        continue;
      }
      src.address = text("url", true);
      src.method = text("method");
      if (src.method.empty()) src.method = "GET";
      src.body = text("body");
      // Argo's webmetric.go: jsonBody is sent as its JSON (args rendered in it like in body),
      // with Content-Type application/json; one body only, and none with GET.
      if (const auto jb = at(body, "jsonBody"); jb.defined()) {
        if (!src.body.empty())
          r.error(jb, child(bp, "jsonBody"), "use either body or jsonBody, not both");
        src.body = detail::yaml_to_json(jb).dump();
      }
      if (!src.body.empty() && src.method == "GET")
        r.error(body, bp, "a body needs method POST or PUT (Argo refuses a body with GET)");
      src.query = text("jsonPath");
      if (const auto t = r.number(body, bp, "timeoutSeconds")) src.timeout_seconds = *t;
      read_headers(r, sub, body, bp, src.headers);
    } else if (name == "kayenta") {
      src.kind = provider_kind::kayenta;
      if (!r.map(body, bp,
                 {"address", "application", "canaryConfigName", "metricsAccountName",
                  "configurationAccountName", "storageAccountName", "threshold", "scopes"})) {
        continue;
      }
      src.address = text("address", true);
      for (const std::string_view k : {"application", "canaryConfigName"}) {
        src.kayenta[std::string(k)] = text(k, true);
      }
      for (const std::string_view k :
           {"metricsAccountName", "configurationAccountName", "storageAccountName"}) {
        if (auto v = text(k); !v.empty()) src.kayenta[std::string(k)] = v;
      }
      const yaml_node th = at(body, "threshold");
      if (r.map(th, child(bp, "threshold"), {"pass", "marginal"})) {
        for (const std::string_view k : {"pass", "marginal"}) {
          if (const auto v = r.integer(th, child(bp, "threshold"), k)) {
            src.kayenta["threshold." + std::string(k)] = std::to_string(*v);
          }
        }
      }
      if (at(body, "scopes").defined()) r.sequence(at(body, "scopes"), child(bp, "scopes"));
    } else if (std::find(foreign_providers.begin(), foreign_providers.end(), name) !=
               foreign_providers.end()) {
      r.error(it->first, bp,
              "the " + name +
                  " provider is not supported: floodgate reads prometheus, web and "
                  "kayenta metrics" +
                  (name == "job" ? " (a Job needs Kubernetes)" : ""));
    } else {
      const auto guess = detail::did_you_mean(name, {"prometheus", "web", "kayenta"});
      r.error(it->first, bp,
              "unknown provider \"" + name + "\"" +
                  (guess.empty() ? "; expected prometheus, web or kayenta"
                                 : "; did you mean \"" + guess + "\"?"));
    }
  }
}

void read_condition(reader& r, const renderer& sub, const yaml_node& m, const std::string& ptr,
                    std::string_view key, std::optional<core::condition>& out) {
  const auto raw = r.string(m, ptr, key);
  if (!raw) return;
  const auto text = sub(*raw, at(m, key), child(ptr, key));
  if (!text) return;
  out = core::condition::parse(*text);
  if (has_placeholder(*text)) return;  // checked when the run-time arguments are known
  if (const auto* e = std::get_if<core::syntax_error>(&out->parsed)) {
    // `all(result, # < 1)` unquoted: YAML ends the scalar at " #", the rest is a comment.
    const bool maybe_comment = e->column == text->size() + 1 && at(m, key).tag() == "?";
    r.error(at(m, key), child(ptr, key),
            "column " + std::to_string(e->column) + ": " + e->message + " in \"" + *text + "\"" +
                (maybe_comment ? " (in plain YAML a ' #' starts a comment: quote a condition that "
                                 "uses #)"
                               : ""));
    return;
  }
  for (const auto& name : std::get<core::expression>(out->parsed).unknown_identifiers()) {
    r.error(at(m, key), child(ptr, key),
            "unknown name \"" + name + "\" in \"" + *text +
                "\" (conditions read result; did you mean \"result\"?)");
  }
}

metric_spec read_metric(reader& r, const renderer& sub, const yaml_node& m, const std::string& ptr,
                        bool floodgate_ext) {
  metric_spec out;
  std::vector<std::string_view> keys = {"name",
                                        "interval",
                                        "initialDelay",
                                        "count",
                                        "failureLimit",
                                        "inconclusiveLimit",
                                        "consecutiveErrorLimit",
                                        "consecutiveSuccessLimit",
                                        "successCondition",
                                        "failureCondition",
                                        "provider"};
  if (floodgate_ext) keys.push_back("compare");  // Argo's Metric plus floodgate's comparison
  if (!r.map(m, ptr, keys)) return out;
  if (!floodgate_ext && at(m, "compare").defined()) {
    // r.map reported it as unknown; say why.
    r.error(at(m, "compare"), child(ptr, "compare"),
            "compare is floodgate's extension: write the metric in a floodgate Plan "
            "(apiVersion floodgate.dev/v1)");
  }
  auto& t = out.metric;
  t.name = r.string(m, ptr, "name", true).value_or("");
  const auto duration = [&](std::string_view key) {
    return rendered(r, sub, m, ptr, key,
                    [&](const std::string& text, const yaml_node& n, const std::string& p) {
                      return r.duration_of(text, n, p);
                    });
  };
  const auto integer = [&](std::string_view key) {
    return rendered(r, sub, m, ptr, key,
                    [&](const std::string& text, const yaml_node& n, const std::string& p) {
                      return r.integer_of(text, n, p);
                    });
  };
  t.interval = duration("interval");
  t.initial_delay = duration("initialDelay");
  t.count = integer("count");
  t.failure_limit = integer("failureLimit");
  t.inconclusive_limit = integer("inconclusiveLimit");
  t.consecutive_error_limit = integer("consecutiveErrorLimit");
  t.consecutive_success_limit = integer("consecutiveSuccessLimit");
  if (floodgate_ext && at(m, "compare").defined())
    read_compare(r, at(m, "compare"), child(ptr, "compare"), t);
  read_condition(r, sub, m, ptr, "successCondition", t.success_condition);
  read_condition(r, sub, m, ptr, "failureCondition", t.failure_condition);
  read_provider(r, sub, at(m, "provider"), child(ptr, "provider"), out, t.compare.has_value());
  return out;
}

// ---------------------------------------------------------------------------------------------
// Templates and analyses.

struct registry {
  std::map<std::string, const document*> analysis_templates;  // name → doc
  std::map<std::string, const document*> cluster_templates;
  std::map<std::string, const document*> metric_templates;  // "namespace/name" → doc
};

// The metrics of a template spec (AnalysisTemplate, ClusterAnalysisTemplate, AnalysisRun),
// rendered with the caller's args. Template args without a value are errors unless `keep_all`.
void read_template_spec(reader& r, const yaml_node& spec, const std::string& ptr,
                        const arg_context& caller, bool keep_all, bool floodgate_ext,
                        analysis_spec& out, std::vector<std::string>& runtime_args,
                        std::map<std::string, std::string>& resolved) {
  if (!r.map(spec, ptr, {"args", "metrics", "dryRun", "measurementRetention"})) return;
  arg_context ctx;
  ctx.keep_all = keep_all;
  const yaml_node args = at(spec, "args");
  if (args.defined() && r.sequence(args, child(ptr, "args"))) {
    for (std::size_t i = 0; i < args.size(); ++i) {
      const std::string ap = child(child(ptr, "args"), i);
      if (!r.map(args[i], ap, {"name", "value", "valueFrom"})) continue;
      const auto name = r.string(args[i], ap, "name", true);
      if (!name) continue;
      if (const auto it = caller.values.find(*name); it != caller.values.end()) {
        ctx.values[*name] = it->second;
      } else if (caller.runtime.count(*name) || at(args[i], "valueFrom").defined()) {
        ctx.runtime.insert(*name);
      } else if (const auto v = r.string(args[i], ap, "value")) {
        ctx.values[*name] = *v;
      } else if (!keep_all) {
        r.error(args[i], ap,
                "argument \"" + *name +
                    "\" has no value: the Rollout must pass it in its "
                    "analysis args");
        ctx.runtime.insert(*name);  // reported once, not again at every use
      }
    }
  }
  for (const auto& [k, v] : ctx.values) resolved[k] = v;
  for (const auto& k : ctx.runtime) {
    if (std::find(runtime_args.begin(), runtime_args.end(), k) == runtime_args.end()) {
      runtime_args.push_back(k);
    }
  }
  const renderer sub{r, ctx};
  const yaml_node metrics = at(spec, "metrics");
  const std::string mp = child(ptr, "metrics");
  if (!metrics.defined()) {
    r.error(spec, mp, "missing; expected a list of metrics");
    return;
  }
  if (!r.sequence(metrics, mp)) return;
  const std::size_t first = out.metrics.size();
  for (std::size_t i = 0; i < metrics.size(); ++i) {
    out.metrics.push_back(read_metric(r, sub, metrics[i], child(mp, i), floodgate_ext));
  }
  const yaml_node dry = at(spec, "dryRun");
  if (dry.defined() && r.sequence(dry, child(ptr, "dryRun"))) {
    for (std::size_t i = 0; i < dry.size(); ++i) {
      const std::string dp = child(child(ptr, "dryRun"), i);
      if (!r.map(dry[i], dp, {"metricName"})) continue;
      const auto name = r.string(dry[i], dp, "metricName", true).value_or("");
      bool found = false;
      for (std::size_t j = first; j < out.metrics.size(); ++j) {
        if (name == "*" || out.metrics[j].metric.name == name) {
          out.metrics[j].metric.dry_run = true;
          found = true;
        }
      }
      if (!found) r.error(dry[i], dp, "no metric named \"" + name + "\"");
    }
  }
}

// Caller args ([{name, value | valueFrom}]) of a Rollout's analysis reference.
arg_context read_caller_args(reader& r, const yaml_node& parent, const std::string& ptr,
                             const std::map<std::string, std::string>& plan_args,
                             const std::vector<std::string>& plan_runtime) {
  arg_context ctx;
  ctx.values = plan_args;
  ctx.runtime.insert(plan_runtime.begin(), plan_runtime.end());
  const yaml_node args = at(parent, "args");
  if (!args.defined()) return ctx;
  const std::string ap = child(ptr, "args");
  if (!r.sequence(args, ap)) return ctx;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string ip = child(ap, i);
    if (!r.map(args[i], ip, {"name", "value", "valueFrom"})) continue;
    const auto name = r.string(args[i], ip, "name", true);
    if (!name) continue;
    if (at(args[i], "valueFrom").defined()) {
      ctx.runtime.insert(*name);
    } else if (const auto v = r.string(args[i], ip, "value")) {
      ctx.values[*name] = *v;
    } else {
      r.error(args[i], ip, "argument \"" + *name + "\" needs a value or valueFrom");
    }
  }
  return ctx;
}

class loader {
 public:
  loader(load_result& out, const registry& reg) : out_(out), reg_(reg) {}

  // A Rollout's or Plan's analysis block: templates (and, in a floodgate Plan, inline metrics).
  analysis_spec analysis(reader& r, const yaml_node& a, const std::string& ptr, plan& p,
                         bool floodgate_ext, bool background) {
    analysis_spec spec;
    std::vector<std::string_view> keys = {
        "templates", "args", "dryRun", "measurementRetention", "analysisRunMetadata", "metrics"};
    if (background) keys.push_back("startingStep");
    if (!r.map(a, ptr, keys)) return spec;
    if (!floodgate_ext && at(a, "metrics").defined()) {
      r.error(at(a, "metrics"), child(ptr, "metrics"),
              "a Rollout references AnalysisTemplates; inline metrics need a floodgate Plan");
    }
    const arg_context caller = read_caller_args(r, a, ptr, p.args, p.runtime_args);
    const yaml_node templates = at(a, "templates");
    if (templates.defined() && r.sequence(templates, child(ptr, "templates"))) {
      for (std::size_t i = 0; i < templates.size(); ++i) {
        const std::string tp = child(child(ptr, "templates"), i);
        if (!r.map(templates[i], tp, {"templateName", "clusterScope"})) continue;
        const auto name = r.string(templates[i], tp, "templateName", true);
        if (!name) continue;
        const bool cluster = r.boolean(templates[i], tp, "clusterScope").value_or(false);
        const auto& table = cluster ? reg_.cluster_templates : reg_.analysis_templates;
        const auto it = table.find(*name);
        if (it == table.end()) {
          std::vector<std::string_view> names;
          for (const auto& [n, d] : table) names.push_back(n);
          const auto guess = detail::did_you_mean(*name, names);
          r.error(at(templates[i], "templateName"), child(tp, "templateName"),
                  std::string(cluster ? "ClusterAnalysisTemplate" : "AnalysisTemplate") + " \"" +
                      *name + "\" is not in the files given" +
                      (guess.empty() ? "; pass the file that defines it to floodgate check"
                                     : "; did you mean \"" + guess + "\"?"));
          continue;
        }
        spec.templates.push_back(*name);
        // Errors inside the template are reported against the template's own file.
        reader tr(it->second->file, out_.errors);
        read_template_spec(tr, at(it->second->node, "spec"), "/spec", caller, false, false, spec,
                           p.runtime_args, p.args);
      }
    }
    const yaml_node inline_metrics = at(a, "metrics");
    if (floodgate_ext && inline_metrics.defined() &&
        r.sequence(inline_metrics, child(ptr, "metrics"))) {
      const renderer sub{r, caller};
      for (std::size_t i = 0; i < inline_metrics.size(); ++i) {
        spec.metrics.push_back(
            read_metric(r, sub, inline_metrics[i], child(child(ptr, "metrics"), i), true));
      }
    }
    if (spec.metrics.empty() && !templates.defined() && !inline_metrics.defined()) {
      r.error(a, ptr,
              "an analysis needs templates" + std::string(floodgate_ext ? " or metrics" : ""));
    }
    validate(r, a, ptr, spec);
    return spec;
  }

  void validate(reader& r, const yaml_node& at, const std::string& ptr, const analysis_spec& s) {
    std::vector<core::threshold_metric> metrics;
    for (const auto& m : s.metrics) metrics.push_back(m.metric);
    if (metrics.empty()) return;
    if (const auto bad = core::validate_metrics(metrics)) r.error(at, ptr, *bad);
  }

  void canary(reader& r, const yaml_node& c, const std::string& ptr, plan& p, bool own) {
    static const std::vector<std::string_view> argo_extra = {"canaryService",
                                                             "stableService",
                                                             "pingPong",
                                                             "trafficRouting",
                                                             "maxUnavailable",
                                                             "maxSurge",
                                                             "antiAffinity",
                                                             "canaryMetadata",
                                                             "stableMetadata",
                                                             "scaleDownDelaySeconds",
                                                             "scaleDownDelayRevisionLimit",
                                                             "abortScaleDownDelaySeconds",
                                                             "dynamicStableScale",
                                                             "minPodsPerReplicaSet",
                                                             "replicaProgressThreshold"};
    if (!r.map(c, ptr, {"steps", "analysis"}, own ? std::vector<std::string_view>{} : argo_extra)) {
      return;
    }
    canary_strategy s;
    const yaml_node steps = at(c, "steps");
    const std::string sp = child(ptr, "steps");
    if (steps.defined() && r.sequence(steps, sp)) {
      for (std::size_t i = 0; i < steps.size(); ++i) {
        const std::string ip = child(sp, i);
        const yaml_node st = steps[i];
        if (!r.map(st, ip,
                   {"setWeight", "pause", "analysis", "experiment", "setCanaryScale",
                    "setHeaderRoute", "setMirrorRoute", "plugin"})) {
          continue;
        }
        if (st.size() != 1) {
          std::string found;
          for (auto it = st.begin(); it != st.end(); ++it) {
            found += (found.empty() ? "" : " and ") + it->first.scalar();
          }
          r.error(st, ip,
                  "found " + (found.empty() ? std::string("an empty step") : found) +
                      "; a step has exactly one of setWeight, pause, analysis, experiment, "
                      "setCanaryScale, setHeaderRoute, setMirrorRoute or plugin");
          continue;
        }
        core::canary_step step;
        analysis_spec an;
        const std::string key = st.begin()->first.scalar();
        if (key == "setWeight") {
          step.what = core::canary_step::kind::set_weight;
          if (const auto w = r.integer(st, ip, "setWeight")) {
            if (*w < 0 || *w > 100) {
              r.error(at(st, "setWeight"), child(ip, "setWeight"),
                      "found " + std::to_string(*w) + ", expected a percentage 0..100");
            }
            step.weight = static_cast<int>(*w);
          }
        } else if (key == "pause") {
          step.what = core::canary_step::kind::pause;
          const yaml_node pz = at(st, "pause");
          if (!pz.is_null() && r.map(pz, child(ip, "pause"), {"duration"})) {
            step.duration = r.duration(pz, child(ip, "pause"), "duration", true);
          }
        } else if (key == "analysis") {
          step.what = core::canary_step::kind::analysis;
          an = analysis(r, at(st, "analysis"), child(ip, "analysis"), p, own, false);
          for (const auto& m : an.metrics) step.metrics.push_back(m.metric);
        } else if (key == "experiment" || key == "plugin") {
          r.error(st.begin()->first, child(ip, key),
                  key == "experiment"
                      ? "experiment steps are not supported: compare the canary with a baseline "
                        "through compare: metrics in a floodgate Plan (docs/plan-reference.md)"
                      : "step plugins are not supported");
          continue;
        } else {
          p.notes.push_back("at(steps, " + std::to_string(i) + "): " + key +
                            " changes replicas or routes only; it does not affect decisions");
          continue;
        }
        s.plan.steps.push_back(std::move(step));
        s.step_analyses.push_back(std::move(an));
      }
    }
    if (at(c, "analysis").defined()) {
      const std::string ap = child(ptr, "analysis");
      s.background = analysis(r, at(c, "analysis"), ap, p, own, true);
      for (const auto& m : s.background.metrics) s.plan.background.push_back(m.metric);
      if (const auto from = r.integer(at(c, "analysis"), ap, "startingStep")) {
        s.plan.background_from_step = static_cast<std::size_t>(std::max<std::int64_t>(0, *from));
      }
    }
    p.strategy = std::move(s);
  }

  void blue_green(reader& r, const yaml_node& b, const std::string& ptr, plan& p, bool own) {
    static const std::vector<std::string_view> argo_extra = {"activeService",
                                                             "previewService",
                                                             "previewReplicaCount",
                                                             "maxUnavailable",
                                                             "scaleDownDelayRevisionLimit",
                                                             "abortScaleDownDelaySeconds",
                                                             "antiAffinity",
                                                             "previewMetadata",
                                                             "activeMetadata"};
    if (!r.map(b, ptr,
               {"autoPromotionEnabled", "autoPromotionSeconds", "scaleDownDelaySeconds",
                "prePromotionAnalysis", "postPromotionAnalysis"},
               own ? std::vector<std::string_view>{} : argo_extra)) {
      return;
    }
    blue_green_strategy s;
    if (const auto v = r.boolean(b, ptr, "autoPromotionEnabled")) s.plan.auto_promotion = *v;
    if (const auto v = r.integer(b, ptr, "autoPromotionSeconds"); v && *v > 0) {
      s.plan.auto_promotion_after = core::millis(*v * 1000);
    }
    if (const auto v = r.integer(b, ptr, "scaleDownDelaySeconds")) {
      s.plan.scale_down_delay = core::millis(*v * 1000);
    }
    if (at(b, "prePromotionAnalysis").defined()) {
      s.pre_promotion = analysis(r, at(b, "prePromotionAnalysis"),
                                 child(ptr, "prePromotionAnalysis"), p, own, false);
      for (const auto& m : s.pre_promotion.metrics) s.plan.pre_promotion.push_back(m.metric);
    }
    if (at(b, "postPromotionAnalysis").defined()) {
      s.post_promotion = analysis(r, at(b, "postPromotionAnalysis"),
                                  child(ptr, "postPromotionAnalysis"), p, own, false);
      for (const auto& m : s.post_promotion.metrics) s.plan.post_promotion.push_back(m.metric);
    }
    p.strategy = std::move(s);
  }

  void strategy(reader& r, const yaml_node& st, const std::string& ptr, plan& p, bool own) {
    if (!st.defined()) {
      r.error(st, ptr, "missing; expected canary or blueGreen");
      return;
    }
    if (!r.map(st, ptr, {"canary", "blueGreen"})) return;
    if (st.size() != 1) {
      r.error(st, ptr, "expected exactly one of canary or blueGreen");
      return;
    }
    if (at(st, "canary").defined()) canary(r, at(st, "canary"), child(ptr, "canary"), p, own);
    if (at(st, "blueGreen").defined())
      blue_green(r, at(st, "blueGreen"), child(ptr, "blueGreen"), p, own);
  }

  void rollout(const document& d) {
    reader r(d.file, out_.errors);
    plan p = start(d, "Argo Rollout");
    const yaml_node spec = at(d.node, "spec");
    if (!r.map(spec, "/spec", {"strategy"},
               {"replicas", "selector", "template", "workloadRef", "minReadySeconds",
                "revisionHistoryLimit", "paused", "progressDeadlineSeconds",
                "progressDeadlineAbort", "restartAt", "rollbackWindow", "analysis"})) {
      return;
    }
    strategy(r, at(spec, "strategy"), "/spec/strategy", p, false);
    out_.plans.push_back(std::move(p));
  }

  void own_plan(const document& d) {
    reader r(d.file, out_.errors);
    plan p = start(d, "floodgate Plan");
    const yaml_node spec = at(d.node, "spec");
    if (!r.map(spec, "/spec", {"args", "strategy"})) return;
    const yaml_node args = at(spec, "args");
    if (args.defined() && r.sequence(args, "/spec/args")) {
      for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string ap = child("/spec/args", i);
        if (!r.map(args[i], ap, {"name", "value"})) continue;
        const auto name = r.string(args[i], ap, "name", true);
        // Without a value, an argument is given when the analysis starts (--arg, the API).
        const auto value = r.string(args[i], ap, "value");
        if (name && value) p.args[*name] = *value;
        if (name && !value) p.runtime_args.push_back(*name);
      }
    }
    strategy(r, at(spec, "strategy"), "/spec/strategy", p, true);
    out_.plans.push_back(std::move(p));
  }

  void analysis_run(const document& d) {
    reader r(d.file, out_.errors);
    plan p = start(d, "Argo AnalysisRun");
    analysis_strategy s;
    const yaml_node spec = at(d.node, "spec");
    if (spec.is_map() && at(spec, "terminate").defined()) {
      r.error(at(spec, "terminate"), "/spec/terminate", "a terminated AnalysisRun is not a plan");
    }
    read_template_spec(r, spec, "/spec", arg_context{}, false, false, s.analysis, p.runtime_args,
                       p.args);
    validate(r, spec, "/spec", s.analysis);
    p.strategy = std::move(s);
    out_.plans.push_back(std::move(p));
  }

  void analysis_template(const document& d) {
    reader r(d.file, out_.errors);
    const std::size_t before = r.error_count();
    analysis_spec spec;
    std::vector<std::string> runtime;
    std::map<std::string, std::string> resolved;
    read_template_spec(r, at(d.node, "spec"), "/spec", arg_context{}, true, false, spec, runtime,
                       resolved);
    validate(r, at(d.node, "spec"), "/spec", spec);
    if (r.error_count() > before) return;
    out_.templates.push_back(
        {d.kind, d.name, d.file, detail::line_of(d.node), spec.metrics.size()});
  }

  void flagger_canary(const document& d);
  void metric_template(const document& d);

 private:
  std::optional<flagger_metric> flagger_metric_of(reader& r, const yaml_node& m,
                                                  const std::string& mp,
                                                  const std::string& provider,
                                                  const flagger_model& model);
  bool template_query(reader& r, const yaml_node& ref, const std::string& pointer,
                      const flagger_model& model, flagger_metric& fm);

 public:
 private:
  plan start(const document& d, std::string origin) {
    plan p;
    p.name = d.name;
    p.origin = std::move(origin);
    p.file = d.file;
    p.line = detail::line_of(d.node);
    return p;
  }

  load_result& out_;
  const registry& reg_;
};

// ---------------------------------------------------------------------------------------------
// Flagger.

void loader::metric_template(const document& d) {
  reader r(d.file, out_.errors);
  const std::size_t before = r.error_count();
  const yaml_node spec = at(d.node, "spec");
  if (!r.map(spec, "/spec", {"provider", "query"})) return;
  const yaml_node p = at(spec, "provider");
  if (r.map(p, "/spec/provider",
            {"type", "address", "secretRef", "insecureSkipVerify", "headers", "region"})) {
    const auto type = r.string(p, "/spec/provider", "type", true);
    if (type && *type != "prometheus") {
      r.error(at(p, "type"), "/spec/provider/type",
              "the " + *type + " provider is not supported: floodgate reads prometheus metrics");
    }
  }
  r.string(spec, "/spec", "query", true);
  if (r.error_count() > before) return;
  out_.templates.push_back({d.kind,
                            (d.namespace_.empty() ? "default" : d.namespace_) + "/" + d.name,
                            d.file, detail::line_of(d.node), 1});
}

// A Flagger query rendered with the metric's model and whitespace-collapsed, or an error at `at`.
std::optional<std::string> flagger_query(reader& r, const std::string& text,
                                         const flagger_model& model, const yaml_node& at_node,
                                         const std::string& pointer, const std::string& prefix) {
  auto q = render_flagger(text, model);
  if (auto* e = std::get_if<render_error>(&q)) {
    r.error(at_node, pointer,
            prefix + e->message + (prefix.empty() ? "" : " (set it in templateVariables)"));
    return std::nullopt;
  }
  return collapse_whitespace(std::get<std::string>(q));
}

// The query and address a templateRef names; false (with the error reported) when it cannot.
bool loader::template_query(reader& r, const yaml_node& ref, const std::string& pointer,
                            const flagger_model& model, flagger_metric& fm) {
  if (!r.map(ref, pointer, {"name", "namespace"})) return false;
  const auto name = r.string(ref, pointer, "name", true).value_or("");
  const auto ns = r.string(ref, pointer, "namespace").value_or(model.namespace_);
  fm.template_ref = ns + "/" + name;
  const auto it = reg_.metric_templates.find(fm.template_ref);
  if (it == reg_.metric_templates.end()) {
    r.error(ref, pointer,
            "MetricTemplate \"" + fm.template_ref +
                "\" is not in the files given; pass the file that defines it");
    return false;
  }
  const yaml_node tspec = at(it->second->node, "spec");
  if (!tspec.is_map() || !at(tspec, "query").is_scalar())
    return false;  // reported with the template
  const yaml_node type = at(at(tspec, "provider"), "type");
  if (type.is_scalar() && type.scalar() != "prometheus") {
    r.error(ref, pointer,
            "MetricTemplate \"" + fm.template_ref + "\" uses the " + type.scalar() +
                " provider, which floodgate does not read");
    return false;
  }
  const yaml_node address = at(at(tspec, "provider"), "address");
  if (address.is_scalar()) fm.address = address.scalar();
  auto q = flagger_query(r, at(tspec, "query").scalar(), model, ref, pointer,
                         "MetricTemplate \"" + fm.template_ref + "\": ");
  if (!q) return false;
  fm.query = std::move(*q);
  return true;
}

// One entry of spec.analysis.metrics: its range check and the query that measures it (a
// MetricTemplate, an inline query, or the provider's builtin query).
std::optional<flagger_metric> loader::flagger_metric_of(reader& r, const yaml_node& m,
                                                        const std::string& mp,
                                                        const std::string& provider,
                                                        const flagger_model& model) {
  if (!r.map(m, mp,
             {"name", "interval", "threshold", "thresholdRange", "query", "templateRef",
              "templateVariables"})) {
    return std::nullopt;
  }
  flagger_metric fm;
  fm.check.name = r.string(m, mp, "name", true).value_or("");
  fm.interval = r.string(m, mp, "interval").value_or("1m");
  flagger_model mm = model;
  mm.interval = fm.interval;
  const yaml_node vars = at(m, "templateVariables");
  if (vars.defined() && !vars.is_map()) {
    r.error(vars, mp + "/templateVariables", "expected a map of variable names to values");
  } else if (vars.defined()) {
    for (auto it = vars.begin(); it != vars.end(); ++it) {
      mm.variables[it->first.scalar()] = it->second.is_scalar() ? it->second.scalar() : "";
    }
  }
  const yaml_node range = at(m, "thresholdRange");
  if (range.defined() && r.map(range, mp + "/thresholdRange", {"min", "max"})) {
    fm.check.min = r.number(range, mp + "/thresholdRange", "min");
    fm.check.max = r.number(range, mp + "/thresholdRange", "max");
  } else if (const auto th = r.number(m, mp, "threshold")) {
    // Legacy threshold: a minimum for request-success-rate, a maximum otherwise.
    (fm.check.name == "request-success-rate" ? fm.check.min : fm.check.max) = *th;
  }
  if (at(m, "templateRef").defined()) {
    if (!template_query(r, at(m, "templateRef"), mp + "/templateRef", mm, fm)) return std::nullopt;
  } else if (const auto q = r.string(m, mp, "query")) {
    auto rq = flagger_query(r, *q, mm, at(m, "query"), mp + "/query", "");
    if (!rq) return std::nullopt;
    fm.query = std::move(*rq);
  } else if (auto b = flagger_builtin_query(provider, fm.check.name, mm)) {
    fm.query = b->query;
    fm.to_milliseconds = b->to_milliseconds;
    fm.duration = fm.check.name == "request-duration";
  } else {
    r.error(m, mp,
            "metric \"" + fm.check.name +
                "\" is not builtin (request-success-rate, request-duration): give it a "
                "templateRef or a query");
    return std::nullopt;
  }
  return fm;
}

void loader::flagger_canary(const document& d) {
  reader r(d.file, out_.errors);
  plan p = start(d, "Flagger Canary");
  const yaml_node spec = at(d.node, "spec");
  if (!r.map(spec, "/spec",
             {"provider", "targetRef", "analysis", "canaryAnalysis", "skipAnalysis", "service"},
             {"autoscalerRef", "ingressRef", "routeRef", "upstreamRef", "progressDeadlineSeconds",
              "revertOnDeletion", "suspend", "metricsServer"})) {
    return;
  }
  progressive_strategy s;
  s.provider = r.string(spec, "/spec", "provider").value_or("istio");
  flagger_model model;
  model.name = d.name;
  model.namespace_ = d.namespace_.empty() ? "default" : d.namespace_;
  const yaml_node target = at(spec, "targetRef");
  if (!target.defined()) {
    r.error(spec, "/spec/targetRef", "missing; expected the workload {apiVersion, kind, name}");
  } else if (r.map(target, "/spec/targetRef", {"apiVersion", "kind", "name"})) {
    model.target = r.string(target, "/spec/targetRef", "name", true).value_or("");
  }
  const auto ref_name = [&](std::string_view key) -> std::string {
    const yaml_node n = at(spec, key);
    if (n.is_map() && at(n, "name").is_scalar()) return at(n, "name").scalar();
    return model.target;
  };
  model.ingress = ref_name("ingressRef");
  model.route = ref_name("routeRef");
  model.service = at(spec, "service").is_map() && at(at(spec, "service"), "name").is_scalar()
                      ? at(at(spec, "service"), "name").scalar()
                      : model.target;
  s.analysis.skip_analysis = r.boolean(spec, "/spec", "skipAnalysis").value_or(false);
  s.analysis.l4_only = s.provider == "kubernetes";
  const std::string key = at(spec, "analysis").defined() ? "analysis" : "canaryAnalysis";
  const yaml_node a = at(spec, key);
  const std::string ap = "/spec/" + key;
  if (!a.defined()) {
    s.analysis.skip_analysis = true;  // Flagger promotes in one tick without an analysis block
    p.notes.push_back("no analysis block: promoted as soon as the canary is ready");
  } else if (r.map(a, ap,
                   {"interval", "iterations", "mirror", "mirrorWeight", "maxWeight", "stepWeight",
                    "stepWeights", "stepWeightPromotion", "threshold", "primaryReadyThreshold",
                    "canaryReadyThreshold", "alerts", "metrics", "webhooks", "match",
                    "sessionAffinity"})) {
    if (const auto iv = r.string(a, ap, "interval")) s.interval = *iv;
    const auto to_int = [](std::optional<std::int64_t> v) {
      return static_cast<int>(v.value_or(0));
    };
    s.analysis.threshold = to_int(r.integer(a, ap, "threshold"));
    s.analysis.max_weight = to_int(r.integer(a, ap, "maxWeight"));
    s.analysis.step_weight = to_int(r.integer(a, ap, "stepWeight"));
    s.analysis.step_weight_promotion = to_int(r.integer(a, ap, "stepWeightPromotion"));
    s.analysis.iterations = to_int(r.integer(a, ap, "iterations"));
    s.analysis.mirror = r.boolean(a, ap, "mirror").value_or(false);
    s.analysis.match = at(a, "match").defined() && at(a, "match").size() > 0;
    const yaml_node sw = at(a, "stepWeights");
    if (sw.defined() && r.sequence(sw, ap + "/stepWeights")) {
      for (std::size_t i = 0; i < sw.size(); ++i) {
        int w = 0;
        const std::string& t = sw[i].scalar();
        const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), w);
        if (sw[i].is_scalar() && !t.empty() && ec == std::errc() && end == t.data() + t.size()) {
          s.analysis.step_weights.push_back(w);
        } else {
          r.error(sw[i], child(ap + "/stepWeights", i), "expected an integer percentage");
        }
      }
    }
    const yaml_node metrics = at(a, "metrics");
    if (metrics.defined() && r.sequence(metrics, ap + "/metrics")) {
      for (std::size_t i = 0; i < metrics.size(); ++i) {
        if (auto fm =
                flagger_metric_of(r, metrics[i], child(ap + "/metrics", i), s.provider, model)) {
          s.analysis.metrics.push_back(fm->check);
          s.metrics.push_back(std::move(*fm));
        }
      }
    }
    const yaml_node hooks = at(a, "webhooks");
    if (hooks.defined() && r.sequence(hooks, ap + "/webhooks")) {
      for (std::size_t i = 0; i < hooks.size(); ++i) {
        const std::string hp = child(ap + "/webhooks", i);
        if (!r.map(hooks[i], hp,
                   {"name", "type", "url", "timeout", "metadata", "muteAlert", "retries"})) {
          continue;
        }
        flagger_webhook w;
        w.name = r.string(hooks[i], hp, "name", true).value_or("");
        w.type = r.string(hooks[i], hp, "type").value_or("rollout");
        w.url = r.string(hooks[i], hp, "url", true).value_or("");
        w.timeout = r.string(hooks[i], hp, "timeout").value_or("");
        static const std::vector<std::string_view> types = {
            "confirm-rollout",   "pre-rollout",  "rollout",  "confirm-traffic-increase",
            "confirm-promotion", "post-rollout", "rollback", "event"};
        if (std::find(types.begin(), types.end(), w.type) == types.end()) {
          const auto guess = detail::did_you_mean(w.type, types);
          r.error(at(hooks[i], "type"), hp + "/type",
                  "unknown webhook type \"" + w.type + "\"" +
                      (guess.empty() ? "" : "; did you mean \"" + guess + "\"?"));
        }
        s.webhooks.push_back(std::move(w));
      }
    }
  }
  p.strategy = std::move(s);
  out_.plans.push_back(std::move(p));
}

// ---------------------------------------------------------------------------------------------

// Where a file stops being YAML's character set, and what was found there: a byte that is not
// part of well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF),
// or a character outside YAML 1.2's printable set (§5.1: tab, line feed, carriage return, U+0020
// to U+007E, U+0085, U+00A0 and above except U+FFFE and U+FFFF). yaml-cpp checks neither, and
// would read a file starting with a NUL as UTF-32; a plan with stray bytes is rejected where they
// are, before any of it reaches a name, a query or a JSON document.
struct bad_text {
  std::size_t offset = std::string_view::npos;
  std::string found;
};

bad_text first_unreadable(std::string_view s) {
  const char* hex = "0123456789ABCDEF";
  const auto hex2 = [&](unsigned v) { return std::string{hex[(v >> 4) & 0xF], hex[v & 0xF]}; };
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t len = 1;
    std::uint32_t cp = b;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (b >= 0xC2 && b <= 0xDF) {
      len = 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
      len = 3;
      if (b == 0xE0) lo = 0xA0;
      if (b == 0xED) hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      len = 4;
      if (b == 0xF0) lo = 0x90;
      if (b == 0xF4) hi = 0x8F;
    } else if (b >= 0x80) {
      return {i, "the byte 0x" + hex2(b)};
    }
    if (i + len > s.size()) return {i, "the byte 0x" + hex2(b)};
    if (len > 1) cp = b & (0x7Fu >> len);
    for (std::size_t k = 1; k < len; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if (c < (k == 1 ? lo : 0x80) || c > (k == 1 ? hi : 0xBF)) return {i, "the byte 0x" + hex2(b)};
      cp = (cp << 6) | (c & 0x3Fu);
    }
    const bool printable = cp == 0x09 || cp == 0x0A || cp == 0x0D || (cp >= 0x20 && cp <= 0x7E) ||
                           cp == 0x85 || (cp >= 0xA0 && cp != 0xFFFE && cp != 0xFFFF);
    if (!printable) {
      std::string code = hex2(cp >> 8) + hex2(cp);
      return {i, "the control character U+" + code};
    }
    i += len;
  }
  return {};
}

// The documents of a YAML stream, as YAML::LoadAll would read them. yaml-cpp 0.7's LoadAll (Debian
// 12) loops forever, allocating, on a stray ',' (jbeder/yaml-cpp#1040, fixed upstream by #1319 in
// 0.8); tests/fuzz/plan_fuzz found it. So the stream is cut into documents here and each is read
// with YAML::Load, which parses one document and returns. A document starts at a "---" line and
// after a "..." line; markers at the start of a line cannot occur inside a document (YAML 1.2
// §9.1.4, c-forbidden), so the cut is exact. Each piece is preceded by the newlines before it,
// so yaml-cpp's marks keep the file's line numbers; directives and comments before a marker stay
// with the document they precede. Throws YAML::Exception as LoadAll does.
struct document_pieces {
  std::vector<std::string> texts;
  bool ended_early = false;  ///< a "..." line ended a document before the end of the file
};

document_pieces cut_documents(std::string_view text) {
  const auto marker = [&](std::size_t at, std::string_view m) {
    if (text.compare(at, 3, m) != 0) return false;
    return at + 3 == text.size() || text[at + 3] == ' ' || text[at + 3] == '\t' ||
           text[at + 3] == '\n' || text[at + 3] == '\r';
  };
  document_pieces stream;
  std::vector<std::size_t> starts{0};
  bool content = false;  // has the current piece anything besides comments, blanks, directives?
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t eol = std::min(text.find('\n', at), text.size());
    const std::size_t first = text.find_first_not_of(" \t\r", at);
    const bool blank = first >= eol || text[first] == '#' || (first == at && text[at] == '%');
    if (marker(at, "---")) {
      if (content) starts.push_back(at);
      content = true;
    } else if (marker(at, "...")) {
      if (eol < text.size()) starts.push_back(eol + 1);
      content = false;
      stream.ended_early = stream.ended_early || eol < text.size();
    } else if (!blank) {
      content = true;
    }
    at = eol + 1;
  }
  starts.push_back(text.size());
  std::size_t lines_before = 0;  // newlines before starts[i], counted once over the file
  for (std::size_t i = 0; i + 1 < starts.size(); ++i) {
    if (starts[i] >= starts[i + 1]) continue;
    const std::string_view body = text.substr(starts[i], starts[i + 1] - starts[i]);
    std::string piece(lines_before, '\n');
    piece.append(body);
    stream.texts.push_back(std::move(piece));
    lines_before += static_cast<std::size_t>(std::count(body.begin(), body.end(), '\n'));
  }
  return stream;
}

struct yaml_stream {
  std::vector<std::shared_ptr<const detail::yaml_tree>> trees;
  std::vector<yaml_node> documents;
  bool ended_early = false;
};

yaml_stream load_documents(std::string_view text) {
  auto pieces = cut_documents(text);
  yaml_stream stream;
  stream.ended_early = pieces.ended_early;
  for (const auto& piece : pieces.texts) {
    stream.trees.push_back(detail::yaml_tree::parse(piece));
    stream.documents.push_back(stream.trees.back()->root());
  }
  return stream;
}

std::string meta(const yaml_node& doc, std::string_view key) {
  const yaml_node m = at(doc, "metadata");
  if (m.is_map() && at(m, key).is_scalar()) return at(m, key).scalar();
  return "";
}

}  // namespace

load_result load(const std::vector<source_file>& files) {
  load_result out;
  std::vector<document> docs;
  std::vector<std::shared_ptr<const detail::yaml_tree>> trees;  // what docs' nodes point into
  for (const auto& f : files) {
    if (const bad_text bad_at = first_unreadable(f.text); bad_at.offset != std::string_view::npos) {
      const std::string_view before = std::string_view(f.text).substr(0, bad_at.offset);
      const std::size_t line_start = before.rfind('\n');
      const auto column =
          bad_at.offset - (line_start == std::string_view::npos ? 0 : line_start + 1);
      out.errors.push_back(
          {f.name, static_cast<int>(std::count(before.begin(), before.end(), '\n')) + 1,
           static_cast<int>(column) + 1, "/",
           "found " + bad_at.found + ", expected printable UTF-8 text (YAML 1.2 §5.1)"});
      continue;
    }
    yaml_stream stream;
    try {
      stream = load_documents(f.text);
    } catch (const YAML::Exception& e) {
      out.errors.push_back(detail::syntax_error(f.name, e, "not valid YAML or JSON"));
      continue;
    }
    const auto& nodes = stream.documents;
    trees.insert(trees.end(), stream.trees.begin(), stream.trees.end());
    reader r(f.name, out.errors);
    if (std::all_of(nodes.begin(), nodes.end(), [](const yaml_node& n) { return n.is_null(); })) {
      // Empty, only comments, or text yaml-cpp reads as nothing (a lone ','): kubectl refuses
      // such a file too ("no objects passed to apply").
      out.errors.push_back({f.name, 1, 1, "/",
                            "no documents; expected a Plan, Rollout, AnalysisTemplate, Canary or "
                            "MetricTemplate"});
      continue;
    }
    for (const auto& n : nodes) {
      if (n.is_null()) continue;  // an empty document between separators
      if (!n.is_map()) {
        r.error(n, "/", "expected a Kubernetes-style object (apiVersion, kind, metadata, spec)");
        continue;
      }
      document d;
      d.file = f.name;
      d.node = n;
      d.api = at(n, "apiVersion").is_scalar() ? at(n, "apiVersion").scalar() : "";
      d.kind = at(n, "kind").is_scalar() ? at(n, "kind").scalar() : "";
      d.name = meta(n, "name");
      d.namespace_ = meta(n, "namespace");
      if (d.kind.empty()) {
        r.error(n, "/kind",
                "missing; expected a kind (Plan, Rollout, AnalysisTemplate, Canary, …)" +
                    std::string(stream.ended_early
                                    ? " — a line \"...\" ends a YAML document, so what "
                                      "follows it is a new document (an elided fragment?)"
                                    : ""));
        continue;
      }
      docs.push_back(std::move(d));
    }
  }
  registry reg;
  for (const auto& d : docs) {
    if (d.api == argo_api && d.kind == "AnalysisTemplate") reg.analysis_templates[d.name] = &d;
    if (d.api == argo_api && d.kind == "ClusterAnalysisTemplate")
      reg.cluster_templates[d.name] = &d;
    if (d.api == flagger_api && d.kind == "MetricTemplate") {
      reg.metric_templates[(d.namespace_.empty() ? "default" : d.namespace_) + "/" + d.name] = &d;
    }
  }
  loader l(out, reg);
  for (const auto& d : docs) {
    reader r(d.file, out.errors);
    const bool argo = d.api == argo_api;
    const bool flagger = d.api == flagger_api;
    const bool own = d.api == floodgate_api;
    if (argo || flagger || own) {
      if (d.name.empty()) r.error(d.node, "/metadata/name", "missing; expected a name");
      if (!at(d.node, "spec").defined()) {
        r.error(d.node, "/spec", "missing");
        continue;
      }
    }
    if (own && d.kind == "Plan") {
      l.own_plan(d);
    } else if (argo && d.kind == "Rollout") {
      l.rollout(d);
    } else if (argo && (d.kind == "AnalysisTemplate" || d.kind == "ClusterAnalysisTemplate")) {
      l.analysis_template(d);
    } else if (argo && d.kind == "AnalysisRun") {
      l.analysis_run(d);
    } else if (argo && d.kind == "Experiment") {
      r.error(at(d.node, "kind"), "/kind",
              "Experiment is not supported: compare the canary with a baseline through compare: "
              "metrics in a floodgate Plan");
    } else if (flagger && d.kind == "Canary") {
      l.flagger_canary(d);
    } else if (flagger && d.kind == "MetricTemplate") {
      l.metric_template(d);
    } else if (own) {
      r.error(at(d.node, "kind"), "/kind", "found \"" + d.kind + "\", expected Plan");
    } else {
      out.skipped.push_back({d.file, detail::line_of(d.node), d.kind, d.name,
                             "not a plan: " + d.kind + " (" +
                                 (d.api.empty() ? "no apiVersion" : d.api) + ") is skipped"});
    }
  }
  // A template used twice reports its problems once.
  std::vector<diagnostic> unique;
  for (auto& e : out.errors) {
    const bool seen = std::any_of(unique.begin(), unique.end(),
                                  [&](const diagnostic& u) { return u.format() == e.format(); });
    if (!seen) unique.push_back(std::move(e));
  }
  out.errors = std::move(unique);
  if (!out.errors.empty()) out.plans.clear();  // nothing is half-loaded
  return out;
}

std::variant<source_file, std::string> run_of_template(
    const std::vector<source_file>& files, const std::string& name,
    const std::map<std::string, std::string>& args) {
  // yaml-cpp's own nodes here: the template is edited and written back as YAML.
  const auto scalar = [](const YAML::Node& n, const char* key) {
    return n.IsMap() && n[key].IsScalar() ? n[key].Scalar() : std::string();
  };
  std::vector<std::pair<const source_file*, YAML::Node>> found;
  std::string names;
  for (const auto& f : files) {
    try {
      for (const auto& piece : cut_documents(f.text).texts) {
        YAML::Node doc = YAML::Load(piece);
        const std::string kind = scalar(doc, "kind");
        if (kind != "AnalysisTemplate" && kind != "ClusterAnalysisTemplate") continue;
        const std::string n = scalar(doc["metadata"], "name");
        names += (names.empty() ? "" : ", ") + n;
        if (name.empty() || n == name) found.emplace_back(&f, doc);
      }
    } catch (const YAML::Exception& e) {
      return f.name + ": not valid YAML: " + e.msg;
    }
  }
  if (found.empty())
    return names.empty() ? std::string("the files hold no plan and no AnalysisTemplate")
                         : "no AnalysisTemplate \"" + name + "\" (the files hold " + names + ")";
  if (found.size() > 1) return "the files hold several AnalysisTemplates (" + names + "); name one";
  auto [file, doc] = found.front();
  const std::string tname = scalar(doc["metadata"], "name");
  YAML::Node run = YAML::Clone(doc);
  run["kind"] = "AnalysisRun";
  std::set<std::string> declared;
  if (run["spec"].IsMap() && run["spec"]["args"].IsSequence()) {
    for (auto arg : run["spec"]["args"]) {
      const std::string n = scalar(arg, "name");
      if (n.empty()) continue;
      declared.insert(n);
      if (const auto it = args.find(n); it != args.end() && !arg["valueFrom"].IsDefined())
        arg["value"] = it->second;
    }
  }
  for (const auto& [k, v] : args)
    if (!declared.count(k))
      return "AnalysisTemplate \"" + tname + "\" has no argument \"" + k + "\"";
  YAML::Emitter out;
  out << run;
  return source_file{file->name + " (AnalysisRun of " + tname + ")",
                     std::string(out.c_str()) + "\n"};
}

std::variant<setting, std::string> parse_setting(std::string_view text) {
  const auto eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0)
    return "\"" + std::string(text) + "\": expected KEY=VALUE,VALUE…";
  setting s;
  s.key = std::string(text.substr(0, eq));
  std::string_view rest = text.substr(eq + 1);
  for (;;) {
    const auto comma = rest.find(',');
    const auto v = rest.substr(0, comma);
    if (v.empty()) return "\"" + std::string(text) + "\": an empty value";
    s.values.emplace_back(v);
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  return s;
}

namespace {

// The keys apply_setting knows, in the order its error lists them.
const std::vector<std::string_view> compare_keys{"alpha", "power",   "minEffect",      "test",
                                                 "model", "maxTime", "onInsufficient", "quantile"};
const std::vector<std::string_view> metric_keys{
    "interval",         "count",           "failureLimit", "inconclusiveLimit", "initialDelay",
    "successCondition", "failureCondition"};

bool is_one_of(const std::vector<std::string_view>& keys, std::string_view key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

// Walks every node of a document; `in_metrics` marks the items of a `metrics` list.
template <typename Visit>
void walk(YAML::Node node, bool in_metrics, const Visit& visit) {
  visit(node, in_metrics);
  if (node.IsMap()) {
    for (auto kv : node) walk(kv.second, false, visit);
    if (node["metrics"].IsSequence()) {
      for (auto m : node["metrics"]) visit(m, true);
    }
  } else if (node.IsSequence()) {
    for (auto item : node) walk(item, false, visit);
  }
}

// The N in "weight.N", or nothing.
std::optional<std::size_t> ordinal(std::string_view key, std::string_view prefix) {
  if (key.substr(0, prefix.size()) != prefix) return std::nullopt;
  const auto digits = key.substr(prefix.size());
  std::size_t n = 0;
  if (digits.empty() || digits.size() > 6) return std::nullopt;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::size_t>(c - '0');
  }
  return n == 0 ? std::nullopt : std::optional<std::size_t>(n);
}

// Sets `key` in one document; how many places it set.
std::size_t set_in(YAML::Node doc, const std::string& key, const std::string& value) {
  std::size_t changed = 0;
  if (!key.empty() && key[0] == '/') {
    YAML::Node at = doc;
    std::string_view rest = std::string_view(key).substr(1);
    std::vector<std::string> parts;
    for (;;) {
      const auto slash = rest.find('/');
      parts.emplace_back(rest.substr(0, slash));
      if (slash == std::string_view::npos) break;
      rest = rest.substr(slash + 1);
    }
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
      if (at.IsSequence()) {
        std::size_t k = 0;
        const auto* end = parts[i].data() + parts[i].size();
        if (std::from_chars(parts[i].data(), end, k).ptr != end || k >= at.size()) return 0;
        at.reset(at[k]);
      } else if (at.IsMap() && at[parts[i]].IsDefined()) {
        at.reset(at[parts[i]]);
      } else {
        return 0;
      }
    }
    if (!at.IsMap()) return 0;
    at[parts.back()] = value;
    return 1;
  }
  const auto weight = ordinal(key, "weight.");
  const auto pause = ordinal(key, "pause.");
  const bool arg = key.rfind("arg.", 0) == 0 && key.size() > 4;
  walk(doc, false, [&](YAML::Node n, bool metric) {
    if (is_one_of(compare_keys, key) && metric && n.IsMap() && n["compare"].IsMap()) {
      n["compare"][key] = value;
      ++changed;
    } else if (is_one_of(metric_keys, key) && metric && n.IsMap() &&
               !(key.find("Condition") != std::string::npos && n["compare"].IsDefined())) {
      // Conditions only where they decide: a comparison metric has none.
      n[key] = value;
      ++changed;
    } else if ((weight || pause) && n.IsMap() && n["canary"].IsMap() &&
               n["canary"]["steps"].IsSequence()) {
      std::size_t seen = 0;
      for (auto step : n["canary"]["steps"]) {
        if (!step.IsMap()) continue;
        if (weight && step["setWeight"].IsDefined() && ++seen == *weight) {
          step["setWeight"] = value;
          ++changed;
        } else if (pause && step["pause"].IsDefined() && ++seen == *pause) {
          step["pause"] = YAML::Node(YAML::NodeType::Map);
          step["pause"]["duration"] = value;
          ++changed;
        }
      }
    } else if (arg && !metric && n.IsMap() && n["args"].IsSequence()) {
      for (auto a : n["args"]) {
        if (a.IsMap() && a["name"].IsScalar() && a["name"].Scalar() == key.substr(4)) {
          a["value"] = value;
          ++changed;
        }
      }
    }
  });
  return changed;
}

}  // namespace

std::variant<std::vector<source_file>, std::string> apply_setting(
    const std::vector<source_file>& files, const std::string& key, const std::string& value) {
  std::vector<source_file> out;
  std::size_t changed = 0;
  for (const auto& f : files) {
    std::string text;
    std::size_t here = 0;
    try {
      for (const auto& piece : cut_documents(f.text).texts) {
        YAML::Node doc = YAML::Load(piece);
        if (!doc.IsDefined() || doc.IsNull()) continue;
        here += set_in(doc, key, value);
        YAML::Emitter e;
        e << doc;
        text += std::string("---\n") + e.c_str() + "\n";
      }
    } catch (const YAML::Exception& e) {
      return f.name + ": not valid YAML: " + e.msg;
    }
    changed += here;
    out.push_back(here ? source_file{f.name + " (" + key + "=" + value + ")", std::move(text)} : f);
  }
  if (changed == 0) {
    std::string keys;
    for (const auto* list : {&compare_keys, &metric_keys})
      for (const auto k : *list) keys += std::string(k) + ", ";
    return "\"" + key + "\" applies to nothing in the plan files (keys: " + keys +
           "weight.N, pause.N, arg.NAME, /json/pointer)";
  }
  return out;
}

read_result read_files(const std::vector<std::string>& paths) {
  read_result out;
  for (const auto& p : paths) {
    std::ifstream in(p, std::ios::binary);
    if (!in) {
      out.errors.push_back({p, 0, 0, "/", "cannot read the file"});
      continue;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    out.files.push_back({p, ss.str()});
  }
  return out;
}

std::variant<std::vector<std::pair<std::string, std::string>>, std::vector<diagnostic>>
read_string_map(const source_file& file) {
  std::vector<diagnostic> errors;
  auto parsed = detail::parse_document(file);
  if (auto* e = std::get_if<diagnostic>(&parsed)) return std::vector<diagnostic>{std::move(*e)};
  const auto tree = std::get<std::shared_ptr<const detail::yaml_tree>>(std::move(parsed));
  const yaml_node root = tree->root();
  reader r(file.name, errors);
  std::vector<std::pair<std::string, std::string>> out;
  if (!root.is_map()) {
    r.error(root, "/", "found " + detail::kind_of(root) + ", expected a map of query: series");
    return errors;
  }
  for (const auto& pair : root) {
    const yaml_node& key = pair.first;
    const yaml_node& value = pair.second;
    if (!key.is_scalar()) {
      r.error(key, "/", "found " + detail::kind_of(key) + ", expected a string key");
      continue;
    }
    if (!value.is_scalar() || value.is_null()) {
      r.error(value, detail::child("", key.scalar()),
              "found " + detail::kind_of(value) + ", expected the series' metric or query text");
      continue;
    }
    out.emplace_back(key.scalar(), value.scalar());
  }
  if (!errors.empty()) return errors;
  return out;
}

load_result load_paths(const std::vector<std::string>& paths) {
  const read_result read = read_files(paths);
  load_result out = load(read.files);
  if (!read.errors.empty()) {
    out.errors.insert(out.errors.begin(), read.errors.begin(), read.errors.end());
    out.plans.clear();
  }
  return out;
}

std::variant<const plan*, std::string> choose_plan(const load_result& loaded,
                                                   std::string_view name) {
  const plan* chosen = nullptr;
  for (const auto& p : loaded.plans) {
    if (!name.empty() && p.name != name) continue;
    if (chosen)
      return "the files hold several plans; name one (" + chosen->name + ", " + p.name + ", …)";
    chosen = &p;
  }
  if (!chosen) {
    return name.empty() ? std::string("the files hold no plan")
                        : "no plan named \"" + std::string(name) + "\" in the files";
  }
  return chosen;
}

}  // namespace floodgate::config
