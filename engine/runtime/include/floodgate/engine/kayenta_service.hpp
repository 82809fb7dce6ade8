#pragma once
// A Kayenta-compatible judge service, as Argo Rollouts' Kayenta provider and Spinnaker call
// Kayenta (shared/reference/argo-rollouts.md §4.2):
//   GET  /canaryConfig?application=A            the canary configs, [{id, name, ...}]
//   POST /canary/{configId}?...  {scopes, thresholds}   → {"canaryExecutionId": "..."}
//   GET  /canary/{executionId}   → {"complete": false} while it runs, then
//        {"complete": true, "result": {"judgeResult": {"score": {"score": 87.5, ...}, ...}}}
// An execution fetches every metric of the config over each scope's [start, end] at its step
// from Prometheus (range queries through the metrics port), classifies each metric with
// floodgate's NetflixACAJudge (analysis/kayenta.hpp: Mann–Whitney, effect-size and critical
// gates) and scores them with the weighted-sum scorer. A query that fails ends the execution
// TERMINAL without a score, as Kayenta's does — Argo then records an Error ("Missing Score"),
// never a pass.

#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <floodgate/analysis/kayenta.hpp>
#include <floodgate/core/duration.hpp>
#include <floodgate/providers/ports/metrics_source.hpp>

namespace floodgate::engine {

/// One metric of a canary config: a PromQL template with `${scope}` and `${location}`.
struct kayenta_metric_def {
  std::string name;
  std::string query;
  std::string scope_name = "default";
  std::vector<std::string> groups;  ///< none given: a group of its own, named after it
  analysis::kayenta_metric_config config;
};

struct kayenta_canary_config {
  std::string id;
  std::string name;
  std::vector<std::string> applications;
  std::vector<kayenta_metric_def> metrics;
  std::map<std::string, double> group_weights;
  std::string prometheus;  ///< where the metrics are fetched
};

/// A canary config in Kayenta's JSON shape (`metrics[].query.customInlineTemplate` "PromQL:…"
/// or a plain `query` string, `groups`, `scopeName`, `analysisConfigurations.canary`,
/// `classifier.groupWeights`), plus `id` and `prometheus`. The error names the field, under
/// `where`.
std::variant<kayenta_canary_config, std::string> kayenta_config_from_json(const nlohmann::json& j,
                                                                          const std::string& where);

class kayenta_service {
 public:
  kayenta_service(providers::ports::metrics_source& metrics,
                  std::vector<kayenta_canary_config> configs);

  /// GET /canaryConfig: the configs for `application` (every config when it is empty or a
  /// config names no application).
  nlohmann::ordered_json list_configs(const std::string& application) const;

  struct refusal {
    int status = 400;
    std::string message;
  };
  /// POST /canary/{configId}: starts an execution; its id, or why not.
  std::variant<std::string, refusal> start(const std::string& config_id, const nlohmann::json& body,
                                           core::instant now);

  /// GET /canary/{executionId}, or nothing for an unknown id.
  std::optional<nlohmann::ordered_json> execution(const std::string& id) const;

  /// Executions kept for GET (the oldest finished ones are dropped beyond this).
  static constexpr std::size_t kept_executions = 1000;

 private:
  struct execution_state;
  providers::ports::metrics_source& metrics_;
  std::vector<kayenta_canary_config> configs_;
  std::map<std::string, std::shared_ptr<execution_state>> executions_;
  std::deque<std::string> order_;
  std::uint64_t counter_ = 0;
};

}  // namespace floodgate::engine
