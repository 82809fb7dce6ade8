#pragma once
// One Prometheus query on an io_context of its own, run to completion: for tests that ask a
// server (real or scripted) a single question.

#include <boost/asio/io_context.hpp>
#include <floodgate/providers/prometheus_client.hpp>
#include <optional>
#include <string>

namespace floodgate::testing {

inline providers::prometheus_answer query_once(
    const providers::http_endpoint& endpoint, const std::string& query,
    providers::query_method method = providers::query_method::post_then_get) {
  boost::asio::io_context io;
  providers::prometheus_client client(io, endpoint, method);
  std::optional<providers::prometheus_answer> got;
  client.query(query, std::nullopt, [&](providers::prometheus_answer a) { got = std::move(a); });
  io.run();
  return std::move(*got);
}

}  // namespace floodgate::testing
