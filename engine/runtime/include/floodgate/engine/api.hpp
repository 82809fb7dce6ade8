#pragma once
// The sidecar's HTTP API without the transport: a request in, a response out, so every route
// is tested without a socket and the Beast server (server.hpp) only moves bytes.
//
//   GET  /healthz, /readyz, /metrics
//   GET  /api/v1/analyses                      list
//   POST /api/v1/analyses                      create {id, plan, files, args, version, started_by}
//   GET  /api/v1/analyses/{id}                 state, step, weight, metrics (n vs required n),
//                                              decisions
//   POST /api/v1/analyses/{id}/approve|resume|abort
//   GET  /api/v1/analyses/{id}/verdict         Argo Rollouts web metric: {"verdict": ...}
//   POST /api/v1/argo/verdict                  the same, starting the analysis on first call
//   GET  /api/v1/events[?analysis=id]          Server-Sent Events (the server streams them)
//   GET  /canaryConfig, POST /canary/{configId}, GET /canary/{executionId}   Kayenta
//   POST /flagger/{hook}                       Flagger webhooks: 200 go, 403 no-go
//   POST /gate/{approve,halt,check,open,close}, /rollback/{check,open,close}
//                                              Flagger load tester's manual gates
//
// Errors are JSON {"error": "...", "status": N} with 400, 401, 404, 405 (with Allow), 409, 413
// (the server's body limit), 503. With a token configured, every POST needs
// `Authorization: Bearer <token>` — except the endpoints of clients that cannot send one
// (Flagger's webhooks and gates, Kayenta's provider), when the configuration lists them as
// unauthenticated.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <floodgate/config/load.hpp>
#include <floodgate/core/decision.hpp>
#include <floodgate/engine/kayenta_service.hpp>
#include <floodgate/providers/ports/metrics_source.hpp>

namespace floodgate::engine {

class engine;
class telemetry;

struct api_request {
  std::string method;                                        ///< "GET"
  std::string target;                                        ///< "/api/v1/analyses?x=1"
  std::vector<std::pair<std::string, std::string>> headers;  ///< names in lower case
  std::string body;
  std::string header(std::string_view lower_name) const;
};

struct api_response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  ///< e.g. Allow, WWW-Authenticate
};

/// A JSON error response.
api_response api_error(int status, const std::string& message);

struct api_options {
  std::string token;                       ///< bearer token for POSTs; "" = none
  std::set<std::string> unauthenticated;   ///< "flagger", "kayenta": exempt from the token
  std::vector<config::source_file> plans;  ///< the plan library analyses are started from
  std::string prometheus;                  ///< every Prometheus metric's address, when set
  std::vector<kayenta_canary_config> kayenta;
};

class api {
 public:
  /// `metrics` is the port Kayenta executions fetch through. All calls on the io thread.
  api(engine& e, telemetry& t, providers::ports::metrics_source& metrics, api_options o);
  ~api();
  api(const api&) = delete;
  api& operator=(const api&) = delete;

  api_response handle(const api_request& r);

  /// Whether `r` asks for the event stream; `filter` is the analysis id or "" for all.
  bool wants_events(const api_request& r, std::string& filter) const;
  /// A stream's sink gets each event as SSE text; it returns false when the client has gone.
  using event_sink = std::function<bool(const std::string& chunk)>;
  std::uint64_t subscribe(std::string filter, event_sink sink);
  void unsubscribe(std::uint64_t id);

  /// From the engine's events.
  void on_decision(const std::string& id, const core::decision& d);
  void on_finished(const std::string& id, core::rollout_status s);

  void set_ready(bool ready);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace floodgate::engine
