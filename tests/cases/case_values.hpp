#pragma once
// Reading the shared case files' values and comparing results against them with the case's
// tolerance. Conventions (shared/oracles/stats_cases.json header): non-finite numbers are the
// strings "NaN", "Infinity", "-Infinity"; large samples are {"gen": "mod", ...} generators;
// tolerances {"abs": a, "rel": r} pass if either holds, {"exact": true} for labels and integers.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace floodgate::cases {

using json = nlohmann::json;

// A number, or one of the non-finite strings. Throws std::invalid_argument otherwise.
double number(const json& v);
// An array of numbers or a generator spec.
std::vector<double> sample(const json& v);

struct tolerance {
  std::optional<double> abs;
  std::optional<double> rel;
  bool exact = false;
};
tolerance parse_tolerance(const json& v);

// Compares `expected` with `actual` key by key (recursively for objects and arrays). Keys of
// `actual` that `expected` does not name are ignored. Returns the first mismatch as
// "key: expected X got Y", or nothing when everything matches.
std::optional<std::string> compare(const json& expected, const json& actual, const tolerance& tol,
                                   const std::string& path = "");

}  // namespace floodgate::cases
