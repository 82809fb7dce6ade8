#pragma once
// A member of a JSON object that should be a string: its text, or "" when the object lacks it or
// it is something else (json::value would throw). Internal to the recorded-series code.

#include <nlohmann/json.hpp>
#include <string>

namespace floodgate::providers::recorded::detail {

inline std::string json_string(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return "";
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace floodgate::providers::recorded::detail
