#pragma once
// The port through which the runtime moves traffic: set the canary's share of requests (the
// stable version gets the rest). A call sets a weight, it never adds one, so repeating it after
// a crash is harmless. Implementations: HAProxy's runtime API, nginx, a JSON webhook and
// Kubernetes manifests (providers/routers.hpp).

#include <functional>
#include <optional>
#include <string>

#include <floodgate/core/decision.hpp>

namespace floodgate::providers::ports {

/// The change to make and why.
struct route_change {
  std::string rollout;     ///< the rollout's id
  int canary_weight = 0;   ///< percent of requests to the canary, 0..100
  core::decision because;  ///< the decision that asked for it
};

class traffic_router {
 public:
  virtual ~traffic_router() = default;
  /// One line for logs and the API: "haproxy unix:/run/haproxy.sock app/canary,app/stable".
  virtual std::string describe() const = 0;
  /// Applies the change; `done` is called exactly once, on the router's executor, with nothing
  /// when the router holds the new weights (verified where the router can be read back) or the
  /// error. Never throws for an outside failure.
  virtual void set_weight(const route_change& change,
                          std::function<void(std::optional<std::string> error)> done) = 0;
};

}  // namespace floodgate::providers::ports
