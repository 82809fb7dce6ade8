#include "case_values.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>

namespace floodgate::cases {

double number(const json& v) {
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) {
    const auto s = v.get<std::string>();
    if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
    if (s == "Infinity") return std::numeric_limits<double>::infinity();
    if (s == "-Infinity") return -std::numeric_limits<double>::infinity();
  }
  throw std::invalid_argument("expected a number, got " + v.dump());
}

std::vector<double> sample(const json& v) {
  std::vector<double> out;
  if (v.is_array()) {
    out.reserve(v.size());
    for (const auto& e : v) out.push_back(number(e));
    return out;
  }
  if (v.is_object() && v.value("gen", "") == "mod") {
    const auto n = v.at("n").get<std::int64_t>();
    const auto a = v.at("a").get<std::int64_t>();
    const auto c = v.at("c").get<std::int64_t>();
    const auto m = v.at("m").get<std::int64_t>();
    const double scale = number(v.at("scale"));
    const double offset = number(v.at("offset"));
    out.reserve(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) {
      out.push_back(static_cast<double>((a * i + c) % m) * scale + offset);
    }
    return out;
  }
  throw std::invalid_argument("expected an array of numbers or a generator, got " +
                              v.dump().substr(0, 80));
}

tolerance parse_tolerance(const json& v) {
  tolerance t;
  if (!v.is_object()) return t;
  if (v.contains("abs")) t.abs = number(v.at("abs"));
  if (v.contains("rel")) t.rel = number(v.at("rel"));
  t.exact = v.value("exact", false);
  if (!t.abs && !t.rel) t.exact = true;
  return t;
}

namespace {

bool is_numberish(const json& v) {
  if (v.is_number()) return true;
  if (!v.is_string()) return false;
  const auto s = v.get<std::string>();
  return s == "NaN" || s == "Infinity" || s == "-Infinity";
}

bool close(double e, double a, const tolerance& t) {
  if (std::isnan(e) || std::isnan(a)) return std::isnan(e) && std::isnan(a);
  if (std::isinf(e) || std::isinf(a)) return e == a;
  if (t.exact && !t.abs && !t.rel) return e == a;
  const double diff = std::fabs(e - a);
  if (t.abs && diff <= *t.abs) return true;
  if (t.rel && diff <= *t.rel * std::fabs(e)) return true;
  return diff == 0.0;
}

std::string show(const json& v) {
  auto s = v.dump();
  return s.size() > 120 ? s.substr(0, 117) + "..." : s;
}

}  // namespace

std::optional<std::string> compare(const json& expected, const json& actual, const tolerance& tol,
                                   const std::string& path) {
  const std::string where = path.empty() ? "result" : path;
  if (expected.is_object()) {
    if (!actual.is_object()) return where + ": expected an object, got " + show(actual);
    for (const auto& [key, value] : expected.items()) {
      const std::string sub = path.empty() ? key : path + "." + key;
      if (!actual.contains(key)) return sub + ": expected " + show(value) + " got nothing";
      if (auto m = compare(value, actual.at(key), tol, sub)) return m;
    }
    return std::nullopt;
  }
  if (expected.is_array()) {
    if (!actual.is_array() || actual.size() != expected.size()) {
      return where + ": expected " + show(expected) + " got " + show(actual);
    }
    for (std::size_t i = 0; i < expected.size(); ++i) {
      if (auto m = compare(expected[i], actual[i], tol, where + "[" + std::to_string(i) + "]")) {
        return m;
      }
    }
    return std::nullopt;
  }
  if (is_numberish(expected) && is_numberish(actual)) {
    if (close(number(expected), number(actual), tol)) return std::nullopt;
    return where + ": expected " + show(expected) + " got " + show(actual);
  }
  if (expected.is_null() && actual.is_null()) return std::nullopt;
  if (expected == actual) return std::nullopt;
  return where + ": expected " + show(expected) + " got " + show(actual);
}

}  // namespace floodgate::cases
