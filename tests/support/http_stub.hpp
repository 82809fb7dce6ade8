#pragma once
// A scripted HTTP/1.1 server on 127.0.0.1 (a free port), for tests of floodgate's HTTP clients:
// it records every request, counts connections, and answers with what the test's handler
// returns — a status, headers and body, after an optional delay, optionally closing the
// connection. Flagger's own provider tests use Go's httptest.Server the same way.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace floodgate::testing {

struct stub_request {
  std::string method;
  std::string target;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string header(const std::string& name) const;  ///< case-insensitive, "" when absent
};

struct stub_response {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds delay{0};
  bool close = false;  ///< close the connection after this response (without saying so)
};

/// A response with that status and body (and content type).
inline stub_response reply(int status, std::string body,
                           std::string content_type = "application/json") {
  stub_response r;
  r.status = status;
  r.body = std::move(body);
  r.content_type = std::move(content_type);
  return r;
}

class http_stub {
 public:
  explicit http_stub(std::function<stub_response(const stub_request&)> handler);
  ~http_stub();
  http_stub(const http_stub&) = delete;
  http_stub& operator=(const http_stub&) = delete;

  unsigned short port() const;
  std::string url() const;  ///< "http://127.0.0.1:<port>"
  std::vector<stub_request> requests() const;
  int connections() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// A TCP port on 127.0.0.1 that nothing listens on (bound, then released).
unsigned short unused_port();

}  // namespace floodgate::testing
