// fake-prometheus: answers every request on loopback with one Prometheus instant-vector body,
// keep-alive, as fast as it can — so that bench/engine_load measures floodgate and not
// Prometheus. Not a Prometheus: no storage, and of the query it looks only for `sum(`: a sum
// gets one sample (37 when the query names `errors`, else 25000: the count tests' events and
// requests), anything else 20 samples (the sample tests' latencies).
//   fake-prometheus PORT      (prints "listening" once bound; runs until killed)
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <string>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

std::string vector_body(const char* value) {
  return std::string(R"({"status":"success","data":{"resultType":"vector","result":[)") +
         R"({"metric":{},"value":[1795000000,")" + value + R"("]}]}})";
}

std::string body() {
  std::string b = R"({"status":"success","data":{"resultType":"vector","result":[)";
  for (int i = 0; i < 20; ++i) {
    b += (i ? "," : "") + std::string(R"({"metric":{"pod":"p)") + std::to_string(i) +
         R"("},"value":[1795000000,")" + std::to_string(0.1 + 0.01 * i) + R"("]})";
  }
  return b + "]}}";
}

asio::awaitable<void> serve(tcp::socket s) {
  static const std::string answer = body();
  static const std::string errors = vector_body("37");
  static const std::string requests = vector_body("25000");
  const auto has = [](const std::string& text, const char* plain, const char* encoded) {
    return text.find(plain) != std::string::npos || text.find(encoded) != std::string::npos;
  };
  beast::tcp_stream stream(std::move(s));
  beast::flat_buffer buf;
  for (;;) {
    http::request<http::string_body> req;
    auto [ec, n] = co_await http::async_read(stream, buf, req, use_tuple);
    if (ec) co_return;
    http::response<http::string_body> res{http::status::ok, req.version()};
    res.set(http::field::content_type, "application/json");
    const std::string q = req.body().empty() ? std::string(req.target()) : req.body();
    res.body() = !has(q, "sum(", "sum%28")               ? answer
                 : q.find("errors") != std::string::npos ? errors
                                                         : requests;
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    auto [wec, wn] = co_await http::async_write(stream, res, use_tuple);
    if (wec || !req.keep_alive()) co_return;
  }
}

asio::awaitable<void> accept(tcp::acceptor& a) {
  for (;;) {
    auto [ec, s] = co_await a.async_accept(use_tuple);
    if (ec) co_return;
    asio::co_spawn(a.get_executor(), serve(std::move(s)), asio::detached);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fake-prometheus PORT\n");
    return 2;
  }
  asio::io_context io;
  tcp::acceptor a(
      io, {asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(std::stoi(argv[1]))});
  asio::co_spawn(io, accept(a), asio::detached);
  std::printf("listening\n");
  std::fflush(stdout);
  io.run();
}
