#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <deque>
#include <floodgate/engine/api.hpp>
#include <floodgate/engine/server.hpp>
#include <set>
#include <stdexcept>

namespace floodgate::engine {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

http::response<http::string_body> to_beast(const api_response& a, unsigned version,
                                           bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(a.status), version};
  res.set(http::field::server, "floodgate");
  res.set(http::field::content_type, a.content_type);
  for (const auto& [k, v] : a.headers) res.set(k, v);
  res.body() = a.body;
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

}  // namespace

struct http_server::impl : std::enable_shared_from_this<http_server::impl> {
  asio::io_context& io;
  api& handler;
  server_options opt;
  tcp::acceptor acceptor;
  bool stopped = false;
  // Event streams: each one's wake-up timer, so stop() can end them.
  std::set<std::shared_ptr<asio::steady_timer>> streams;

  impl(asio::io_context& i, api& a, server_options o)
      : io(i), handler(a), opt(std::move(o)), acceptor(i) {}

  void listen() {
    boost::system::error_code ec;
    const auto addr = asio::ip::make_address(opt.address, ec);
    if (ec) throw std::runtime_error("listen address \"" + opt.address + "\": " + ec.message());
    const tcp::endpoint ep(addr, opt.port);
    acceptor.open(ep.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(ep, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
      throw std::runtime_error("cannot listen on " + opt.address + ":" + std::to_string(opt.port) +
                               ": " + ec.message());
  }

  asio::awaitable<void> accept_loop() {
    auto self = shared_from_this();
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
      if (ec) {
        if (stopped || ec == asio::error::operation_aborted) co_return;
        continue;  // e.g. too many open files: try the next one
      }
      socket.set_option(tcp::no_delay(true), ec);
      asio::co_spawn(io, connection(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> write_error(beast::tcp_stream& stream, int status, const std::string& msg) {
    auto res = to_beast(api_error(status, msg), 11, false);
    co_await http::async_write(stream, res, use_tuple);
    boost::system::error_code ignored;  // the client may be gone already
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  asio::awaitable<void> connection(tcp::socket socket) {
    auto self = shared_from_this();
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(opt.body_limit);
      parser.header_limit(16 * 1024);
      stream.expires_after(opt.idle_timeout);
      auto [ec, n] = co_await http::async_read(stream, buffer, parser, use_tuple);
      if (ec == http::error::body_limit) {
        co_await write_error(
            stream, 413,
            "request body over the limit of " + std::to_string(opt.body_limit) + " bytes");
        co_return;
      }
      if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
          ec == asio::error::connection_reset || ec == asio::error::eof)
        co_return;
      if (ec) {
        co_await write_error(stream, 400, "cannot read the request: " + ec.message());
        co_return;
      }
      auto& req = parser.get();
      api_request r;
      r.method = std::string(req.method_string());
      r.target = std::string(req.target());
      for (const auto& f : req)
        r.headers.emplace_back(lower(std::string(f.name_string())), std::string(f.value()));
      r.body = std::move(req.body());
      std::string filter;
      if (handler.wants_events(r, filter)) {
        stream.expires_never();
        co_await event_stream(stream, std::move(filter));
        co_return;
      }
      const auto answer = handler.handle(r);
      const bool keep = req.keep_alive() && !stopped;
      auto res = to_beast(answer, req.version(), keep);
      auto [wec, wn] = co_await http::async_write(stream, res, use_tuple);
      if (wec || !keep) {
        stream.socket().shutdown(tcp::socket::shutdown_send, wec);
        co_return;
      }
    }
  }

  asio::awaitable<void> event_stream(beast::tcp_stream& stream, std::string filter) {
    auto self = shared_from_this();
    struct shared {
      std::deque<std::string> queue;
      bool open = true;
    };
    auto s = std::make_shared<shared>();
    auto wake = std::make_shared<asio::steady_timer>(io);
    streams.insert(wake);
    const auto sub = handler.subscribe(filter, [s, wake](const std::string& chunk) {
      if (!s->open) return false;
      if (s->queue.size() < 10000) s->queue.push_back(chunk);  // a reader that stalls loses
      wake->cancel();
      return true;
    });
    std::string head =
        "HTTP/1.1 200 OK\r\nServer: floodgate\r\nContent-Type: text/event-stream\r\n"
        "Cache-Control: no-cache\r\nConnection: close\r\n\r\n: floodgate events" +
        (filter.empty() ? std::string() : " for " + filter) + "\n\n";
    auto [ec, n] = co_await asio::async_write(stream.socket(), asio::buffer(head), use_tuple);
    while (!ec && !stopped) {
      if (s->queue.empty()) {
        wake->expires_after(opt.sse_keepalive);
        auto [wec] = co_await wake->async_wait(use_tuple);
        if (stopped) break;
        if (!wec) s->queue.push_back(": keep-alive\n\n");
        continue;
      }
      std::string chunk = std::move(s->queue.front());
      s->queue.pop_front();
      std::tie(ec, n) = co_await asio::async_write(stream.socket(), asio::buffer(chunk), use_tuple);
    }
    s->open = false;
    handler.unsubscribe(sub);
    streams.erase(wake);
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  }
};

http_server::http_server(asio::io_context& io, api& a, server_options o)
    : impl_(std::make_shared<impl>(io, a, std::move(o))) {
  impl_->listen();
  asio::co_spawn(io, impl_->accept_loop(), asio::detached);
}

http_server::~http_server() { stop(); }

unsigned short http_server::port() const {
  boost::system::error_code ec;
  const auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void http_server::stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  boost::system::error_code ec;
  impl_->acceptor.close(ec);
  for (const auto& t : impl_->streams) t->cancel();
}

}  // namespace floodgate::engine
