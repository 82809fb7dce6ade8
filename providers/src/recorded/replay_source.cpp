#include <floodgate/core/value.hpp>
#include <floodgate/providers/recorded/replay_source.hpp>
#include <nlohmann/json.hpp>

namespace floodgate::providers::recorded {

replay_source::replay_source(const store& recorded, replay_options options)
    : store_(recorded),
      opt_(std::move(options)),
      view_(std::make_unique<promql::store_view>(recorded)),
      raw_(std::make_unique<promql_source>(*view_, opt_.lookback)) {}

std::optional<std::vector<std::pair<const series*, double>>> replay_source::instant_vector(
    const std::string& key, core::instant at) const {
  const auto found = store_.find(key);
  if (found.empty()) return std::nullopt;
  std::vector<std::pair<const series*, double>> out;
  for (const auto* s : found)
    if (const auto v = value_at(*s, at.time_since_epoch().count(), opt_.lookback))
      out.emplace_back(s, *v);
  return out;
}

std::optional<std::string> replay_source::instant_body(const std::string& key,
                                                       core::instant at) const {
  const auto vec = instant_vector(key, at);
  if (!vec) return std::nullopt;
  const double t = static_cast<double>(at.time_since_epoch().count()) / 1000.0;
  nlohmann::ordered_json result = nlohmann::ordered_json::array();
  for (const auto& [s, v] : *vec) {
    nlohmann::ordered_json metric = nlohmann::ordered_json::object();
    for (const auto& [k, x] : s->labels) metric[k] = x;
    result.push_back({{"metric", std::move(metric)}, {"value", {t, core::format_float_plain(v)}}});
  }
  nlohmann::ordered_json body = {
      {"status", "success"}, {"data", {{"resultType", "vector"}, {"result", std::move(result)}}}};
  // A recorded label may hold any bytes; the body is only read back by us, and values are ASCII.
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::variant<reading, std::string> replay_source::read_key(const std::string& metric,
                                                           const std::string& arm,
                                                           const std::string& query,
                                                           core::instant at) const {
  std::string key = query;
  const auto& m = opt_.mapping;
  if (const auto it = m.find(arm.empty() ? metric : metric + "/" + arm); it != m.end()) {
    key = it->second;
  } else if (const auto q = m.find(query); q != m.end()) {
    key = q->second;
  }
  const auto vec = instant_vector(key, at);
  if (!vec) {
    if (auto evaluated = raw_->read(key, at)) return std::move(*evaluated);
    if (std::find(unmatched_.begin(), unmatched_.end(), key) == unmatched_.end())
      unmatched_.push_back(key);
    std::string why = "no recorded series for \"" + key + "\" (metric " + metric +
                      (arm.empty() ? "" : ", " + arm) +
                      "): record it under the query's text, map it with --map, or record the "
                      "raw series it selects";
    if (const auto e = raw_->parse_error(key)) why += " (as PromQL: " + *e + ")";
    return why;
  }
  std::vector<double> values;
  values.reserve(vec->size());
  for (const auto& [s, v] : *vec) values.push_back(v);
  return read_numbers(values);
}

ports::metric_answer replay_source::answer(const std::string& metric, const ports::metric_query& q,
                                           core::instant at) const {
  return answer_query(q, "recorded series", [&](const std::string& arm, const std::string& query) {
    return read_key(metric, arm, query, at);
  });
}

}  // namespace floodgate::providers::recorded
