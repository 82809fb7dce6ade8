// The HTTP client and the Prometheus client against a scripted server on loopback: the request
// as sent (POST form, GET fallback, auth, headers), keep-alive, retries and what is never
// retried, the deadline, the size limit, stale connections, and the answers as Argo reads them.
// The real Prometheus is in tests/integration/.

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <floodgate/providers/prometheus_client.hpp>
#include <optional>

#include "../support/http_stub.hpp"

using namespace floodgate::providers;
using floodgate::testing::http_stub;
using floodgate::testing::reply;
using floodgate::testing::stub_request;
using std::chrono::milliseconds;

namespace {

const char* const vector_one =
    R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1545905245.458,"1"]}]}})";

http_endpoint endpoint_at(const std::string& url) {
  http_endpoint ep;
  ep.base_url = url;
  ep.deadline = milliseconds(5000);
  ep.retry.base = milliseconds(1);
  ep.retry.cap = milliseconds(5);
  return ep;
}

prometheus_answer ask(boost::asio::io_context& io, prometheus_client& c, const std::string& q,
                      std::optional<double> at = std::nullopt) {
  std::optional<prometheus_answer> got;
  c.query(q, at, [&](prometheus_answer a) { got = std::move(a); });
  io.restart();
  io.run();
  REQUIRE(got);
  return *got;
}

http_outcome send(const http_endpoint& ep, http_request r) {
  boost::asio::io_context io;
  http_client c(io, ep);
  std::optional<http_outcome> got;
  c.send(std::move(r), [&](http_outcome o) { got = std::move(o); });
  io.run();
  REQUIRE(got);
  return *got;
}

}  // namespace

TEST_CASE("an instant query is a POSTed form with auth and headers", "[providers][prometheus]") {
  http_stub server([](const stub_request&) { return reply(200, vector_one); });
  auto ep = endpoint_at(server.url() + "/prom/");
  ep.basic_user = "username";
  ep.basic_password = "password";
  ep.headers = {{"X-Scope-OrgID", "tenant1"}};
  boost::asio::io_context io;
  prometheus_client c(io, ep);
  const auto a = ask(io, c, "sum(rate(http_requests_total{code=~\"5..\"}[1m]))", 1545905245.5);
  REQUIRE(a.http.ok());
  CHECK(a.method == "POST");
  const auto reqs = server.requests();
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0].method == "POST");
  CHECK(reqs[0].target == "/prom/api/v1/query");
  CHECK(reqs[0].header("Content-Type") == "application/x-www-form-urlencoded");
  CHECK(reqs[0].body ==
        "query=sum%28rate%28http_requests_total%7Bcode%3D~%225..%22%7D%5B1m%5D%29%29"
        "&time=1545905245.500");
  CHECK(reqs[0].header("Authorization") == "Basic dXNlcm5hbWU6cGFzc3dvcmQ=");
  CHECK(reqs[0].header("X-Scope-OrgID") == "tenant1");
  const auto r = read_answer(a);
  REQUIRE(std::holds_alternative<reading>(r));
  CHECK(std::get<reading>(r).value_text == "[1]");
  CHECK(std::get<double>(read_answer_single(a)) == 1.0);
}

TEST_CASE("a bearer token wins over basic auth, custom headers are applied last",
          "[providers][prometheus]") {
  http_stub server([](const stub_request&) { return reply(200, vector_one); });
  auto ep = endpoint_at(server.url());
  ep.bearer_token = "t0ken";
  ep.basic_user = "u";
  auto out = send(ep, {"GET", "/x", "", "", {}});
  CHECK(out.ok());
  CHECK(server.requests().back().header("Authorization") == "Bearer t0ken");
  ep.headers = {{"Authorization", "Custom abc"}};
  out = send(ep, {"GET", "/x", "", "", {}});
  CHECK(server.requests().back().header("Authorization") == "Custom abc");
}

TEST_CASE("POST refused with 405 falls back to GET, and stays there", "[providers][prometheus]") {
  http_stub server([](const stub_request& r) {
    if (r.method == "POST") return reply(405, "method not allowed", "text/plain");
    return reply(200, vector_one);
  });
  boost::asio::io_context io;
  prometheus_client c(io, endpoint_at(server.url()));
  CHECK(ask(io, c, "up").http.ok());
  CHECK(c.uses_get());
  CHECK(ask(io, c, "vector(1)").method == "GET");
  const auto reqs = server.requests();
  REQUIRE(reqs.size() == 3);  // POST (405), GET, GET
  CHECK(reqs[0].method == "POST");
  CHECK(reqs[1].target == "/api/v1/query?query=up");
  CHECK(reqs[2].target == "/api/v1/query?query=vector%281%29");
}

TEST_CASE("queries reuse one kept-alive connection", "[providers][prometheus]") {
  http_stub server([](const stub_request&) { return reply(200, vector_one); });
  boost::asio::io_context io;
  prometheus_client c(io, endpoint_at(server.url()));
  for (int i = 0; i < 5; ++i) CHECK(ask(io, c, "up").http.ok());
  CHECK(server.connections() == 1);
  CHECK(c.http().connections_opened() == 1);
}

TEST_CASE("a connection the server closed is replaced without counting an attempt",
          "[providers][prometheus]") {
  http_stub server([](const stub_request&) {
    auto r = reply(200, vector_one);
    r.close = true;  // closes after answering, without "Connection: close"
    return r;
  });
  boost::asio::io_context io;
  prometheus_client c(io, endpoint_at(server.url()));
  CHECK(ask(io, c, "up").http.ok());
  const auto second = ask(io, c, "up");
  CHECK(second.http.ok());
  CHECK(second.http.attempts == 1);
  CHECK(server.connections() == 2);
}

TEST_CASE("5xx and 429 are retried, other 4xx and 501 are not", "[providers][http]") {
  int calls = 0;
  http_stub server([&](const stub_request& r) {
    ++calls;
    if (r.target == "/flaky") return calls < 3 ? reply(503, "busy") : reply(200, "{}");
    if (r.target == "/bad") return reply(400, "bad");
    if (r.target == "/nope") return reply(501, "not implemented");
    return reply(429, "slow down");
  });
  const auto ep = endpoint_at(server.url());
  auto out = send(ep, {"GET", "/flaky", "", "", {}});
  CHECK(out.ok());
  CHECK(out.attempts == 3);
  out = send(ep, {"GET", "/bad", "", "", {}});
  CHECK(out.attempts == 1);
  CHECK(out.describe() == "HTTP 400: bad");
  out = send(ep, {"GET", "/nope", "", "", {}});
  CHECK(out.attempts == 1);
  out = send(ep, {"GET", "/throttled", "", "", {}});
  CHECK(out.attempts == 4);  // max_attempts
  CHECK(out.response->status == 429);
}

TEST_CASE("a Retry-After beyond the deadline ends the retries", "[providers][http]") {
  http_stub server([](const stub_request&) {
    auto r = reply(503, "maintenance");
    r.headers = {{"Retry-After", "3600"}};
    return r;
  });
  const auto out = send(endpoint_at(server.url()), {"GET", "/", "", "", {}});
  CHECK(out.attempts == 1);
  CHECK(out.describe() == "HTTP 503: maintenance");
}

TEST_CASE("the deadline bounds a request, a late answer is an error", "[providers][http]") {
  http_stub server([](const stub_request&) {
    auto r = reply(200, "{}");
    r.delay = milliseconds(1500);
    return r;
  });
  auto ep = endpoint_at(server.url());
  ep.deadline = milliseconds(200);
  const auto out = send(ep, {"GET", "/", "", "", {}});
  CHECK_FALSE(out.response);
  CHECK(out.error == "no answer within 200ms");
  CHECK(out.attempts == 1);
}

TEST_CASE("a response over the size limit is refused", "[providers][http]") {
  http_stub server([](const stub_request&) { return reply(200, std::string(4096, 'x')); });
  auto ep = endpoint_at(server.url());
  ep.max_response_bytes = 1024;
  const auto out = send(ep, {"GET", "/", "", "", {}});
  CHECK_FALSE(out.response);
  CHECK(out.error == "response larger than 1024 bytes");
  CHECK(out.attempts == 1);
}

TEST_CASE("connection errors are retried, then reported", "[providers][http]") {
  const auto port = floodgate::testing::unused_port();
  auto ep = endpoint_at("http://127.0.0.1:" + std::to_string(port));
  const auto out = send(ep, {"GET", "/", "", "", {}});
  CHECK_FALSE(out.response);
  CHECK(out.attempts == 4);
  CHECK(out.error == "connect 127.0.0.1:" + std::to_string(port) + ": Connection refused");
  // https to a plain HTTP server: the handshake fails and is not retried.
  http_stub plain([](const stub_request&) { return reply(200, "{}"); });
  const auto tls = send(endpoint_at("https://127.0.0.1:" + std::to_string(plain.port())),
                        {"GET", "/", "", "", {}});
  CHECK(tls.attempts == 1);
  CHECK(tls.error.rfind("tls handshake with 127.0.0.1: ", 0) == 0);
}

TEST_CASE("Prometheus errors read as Argo shows them", "[providers][prometheus]") {
  http_stub server([](const stub_request&) {
    return reply(
        400,
        R"({"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected <EOF>"})");
  });
  boost::asio::io_context io;
  prometheus_client c(io, endpoint_at(server.url()));
  const auto a = ask(io, c, "sum(");
  const auto r = read_answer(a);
  REQUIRE(std::holds_alternative<std::string>(r));
  CHECK(std::get<std::string>(r) == "bad_data: 1:5: parse error: unexpected <EOF>");
  const auto single = read_answer_single(a);
  REQUIRE(std::holds_alternative<std::string>(single));
  CHECK(std::get<std::string>(single).rfind("error response: HTTP 400", 0) == 0);
}

TEST_CASE("base URLs are checked", "[providers][http]") {
  CHECK_FALSE(check_base_url("http://127.0.0.1:9090"));
  CHECK_FALSE(check_base_url("https://[::1]:9090/prefix/"));
  CHECK(*check_base_url("ftp://x") == "expected http:// or https://, found \"ftp://x\"");
  CHECK(*check_base_url("http://h:99999") == "port \"99999\" is not a number from 1 to 65535");
  CHECK(*check_base_url("http://u:p@h") ==
        "credentials in the URL are not sent; use the endpoint's basic auth instead");
  CHECK(form_encode("a b&c=d/é") == "a+b%26c%3Dd%2F%C3%A9");
}

TEST_CASE("bodies of the wrong shape are errors, never exceptions", "[providers][prometheus]") {
  // response_fuzz found the first: a `status` that is not a string threw from nlohmann's value()
  // (tests/fuzz/corpus/response/regression-status-not-a-string).
  using floodgate::providers::read_prometheus;
  const auto error_of = [](std::string_view body) {
    const auto r = read_prometheus(body);
    REQUIRE(std::holds_alternative<std::string>(r));
    return std::get<std::string>(r);
  };
  CHECK(error_of(R"({"status":{"relt":[1,"u-Inj"]}})") ==
        "response status is \"\", expected \"success\"");
  CHECK(error_of(R"({"status":"error","errorType":7,"error":["x"]})") == "error: ");
  CHECK(error_of(R"({"status":"success","data":{"resultType":3,"result":[]}})")
            .find("not supported") != std::string::npos);
  // A Kayenta score beyond int64 converts as Go's int64() does on amd64: to its minimum.
  const auto k = floodgate::providers::read_kayenta(
      R"({"complete":true,"result":{"judgeResult":{"score":{"score":1e300}}}})", 90, 75);
  REQUIRE(std::holds_alternative<floodgate::providers::kayenta_reading>(k));
  CHECK(std::get<floodgate::providers::kayenta_reading>(k).value_text == "-9223372036854775808");
  CHECK(std::get<floodgate::providers::kayenta_reading>(k).phase == floodgate::core::phase::failed);
}
