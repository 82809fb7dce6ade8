#include "text_scan.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <floodgate/core/value.hpp>

namespace floodgate::providers::recorded::detail {

namespace {

bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}
bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }

}  // namespace

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string shown(std::string_view s) {
  std::string out(s.substr(0, 40));
  if (s.size() > 40) out += "…";
  return "\"" + out + "\"";
}

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant, "chrono-Compatible Low-Level
// Date Algorithms", days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// `digits` decimal digits at s[pos..], or -1.
int fixed_number(std::string_view s, std::size_t pos, std::size_t digits) {
  if (pos + digits > s.size()) return -1;
  int v = 0;
  for (std::size_t i = 0; i < digits; ++i) {
    if (!is_digit(s[pos + i])) return -1;
    v = v * 10 + (s[pos + i] - '0');
  }
  return v;
}

}  // namespace

std::variant<std::int64_t, std::string> parse_rfc3339(std::string_view s) {
  const std::string expected =
      "expected unix seconds or an RFC 3339 time such as 2026-11-24T10:00:00Z, found " + shown(s);
  const int year = fixed_number(s, 0, 4), month = fixed_number(s, 5, 2),
            day = fixed_number(s, 8, 2);
  const int hour = fixed_number(s, 11, 2), minute = fixed_number(s, 14, 2),
            second = fixed_number(s, 17, 2);
  if (s.size() < 20 || year < 0 || s[4] != '-' || month < 1 || month > 12 || s[7] != '-' ||
      day < 1 || day > 31 || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || hour < 0 ||
      hour > 23 || s[13] != ':' || minute < 0 || minute > 59 || s[16] != ':' || second < 0 ||
      second > 60)
    return expected;
  std::size_t pos = 19;
  double fraction = 0;
  if (s[pos] == '.') {
    std::size_t end = pos + 1;
    while (end < s.size() && is_digit(s[end])) ++end;
    if (end == pos + 1) return expected;
    fraction = std::stod(std::string(s.substr(pos, end - pos)));
    pos = end;
  }
  std::int64_t offset_minutes = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    const int oh = fixed_number(s, pos + 1, 2), om = fixed_number(s, pos + 4, 2);
    if (oh < 0 || om < 0 || pos + 3 >= s.size() || s[pos + 3] != ':') return expected;
    offset_minutes = (s[pos] == '-' ? -1 : 1) * (oh * 60 + om);
    pos += 6;
  } else {
    return expected;
  }
  if (pos != s.size()) return expected;
  const std::int64_t days =
      days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const std::int64_t seconds =
      days * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
  return seconds * 1000 + std::llround(fraction * 1000.0);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

bool line_reader::next(std::string_view& line, int& number) {
  if (done_) return false;
  const auto nl = rest_.find('\n');
  line = rest_.substr(0, nl);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  number = ++number_;
  if (nl == std::string_view::npos) {
    done_ = true;
    rest_ = {};
  } else {
    rest_.remove_prefix(nl + 1);
  }
  return true;
}

std::variant<std::vector<std::string>, std::string> csv_fields(std::string_view line) {
  std::vector<std::string> out;
  std::size_t i = 0;
  for (;;) {
    std::string field;
    if (i < line.size() && line[i] == '"') {
      ++i;
      for (;;) {
        if (i >= line.size()) return std::string("a quoted field is not closed (a missing \")");
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field += line[i++];
      }
      if (i < line.size() && line[i] != ',')
        return "expected a comma after the quoted field " + shown(field) + ", found '" +
               std::string(1, line[i]) + "'";
    } else {
      // A quote inside an unquoted field is taken as it is (as Python's csv module reads it):
      // {pod="a"} needs no quoting.
      while (i < line.size() && line[i] != ',') field += line[i++];
    }
    out.push_back(std::move(field));
    if (i >= line.size()) break;
    ++i;  // the comma
  }
  return out;
}

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::variant<label_set, std::string> parse_labels(std::string_view text) {
  label_set out;
  auto s = trim(text);
  if (s.empty()) return out;
  if (s.front() != '{' || s.back() != '}')
    return "expected {name=\"value\",...}, found " + shown(s);
  s = s.substr(1, s.size() - 2);
  std::size_t i = 0;
  const auto skip_space = [&] {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  };
  for (;;) {
    skip_space();
    if (i >= s.size()) break;
    const std::size_t name_start = i;
    if (!is_name_start(s[i]) || s[i] == ':')
      return "expected a label name at " + shown(s.substr(i));
    while (i < s.size() && is_name_char(s[i]) && s[i] != ':') ++i;
    std::string name(s.substr(name_start, i - name_start));
    skip_space();
    if (i >= s.size() || s[i] != '=') return "expected '=' after the label " + name;
    ++i;
    skip_space();
    if (i >= s.size() || s[i] != '"') return "expected a quoted value for the label " + name;
    ++i;
    std::string value;
    for (;;) {
      if (i >= s.size()) return "the value of the label " + name + " is not closed";
      const char c = s[i++];
      if (c == '"') break;
      if (c == '\\') {
        if (i >= s.size()) return "the value of the label " + name + " is not closed";
        const char e = s[i++];
        if (e == 'n') {
          value += '\n';
        } else if (e == '\\' || e == '"') {
          value += e;
        } else {
          return "unknown escape \\" + std::string(1, e) + " in the label " + name;
        }
        continue;
      }
      value += c;
    }
    out.emplace_back(std::move(name), std::move(value));
    skip_space();
    if (i >= s.size()) break;
    if (s[i] != ',') return "expected ',' between labels at " + shown(s.substr(i));
    ++i;
  }
  std::sort(out.begin(), out.end());
  for (std::size_t k = 1; k < out.size(); ++k)
    if (out[k].first == out[k - 1].first) return "the label " + out[k].first + " appears twice";
  return out;
}

std::variant<exposition_sample, std::string> parse_exposition_line(std::string_view line,
                                                                   bool openmetrics) {
  exposition_sample x;
  std::size_t i = 0;
  if (line.empty() || !is_name_start(line[0]))
    return "expected a sample (metric{labels} value timestamp), found " + shown(line);
  while (i < line.size() && is_name_char(line[i])) ++i;
  x.metric = std::string(line.substr(0, i));
  if (i < line.size() && line[i] == '{') {
    // The label set ends at the first '}' outside a quoted value.
    std::size_t k = i + 1;
    bool in_value = false;
    for (; k < line.size(); ++k) {
      if (in_value && line[k] == '\\') {
        ++k;
        continue;
      }
      if (line[k] == '"') in_value = !in_value;
      if (!in_value && line[k] == '}') break;
    }
    if (k >= line.size()) return std::string("the label set is not closed (a missing })");
    auto labels = parse_labels(line.substr(i, k - i + 1));
    if (auto* e = std::get_if<std::string>(&labels)) return *e;
    x.labels = std::move(std::get<label_set>(labels));
    i = k + 1;
  }
  auto rest = line.substr(i);
  if (openmetrics) rest = rest.substr(0, rest.find(" # "));  // an exemplar
  rest = trim(rest);
  const auto space = rest.find_first_of(" \t");
  if (space == std::string_view::npos)
    return "the sample of " + x.metric +
           " has no timestamp (a recording needs one per sample: value then timestamp)";
  const auto value_text = rest.substr(0, space);
  const auto time_text = trim(rest.substr(space));
  const auto v = core::parse_go_float(value_text);
  if (!v) return "the value " + shown(value_text) + " of " + x.metric + " is not a number";
  x.value = *v;
  if (openmetrics) {
    const auto t = core::parse_go_float(time_text);
    if (!t || !std::isfinite(*t) || std::fabs(*t) > 9.0e12)
      return "the timestamp " + shown(time_text) + " is not unix seconds";
    x.at_ms = std::llround(*t * 1000.0);
  } else {
    std::int64_t ms = 0;
    const auto* end = time_text.data() + time_text.size();
    const auto r = std::from_chars(time_text.data(), end, ms);
    if (r.ec != std::errc() || r.ptr != end)
      return "the timestamp " + shown(time_text) + " is not milliseconds since the epoch";
    x.at_ms = ms;
  }
  return x;
}

}  // namespace floodgate::providers::recorded::detail

namespace floodgate::providers::recorded {

std::variant<std::int64_t, std::string> parse_timestamp(std::string_view text) {
  const auto s = detail::trim(text);
  if (s.size() >= 5 && detail::is_digit(s[0]) && s[4] == '-') return detail::parse_rfc3339(s);
  const auto v = core::parse_go_float(s);
  if (!v || !std::isfinite(*v) || std::fabs(*v) > 9.0e12)
    return "expected unix seconds or an RFC 3339 time such as 2026-11-24T10:00:00Z, found " +
           detail::shown(s);
  return std::llround(*v * 1000.0);
}

}  // namespace floodgate::providers::recorded
