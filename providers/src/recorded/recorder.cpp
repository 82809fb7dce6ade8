#include <floodgate/core/value.hpp>
#include <floodgate/providers/recorded/recorder.hpp>
#include <floodgate/providers/recorded/series.hpp>
#include <nlohmann/json.hpp>

#include "../json_string.hpp"
#include "text_scan.hpp"

namespace floodgate::providers::recorded {

namespace {

// Milliseconds as unix seconds with exactly three decimals, so the replay reads the same instant.
std::string seconds_text(std::int64_t ms) {
  const char* sign = ms < 0 ? "-" : "";
  const auto a = ms < 0 ? -ms : ms;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s%lld.%03lld", sign, static_cast<long long>(a / 1000),
                static_cast<long long>(a % 1000));
  return buf;
}

}  // namespace

csv_recorder::csv_recorder(std::ostream& out) : out_(out) {
  out_ << "timestamp,metric,labels,value\n";
  out_.flush();
}

void csv_recorder::add(std::string_view promql, core::instant at, std::string_view body) {
  const auto doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() ||
      providers::detail::json_string(doc, "status") != "success")
    return;
  const auto data = doc.find("data");
  if (data == doc.end() || !data->is_object()) return;
  const std::string type = providers::detail::json_string(*data, "resultType");
  const auto result = data->find("result");
  if (result == data->end()) return;
  // Each series: its labels and value text, as Prometheus answered.
  std::vector<std::pair<std::string, std::string>> rows;
  if (type == "scalar") {
    if (!result->is_array() || result->size() != 2 || !(*result)[1].is_string()) return;
    rows.emplace_back("", (*result)[1].get<std::string>());
  } else if (type == "vector" && result->is_array()) {
    for (const auto& s : *result) {
      if (!s.is_object() || !s.contains("metric") || !s.contains("value")) return;
      const auto& v = s["value"];
      if (!v.is_array() || v.size() != 2 || !v[1].is_string()) return;
      label_set labels;
      for (const auto& [k, x] : s["metric"].items())
        if (x.is_string()) labels.emplace_back(k, x.get<std::string>());
      std::sort(labels.begin(), labels.end());
      rows.emplace_back(format_labels(labels), v[1].get<std::string>());
    }
  } else {
    return;
  }
  const std::string time = seconds_text(at.time_since_epoch().count());
  const std::string metric = detail::csv_field(promql);
  std::lock_guard lock(mutex_);
  auto& last = last_[std::string(promql)];
  std::set<std::string> now;
  for (const auto& [labels, value] : rows) {
    out_ << time << ',' << metric << ',' << detail::csv_field(labels) << ',' << value << '\n';
    now.insert(labels);
  }
  for (const auto& gone : last)
    if (!now.count(gone))
      out_ << time << ',' << metric << ',' << detail::csv_field(gone) << ",stale\n";
  // An empty answer with nothing to mark gone still says the query was asked and found nothing
  // (a series without labels, stale from the start), so the replay answers it as empty too.
  if (rows.empty() && last.empty()) out_ << time << ',' << metric << ",,stale\n";
  last = std::move(now);
  out_.flush();
}

}  // namespace floodgate::providers::recorded
