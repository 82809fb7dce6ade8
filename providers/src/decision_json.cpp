#include <cmath>
#include <ctime>
#include <floodgate/core/value.hpp>
#include <floodgate/providers/ports/decision_json.hpp>

namespace floodgate::providers::ports {

namespace {

using json = nlohmann::json;

std::optional<double> read_number(const json& j) {
  if (j.is_number()) return j.get<double>();
  if (j.is_string()) return core::parse_go_float(j.get<std::string>());
  return std::nullopt;
}

struct number_field {
  const char* name;
  std::optional<double> core::decision_reason::*member;
};

constexpr number_field number_fields[] = {
    {"estimate", &core::decision_reason::estimate},
    {"interval_low", &core::decision_reason::interval_low},
    {"interval_high", &core::decision_reason::interval_high},
    {"p_value", &core::decision_reason::p_value},
    {"e_value", &core::decision_reason::e_value},
    {"n", &core::decision_reason::n},
    {"required_n", &core::decision_reason::required_n},
};

struct text_field {
  const char* name;
  std::string core::decision_reason::*member;
};

constexpr text_field text_fields[] = {
    {"rule", &core::decision_reason::rule},           {"metric", &core::decision_reason::metric},
    {"detail", &core::decision_reason::detail},       {"value", &core::decision_reason::value},
    {"statistic", &core::decision_reason::statistic},
};

}  // namespace

nlohmann::ordered_json json_number(double d) {
  if (std::isfinite(d)) return d;
  return core::format_float_plain(d);  // "NaN", "+Inf", "-Inf"
}

std::string format_rfc3339(core::instant t) {
  const auto ms = t.time_since_epoch().count();
  const std::time_t secs = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  const long frac = static_cast<long>(ms - static_cast<long long>(secs) * 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  const auto n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%.*s.%03ldZ", static_cast<int>(n), buf, frac);
  return out;
}

void add_statistics(nlohmann::ordered_json& out, const core::decision_reason& r) {
  for (const auto& f : number_fields)
    if (const auto& v = r.*f.member) out[f.name] = json_number(*v);
}

nlohmann::ordered_json decision_to_json(const core::decision& d) {
  nlohmann::ordered_json reason;
  for (const auto& f : text_fields) reason[f.name] = d.reason.*f.member;
  add_statistics(reason, d.reason);
  nlohmann::ordered_json j;
  j["at"] = format_rfc3339(d.at);
  j["at_ms"] = d.at.time_since_epoch().count();
  j["step"] = d.step;
  j["kind"] = core::decision_kind_name(d.kind);
  j["weight"] = d.weight;
  j["reason"] = std::move(reason);
  return j;
}

std::optional<core::decision> decision_from_json(const json& j, std::string& error) {
  if (!j.is_object()) {
    error = "a decision: expected an object";
    return std::nullopt;
  }
  core::decision d;
  const auto at = j.find("at_ms");
  if (at == j.end() || !at->is_number_integer()) {
    error = "/at_ms: expected milliseconds since the Unix epoch";
    return std::nullopt;
  }
  d.at = core::instant(core::millis(at->get<std::int64_t>()));
  const auto step = j.find("step");
  if (step == j.end() || !step->is_number_unsigned()) {
    error = "/step: expected a step index";
    return std::nullopt;
  }
  d.step = step->get<std::size_t>();
  const auto kind = j.find("kind");
  const auto parsed = kind != j.end() && kind->is_string()
                          ? core::parse_decision_kind(kind->get<std::string>())
                          : std::optional<core::decision_kind>{};
  if (!parsed) {
    error = "/kind: expected set_weight, pause, promote, abort or hold";
    return std::nullopt;
  }
  d.kind = *parsed;
  const auto weight = j.find("weight");
  if (weight == j.end() || !weight->is_number_integer() || weight->get<int>() < 0 ||
      weight->get<int>() > 100) {
    error = "/weight: expected a percentage 0..100";
    return std::nullopt;
  }
  d.weight = weight->get<int>();
  const auto reason = j.find("reason");
  if (reason == j.end() || !reason->is_object()) {
    error = "/reason: expected an object";
    return std::nullopt;
  }
  for (const auto& f : text_fields) {
    const auto it = reason->find(f.name);
    if (it == reason->end()) continue;
    if (!it->is_string()) {
      error = std::string("/reason/") + f.name + ": expected a string";
      return std::nullopt;
    }
    d.reason.*f.member = it->get<std::string>();
  }
  for (const auto& f : number_fields) {
    const auto it = reason->find(f.name);
    if (it == reason->end()) continue;
    const auto v = read_number(*it);
    if (!v) {
      error = std::string("/reason/") + f.name + ": expected a number";
      return std::nullopt;
    }
    d.reason.*f.member = *v;
  }
  return d;
}

}  // namespace floodgate::providers::ports
