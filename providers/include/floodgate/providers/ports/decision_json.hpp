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

}  // namespace floodgate::providers::ports
