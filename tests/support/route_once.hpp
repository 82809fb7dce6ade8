#pragma once
// One router call (or one plain HTTP GET) on an io_context of its own, run to completion: for
// tests that drive a router or ask a server through a proxy.

#include <boost/asio/io_context.hpp>
#include <floodgate/providers/http_client.hpp>
#include <floodgate/providers/ports/traffic_router.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace floodgate::testing {

/// Builds a router on a fresh io_context, sets the canary weight, and returns the error or
/// nothing.
inline std::optional<std::string> route_once(
    const std::function<
        std::unique_ptr<providers::ports::traffic_router>(boost::asio::io_context&)>& make,
    int canary_weight) {
  boost::asio::io_context io;
  auto router = make(io);
  providers::ports::route_change change;
  change.rollout = "test";
  change.canary_weight = canary_weight;
  change.because.weight = canary_weight;
  std::optional<std::optional<std::string>> got;
  router->set_weight(change, [&](std::optional<std::string> e) { got = std::move(e); });
  io.run();
  return got.value();  // throws when the router never answered
}

/// Sends one request to base_url (no retries) and returns the outcome.
inline providers::http_outcome send_once(const std::string& base_url, providers::http_request r) {
  boost::asio::io_context io;
  providers::http_endpoint ep;
  ep.base_url = base_url;
  ep.deadline = std::chrono::milliseconds(5000);
  ep.retry.max_attempts = 1;
  ep.max_connections = 1;
  providers::http_client client(io, ep);
  std::optional<providers::http_outcome> got;
  client.send(std::move(r), [&](providers::http_outcome o) { got = std::move(o); });
  io.run();
  return std::move(*got);
}

/// GET base_url + target once; the outcome.
inline providers::http_outcome get_once(const std::string& base_url, const std::string& target) {
  providers::http_request r;
  r.target = target;
  return send_once(base_url, std::move(r));
}

/// How many of `n` GETs of `url`/ a backend answering "canary" served, behind a proxy (-1 when
/// a request failed).
inline int canary_share(const std::string& url, int n) {
  int canary = 0;
  for (int i = 0; i < n; ++i) {
    const auto o = get_once(url, "/");
    if (!o.ok()) return -1;
    canary += o.response->body == "canary" ? 1 : 0;
  }
  return canary;
}

}  // namespace floodgate::testing
