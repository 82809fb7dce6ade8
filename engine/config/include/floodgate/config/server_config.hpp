#pragma once
// The configuration of `floodgate serve`, from a YAML or JSON file:
//
//   listen: 127.0.0.1:8080            # address:port of the sidecar API
//   journal: floodgate-journal.jsonl  # the decision journal (relative: to the working directory)
//   plans: [plans/checkout.yaml]      # the plan library (relative: to this file)
//   prometheus: http://127.0.0.1:9090 # every Prometheus metric's address (optional)
//   prometheus_token_file: token      # a bearer token sent to Prometheus (optional)
//   api_token_file: api-token         # POSTs need "Authorization: Bearer <it>" (optional)
//   unauthenticated: [flagger, kayenta]  # endpoints whose clients cannot send a token
//   body_limit: 1048576               # bytes
//   tick_deadline: 60s
//   log_format: text                  # or json (one JSON object per line)
//   kayenta: [ {name, id, applications, prometheus, metrics: [...], classifier} ]
//
// Every problem is reported with file, line and field, before anything starts.

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <floodgate/config/load.hpp>
#include <floodgate/core/duration.hpp>

namespace floodgate::config {

struct server_config {
  std::string listen_address = "127.0.0.1";
  unsigned short listen_port = 8080;
  std::string journal = "floodgate-journal.jsonl";
  std::vector<std::string> plans;  ///< paths, resolved against the config file's directory
  std::string prometheus;
  std::string prometheus_token_file;
  std::string api_token_file;
  std::vector<std::string> unauthenticated;
  std::size_t body_limit = 1 << 20;
  core::millis tick_deadline{60000};
  std::string log_format = "text";
  nlohmann::json kayenta = nlohmann::json::array();  ///< canary configs, as JSON
};

struct server_config_result {
  server_config config;
  std::vector<diagnostic> errors;
  bool ok() const { return errors.empty(); }
};

/// Reads `file` (its text `text`).
server_config_result load_server_config(const source_file& file);

/// "127.0.0.1:8080" or "[::1]:8080" → address (brackets removed) and port; nothing when the
/// text is not address:port. The `listen` field and `floodgate serve --listen` read it so.
std::optional<std::pair<std::string, unsigned short>> parse_listen(std::string_view text);

}  // namespace floodgate::config
