#include <floodgate/core/decision.hpp>

namespace floodgate::core {

std::string_view decision_kind_name(decision_kind k) {
  switch (k) {
    case decision_kind::set_weight:
      return "set_weight";
    case decision_kind::pause:
      return "pause";
    case decision_kind::promote:
      return "promote";
    case decision_kind::abort:
      return "abort";
    case decision_kind::hold:
      return "hold";
  }
  return "?";
}

std::string format_decision(const decision& d, instant epoch) {
  std::string out = "t=" + format_go_duration(d.at - epoch) + " step=" + std::to_string(d.step) +
                    " " + std::string(decision_kind_name(d.kind)) + " " + std::to_string(d.weight) +
                    " [" + d.reason.rule + "]";
  if (!d.reason.metric.empty()) out += " " + d.reason.metric + ":";
  if (!d.reason.detail.empty()) out += " " + d.reason.detail;
  if (!d.reason.value.empty()) out += " (value " + d.reason.value + ")";
  return out;
}

}  // namespace floodgate::core
