#pragma once
// Time in the core is virtual: milliseconds since an epoch chosen by whoever drives the
// controller (the runtime's clock, the simulator's virtual clock, a test's fake clock).

#include <chrono>
#include <string>
#include <string_view>
#include <variant>

namespace floodgate::core {

using millis = std::chrono::milliseconds;
/// A point in time: milliseconds since the driver's epoch.
using instant = std::chrono::time_point<std::chrono::system_clock, millis>;

/// Go's time.ParseDuration syntax, which Argo Rollouts and Flagger use for `interval`,
/// `initialDelay` and pauses: a sequence of decimal numbers with units ns, us (µs), ms, s, m, h
/// ("30s", "1h30m", "1.5m", "250ms"). A bare "0" is zero. Sub-millisecond parts are rounded to
/// the nearest millisecond. Returns the duration or "expected ... found ..." text.
std::variant<millis, std::string> parse_go_duration(std::string_view text);

/// "1h2m3s", "10m", "45s", "1.5s", "100ms", "0s": the shortest Go-style spelling of a duration
/// (below a second in milliseconds, as Go's Duration.String).
std::string format_go_duration(millis d);

}  // namespace floodgate::core
