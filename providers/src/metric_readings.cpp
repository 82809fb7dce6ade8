#include <floodgate/providers/metric_readings.hpp>

#include <charconv>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "json_string.hpp"

namespace floodgate::providers {

namespace {

using json = nlohmann::json;
using core::value;

// A Prometheus sample value: a JSON string holding a Go float ("1", "0.5", "NaN", "+Inf").
std::variant<double, std::string> sample_value(const json& v) {
  if (!v.is_string()) return "sample value is not a string: " + v.dump();
  const std::string& s = v.get_ref<const std::string&>();
  if (const auto d = core::parse_go_float(s)) return *d;
  return "sample value \"" + s + "\" is not a number";
}

// A member of an object, or null — by reference, so a large result is never copied.
const json& member(const json& object, const char* key) {
  static const json null;
  if (!object.is_object()) return null;
  const auto it = object.find(key);
  return it == object.end() ? null : *it;
}

// [timestamp, "value"] → the value.
std::variant<double, std::string> pair_value(const json& pair) {
  if (!pair.is_array() || pair.size() != 2)
    return "expected [timestamp, \"value\"], got " + pair.dump();
  return sample_value(pair[1]);
}

// The numbers in a Prometheus result as Argo converted it: a scalar, or an array of them.
std::variant<std::vector<double>, std::string> numbers(const core::value& v) {
  if (v.is_number()) return std::vector<double>{v.as_double()};
  if (v.kind() != core::value_kind::array)
    return "expected numbers, found a " + std::string(core::kind_name(v.kind()));
  std::vector<double> out;
  out.reserve(v.items().size());
  for (const auto& item : v.items()) {
    if (!item.is_number())
      return "expected numbers, found a " + std::string(core::kind_name(item.kind()));
    out.push_back(item.as_double());
  }
  return out;
}

std::variant<json, std::string> parse_body(std::string_view body) {
  json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return std::string("response is not a JSON object");
  }
  const std::string status = detail::json_string(doc, "status");
  if (status == "error")
    return detail::json_string(doc, "errorType", "error") + ": " +
           detail::json_string(doc, "error");
  if (status != "success") return "response status is \"" + status + "\", expected \"success\"";
  if (!doc.contains("data") || !doc["data"].is_object()) return std::string("response has no data");
  return doc;
}

// The first match of a Kubernetes JSONPath such as {$.key[0].name}, {.items[*].x} or {$}.
std::variant<const json*, std::string> json_path_first(const json& doc, std::string_view path) {
  std::string_view p = path;
  if (p.size() >= 2 && p.front() == '{' && p.back() == '}') p = p.substr(1, p.size() - 2);
  if (!p.empty() && p.front() == '$') p.remove_prefix(1);
  const json* at = &doc;
  while (!p.empty()) {
    if (p.front() == '.') {
      p.remove_prefix(1);
      std::size_t n = 0;
      while (n < p.size() && p[n] != '.' && p[n] != '[') ++n;
      const std::string key(p.substr(0, n));
      p.remove_prefix(n);
      if (key.empty()) continue;
      if (key == "*") {
        if (at->empty()) return "Could not find JSONPath in body";
        at = &*at->begin();
        continue;
      }
      if (!at->is_object() || !at->contains(key)) return "Could not find JSONPath in body";
      at = &(*at)[key];
    } else if (p.front() == '[') {
      const auto close = p.find(']');
      if (close == std::string_view::npos)
        return "JSONPath " + std::string(path) + ": unclosed '['";
      std::string_view inside = p.substr(1, close - 1);
      p.remove_prefix(close + 1);
      if (inside == "*") {
        if (!at->is_array() || at->empty()) return "Could not find JSONPath in body";
        at = &(*at)[0];
      } else if (!inside.empty() && (inside.front() == '\'' || inside.front() == '"')) {
        const std::string key(inside.substr(1, inside.size() - 2));
        if (!at->is_object() || !at->contains(key)) return "Could not find JSONPath in body";
        at = &(*at)[key];
      } else {
        long long index = 0;
        const auto r = std::from_chars(inside.data(), inside.data() + inside.size(), index);
        if (r.ec != std::errc() || r.ptr != inside.data() + inside.size()) {
          return "JSONPath " + std::string(path) + ": unsupported subscript [" +
                 std::string(inside) + "] (expected an index, * or a quoted name)";
        }
        if (!at->is_array()) return "Could not find JSONPath in body";
        const auto n = static_cast<long long>(at->size());
        if (index < 0) index += n;
        if (index < 0 || index >= n) return "Could not find JSONPath in body";
        at = &(*at)[static_cast<std::size_t>(index)];
      }
    } else {
      return "JSONPath " + std::string(path) + ": unexpected \"" + std::string(p) + "\"";
    }
  }
  return at;
}

}  // namespace

core::value value_from_json(const nlohmann::json& j) {
  switch (j.type()) {
    case json::value_t::boolean:
      return value::boolean(j.get<bool>());
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return value::floating(j.get<double>());  // Go's encoding/json decodes numbers as float64
    case json::value_t::string:
      return value::string(j.get<std::string>());
    case json::value_t::array: {
      std::vector<value> items;
      for (const auto& e : j) items.push_back(value_from_json(e));
      return value::array(std::move(items));
    }
    case json::value_t::object: {
      std::vector<std::pair<std::string, value>> entries;
      for (const auto& [k, e] : j.items()) entries.emplace_back(k, value_from_json(e));
      return value::map(std::move(entries));
    }
    default:
      return value();
  }
}

std::variant<reading, std::string> read_prometheus(std::string_view body) {
  auto parsed = parse_body(body);
  if (auto* err = std::get_if<std::string>(&parsed)) return std::move(*err);
  const json& doc = std::get<json>(parsed);
  const json& data = doc["data"];
  reading out;
  if (doc.contains("warnings") && doc["warnings"].is_array()) {
    for (const auto& w : doc["warnings"])
      out.warnings.push_back(w.is_string() ? w.get<std::string>() : w.dump());
  }
  const std::string type = detail::json_string(data, "resultType");
  const json& result = member(data, "result");
  std::vector<double> values;
  if (type == "scalar") {
    auto v = pair_value(result);
    if (auto* err = std::get_if<std::string>(&v)) return std::move(*err);
    auto scalar = read_scalar(std::get<double>(v));
    out.result = std::move(scalar.result);
    out.value_text = std::move(scalar.value_text);
    return out;
  }
  if (type == "vector" || type == "matrix") {
    if (!result.is_array()) return "data.result of a " + type + " is not an array";
    for (const auto& series : result) {
      if (type == "vector") {
        auto v = pair_value(member(series, "value"));
        if (auto* err = std::get_if<std::string>(&v)) return std::move(*err);
        values.push_back(std::get<double>(v));
      } else {
        const json& pairs = member(series, "values");
        if (!pairs.is_array()) return std::string("a matrix series has no \"values\" array");
        for (const auto& pair : pairs) {
          auto v = pair_value(pair);
          if (auto* err = std::get_if<std::string>(&v)) return std::move(*err);
          values.push_back(std::get<double>(v));
        }
      }
    }
    auto numbers_read = read_numbers(values);
    out.result = std::move(numbers_read.result);
    out.value_text = std::move(numbers_read.value_text);
    return out;
  }
  return std::string("Prometheus metric type not supported");
}

reading read_numbers(std::span<const double> values, bool value_text) {
  reading out;
  std::vector<value> items;
  items.reserve(values.size());
  for (const double d : values) items.push_back(value::floating(d));
  out.result = value::array(std::move(items));
  if (value_text) out.value_text = core::value_text::vector(values);
  return out;
}

reading read_scalar(double v, bool value_text) {
  reading out;
  out.result = value::floating(v);
  if (value_text) out.value_text = core::value_text::scalar(v);
  return out;
}

std::variant<double, std::string> read_prometheus_single(std::string_view body) {
  auto parsed = parse_body(body);
  if (auto* err = std::get_if<std::string>(&parsed)) return std::move(*err);
  const json& data = std::get<json>(parsed)["data"];
  const std::string type = detail::json_string(data, "resultType");
  const json& result = member(data, "result");
  if (type == "matrix") return std::string("multiple values returned (ErrMultipleValuesReturned)");
  if (type == "scalar") return pair_value(result);
  if (type != "vector" || !result.is_array()) return "unsupported result type \"" + type + "\"";
  if (result.empty()) return std::string("no values found (ErrNoValuesFound)");
  return pair_value(member(result.back(), "value"));
}

std::variant<reading, std::string> read_web(int http_status, std::string_view body,
                                            std::string_view json_path) {
  if (http_status < 200 || http_status >= 300) {
    return "received non 2xx response code: " + std::to_string(http_status);
  }
  const json doc = json::parse(body, nullptr, false);
  reading out;
  if (doc.is_discarded()) {
    out.result = value::string(std::string(body));
    out.value_text = std::string(body);
    return out;
  }
  auto found = json_path_first(doc, json_path.empty() ? "{$}" : json_path);
  if (auto* err = std::get_if<std::string>(&found)) return std::move(*err);
  out.result = value_from_json(*std::get<const json*>(found));
  out.value_text = core::to_json_text(out.result);
  return out;
}

std::variant<kayenta_reading, std::string> read_kayenta(std::string_view body, double pass,
                                                        double marginal) {
  const json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return std::string("response is not a JSON object");
  if (!doc.contains("complete") || !doc["complete"].is_boolean()) {
    return std::string("Missing Complete Status");
  }
  kayenta_reading out;
  if (!doc["complete"].get<bool>()) return out;  // still running: poll again
  const json* score = &doc;
  for (const char* key : {"result", "judgeResult", "score", "score"}) {
    if (!score->is_object() || !score->contains(key)) return std::string("Missing Score");
    score = &(*score)[key];
  }
  if (!score->is_number()) return std::string("Missing Score");
  // Go's int64(score): a score beyond int64's range converts, on amd64, to the "integer
  // indefinite" INT64_MIN (a C++ cast would be undefined behaviour).
  const double raw = score->get<double>();
  const auto truncated = raw > -9.2233720368547758e18 && raw < 9.2233720368547758e18
                             ? static_cast<long long>(raw)
                             : std::numeric_limits<long long>::min();
  out.value_text = std::to_string(truncated);
  const auto s = static_cast<double>(truncated);
  out.phase = s >= pass       ? core::phase::successful
              : s >= marginal ? core::phase::inconclusive
                              : core::phase::failed;
  return out;
}

ports::metric_answer answer_of(std::variant<reading, std::string> r) {
  ports::metric_answer a;
  if (auto* e = std::get_if<std::string>(&r)) {
    a.result = std::move(*e);
    return a;
  }
  auto& got = std::get<reading>(r);
  a.result = std::move(got.result);
  a.value_text = std::move(got.value_text);
  a.warnings = std::move(got.warnings);
  return a;
}

std::variant<core::comparison_data, std::string> combine_arms(
    const std::map<std::string, core::value>& answers) {
  core::comparison_data data;
  for (const auto& [arm, v] : answers) {
    auto got = numbers(v);
    if (auto* e = std::get_if<std::string>(&got)) return arm + ": " + *e;
    auto& xs = std::get<std::vector<double>>(got);
    const bool canary = arm.rfind("canary", 0) == 0;
    if (arm == "canary" || arm == "baseline") {
      (canary ? data.canary_samples : data.baseline_samples) = std::move(xs);
      continue;
    }
    if (xs.size() > 1)
      return arm + ": expected one number, found " + std::to_string(xs.size()) +
             " series (aggregate the query, e.g. with sum())";
    const double x = xs.empty() ? 0.0 : xs.front();  // sum() over no series: nothing happened
    auto& counts = canary ? data.canary : data.baseline;
    if (arm.size() > 7 && arm.substr(arm.size() - 7) == ".events") {
      counts.events = x;
    } else {
      counts.total = x;
    }
  }
  return data;
}

ports::metric_answer comparison_answer(
    std::map<std::string, std::variant<reading, std::string>> arms) {
  ports::metric_answer a;
  std::map<std::string, core::value> answers;
  std::string errors;
  for (auto& [arm, r] : arms) {
    if (auto* e = std::get_if<std::string>(&r)) {
      errors += (errors.empty() ? "" : "; ") + arm + ": " + *e;
      continue;
    }
    auto& got = std::get<reading>(r);
    answers.emplace(arm, std::move(got.result));
    for (auto& w : got.warnings) a.warnings.push_back(arm + ": " + std::move(w));
  }
  if (!errors.empty()) {
    a.result = std::move(errors);
    return a;
  }
  auto combined = combine_arms(answers);
  if (auto* e = std::get_if<std::string>(&combined)) {
    a.result = std::move(*e);
    return a;
  }
  auto& data = std::get<core::comparison_data>(combined);
  const bool samples = answers.count("canary") > 0;
  if (samples) {
    a.value_text = "canary " + std::to_string(data.canary_samples.size()) + " samples, baseline " +
                   std::to_string(data.baseline_samples.size()) + " samples";
  } else {
    // "canary 18/1685, baseline 66/14952"
    a.value_text = core::value_text::counts(data.canary.events, data.canary.total,
                                            data.baseline.events, data.baseline.total);
  }
  a.result = std::move(data);
  return a;
}

}  // namespace floodgate::providers
