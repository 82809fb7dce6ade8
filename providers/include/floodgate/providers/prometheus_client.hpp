#pragma once
// The Prometheus HTTP API client: instant queries (`/api/v1/query`) and range queries
// (`/api/v1/query_range`), sent by POST with a form body and, when the server or a proxy in
// front of it answers 405 or 501 to POST, by GET from then on (as Prometheus' Go client does).
// Transport, pool, deadline, retries and auth are the http_client's; the answer is read with
// Argo Rollouts' conversion (read_answer) or Flagger's single number (read_answer_single).

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include <floodgate/providers/http_client.hpp>
#include <floodgate/providers/metric_readings.hpp>

namespace floodgate::providers {

/// One query's exchange: what came back and how it was asked.
struct prometheus_answer {
  http_outcome http;
  std::string method;  ///< "POST" or "GET" (the last attempt's)
};

/// Argo's reading of an answer: the transport's error, Prometheus' own error
/// ("bad_data: parse error at char 4: …") for a JSON error body on any status, "HTTP 503: …"
/// for another non-2xx answer, or the result converted as Argo converts it.
std::variant<reading, std::string> read_answer(const prometheus_answer& a);
/// Flagger's reading: one number, and any status ≥ 400 is an error.
std::variant<double, std::string> read_answer_single(const prometheus_answer& a);

/// How queries are sent: POST with a fallback to GET (Argo Rollouts, through Prometheus' Go
/// client), or GET only (Flagger).
enum class query_method { post_then_get, get };

/// Flagger's Prometheus provider (pkg/metrics/providers/prometheus.go): a 5 s timeout and no
/// retries; the secret's `token` as a bearer token, else its `username` and `password` as basic
/// auth; a MetricTemplate's provider headers sent as they are. Use with query_method::get.
http_endpoint flagger_prometheus_endpoint(
    std::string address, const std::vector<std::pair<std::string, std::string>>& secret,
    header_list headers);

/// Flagger's availability check (IsOnline): `vector(1)` must come back as exactly 1. The
/// problem, or nothing when the server is usable.
std::optional<std::string> flagger_online_problem(const prometheus_answer& vector_one);

class prometheus_client {
 public:
  /// Throws std::invalid_argument when the endpoint's base URL is not usable.
  prometheus_client(boost::asio::io_context& io, http_endpoint endpoint,
                    query_method method = query_method::post_then_get);
  ~prometheus_client();

  /// An instant query, at `at_unix` seconds or the server's now.
  void query(std::string promql, std::optional<double> at_unix,
             std::function<void(prometheus_answer)> done);
  /// A range query from `start` to `end` (unix seconds) every `step_seconds`.
  void query_range(std::string promql, double start, double end, double step_seconds,
                   std::function<void(prometheus_answer)> done);

  /// Whether POST was refused and queries now go by GET.
  bool uses_get() const;
  const http_client& http() const;

 private:
  struct state;
  std::shared_ptr<state> state_;
};

}  // namespace floodgate::providers
