#pragma once
// A member of a JSON object that should be a string: its text, or `fallback` when the object
// lacks it or it is something else (a body is the server's or a file's to get wrong; reading it
// never throws, where json::value would). Internal to the providers' readers.

#include <nlohmann/json.hpp>
#include <string>

namespace floodgate::providers::detail {

inline std::string json_string(const nlohmann::json& object, const char* key,
                               std::string fallback = "") {
  if (!object.is_object()) return fallback;
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : fallback;
}

}  // namespace floodgate::providers::detail
