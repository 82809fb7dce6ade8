#pragma once
// A loaded plan: the controller's plan (engine/core) plus what the runtime needs to measure each
// metric (its provider and query), whichever file format it came from — floodgate's own `Plan`,
// an Argo Rollouts `Rollout` with its AnalysisTemplates, an `AnalysisRun`, or a Flagger `Canary`
// with its MetricTemplates. docs/plan-reference.md documents every field.

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <floodgate/core/blue_green.hpp>
#include <floodgate/core/canary_controller.hpp>
#include <floodgate/core/progressive.hpp>

namespace floodgate::config {

enum class provider_kind { prometheus, web, kayenta };
std::string_view provider_kind_name(provider_kind k);

/// How one metric is measured. Queries keep `{{args.x}}` placeholders whose values are only
/// known at run time (Argo `valueFrom`); everything else is rendered at load time.
struct metric_source {
  provider_kind kind = provider_kind::prometheus;
  std::string address;  ///< Prometheus or Kayenta address, web URL
  std::string query;    ///< PromQL (threshold metrics), web JSONPath
  std::string method;   ///< web: GET (default), POST, PUT
  std::string body;     ///< web
  std::map<std::string, std::string> headers;
  std::optional<double> timeout_seconds;
  /// Comparison metrics: one query per arm and quantity — "canary.events", "canary.total",
  /// "baseline.events", "baseline.total" (count tests) or "canary", "baseline" (sample tests).
  std::map<std::string, std::string> arms;
  /// Kayenta: application, canaryConfigName, the accounts, scopes and pass/marginal threshold.
  std::map<std::string, std::string> kayenta;
};

/// A metric with its source.
struct metric_spec {
  core::threshold_metric metric;
  metric_source source;
};

/// One analysis (a step's, the background, pre- or post-promotion): its metrics and the
/// templates they came from.
struct analysis_spec {
  std::vector<metric_spec> metrics;
  std::vector<std::string> templates;
};

/// Flagger: a range-checked metric with its query and how its value becomes the checked number.
struct flagger_metric {
  core::range_check check;
  std::string query;
  std::string interval = "1m";
  double to_milliseconds = 1.0;  ///< request-duration: the observer's unit conversion
  bool duration = false;         ///< compared as a whole-millisecond duration
  std::string address;           ///< MetricTemplate provider address (empty: the default)
  std::string template_ref;      ///< "namespace/name" of the MetricTemplate, if any
};

struct flagger_webhook {
  std::string name;
  std::string type;  ///< confirm-rollout, pre-rollout, rollout, confirm-traffic-increase, ...
  std::string url;
  std::string timeout;
};

struct canary_strategy {
  core::canary_plan plan;                    ///< metrics without sources (the controller's view)
  std::vector<analysis_spec> step_analyses;  ///< per step (empty for non-analysis steps)
  analysis_spec background;
};

struct blue_green_strategy {
  core::blue_green_plan plan;
  analysis_spec pre_promotion;
  analysis_spec post_promotion;
};

struct progressive_strategy {
  core::progressive_analysis analysis;
  std::string provider;  ///< the mesh / ingress provider ("istio" when unset)
  std::string interval = "1m";
  std::vector<flagger_metric> metrics;
  std::vector<flagger_webhook> webhooks;
};

/// A standalone run of metrics (an Argo AnalysisRun, or a template checked on its own).
struct analysis_strategy {
  analysis_spec analysis;
};

struct plan {
  std::string name;
  std::string origin;  ///< "floodgate Plan", "Argo Rollout", "Argo AnalysisRun", "Flagger Canary"
  std::string file;
  int line = 0;
  std::map<std::string, std::string> args;  ///< resolved arguments; runtime ones are absent
  std::vector<std::string> runtime_args;    ///< arguments resolved when the analysis starts
  std::vector<std::string> notes;           ///< accepted fields that do not affect decisions
  std::variant<canary_strategy, blue_green_strategy, progressive_strategy, analysis_strategy>
      strategy;
};

/// A template the files define (AnalysisTemplate, ClusterAnalysisTemplate, MetricTemplate).
struct template_info {
  std::string kind;
  std::string name;
  std::string file;
  int line = 0;
  std::size_t metrics = 0;
};

}  // namespace floodgate::config
