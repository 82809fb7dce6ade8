#pragma once
// Parsing of the command line's value syntaxes: durations ("30s", "10m", "1h30m", "250ms"), step
// lists ("5:10m,25:10m,50:10m") and NAME=VALUE assignments. Errors say what was found and what was
// expected.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <floodgate/analysis/sample_size.hpp>

namespace floodgate::app {

// Seconds (Go duration syntax, as plans use; not negative), or an error message.
std::variant<double, std::string> parse_duration(std::string_view text);
// Steps WEIGHT%:DURATION separated by commas, or an error message naming the step.
std::variant<std::vector<analysis::traffic_step>, std::string> parse_steps(std::string_view text);
// "1h2m3s", "12m30s", "45s", "1.5s" — the inverse of parse_duration for display.
std::string format_duration(double seconds);
// NAME=VALUE items (--arg) into `out`; the first item without a name and '=', when any.
std::optional<std::string> parse_assignments(const std::vector<std::string>& items,
                                             std::map<std::string, std::string>& out);
// The first line of a secret file (a token), trailing blanks cut; throws std::invalid_argument
// naming `what` when it cannot be read.
std::string read_secret_file(const std::string& path, const std::string& what);

}  // namespace floodgate::app
