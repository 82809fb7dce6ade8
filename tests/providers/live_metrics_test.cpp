// The live metrics source against a scripted Prometheus and web server: a threshold metric's
// answer as Argo reads it, a comparison's arms asked together and combined, any arm's failure
// failing the measurement, the evaluation time sent, and the web provider's JSONPath.

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <floodgate/providers/live_metrics.hpp>
#include <floodgate/providers/metric_readings.hpp>
#include <optional>

#include "../support/http_stub.hpp"

using namespace floodgate::providers;
using namespace floodgate::testing;
namespace core = floodgate::core;

namespace {

std::string vector_of(const std::string& v) {
  return R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,")" +
         v + R"("]}]}})";
}
const std::string empty_vector =
    R"({"status":"success","data":{"resultType":"vector","result":[]}})";

ports::metric_answer measure(const ports::metric_query& q) {
  boost::asio::io_context io;
  live_metrics_options o;
  o.retry.max_attempts = 1;
  auto source = make_live_metrics(io, o);
  std::optional<ports::metric_answer> got;
  source->measure(q, [&](ports::metric_answer a) { got = std::move(a); });
  io.run();
  return std::move(*got);
}

// The PromQL a form-encoded POST body carried.
std::string promql_of(const stub_request& r) {
  const auto at = r.body.find("query=");
  std::string q = r.body.substr(at + 6, r.body.find('&', at) - at - 6);
  std::string out;
  for (std::size_t i = 0; i < q.size(); ++i) {
    if (q[i] == '%') {
      out += static_cast<char>(std::stoi(q.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += q[i] == '+' ? ' ' : q[i];
    }
  }
  return out;
}

}  // namespace

TEST_CASE("live metrics: a threshold query as Argo reads it, at the tick's time",
          "[providers][live]") {
  http_stub prom([](const stub_request&) { return reply(200, vector_of("0.995")); });
  ports::metric_query q;
  q.provider = "prometheus";
  q.address = prom.url();
  q.query = "up";
  q.at = core::instant(std::chrono::milliseconds(1795000000500));
  const auto a = measure(q);
  REQUIRE(std::holds_alternative<core::value>(a.result));
  CHECK(a.value_text == "[0.995]");
  CHECK(prom.requests().at(0).body.find("time=1795000000.5") != std::string::npos);
}

TEST_CASE("live metrics: a comparison's arms combine into counts", "[providers][live]") {
  http_stub prom([](const stub_request& r) {
    const std::string q = promql_of(r);
    if (q == "ce") return reply(200, empty_vector);  // no 5xx series yet: 0 errors
    if (q == "ct") return reply(200, vector_of("1600"));
    if (q == "be") return reply(200, vector_of("30"));
    if (q == "bt") return reply(200, vector_of("16000"));
    return reply(400, R"({"status":"error","errorType":"bad_data","error":"parse error"})");
  });
  ports::metric_query q;
  q.provider = "prometheus";
  q.address = prom.url();
  q.arms = {{"canary.events", "ce"},
            {"canary.total", "ct"},
            {"baseline.events", "be"},
            {"baseline.total", "bt"}};
  const auto a = measure(q);
  REQUIRE(std::holds_alternative<core::comparison_data>(a.result));
  const auto& d = std::get<core::comparison_data>(a.result);
  CHECK(d.canary.events == 0);
  CHECK(d.canary.total == 1600);
  CHECK(d.baseline.events == 30);
  CHECK(d.baseline.total == 16000);
  CHECK(a.value_text == "canary 0/1600, baseline 30/16000");

  q.arms["baseline.total"] = "sum(";
  const auto bad = measure(q);
  REQUIRE(bad.failed());
  CHECK(std::get<std::string>(bad.result) == "baseline.total: bad_data: parse error");
}

TEST_CASE("live metrics: arms that cannot be counts are errors", "[providers][live]") {
  using core::value;
  CHECK(std::get<std::string>(combine_arms(
            {{"canary.total", value::array({value::floating(1), value::floating(2)})}})) ==
        "canary.total: expected one number, found 2 series (aggregate the query, e.g. with "
        "sum())");
  CHECK(std::get<std::string>(combine_arms({{"canary.total", value::string("x")}})) ==
        "canary.total: expected numbers, found a string");
  const auto samples =
      combine_arms({{"canary", value::array({value::floating(0.2), value::floating(0.3)})},
                    {"baseline", value::floating(0.25)}});
  REQUIRE(std::holds_alternative<core::comparison_data>(samples));
  CHECK(std::get<core::comparison_data>(samples).canary_samples == std::vector<double>{0.2, 0.3});
  CHECK(std::get<core::comparison_data>(samples).baseline_samples == std::vector<double>{0.25});
}

TEST_CASE("live metrics: a web metric through its JSONPath, unknown providers fail",
          "[providers][live]") {
  http_stub web([](const stub_request& r) {
    if (r.target == "/verdict?app=x") return reply(200, R"({"data":{"ok":true,"score":97}})");
    return reply(404, "no");
  });
  ports::metric_query q;
  q.provider = "web";
  q.address = web.url() + "/verdict?app=x";
  q.query = "{$.data.score}";
  const auto a = measure(q);
  REQUIRE(std::holds_alternative<core::value>(a.result));
  CHECK(a.value_text == "97");
  q.address = web.url() + "/other";
  CHECK(std::get<std::string>(measure(q).result) == "received non 2xx response code: 404");

  q.provider = "kayenta";
  CHECK(std::get<std::string>(measure(q).result) == "the kayenta provider is not measured live");
  q.provider = "prometheus";
  q.address = "ftp://x";
  CHECK(std::get<std::string>(measure(q).result).find("expected http:// or https://") !=
        std::string::npos);
}
