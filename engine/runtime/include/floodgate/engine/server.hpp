#pragma once
// The sidecar's HTTP/1.1 server (Boost.Beast): keep-alive connections, one coroutine each,
// requests handed to the api (api.hpp) and its answers written back; `GET /api/v1/events`
// becomes a Server-Sent Events stream with a keep-alive comment every 15 s. A body over the
// limit is answered 413 and a request Beast cannot parse 400, both as JSON errors, and the
// connection is closed. Asio stays in the source file.

#include <cstddef>
#include <memory>
#include <string>

#include <floodgate/core/duration.hpp>

namespace boost::asio {
class io_context;
}

namespace floodgate::engine {

class api;

struct server_options {
  std::string address = "127.0.0.1";
  unsigned short port = 8080;         ///< 0: any free port (see http_server::port)
  std::size_t body_limit = 1 << 20;   ///< bytes; more is 413
  core::millis idle_timeout{60000};   ///< a keep-alive connection idle this long is closed
  core::millis sse_keepalive{15000};  ///< a comment line on event streams this often
};

class http_server {
 public:
  /// Listens at once; throws std::runtime_error naming the address when it cannot.
  http_server(boost::asio::io_context& io, api& a, server_options o);
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  unsigned short port() const;
  /// Stops accepting and ends the event streams; requests in flight are answered.
  void stop();

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace floodgate::engine
