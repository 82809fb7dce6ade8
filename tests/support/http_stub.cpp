#include "http_stub.hpp"

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <thread>

namespace floodgate::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string stub_request::header(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return v;
    }
  }
  return "";
}

struct http_stub::impl {
  std::function<stub_response(const stub_request&)> handler;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::thread accept_thread;
  mutable std::mutex mu;
  std::vector<stub_request> seen;
  std::vector<std::thread> workers;
  std::vector<std::shared_ptr<tcp::socket>> sockets;
  std::atomic<int> connections{0};
  std::atomic<bool> stopping{false};
  unsigned short port = 0;

  void serve(std::shared_ptr<tcp::socket> sock) {
    beast::flat_buffer buf;
    while (!stopping) {
      http::request<http::string_body> req;
      beast::error_code ec;
      http::read(*sock, buf, req, ec);
      if (ec) return;
      stub_request r;
      r.method = std::string(req.method_string());
      r.target = std::string(req.target());
      r.body = req.body();
      for (const auto& f : req)
        r.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
      {
        std::lock_guard<std::mutex> lock(mu);
        seen.push_back(r);
      }
      const stub_response answer = handler(r);
      if (answer.delay.count() > 0) std::this_thread::sleep_for(answer.delay);
      http::response<http::string_body> res{static_cast<http::status>(answer.status), 11};
      res.set(http::field::content_type, answer.content_type);
      for (const auto& [k, v] : answer.headers) res.set(k, v);
      res.body() = answer.body;
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      http::write(*sock, res, ec);
      if (ec || answer.close || !req.keep_alive()) {
        sock->shutdown(tcp::socket::shutdown_both, ec);
        sock->close(ec);
        return;
      }
    }
  }
};

http_stub::http_stub(std::function<stub_response(const stub_request&)> handler)
    : impl_(std::make_unique<impl>()) {
  impl_->handler = std::move(handler);
  impl_->acceptor.open(tcp::v4());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind({asio::ip::make_address("127.0.0.1"), 0});
  impl_->acceptor.listen();
  impl_->port = impl_->acceptor.local_endpoint().port();
  impl_->accept_thread = std::thread([this] {
    while (!impl_->stopping) {
      auto sock = std::make_shared<tcp::socket>(impl_->io);
      beast::error_code ec;
      impl_->acceptor.accept(*sock, ec);
      if (ec || impl_->stopping) return;
      ++impl_->connections;
      std::lock_guard<std::mutex> lock(impl_->mu);
      impl_->sockets.push_back(sock);
      impl_->workers.emplace_back([this, sock] { impl_->serve(sock); });
    }
  });
}

http_stub::~http_stub() {
  impl_->stopping = true;
  beast::error_code ec;
  {
    // Wake the blocking accept with a connection of our own, then end every open connection.
    tcp::socket poke(impl_->io);
    poke.connect({asio::ip::make_address("127.0.0.1"), impl_->port}, ec);
  }
  impl_->accept_thread.join();
  impl_->acceptor.close(ec);
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    for (auto& s : impl_->sockets) {
      s->shutdown(tcp::socket::shutdown_both, ec);
      s->close(ec);
    }
  }
  for (auto& w : impl_->workers) w.join();
}

unsigned short http_stub::port() const { return impl_->port; }

std::string http_stub::url() const { return "http://127.0.0.1:" + std::to_string(port()); }

std::vector<stub_request> http_stub::requests() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->seen;
}

int http_stub::connections() const { return impl_->connections; }

unsigned short unused_port() {
  asio::io_context io;
  tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

}  // namespace floodgate::testing
