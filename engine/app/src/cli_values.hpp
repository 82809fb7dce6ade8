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

#include <fmt/format.h>
#include <cstdio>

#include <floodgate/analysis/sample_size.hpp>
#include <floodgate/config/load.hpp>
#include <floodgate/core/duration.hpp>

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

/// `--output html` onto a terminal: the reason to refuse (a page is for a file or a pipe), else
/// nothing.
std::optional<std::string> html_to_terminal(const std::string& output);

// An instant flag (unix seconds or RFC 3339): nothing when `text` is empty; on a bad value,
// nothing and `error` set to "<flag>: …".
std::optional<core::instant> time_flag(const std::string& text, const char* flag,
                                       std::string& error);

// The file of a flag (--scenario, --map) read by `parse`; nothing, its errors printed to stderr
// ("floodgate <command>: <flag>: cannot read <path>", or each located diagnostic), when it
// cannot be read or is not what `parse` expects.
template <typename T, typename Parse>
std::optional<T> read_flag_file(std::string_view command, const std::string& flag,
                                const std::string& path, Parse parse) {
  const auto files = config::read_files({path});
  if (!files.errors.empty()) {
    fmt::print(stderr, "floodgate {}: {}: cannot read {}\n", command, flag, path);
    return std::nullopt;
  }
  auto read = parse(files.files.front());
  if (auto* errors = std::get_if<std::vector<config::diagnostic>>(&read)) {
    for (const auto& e : *errors) fmt::print(stderr, "{}\n", e.format());
    return std::nullopt;
  }
  return std::get<T>(std::move(read));
}

}  // namespace floodgate::app
