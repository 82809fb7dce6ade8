#include <floodgate/core/decision.hpp>
#include <floodgate/core/value.hpp>

#include "name_table.hpp"

namespace floodgate::core {

namespace {

constexpr detail::name_table<decision_kind, 5> kind_names = {{
    {decision_kind::set_weight, "set_weight"},
    {decision_kind::pause, "pause"},
    {decision_kind::promote, "promote"},
    {decision_kind::abort, "abort"},
    {decision_kind::hold, "hold"},
}};

}  // namespace

std::string_view decision_kind_name(decision_kind k) { return detail::name_in(kind_names, k); }
std::optional<decision_kind> parse_decision_kind(std::string_view name) {
  return detail::value_in(kind_names, name);
}

void add_evidence(decision_reason& reason, const comparison_verdict& v) {
  reason.statistic = v.statistic;
  reason.estimate = v.estimate;
  reason.interval_low = v.interval_low;
  reason.interval_high = v.interval_high;
  reason.p_value = v.p_value;
  reason.e_value = v.e_value;
  reason.n = v.n;
  reason.required_n = v.required_n;
}

std::string format_decision(const decision& d, instant epoch) {
  std::string out = "t=" + format_go_duration(d.at - epoch) + " step=" + std::to_string(d.step) +
                    " " + std::string(decision_kind_name(d.kind)) + " " + std::to_string(d.weight) +
                    " [" + d.reason.rule + "]";
  if (!d.reason.metric.empty()) out += " " + d.reason.metric + ":";
  if (!d.reason.detail.empty()) out += " " + d.reason.detail;
  if (!d.reason.value.empty()) out += " (value " + d.reason.value + ")";
  return out + format_evidence(d.reason);
}

std::string format_evidence(const decision_reason& r) {
  if (r.statistic.empty()) return "";
  const auto num = [](double v) { return format_float_short(v); };
  std::string out = " {" + r.statistic;
  if (r.estimate) out += " est=" + num(*r.estimate);
  if (r.interval_low && r.interval_high) {
    out += " [" + num(*r.interval_low) + ", " + num(*r.interval_high) + "]";
  }
  if (r.p_value) out += " p=" + num(*r.p_value);
  if (r.e_value) out += " e=" + num(*r.e_value);
  if (r.n) out += " n=" + num(*r.n);
  if (r.required_n) out += " required=" + num(*r.required_n);
  return out + "}";
}

}  // namespace floodgate::core
