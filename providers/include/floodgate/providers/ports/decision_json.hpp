#pragma once
// The decision record as JSON, the one shape the journal, the sidecar API, the webhook router
// and the reports share:
//   {"at": "2026-11-24T10:00:00.000Z", "at_ms": 1795000000000, "step": 1, "kind": "set_weight",
//    "weight": 20, "reason": {"rule": "step", "metric": "", ..., "p_value": 0.002, ...}}
// Absent statistics are left out; non-finite numbers are written "NaN", "+Inf", "-Inf".

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include <floodgate/core/decision.hpp>

namespace floodgate::providers::ports {

nlohmann::ordered_json decision_to_json(const core::decision& d);
/// The inverse; the error says which field is wrong.
std::optional<core::decision> decision_from_json(const nlohmann::json& j, std::string& error);

/// "2026-11-24T10:00:00.000Z" (RFC 3339, UTC, milliseconds).
std::string format_rfc3339(core::instant t);

/// A number as the record writes it: finite as a number, else "NaN", "+Inf" or "-Inf".
nlohmann::ordered_json json_number(double d);

/// The statistics a reason has (estimate, interval_low, interval_high, p_value, e_value, n,
/// required_n, in that order) as members of `out`, written as the record writes them.
void add_statistics(nlohmann::ordered_json& out, const core::decision_reason& r);

/// JSON text that never throws: bytes that are not UTF-8 (a client's target, a server's error
/// page) become U+FFFD. Every writer of records, answers and logs uses it.
template <class Json>
std::string json_text(const Json& j, int indent = -1) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace floodgate::providers::ports
