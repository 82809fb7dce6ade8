#pragma once
// An asynchronous HTTP/1.1 client for one endpoint (a Prometheus, a webhook receiver, a web
// metric): keep-alive connections in a bounded pool, a deadline per request that covers every
// attempt, retries with capped exponential backoff and full jitter on connection errors, 429 and
// 5xx (never on other 4xx, nor on 501), `Retry-After` honoured, bearer or basic auth and custom
// headers (applied last, so they may override), https through Asio's OpenSSL layer with peer and
// host-name verification, and a limit on the response size. Every failure is a value
// (`http_outcome::error`), never an exception.
//
// Asio and Beast stay in the source file: this header names io_context only by a forward
// declaration. Not thread-safe: use a client from the one thread that runs its io_context (the
// runtime gives each its strand); callbacks run there.

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <floodgate/core/duration.hpp>

namespace boost::asio {
class io_context;
}

namespace floodgate::providers {

using header_list = std::vector<std::pair<std::string, std::string>>;

struct http_request {
  std::string method = "GET";
  std::string target;  ///< path and query, appended to the endpoint's base path ("/api/v1/query")
  std::string body;
  std::string content_type;  ///< sent when the body is not empty
  header_list headers;       ///< this request's own headers, before the endpoint's
};

struct http_response {
  int status = 0;
  std::string body;
  header_list headers;
  /// The first header of that name (case-insensitive), or "".
  std::string header(std::string_view name) const;
};

/// What one request came to: a response (any status), or the reason there is none.
struct http_outcome {
  std::optional<http_response> response;
  std::string error;  ///< "connect 127.0.0.1:9: Connection refused", "no answer within 30s", …
  int attempts = 0;   ///< requests sent or tried, retries included
  bool ok() const { return response && response->status >= 200 && response->status < 300; }
  /// One line for logs and error measurements: the error, or "HTTP 503: <start of the body>".
  std::string describe() const;
};

/// Which failures are tried again, and how long to wait. The wait before retry k (k = 1, 2, …)
/// is uniform in [0, min(cap, base·2^(k−1))] ("full jitter", AWS Architecture Blog, Exponential
/// Backoff and Jitter, 2015), or the server's Retry-After when longer; never past the deadline.
struct retry_policy {
  int max_attempts = 4;  ///< 1 = no retries
  core::millis base{200};
  core::millis cap{5000};
  bool jitter = true;  ///< false: wait exactly min(cap, base·2^(k−1)) (go-retryablehttp's default)
};

/// Whether a status is worth another attempt: 429 and 5xx except 501.
bool retryable_status(int status);
/// The longest wait before retry k (k = 1, 2, …): min(cap, base·2^(k−1)).
core::millis backoff_ceiling(const retry_policy& p, int retry);

struct http_endpoint {
  std::string base_url;          ///< "http://127.0.0.1:9090" or "https://thanos.example/prometheus"
  core::millis deadline{30000};  ///< per request, every attempt and wait included
  std::optional<core::millis> attempt_timeout;  ///< also per attempt (Flagger's webhook timeout)
  retry_policy retry;
  std::size_t max_response_bytes = 32u << 20;
  std::size_t max_connections = 4;  ///< kept-alive connections to the endpoint, at most
  std::string bearer_token;         ///< "Authorization: Bearer …" when set
  std::string basic_user;           ///< "Authorization: Basic …" when set (and no token)
  std::string basic_password;
  header_list headers;     ///< applied last, after auth: they may replace Authorization
  std::string ca_file;     ///< https: trust these CAs instead of the system's
  bool verify_tls = true;  ///< https: verify the peer's certificate and host name
};

/// The problem with a base URL ("expected http:// or https://, found ftp://x"), or nothing.
std::optional<std::string> check_base_url(std::string_view url);

class http_client {
 public:
  /// Throws std::invalid_argument when the base URL is not usable (check it first).
  http_client(boost::asio::io_context& io, http_endpoint endpoint);
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  /// Sends the request; `done` is called exactly once, on the io_context. Requests in flight
  /// keep the client's state alive after the client is destroyed, and then fail fast.
  void send(http_request request, std::function<void(http_outcome)> done);

  const http_endpoint& endpoint() const;
  /// Connections opened so far (keep-alive makes this smaller than the requests sent).
  std::size_t connections_opened() const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

/// A URL as the endpoint's base (scheme://host:port) and the request target (path and query,
/// "/" when there is none).
std::pair<std::string, std::string> split_url(const std::string& url);

/// `application/x-www-form-urlencoded` encoding of one value (RFC 3986 unreserved kept).
std::string form_encode(std::string_view s);

}  // namespace floodgate::providers
