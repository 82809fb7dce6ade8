#include "cli_values.hpp"

#include <unistd.h>

#include <fstream>
#include <stdexcept>

#include <fmt/format.h>
#include <charconv>
#include <cmath>
#include <floodgate/core/duration.hpp>
#include <floodgate/providers/recorded/series.hpp>

namespace floodgate::app {

std::variant<double, std::string> parse_duration(std::string_view text) {
  const auto d = core::parse_go_duration(text);
  const auto* ms = std::get_if<core::millis>(&d);
  if (ms == nullptr || ms->count() < 0 || text.front() == '+') {
    return "expected a duration like 30s, 10m, 1h30m or 250ms, got \"" + std::string(text) + "\"";
  }
  return static_cast<double>(ms->count()) / 1000.0;
}

std::variant<std::vector<analysis::traffic_step>, std::string> parse_steps(std::string_view text) {
  std::vector<analysis::traffic_step> steps;
  std::size_t start = 0;
  int index = 0;
  while (start <= text.size()) {
    const std::size_t comma = text.find(',', start);
    const auto item =
        text.substr(start, comma == std::string_view::npos ? text.npos : comma - start);
    ++index;
    const std::string where = "step " + std::to_string(index) + " \"" + std::string(item) + "\": ";
    const std::size_t colon = item.find(':');
    if (colon == std::string_view::npos) {
      return where + "expected WEIGHT:DURATION, e.g. 5:10m (5 % of traffic for 10 minutes)";
    }
    double weight = 0.0;
    const auto w = item.substr(0, colon);
    const auto [end, ec] = std::from_chars(w.data(), w.data() + w.size(), weight);
    if (ec != std::errc() || end != w.data() + w.size() || !(weight > 0.0 && weight <= 100.0)) {
      return where + "expected a weight in (0, 100] percent before ':'";
    }
    const auto d = parse_duration(item.substr(colon + 1));
    if (const auto* msg = std::get_if<std::string>(&d)) return where + *msg;
    const double seconds = std::get<double>(d);
    if (!(seconds > 0.0)) return where + "expected a duration > 0";
    steps.push_back({weight / 100.0, seconds});
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return steps;
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds)) return "never";
  if (seconds < 60.0) return fmt::format("{:.4g}s", seconds);
  const auto total = static_cast<long long>(std::ceil(seconds));
  const long long h = total / 3600;
  const long long m = (total % 3600) / 60;
  const long long s = total % 60;
  std::string out;
  if (h > 0) out += fmt::format("{}h", h);
  if (m > 0 || h > 0) out += fmt::format("{}m", m);
  out += fmt::format("{}s", s);
  return out;
}

std::optional<std::string> parse_assignments(const std::vector<std::string>& items,
                                             std::map<std::string, std::string>& out) {
  for (const auto& a : items) {
    const auto eq = a.find('=');
    if (eq == std::string::npos || eq == 0) return a;
    out[a.substr(0, eq)] = a.substr(eq + 1);
  }
  return std::nullopt;
}

std::string read_secret_file(const std::string& path, const std::string& what) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument(what + ": cannot read " + path);
  std::string t;
  std::getline(in, t);
  while (!t.empty() && (t.back() == '\r' || t.back() == ' ')) t.pop_back();
  if (t.empty()) throw std::invalid_argument(what + ": " + path + " holds no token");
  return t;
}

std::optional<std::string> html_to_terminal(const std::string& output) {
  if (output != "html" || ::isatty(STDOUT_FILENO) == 0) return std::nullopt;
  return "--output html writes a page: redirect it to a file (> report.html)";
}

std::optional<core::instant> time_flag(const std::string& text, const char* flag,
                                       std::string& error) {
  if (text.empty()) return std::nullopt;
  const auto t = providers::recorded::parse_timestamp(text);
  if (const auto* e = std::get_if<std::string>(&t)) {
    error = std::string(flag) + ": " + *e;
    return std::nullopt;
  }
  return core::instant(core::millis(std::get<std::int64_t>(t)));
}

}  // namespace floodgate::app
