#include <algorithm>
#include <cmath>
#include <floodgate/core/value.hpp>
#include <floodgate/providers/recorded/series.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "../json_string.hpp"
#include "text_scan.hpp"

namespace floodgate::providers::recorded {

namespace {

using json = nlohmann::json;

std::string label_value(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

// The file name without its directory and extension: the key of a query_range file's series
// that carry no __name__ ("recordings/error-rate.json" → "error-rate").
std::string stem(const std::string& name) {
  std::string s = name.substr(name.find_last_of('/') + 1);
  const auto dot = s.rfind('.');
  return dot == std::string::npos || dot == 0 ? s : s.substr(0, dot);
}

// The 1-based line of a byte offset.
int line_of(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  return 1 +
         static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(offset), '\n'));
}

// A query_range (matrix) or instant (vector) answer of Prometheus' HTTP API.
std::vector<read_error> read_query_range(store& st, const std::string& file,
                                         std::string_view text) {
  std::vector<read_error> errors;
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    return {{file, line_of(text, e.byte == 0 ? 0 : e.byte - 1),
             std::string("not valid JSON: ") + e.what()}};
  } catch (const json::exception& e) {  // a number out of range (406)
    return {{file, 0, std::string("not valid JSON: ") + e.what()}};
  }
  const auto fail = [&](std::string pointer, std::string what) {
    errors.push_back({file, 0, pointer + ": " + what});
    return errors;
  };
  if (!doc.is_object()) return fail("/", "expected a Prometheus API answer (a JSON object)");
  const auto status = providers::detail::json_string(doc, "status");
  if (status == "error")
    return fail("/status",
                "the answer is an error: " + providers::detail::json_string(doc, "errorType") +
                    ": " + providers::detail::json_string(doc, "error"));
  if (status != "success")
    return fail("/status", "expected \"success\", found " + doc.value("status", json()).dump());
  const auto data = doc.find("data");
  if (data == doc.end() || !data->is_object()) return fail("/data", "expected an object");
  const auto type = providers::detail::json_string(*data, "resultType");
  if (type != "matrix" && type != "vector")
    return fail("/data/resultType", "expected \"matrix\" or \"vector\", found \"" + type + "\"");
  const auto result = data->find("result");
  if (result == data->end() || !result->is_array())
    return fail("/data/result", "expected an array");
  const std::string fallback = stem(file);
  for (std::size_t i = 0; i < result->size(); ++i) {
    const auto& s = (*result)[i];
    const std::string at = "/data/result/" + std::to_string(i);
    if (!s.is_object() || !s.contains("metric") || !s["metric"].is_object())
      return fail(at + "/metric", "expected an object of labels");
    label_set labels;
    std::string metric = fallback;
    for (const auto& [k, v] : s["metric"].items()) {
      if (!v.is_string()) return fail(at + "/metric/" + k, "expected a string");
      if (k == "__name__") {
        metric = v.get<std::string>();
      } else {
        labels.emplace_back(k, v.get<std::string>());
      }
    }
    std::sort(labels.begin(), labels.end());
    const char* key = type == "matrix" ? "values" : "value";
    json points = s.value(key, json());
    if (type == "vector") points = json::array({points});
    if (!points.is_array()) return fail(at + "/" + key, "expected [[time, \"value\"], ...]");
    for (std::size_t k = 0; k < points.size(); ++k) {
      const auto& p = points[k];
      const std::string where = at + "/" + key + (type == "matrix" ? "/" + std::to_string(k) : "");
      if (!p.is_array() || p.size() != 2 || !p[0].is_number() || !p[1].is_string())
        return fail(where, "expected [unix seconds, \"value\"], found " + p.dump());
      const auto v = core::parse_go_float(p[1].get<std::string>());
      if (!v) return fail(where, "the value " + p[1].dump() + " is not a number");
      const double t = p[0].get<double>();
      if (!std::isfinite(t) || std::fabs(t) > 9.0e12)
        return fail(where, "the time " + p[0].dump() + " is not unix seconds");
      st.add(metric, labels, {std::llround(t * 1000.0), *v, false}, file, 0);
    }
  }
  return errors;
}

// `timestamp,metric,labels,value`: RFC 4180 fields (quoted when they hold a comma or a quote).
std::vector<read_error> read_csv(store& st, const std::string& file, std::string_view text) {
  std::vector<read_error> errors;
  detail::line_reader lines(text);
  std::string_view line;
  int number = 0;
  bool header = false;
  while (lines.next(line, number)) {
    if (detail::trim(line).empty()) continue;
    const auto error = [&](std::string what) { errors.push_back({file, number, std::move(what)}); };
    auto fields = detail::csv_fields(line);
    if (auto* e = std::get_if<std::string>(&fields)) {
      error(*e);
      continue;
    }
    auto& f = std::get<std::vector<std::string>>(fields);
    if (!header) {
      header = true;
      if (f != std::vector<std::string>{"timestamp", "metric", "labels", "value"}) {
        error("expected the header timestamp,metric,labels,value");
        return errors;
      }
      continue;
    }
    if (f.size() != 4) {
      error("expected 4 fields (timestamp,metric,labels,value), found " + std::to_string(f.size()));
      continue;
    }
    const auto t = parse_timestamp(f[0]);
    if (auto* e = std::get_if<std::string>(&t)) {
      error("timestamp: " + *e);
      continue;
    }
    if (f[1].empty()) {
      error("metric: expected a metric name or a query's text, found nothing");
      continue;
    }
    auto labels = detail::parse_labels(f[2]);
    if (auto* e = std::get_if<std::string>(&labels)) {
      error("labels: " + *e);
      continue;
    }
    sample s{std::get<std::int64_t>(t), 0, f[3] == "stale"};
    if (!s.stale) {
      const auto v = core::parse_go_float(f[3]);
      if (!v) {
        error("value: \"" + f[3] + "\" is not a number (nor \"stale\")");
        continue;
      }
      s.value = *v;
    }
    st.add(f[1], std::move(std::get<label_set>(labels)), s, file, number);
  }
  if (!header)
    errors.push_back({file, 1, "empty: expected the header timestamp,metric,labels,value"});
  return errors;
}

// Prometheus' text exposition format (timestamps in milliseconds) or OpenMetrics (seconds,
// "# EOF" last). Every sample must carry its timestamp: an exposition without them is a scrape,
// not a recording.
std::vector<read_error> read_exposition(store& st, const std::string& file, std::string_view text,
                                        bool openmetrics) {
  std::vector<read_error> errors;
  detail::line_reader lines(text);
  std::string_view line;
  int number = 0;
  while (lines.next(line, number)) {
    const auto t = detail::trim(line);
    if (t.empty() || t.front() == '#') continue;
    auto parsed = detail::parse_exposition_line(t, openmetrics);
    if (auto* e = std::get_if<std::string>(&parsed)) {
      errors.push_back({file, number, *e});
      continue;
    }
    auto& x = std::get<detail::exposition_sample>(parsed);
    st.add(x.metric, std::move(x.labels), {x.at_ms, x.value, false}, file, number);
  }
  return errors;
}

}  // namespace

std::string format_labels(const label_set& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ',';
    out += labels[i].first + "=" + label_value(labels[i].second);
  }
  return out + "}";
}

std::string read_error::format() const {
  return file + (line > 0 ? ":" + std::to_string(line) : "") + ": " + message;
}

file_format detect_format(std::string_view name, std::string_view text) {
  const auto ends_with = [&](std::string_view suffix) {
    return name.size() >= suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
  };
  if (ends_with(".json")) return file_format::query_range_json;
  if (ends_with(".csv")) return file_format::csv;
  const auto t = detail::trim(text);
  if (!t.empty() && t.front() == '{') return file_format::query_range_json;
  const auto first = detail::trim(t.substr(0, t.find('\n')));
  if (first.rfind("timestamp,metric,labels,value", 0) == 0) return file_format::csv;
  if (t.size() >= 5 && t.substr(t.size() - 5) == "# EOF") return file_format::openmetrics;
  return file_format::prometheus_text;
}

bool store::same_sample(const sample& a, const sample& b) {
  return a.stale == b.stale &&
         (a.stale || a.value == b.value || (std::isnan(a.value) && std::isnan(b.value)));
}

std::string store::conflict(const series& s, std::int64_t at_ms, const where& first) const {
  return "duplicate sample for " + s.metric + format_labels(s.labels) + " at " +
         std::to_string(at_ms) + " ms with another value than " + files_[first.file] +
         (first.line > 0 ? ":" + std::to_string(first.line) : "");
}

std::vector<read_error> store::add_file(const std::string& name, std::string_view text) {
  store scratch;  // nothing of a file with an error is kept
  std::vector<read_error> errors;
  switch (detect_format(name, text)) {
    case file_format::query_range_json:
      errors = read_query_range(scratch, name, text);
      break;
    case file_format::csv:
      errors = read_csv(scratch, name, text);
      break;
    case file_format::prometheus_text:
      errors = read_exposition(scratch, name, text, false);
      break;
    case file_format::openmetrics:
      errors = read_exposition(scratch, name, text, true);
      break;
  }
  if (errors.empty()) errors = scratch.finish();  // conflicts within the file
  if (errors.empty() && scratch.all_.empty())
    errors.push_back({name, 0, "no samples: expected recorded series"});
  if (!errors.empty()) return errors;
  // Conflicts with the files read before, found before anything of this one is kept.
  for (std::size_t i = 0; i < scratch.all_.size(); ++i) {
    const auto& s = scratch.all_[i];
    const auto it = by_key_.find({s.metric, format_labels(s.labels)});
    if (it == by_key_.end()) continue;
    const auto& old = all_[it->second].samples;
    for (std::size_t k = 0; k < s.samples.size(); ++k) {
      const auto at = std::lower_bound(old.begin(), old.end(), s.samples[k].at_ms,
                                       [](const sample& x, std::int64_t t) { return x.at_ms < t; });
      if (at == old.end() || at->at_ms != s.samples[k].at_ms || same_sample(*at, s.samples[k]))
        continue;
      errors.push_back({name, static_cast<int>(scratch.where_[i][k].line),
                        conflict(s, s.samples[k].at_ms,
                                 where_[it->second][static_cast<std::size_t>(at - old.begin())])});
    }
  }
  if (!errors.empty()) return errors;
  // The file's series join the store's, a series at a time (they are sorted already).
  files_.push_back(name);
  const auto file = static_cast<std::uint32_t>(files_.size() - 1);
  for (std::size_t i = 0; i < scratch.all_.size(); ++i) {
    const auto& s = scratch.all_[i];
    const auto j = series_for(s.metric, s.labels);
    auto& samples = all_[j].samples;
    if (!samples.empty() && samples.back().at_ms >= s.samples.front().at_ms) unsorted_[j] = true;
    samples.insert(samples.end(), s.samples.begin(), s.samples.end());
    for (const auto& w : scratch.where_[i]) where_[j].push_back({file, w.line});
  }
  return finish();
}

std::vector<read_error> store::add_path(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {{path, 0, "cannot read the file"}};
  std::ostringstream text;
  text << in.rdbuf();
  return add_file(path, text.str());
}

std::size_t store::series_for(const std::string& metric, label_set labels) {
  std::sort(labels.begin(), labels.end());
  auto key = std::make_pair(metric, format_labels(labels));
  auto it = by_key_.find(key);
  if (it == by_key_.end()) {
    it = by_key_.emplace(std::move(key), all_.size()).first;
    by_metric_[metric].push_back(all_.size());
    all_.push_back({metric, std::move(labels), {}});
    where_.emplace_back();
    unsorted_.push_back(false);
  }
  return it->second;
}

void store::add(const std::string& metric, label_set labels, sample s, const std::string& file,
                int line) {
  const auto i = series_for(metric, std::move(labels));
  if (files_.empty() || files_.back() != file) files_.push_back(file);
  auto& samples = all_[i].samples;
  if (!samples.empty() && samples.back().at_ms >= s.at_ms) unsorted_[i] = true;
  samples.push_back(s);
  where_[i].push_back({static_cast<std::uint32_t>(files_.size() - 1),
                       static_cast<std::uint32_t>(std::max(line, 0))});
}

std::vector<read_error> store::finish() {
  std::vector<read_error> errors;

  for (std::size_t i = 0; i < all_.size(); ++i) {
    if (!unsorted_[i]) continue;
    unsorted_[i] = false;
    auto& s = all_[i].samples;
    auto& w = where_[i];
    std::vector<std::size_t> order(s.size());
    for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return s[a].at_ms < s[b].at_ms; });
    std::vector<sample> sorted;
    std::vector<where> sorted_where;
    sorted.reserve(s.size());
    sorted_where.reserve(s.size());
    for (const auto k : order) {
      if (!sorted.empty() && sorted.back().at_ms == s[k].at_ms) {
        if (!same_sample(sorted.back(), s[k]))
          errors.push_back({files_[w[k].file], static_cast<int>(w[k].line),
                            conflict(all_[i], s[k].at_ms, sorted_where.back())});
        continue;  // the same sample twice is one sample
      }
      sorted.push_back(s[k]);
      sorted_where.push_back(w[k]);
    }
    s = std::move(sorted);
    w = std::move(sorted_where);
  }
  return errors;
}

std::vector<const series*> store::find(std::string_view metric) const {
  std::vector<const series*> out;
  const auto it = by_metric_.find(metric);
  if (it == by_metric_.end()) return out;
  for (const auto i : it->second) out.push_back(&all_[i]);
  return out;
}

std::vector<std::string> store::metrics() const {
  std::vector<std::string> out;
  for (const auto& [m, _] : by_metric_) out.push_back(m);
  return out;
}

std::size_t store::sample_count() const {
  std::size_t n = 0;
  for (const auto& s : all_) n += s.samples.size();
  return n;
}

std::optional<std::pair<std::int64_t, std::int64_t>> store::time_span() const {
  std::optional<std::pair<std::int64_t, std::int64_t>> out;
  for (const auto& s : all_) {
    if (s.samples.empty()) continue;
    const auto a = s.samples.front().at_ms, b = s.samples.back().at_ms;
    out = out ? std::make_pair(std::min(out->first, a), std::max(out->second, b))
              : std::make_pair(a, b);
  }
  return out;
}

std::optional<double> value_at(std::span<const sample> samples, std::int64_t at_ms,
                               core::millis lookback) {
  const auto it = std::upper_bound(samples.begin(), samples.end(), at_ms,
                                   [](std::int64_t t, const sample& x) { return t < x.at_ms; });
  if (it == samples.begin()) return std::nullopt;
  const auto& last = *std::prev(it);
  if (last.stale || last.at_ms < at_ms - lookback.count()) return std::nullopt;
  return last.value;
}

}  // namespace floodgate::providers::recorded
