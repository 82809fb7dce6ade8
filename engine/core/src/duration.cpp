#include <floodgate/core/duration.hpp>

#include <cctype>
#include <cmath>
#include <string>

namespace floodgate::core {

std::variant<millis, std::string> parse_go_duration(std::string_view text) {
  const std::string quoted = "\"" + std::string(text) + "\"";
  if (text.empty()) return std::string("expected a duration such as 30s, 5m or 1h30m, found \"\"");
  std::string_view s = text;
  bool negative = false;
  if (s.front() == '-' || s.front() == '+') {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return millis(0);
  double total_ms = 0;
  while (!s.empty()) {
    std::size_t i = 0;
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
    if (i == 0) {
      return "expected a number in the duration " + quoted + " at \"" + std::string(s) + "\"";
    }
    const std::string number(s.substr(0, i));
    if (number == "." || number.find('.') != number.rfind('.')) {
      return "invalid number \"" + number + "\" in the duration " + quoted;
    }
    s.remove_prefix(i);
    std::size_t u = 0;
    while (u < s.size() && !std::isdigit(static_cast<unsigned char>(s[u])) && s[u] != '.') ++u;
    const std::string_view unit = s.substr(0, u);
    s.remove_prefix(u);
    double scale = 0;
    if (unit == "ns") {
      scale = 1e-6;
    } else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") {
      scale = 1e-3;
    } else if (unit == "ms") {
      scale = 1;
    } else if (unit == "s") {
      scale = 1e3;
    } else if (unit == "m") {
      scale = 60e3;
    } else if (unit == "h") {
      scale = 3600e3;
    } else if (unit.empty()) {
      return "missing unit in the duration " + quoted + " (expected one of ns, us, ms, s, m, h)";
    } else {
      return "unknown unit \"" + std::string(unit) + "\" in the duration " + quoted +
             " (expected one of ns, us, ms, s, m, h)";
    }
    total_ms += std::stod(number) * scale;
  }
  if (total_ms > 9.2e15) return "the duration " + quoted + " is too long";
  const auto ms = static_cast<millis::rep>(std::llround(total_ms));
  return millis(negative ? -ms : ms);
}

std::string format_go_duration(millis d) {
  if (d.count() == 0) return "0s";
  std::string out;
  long long ms = d.count();
  if (ms < 0) {
    out += '-';
    ms = -ms;
  }
  const long long h = ms / 3600000;
  const long long m = (ms / 60000) % 60;
  const long long s = (ms / 1000) % 60;
  const long long rest = ms % 1000;
  if (ms < 1000) return out + std::to_string(ms) + "ms";  // Go: below a second, in ms
  if (h > 0) out += std::to_string(h) + "h";
  if (m > 0) out += std::to_string(m) + "m";
  if (s > 0 || rest > 0) {
    out += std::to_string(s);
    if (rest > 0) {
      std::string frac = std::to_string(1000 + rest).substr(1);
      while (!frac.empty() && frac.back() == '0') frac.pop_back();
      out += "." + frac;
    }
    out += "s";
  }
  return out;
}

}  // namespace floodgate::core
