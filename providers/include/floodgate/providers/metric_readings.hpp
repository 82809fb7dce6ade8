#pragma once
// What a metric provider's response means, without the transport: the body of a Prometheus
// /api/v1/query(_range) answer, a web metric's HTTP answer, and a Kayenta canary execution,
// each turned into the `result` that conditions see and the value text a measurement records —
// exactly as Argo Rollouts (metricproviders/{prometheus,webmetric,kayenta}) and Flagger
// (pkg/metrics/providers/prometheus.go) do. A failure is a value: the error text.

#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <floodgate/core/phase.hpp>
#include <floodgate/core/value.hpp>
#include <floodgate/providers/ports/metrics_source.hpp>
#include <map>
#include <nlohmann/json_fwd.hpp>

namespace floodgate::providers {

/// A provider answer as conditions see it.
struct reading {
  core::value result;                 ///< bound to `result`
  core::value_text value_text;        ///< Measurement.Value
  std::vector<std::string> warnings;  ///< Prometheus API warnings (kept, never change the phase)
};

/// JSON as Go's encoding/json decodes it into `any`: numbers become floats (float64), objects
/// maps, arrays arrays.
core::value value_from_json(const nlohmann::json& j);

/// Argo's Prometheus conversion: scalar → float; vector → array of each sample's value in
/// response order; matrix → every value of every series, flattened; "NaN", "+Inf", "-Inf"
/// kept. Errors: `status: error` ("bad_data: parse error ..."), malformed JSON, and any other
/// result type ("Prometheus metric type not supported").
std::variant<reading, std::string> read_prometheus(std::string_view body);

/// The vector or matrix part of that conversion: every sample value, in order, as an array, and
/// its rendering ("[0.99,1]"). The replay of recorded series reads its instant vectors with it.
/// Without `value_text`, the rendering is left empty: a comparison arm's reading, whose text the
/// comparison's answer does not use (it words its own, comparison_answer).
reading read_numbers(std::span<const double> values, bool value_text = true);
/// The scalar part: the number itself (not an array).
reading read_scalar(double value, bool value_text = true);

/// Flagger's reading of the same body: one number. An instant vector with several series gives
/// the last series' value (Flagger's behaviour); no series → "no values found"; a range vector
/// (matrix) → "multiple values returned" (ErrMultipleValuesReturned).
std::variant<double, std::string> read_prometheus_single(std::string_view body);

/// Argo's web metric: a status outside [200, 300) is an error ("received non 2xx response code:
/// 300"); a body that is not JSON is the result as a string; otherwise the first match of the
/// Kubernetes JSONPath `json_path` (default "{$}") is the result, rendered as JSON.
std::variant<reading, std::string> read_web(int http_status, std::string_view body,
                                            std::string_view json_path = "{$}");

/// Argo's Kayenta result: GET /canary/{id} body. `complete: false` → Running; complete →
/// result.judgeResult.score.score truncated to an int, ≥ pass → Successful, ≥ marginal →
/// Inconclusive, else Failed.
struct kayenta_reading {
  core::phase phase = core::phase::running;
  std::string value_text;
};
std::variant<kayenta_reading, std::string> read_kayenta(std::string_view body, double pass,
                                                        double marginal);

/// A threshold metric's answer from a reading, or the error.
ports::metric_answer answer_of(std::variant<reading, std::string> r);

/// How a comparison's arm answers combine: `answers` maps each arm key to its reading's result.
/// A count arm ("canary.events") must be one number (an empty vector is 0, as `sum()` over no
/// series is); a sample arm ("canary") gives every value. The data, or the error naming the arm.
std::variant<core::comparison_data, std::string> combine_arms(
    const std::map<std::string, core::value>& answers);

/// A comparison's answer from each arm's reading (or error): any arm's error fails it (every
/// failing arm named, in arm order); warnings are kept with their arm's name.
ports::metric_answer comparison_answer(
    std::map<std::string, std::variant<reading, std::string>> arms);

}  // namespace floodgate::providers
