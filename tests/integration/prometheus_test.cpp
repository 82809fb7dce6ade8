// floodgate's Prometheus client against a real Prometheus (Debian's `prometheus` 2.42) started on
// a free loopback port with a scratch data directory, scraping itself every second; stopped at
// the end. Label: integration.

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <floodgate/providers/prometheus_client.hpp>
#include <fstream>
#include <optional>

#include "../support/files.hpp"
#include "../support/http_stub.hpp"
#include "../support/process.hpp"
#include "../support/prometheus_query.hpp"

using namespace floodgate::providers;
using namespace floodgate::testing;
using std::chrono::milliseconds;

namespace {

// A Prometheus of its own for one test.
struct real_prometheus {
  scratch_dir dir{"floodgate-prometheus"};
  unsigned short port = unused_port();
  std::optional<child_process> process;

  real_prometheus() {
    const auto config = dir.path() / "prometheus.yml";
    std::ofstream(config) << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                          << "scrape_configs:\n- job_name: self\n  static_configs:\n"
                          << "  - targets: ['127.0.0.1:" << port << "']\n";
    process.emplace(
        std::vector<std::string>{"prometheus", "--config.file=" + config.string(),
                                 "--storage.tsdb.path=" + (dir.path() / "data").string(),
                                 "--web.listen-address=127.0.0.1:" + std::to_string(port)},
        dir.path() / "prometheus.log");
    const bool ready = wait_until(
        [&] {
          const auto a = ask("vector(1)");
          return a.http.ok();
        },
        std::chrono::seconds(30));
    if (!ready) FAIL("Prometheus did not start:\n" << read_file(dir.path() / "prometheus.log"));
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }

  prometheus_answer ask(const std::string& q) const {
    http_endpoint ep;
    ep.base_url = url();
    ep.deadline = milliseconds(5000);
    ep.retry.max_attempts = 1;
    return query_once(ep, q);
  }
};

}  // namespace

TEST_CASE("a real Prometheus answers floodgate's queries as Argo reads them",
          "[integration][prometheus]") {
  if (!on_path("prometheus")) FAIL("prometheus is not installed (scripts/install-deps)");
  real_prometheus prom;

  auto r = read_answer(prom.ask("vector(1)"));
  REQUIRE(std::holds_alternative<reading>(r));
  CHECK(std::get<reading>(r).value_text == "[1]");
  CHECK(std::get<double>(read_answer_single(prom.ask("vector(1)"))) == 1.0);

  r = read_answer(prom.ask("scalar(vector(0.5))"));
  REQUIRE(std::holds_alternative<reading>(r));
  CHECK(std::get<reading>(r).value_text == "0.5");

  r = read_answer(prom.ask("vector(0) / 0"));  // NaN comes back as "NaN", kept
  REQUIRE(std::holds_alternative<reading>(r));
  CHECK(std::get<reading>(r).value_text == "[NaN]");

  r = read_answer(prom.ask("sum("));
  REQUIRE(std::holds_alternative<std::string>(r));
  CHECK(std::get<std::string>(r).rfind("bad_data: ", 0) == 0);

  // Its own scrape: up{job="self"} is 1 within a few seconds.
  const bool scraped = wait_until(
      [&] {
        const auto a = read_answer(prom.ask("up{job=\"self\"}"));
        return std::holds_alternative<reading>(a) && std::get<reading>(a).value_text == "[1]";
      },
      std::chrono::seconds(20));
  CHECK(scraped);

  // A range query comes back as a matrix, flattened.
  boost::asio::io_context io;
  http_endpoint ep;
  ep.base_url = prom.url();
  prometheus_client c(io, ep);
  std::optional<prometheus_answer> range;
  c.query_range("vector(2)", 1700000000.0, 1700000010.0, 5.0,
                [&](prometheus_answer a) { range = std::move(a); });
  io.run();
  REQUIRE(range);
  CHECK(range->method == "POST");
  r = read_answer(*range);
  REQUIRE(std::holds_alternative<reading>(r));
  CHECK(std::get<reading>(r).value_text == "[2,2,2]");
}

TEST_CASE("a stopped Prometheus is an error, never a value", "[integration][prometheus]") {
  if (!on_path("prometheus")) FAIL("prometheus is not installed (scripts/install-deps)");
  real_prometheus prom;
  CHECK(prom.ask("vector(1)").http.ok());
  prom.process->stop();
  const auto a = prom.ask("vector(1)");
  CHECK_FALSE(a.http.response);
  const auto r = read_answer(a);
  REQUIRE(std::holds_alternative<std::string>(r));
  CHECK(std::get<std::string>(r) ==
        "connect 127.0.0.1:" + std::to_string(prom.port) + ": Connection refused");
}
