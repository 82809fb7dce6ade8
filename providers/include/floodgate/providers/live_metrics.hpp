#pragma once
// The live metrics source (ports/metrics_source.hpp): Prometheus instant queries and web
// metrics over the HTTP client, one client per address kept for the source's life (so
// connections are reused interval after interval). A threshold metric's answer is read as Argo
// Rollouts reads it; a comparison metric's arms are asked together and their answers combined:
// a count arm ("canary.events") must be one number (an empty vector is 0, as `sum()` over no
// series is), a sample arm ("canary") gives every value of its answer. Any arm's failure fails
// the measurement.

#include <functional>
#include <memory>
#include <string_view>

#include <floodgate/providers/http_client.hpp>
#include <floodgate/providers/ports/metrics_source.hpp>

namespace boost::asio {
class io_context;
}

namespace floodgate::providers {

struct live_metrics_options {
  core::millis deadline{30000};  ///< per query, when the metric sets no timeout
  retry_policy retry;
  std::string bearer_token;  ///< sent to every Prometheus (from a token file)
  /// Kept-alive connections per address: a sidecar asks thousands of queries per interval.
  std::size_t connections = 16;
  /// Called with every answer to a Prometheus instant query evaluated at a given time (its
  /// PromQL, the time, the body as received): how `floodgate run --record` keeps what the
  /// rollout saw, for a replay.
  std::function<void(const std::string& promql, core::instant at, std::string_view body)> tap;
};

std::unique_ptr<ports::metrics_source> make_live_metrics(boost::asio::io_context& io,
                                                         live_metrics_options options = {});

}  // namespace floodgate::providers
