#include "yaml_reader.hpp"

#include <yaml-cpp/exceptions.h>

#include <algorithm>
#include <charconv>
#include <floodgate/core/value.hpp>

namespace floodgate::config::detail {

namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      const auto lower = [](char c) {
        return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
      };
      row[j] = std::min(
          {row[j] + 1, row[j - 1] + 1, diag + (lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

std::variant<std::shared_ptr<const yaml_tree>, diagnostic> parse_document(const source_file& file) {
  try {
    return yaml_tree::parse(file.text);
  } catch (const YAML::Exception& e) {
    return syntax_error(file.name, e, "not valid YAML or JSON");
  }
}

std::string kind_of(const yaml_node& n) {
  if (n.is_map()) return "a map";
  if (n.is_sequence()) return "a list";
  if (n.is_null()) return "nothing";
  return "\"" + n.scalar() + "\"";
}

std::string child(const std::string& pointer, std::string_view key) {
  std::string out = pointer + "/";
  for (const char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string child(const std::string& pointer, std::size_t index) {
  return pointer + "/" + std::to_string(index);
}

std::string did_you_mean(std::string_view word, const std::vector<std::string_view>& candidates) {
  std::string best;
  std::size_t best_d = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const auto c : candidates) {
    const std::size_t d = edit_distance(word, c);
    if (d < best_d) {
      best_d = d;
      best = std::string(c);
    }
  }
  return best;
}

int line_of(const yaml_node& n) { return n.defined() && n.line() >= 0 ? n.line() + 1 : 0; }

diagnostic syntax_error(const std::string& file, const YAML::Exception& e, std::string_view what) {
  return {file, e.mark.line >= 0 ? e.mark.line + 1 : 0, e.mark.column >= 0 ? e.mark.column + 1 : 0,
          "/", std::string(what) + ": " + e.msg};
}

void reader::error(const yaml_node& at, const std::string& pointer, std::string message) {
  diagnostic d;
  d.file = file_;
  if (at.defined() && at.line() >= 0) {
    d.line = at.line() + 1;
    d.column = at.column() + 1;
  }
  d.pointer = pointer.empty() ? "/" : pointer;
  d.message = std::move(message);
  errors_.push_back(std::move(d));
}

bool reader::map(const yaml_node& n, const std::string& pointer,
                 const std::vector<std::string_view>& known,
                 const std::vector<std::string_view>& allowed_extra) {
  if (!n.defined()) {
    error(n, pointer, "missing; expected a map");
    return false;
  }
  if (!n.is_map()) {
    error(n, pointer, "found " + kind_of(n) + ", expected a map");
    return false;
  }
  for (auto it = n.begin(); it != n.end(); ++it) {
    const std::string key = it->first.scalar();
    const auto in = [&](const std::vector<std::string_view>& set) {
      return std::find(set.begin(), set.end(), key) != set.end();
    };
    if (in(known) || in(allowed_extra)) continue;
    std::string msg = "unknown field \"" + key + "\"";
    const std::string guess = did_you_mean(key, known);
    if (!guess.empty()) {
      msg += "; did you mean \"" + guess + "\"?";
    } else {
      std::string list;
      for (const auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      msg += "; expected one of " + list;
    }
    error(it->first, child(pointer, key), msg);
  }
  return true;
}

bool reader::sequence(const yaml_node& n, const std::string& pointer) {
  if (n.is_sequence()) return true;
  error(n, pointer, "found " + kind_of(n) + ", expected a list");
  return false;
}

std::optional<std::string> reader::string(const yaml_node& parent, const std::string& pointer,
                                          std::string_view key, bool required) {
  const yaml_node n = at(parent, key);
  const std::string at = child(pointer, key);
  if (!n.defined() || n.is_null()) {
    if (required) error(parent, at, "missing; expected a string");
    return std::nullopt;
  }
  if (!n.is_scalar()) {
    error(n, at, "found " + kind_of(n) + ", expected a string");
    return std::nullopt;
  }
  return n.scalar();
}

std::optional<std::int64_t> reader::integer(const yaml_node& parent, const std::string& pointer,
                                            std::string_view key) {
  const auto s = string(parent, pointer, key);
  if (!s) return std::nullopt;
  return integer_of(*s, at(parent, key), child(pointer, key));
}

std::optional<std::int64_t> reader::integer_of(const std::string& text, const yaml_node& node,
                                               const std::string& pointer) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) {
    error(node, pointer, "found \"" + text + "\", expected an integer");
    return std::nullopt;
  }
  return v;
}

std::optional<double> reader::number(const yaml_node& parent, const std::string& pointer,
                                     std::string_view key) {
  const auto s = string(parent, pointer, key);
  if (!s) return std::nullopt;
  const auto v = core::parse_go_float(*s);
  if (!v || !std::isfinite(*v)) {
    error(at(parent, key), child(pointer, key), "found \"" + *s + "\", expected a number");
    return std::nullopt;
  }
  return v;
}

std::optional<bool> reader::boolean(const yaml_node& parent, const std::string& pointer,
                                    std::string_view key) {
  const auto s = string(parent, pointer, key);
  if (!s) return std::nullopt;
  if (*s == "true") return true;
  if (*s == "false") return false;
  error(at(parent, key), child(pointer, key), "found \"" + *s + "\", expected true or false");
  return std::nullopt;
}

std::optional<core::millis> reader::duration(const yaml_node& parent, const std::string& pointer,
                                             std::string_view key, bool int_seconds) {
  const auto s = string(parent, pointer, key);
  if (!s) return std::nullopt;
  return duration_of(*s, at(parent, key), child(pointer, key), int_seconds);
}

std::optional<core::millis> reader::duration_of(const std::string& text, const yaml_node& node,
                                                const std::string& pointer, bool int_seconds) {
  if (int_seconds && !text.empty() &&
      std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return core::millis(std::stoll(text) * 1000);
  }
  auto d = core::parse_go_duration(text);
  if (const auto* m = std::get_if<core::millis>(&d)) return *m;
  error(node, pointer,
        "found \"" + text + "\", expected a duration such as 30s, 5m or 1h" +
            (int_seconds ? " (or whole seconds)" : ""));
  return std::nullopt;
}

nlohmann::ordered_json yaml_to_json(const yaml_node& n) {
  if (n.is_map()) {
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    for (auto it = n.begin(); it != n.end(); ++it) j[it->first.scalar()] = yaml_to_json(it->second);
    return j;
  }
  if (n.is_sequence()) {
    nlohmann::ordered_json j = nlohmann::ordered_json::array();
    for (const auto& x : n) j.push_back(yaml_to_json(x));
    return j;
  }
  if (!n.is_scalar()) return nullptr;
  const std::string& s = n.scalar();
  if (n.tag() == "!") return s;  // quoted
  if (s == "null" || s == "~" || s.empty()) return nullptr;
  if (s == "true") return true;
  if (s == "false") return false;
  try {
    std::size_t used = 0;
    const long long i = std::stoll(s, &used);
    if (used == s.size()) return i;
    const double d = std::stod(s, &used);
    if (used == s.size()) return d;
  } catch (const std::exception&) {
  }
  return s;
}

}  // namespace floodgate::config::detail
