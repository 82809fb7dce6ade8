#pragma once
// Placeholder rendering shared by the importers: Argo Rollouts' `{{args.name}}` (and
// `{{ args.name }}`) in AnalysisTemplates, and the Go text/template variables Flagger's
// MetricTemplates and builtin queries use (`{{ namespace }}`, `{{ target }}`, `{{ interval }}`,
// `{{ variables.x }}`, … — flagger-and-routers.md §2.3, rendered with missingkey=error).

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace floodgate::config {

/// Looks a placeholder's trimmed text up ("args.service-name", "variables.cluster"); nothing =
/// it has no value.
using placeholder_lookup = std::function<std::optional<std::string>(std::string_view key)>;

/// A placeholder with no value, or an unterminated `{{`.
struct render_error {
  std::string key;  ///< "args.service-name"; empty for a syntax error
  std::string message;
};

/// Replaces every `{{ key }}` with its value. `keep` placeholders whose key the lookup does not
/// know are left as they are when `keep_unknown` says so (Argo arguments resolved at run time).
std::variant<std::string, render_error> render_placeholders(
    std::string_view text, const placeholder_lookup& lookup,
    const std::function<bool(std::string_view key)>& keep_unknown = {});

/// Flagger collapses every whitespace run of a query to one space before sending it.
std::string collapse_whitespace(std::string_view query);

/// The variables Flagger renders a query with (observers/render.go).
struct flagger_model {
  std::string name;
  std::string namespace_;
  std::string target;
  std::string service;
  std::string ingress;
  std::string route;
  std::string interval = "1m";
  std::map<std::string, std::string> variables;
};

/// A Flagger template rendered with `model` (missing keys are errors, FLG-TPL-002).
std::variant<std::string, render_error> render_flagger(std::string_view text,
                                                       const flagger_model& model);

/// The query Flagger's observer for `provider` sends for a builtin metric
/// (`request-success-rate` or `request-duration`), rendered and whitespace-collapsed, or nothing
/// when the metric is not builtin. Unknown providers fall back to Istio's, as Flagger's factory
/// does. `duration_scale` is what the value is multiplied by to give milliseconds (1 unless the
/// query returns seconds and the observer converts).
struct builtin_query {
  std::string query;
  double to_milliseconds = 1.0;
};
std::optional<builtin_query> flagger_builtin_query(std::string_view provider,
                                                   std::string_view metric,
                                                   const flagger_model& model);

}  // namespace floodgate::config
