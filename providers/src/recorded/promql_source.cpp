#include <floodgate/providers/recorded/promql_source.hpp>

namespace floodgate::providers::recorded {

const promql_source::query_entry& promql_source::entry(const std::string& query) {
  auto it = queries_.find(query);
  if (it == queries_.end()) {
    query_entry q{promql::expression::parse(query), false};
    if (const auto* e = std::get_if<promql::expression>(&q.parsed))
      q.sees_series = eval_.series_seen(*e) > 0;
    it = queries_.emplace(query, std::move(q)).first;
  }
  return it->second;
}

std::optional<std::string> promql_source::parse_error(const std::string& query) {
  if (const auto* e = std::get_if<std::string>(&entry(query).parsed)) return *e;
  return std::nullopt;
}

std::optional<std::variant<reading, std::string>> promql_source::read(const std::string& query,
                                                                      core::instant at) {
  const auto& q = entry(query);
  const auto* e = std::get_if<promql::expression>(&q.parsed);
  if (e == nullptr || !q.sees_series) return std::nullopt;
  auto r = eval_.evaluate(*e, at.time_since_epoch().count());
  if (auto* err = std::get_if<std::string>(&r)) return std::move(*err);
  const auto& got = std::get<promql::result>(r);
  if (got.is_scalar) return read_scalar(got.scalar);
  std::vector<double> values;
  values.reserve(got.vector.size());
  for (const auto& x : got.vector) values.push_back(x.value);
  return read_numbers(values);
}

std::optional<std::variant<std::vector<reading>, std::string>> lane_source::read(
    const std::string& query, core::instant at, const std::array<bool, promql::lane_width>& wanted,
    bool value_text) {
  auto it = queries_.find(query);
  if (it == queries_.end()) {
    query_entry q;
    if (auto e = promql::expression::parse(query);
        auto* parsed = std::get_if<promql::expression>(&e))
      if (eval_.series_seen(*parsed) > 0 && promql::lanewise(*parsed))
        q.parsed = std::move(*parsed);
    it = queries_.emplace(query, std::move(q)).first;
  }
  if (!it->second.parsed) return std::nullopt;
  auto r = eval_.evaluate(*it->second.parsed, at.time_since_epoch().count());
  if (auto* err = std::get_if<std::string>(&r)) return std::move(*err);
  const auto& got = std::get<promql::lane_result>(r);
  std::vector<reading> out(promql::lane_width);
  std::vector<double> values(got.vector.size());
  for (std::size_t l = 0; l < promql::lane_width; ++l) {
    if (!wanted[l]) continue;
    if (got.is_scalar) {
      out[l] = read_scalar(got.scalar[l], value_text);
      continue;
    }
    for (std::size_t i = 0; i < values.size(); ++i) values[i] = got.vector[i].values[l];
    out[l] = read_numbers(values, value_text);
  }
  return out;
}

ports::metric_answer answer_query(const ports::metric_query& q, std::string_view what,
                                  const std::function<std::variant<reading, std::string>(
                                      const std::string& arm, const std::string& query)>& read) {
  if (q.provider != "prometheus")
    return answer_of("the " + q.provider + " provider cannot be answered from " +
                     std::string(what));
  if (q.range)
    return answer_of("range queries (the Kayenta judge) cannot be answered from " +
                     std::string(what) + " yet");
  if (q.arms.empty()) return answer_of(read("", q.query));
  std::map<std::string, std::variant<reading, std::string>> arms;
  for (const auto& [arm, promql] : q.arms) arms.emplace(arm, read(arm, promql));
  return comparison_answer(std::move(arms));
}

}  // namespace floodgate::providers::recorded
