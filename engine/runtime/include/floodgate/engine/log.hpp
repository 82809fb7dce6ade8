#pragma once
// floodgate's log lines on stderr, for an operator at 3 a.m. or a log pipeline: text
// ("floodgate: warning: shop-7: router: ...") or one JSON object per line with a timestamp,
// level, analysis, message and the record's own fields.

#include <nlohmann/json.hpp>
#include <string>

namespace floodgate::engine {

class logger {
 public:
  explicit logger(bool json) : json_(json) {}
  /// `level` is "info", "warning" or "error"; `analysis` may be "".
  void operator()(const std::string& level, const std::string& analysis, const std::string& message,
                  const nlohmann::ordered_json& fields = nlohmann::ordered_json::object()) const;

 private:
  bool json_;
};

}  // namespace floodgate::engine
