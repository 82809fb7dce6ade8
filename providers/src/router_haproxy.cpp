// HAProxy's runtime API: one command per connection, the answer read to the end (HAProxy
// closes the connection after answering in non-interactive mode). `set weight` answers an
// empty line when it succeeded and a message otherwise ("No such server."); `get weight`
// answers "20 (initial 0)".

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <charconv>
#include <floodgate/providers/routers.hpp>

namespace floodgate::providers {

namespace asio = boost::asio;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// HAProxy's answer without its trailing newlines (an empty answer means success).
std::string trimmed(const std::string& raw) {
  std::string s = raw;
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

template <typename Socket>
asio::awaitable<std::string> converse(Socket& socket, std::string command, std::string& error) {
  auto [werr, wn] = co_await asio::async_write(socket, asio::buffer(command), use_tuple);
  (void)wn;
  if (werr) {
    error = "send: " + werr.message();
    co_return "";
  }
  std::string answer;
  auto [rerr, rn] =
      co_await asio::async_read(socket, asio::dynamic_buffer(answer, 1 << 16), use_tuple);
  (void)rn;
  if (rerr && rerr != asio::error::eof) {
    error = "read: " + rerr.message();
    co_return "";
  }
  co_return answer;
}

class haproxy_router final : public ports::traffic_router {
 public:
  haproxy_router(asio::io_context& io, haproxy_target t) : io_(io), t_(std::move(t)) {
    std::string_view s = t_.socket;
    if (s.rfind("unix:", 0) == 0) {
      unix_path_ = std::string(s.substr(5));
    } else if (s.rfind("/", 0) == 0) {
      unix_path_ = std::string(s);
    } else {
      const auto colon = s.rfind(':');
      int port = 0;
      if (colon == std::string_view::npos || colon == 0 ||
          std::from_chars(s.data() + colon + 1, s.data() + s.size(), port).ec != std::errc{} ||
          port <= 0 || port > 65535)
        throw std::invalid_argument("haproxy socket: expected unix:/path or host:port, found \"" +
                                    t_.socket + "\"");
      host_ = std::string(s.substr(0, colon));
      port_ = std::string(s.substr(colon + 1));
    }
    if (t_.backend.empty() || t_.canary_server.empty() || t_.stable_server.empty())
      throw std::invalid_argument("haproxy: backend, canary server and stable server are needed");
  }

  std::string describe() const override {
    return "haproxy " + t_.socket + " " + t_.backend + "/" + t_.canary_server + "," + t_.backend +
           "/" + t_.stable_server;
  }

  void set_weight(const ports::route_change& change,
                  std::function<void(std::optional<std::string>)> done) override {
    if (change.canary_weight < 0 || change.canary_weight > 100) {
      asio::post(io_, [done = std::move(done), w = change.canary_weight] {
        done("canary weight " + std::to_string(w) + " is outside 0..100");
      });
      return;
    }
    asio::co_spawn(io_, apply(change.canary_weight),
                   [done = std::move(done)](std::exception_ptr e, std::optional<std::string> r) {
                     if (e) r = "haproxy: unexpected failure";
                     done(std::move(r));
                   });
  }

 private:
  // One command on a fresh connection, within the timeout; the answer or the error.
  asio::awaitable<std::string> command(std::string text, std::string& error) {
    using namespace asio::experimental::awaitable_operators;
    asio::steady_timer timer(io_, t_.timeout);
    std::string answer;
    auto attempt = [&]() -> asio::awaitable<void> {
      if (!unix_path_.empty()) {
        asio::local::stream_protocol::socket socket(io_);
        auto [cerr] = co_await socket.async_connect(
            asio::local::stream_protocol::endpoint(unix_path_), use_tuple);
        if (cerr) {
          error = "connect " + unix_path_ + ": " + cerr.message();
          co_return;
        }
        answer = co_await converse(socket, text, error);
      } else {
        asio::ip::tcp::resolver resolver(io_);
        auto [rerr, results] = co_await resolver.async_resolve(host_, port_, use_tuple);
        if (rerr) {
          error = "resolve " + host_ + ": " + rerr.message();
          co_return;
        }
        asio::ip::tcp::socket socket(io_);
        auto [cerr, ep] = co_await asio::async_connect(socket, results, use_tuple);
        (void)ep;
        if (cerr) {
          error = "connect " + host_ + ":" + port_ + ": " + cerr.message();
          co_return;
        }
        answer = co_await converse(socket, text, error);
      }
    };
    auto result = co_await (attempt() || timer.async_wait(use_tuple));
    if (result.index() == 1)
      error =
          "no answer to \"" + trimmed(text) + "\" within " + core::format_go_duration(t_.timeout);
    co_return answer;
  }

  asio::awaitable<std::optional<std::string>> apply(int canary_weight) {
    const std::pair<const std::string*, int> servers[] = {{&t_.canary_server, canary_weight},
                                                          {&t_.stable_server, 100 - canary_weight}};
    for (const auto& [server, weight] : servers) {
      const std::string name = t_.backend + "/" + *server;
      std::string error;
      const std::string answer =
          co_await command("set weight " + name + " " + std::to_string(weight) + "\n", error);
      if (!error.empty()) co_return "haproxy " + t_.socket + ": " + error;
      if (!trimmed(answer).empty())
        co_return "haproxy: set weight " + name + " " + std::to_string(weight) + ": " +
            trimmed(answer);
    }
    for (const auto& [server, weight] : servers) {
      const std::string name = t_.backend + "/" + *server;
      std::string error;
      const std::string answer = co_await command("get weight " + name + "\n", error);
      if (!error.empty()) co_return "haproxy " + t_.socket + ": " + error;
      const std::string a = trimmed(answer);
      int read_back = -1;
      const auto [end, ec] = std::from_chars(a.data(), a.data() + a.size(), read_back);
      if (ec != std::errc{} || (end != a.data() + a.size() && *end != ' '))
        co_return "haproxy: get weight " + name + ": expected a weight, found \"" + a + "\"";
      if (read_back != weight)
        co_return "haproxy: " + name + " has weight " + std::to_string(read_back) +
            " after set weight " + std::to_string(weight);
    }
    co_return std::nullopt;
  }

  asio::io_context& io_;
  haproxy_target t_;
  std::string unix_path_;
  std::string host_;
  std::string port_;
};

}  // namespace

std::unique_ptr<ports::traffic_router> make_haproxy_router(asio::io_context& io,
                                                           haproxy_target target) {
  return std::make_unique<haproxy_router>(io, std::move(target));
}

}  // namespace floodgate::providers
