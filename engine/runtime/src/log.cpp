#include <chrono>
#include <cstdio>
#include <floodgate/engine/log.hpp>
#include <floodgate/providers/ports/decision_json.hpp>

namespace floodgate::engine {

void logger::operator()(const std::string& level, const std::string& analysis,
                        const std::string& message, const nlohmann::ordered_json& fields) const {
  std::string line;
  if (json_) {
    nlohmann::ordered_json j;
    j["ts"] = providers::ports::format_rfc3339(
        std::chrono::time_point_cast<core::millis>(std::chrono::system_clock::now()));
    j["level"] = level;
    if (!analysis.empty()) j["analysis"] = analysis;
    j["msg"] = message;
    for (const auto& [k, v] : fields.items()) j[k] = v;
    line = providers::ports::json_text(j);
  } else {
    line = "floodgate: " + (level == "info" ? std::string() : level + ": ") +
           (analysis.empty() ? std::string() : analysis + ": ") + message;
  }
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace floodgate::engine
