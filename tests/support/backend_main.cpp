// floodgate-test-backend: a small HTTP service for the integration suite, playing the stable or
// the canary version. Every request to / is answered 200 "<track>" (or 500 with the injected
// error rate) after the injected latency; /metrics exposes, with prometheus-cpp,
// http_requests_total{track, code} and http_request_duration_seconds{track} (a histogram).
//
//   floodgate-test-backend --port 8081 --track canary --error-rate 0.05 --latency-ms 2
//
// One thread per connection, keep-alive; runs until SIGTERM.

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <random>
#include <string>
#include <thread>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

struct service {
  std::string track = "stable";
  double error_rate = 0.0;
  int latency_ms = 0;
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  prometheus::Family<prometheus::Counter>& requests = prometheus::BuildCounter()
                                                          .Name("http_requests_total")
                                                          .Help("requests served")
                                                          .Register(*registry);
  prometheus::Family<prometheus::Histogram>& durations = prometheus::BuildHistogram()
                                                             .Name("http_request_duration_seconds")
                                                             .Help("time to answer")
                                                             .Register(*registry);
  std::mutex rng_mutex;
  std::mt19937_64 rng{42};

  bool fails() {
    std::lock_guard<std::mutex> lock(rng_mutex);
    return std::uniform_real_distribution<double>(0.0, 1.0)(rng) < error_rate;
  }
};

void serve(service& s, asio::ip::tcp::socket socket) {
  beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> req;
    beast::error_code ec;
    http::read(socket, buffer, req, ec);
    if (ec) return;
    http::response<http::string_body> res;
    res.version(req.version());
    res.keep_alive(req.keep_alive());
    if (req.target() == "/metrics") {
      res.result(http::status::ok);
      res.set(http::field::content_type, "text/plain; version=0.0.4");
      res.body() = prometheus::TextSerializer().Serialize(s.registry->Collect());
    } else {
      const auto t0 = std::chrono::steady_clock::now();
      if (s.latency_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(s.latency_ms));
      const bool failed = s.fails();
      res.result(failed ? http::status::internal_server_error : http::status::ok);
      res.set(http::field::content_type, "text/plain");
      res.body() = s.track;
      s.requests.Add({{"track", s.track}, {"code", failed ? "500" : "200"}}).Increment();
      s.durations
          .Add({{"track", s.track}},
               prometheus::Histogram::BucketBoundaries{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                       0.25, 0.5, 1})
          .Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    res.prepare_payload();
    http::write(socket, res, ec);
    if (ec || !req.keep_alive()) return;
  }
}

}  // namespace

int main(int argc, char** argv) {
  service s;
  unsigned short port = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--port") {
      port = static_cast<unsigned short>(std::stoi(value));
    } else if (flag == "--track") {
      s.track = value;
    } else if (flag == "--error-rate") {
      s.error_rate = std::stod(value);
    } else if (flag == "--latency-ms") {
      s.latency_ms = std::stoi(value);
    } else {
      std::fprintf(stderr, "floodgate-test-backend: unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), port});
  for (;;) {
    asio::ip::tcp::socket socket(io);
    acceptor.accept(socket);
    std::thread([&s, sock = std::move(socket)]() mutable { serve(s, std::move(sock)); }).detach();
  }
}
