// Flagger webhooks as floodgate calls them: only 200, 201 and 202 are a go; a refusal's body is
// the error; retryable statuses give go-retryablehttp's "giving up" text; the timeout is per
// attempt. The request format itself is checked by the FLG-WH cases (tests/cases/).

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <floodgate/providers/flagger_webhook.hpp>
#include <optional>

#include "../support/http_stub.hpp"

using namespace floodgate::providers;
using floodgate::testing::http_stub;
using floodgate::testing::reply;
using floodgate::testing::stub_request;

namespace {

hook_result call(const flagger_hook& h) {
  boost::asio::io_context io;
  std::optional<hook_result> got;
  call_hook(io, h, flagger_payload{"podinfo", "test", "Progressing", "abc", {}},
            [&](hook_result r) { got = std::move(r); });
  io.run();
  return *got;
}

}  // namespace

TEST_CASE("only 200, 201 and 202 let a Flagger hook pass", "[providers][webhook]") {
  http_stub server([](const stub_request& r) {
    if (r.target == "/created") return reply(201, "");
    if (r.target == "/nocontent") return reply(204, "");
    if (r.target == "/forbidden") return reply(403, "load test failed: p99 1.2s", "text/plain");
    return reply(503, "busy");
  });
  flagger_hook h;
  h.name = "gate";
  h.url = server.url() + "/created";
  CHECK(call(h).go);
  h.url = server.url() + "/nocontent";
  CHECK_FALSE(call(h).go);
  h.url = server.url() + "/forbidden";
  auto r = call(h);
  CHECK_FALSE(r.go);
  CHECK(r.error == "load test failed: p99 1.2s");
  CHECK(r.attempts == 1);  // a 403 is never retried
  h.url = server.url() + "/busy";
  r = call(h);
  CHECK(r.error == "POST " + h.url + " giving up after 1 attempt(s)");
}

TEST_CASE("a Flagger hook's timeout applies to each attempt", "[providers][webhook]") {
  int calls = 0;
  http_stub server([&](const stub_request&) {
    auto r = reply(202, "");
    if (++calls == 1) r.delay = std::chrono::milliseconds(1500);
    return r;
  });
  flagger_hook h;
  h.url = server.url() + "/slow-then-fast";
  h.timeout = std::chrono::milliseconds(300);
  h.retries = 1;
  const auto r = call(h);
  CHECK(r.go);
  CHECK(r.attempts == 2);
  h.retries = 0;
  calls = 0;
  const auto once = call(h);
  CHECK_FALSE(once.go);
  CHECK(once.error == "POST " + h.url + ": no answer within 300ms");
}

TEST_CASE("event metadata cannot be overridden, checksums follow the revision",
          "[providers][webhook]") {
  flagger_payload p{"podinfo", "test", "Progressing", "x", {{"eventType", "mine"}, {"team", "a"}}};
  const auto e = event_payload(p, "Advance podinfo.test canary weight 10", "Normal", 42);
  CHECK(
      payload_json(e) ==
      R"({"name":"podinfo","namespace":"test","phase":"Progressing","checksum":"x","metadata":)"
      R"({"eventMessage":"Advance podinfo.test canary weight 10","eventType":"Normal","team":"a",)"
      R"("timestamp":"42"}})");
  CHECK(payload_json({"a", "b", "c", "d", {}}) ==
        R"({"name":"a","namespace":"b","phase":"c","checksum":"d"})");
  const auto one = revision_checksum({{"cfg", "1"}}, "spec-a");
  CHECK(one == revision_checksum({{"cfg", "1"}}, "spec-a"));
  CHECK(one != revision_checksum({{"cfg", "2"}}, "spec-a"));
  CHECK(one != revision_checksum({{"cfg", "1"}}, "spec-b"));
  CHECK(revision_checksum({{"ab", "c"}}, "") != revision_checksum({{"a", "bc"}}, ""));
}
