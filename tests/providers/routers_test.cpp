// The routers that need no outside server (nginx's include text, manifests to a directory or a
// command, the JSON webhook against a scripted receiver, the retrying decorator), the command
// runner, the atomic write and the decision's JSON. HAProxy and nginx themselves are driven in
// tests/integration/routers_test.cpp.

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <floodgate/providers/ports/decision_json.hpp>
#include <floodgate/providers/routers.hpp>
#include <fstream>

#include "../support/files.hpp"
#include "../support/http_stub.hpp"
#include "../support/process.hpp"
#include "../support/route_once.hpp"

using namespace floodgate::providers;
using namespace floodgate::testing;
namespace fs = std::filesystem;
using std::chrono::milliseconds;

TEST_CASE("nginx include: upstream weights, a server without traffic marked down",
          "[providers][routers]") {
  nginx_target t;
  t.include_file = "x.conf";
  t.name = "app";
  t.canary = "127.0.0.1:8082";
  t.stable = "127.0.0.1:8081";
  const std::string twenty = render_nginx_include(t, 20);
  CHECK(twenty.find("upstream app {\n    server 127.0.0.1:8081 weight=80;\n"
                    "    server 127.0.0.1:8082 weight=20;\n}\n") != std::string::npos);
  CHECK(render_nginx_include(t, 0).find("server 127.0.0.1:8082 down;") != std::string::npos);
  CHECK(render_nginx_include(t, 100).find("server 127.0.0.1:8081 down;") != std::string::npos);
  CHECK_THROWS_AS(render_nginx_include(t, 101), std::invalid_argument);
  CHECK_THROWS_AS(render_nginx_include(t, -1), std::invalid_argument);
}

TEST_CASE("nginx include: split_clients shares, no 0% line", "[providers][routers]") {
  nginx_target t;
  t.kind = nginx_target::style::split_clients;
  t.include_file = "x.conf";
  t.name = "app_upstream";
  t.canary = "app_canary";
  t.stable = "app_stable";
  CHECK(render_nginx_include(t, 25).find("split_clients \"${remote_addr}${request_id}\" "
                                         "$app_upstream {\n    25% app_canary;\n"
                                         "    * app_stable;\n}\n") != std::string::npos);
  const std::string none = render_nginx_include(t, 0);
  CHECK(none.find("app_canary") == std::string::npos);
  CHECK(none.find("    * app_stable;\n") != std::string::npos);
  const std::string all = render_nginx_include(t, 100);
  CHECK(all.find("app_stable") == std::string::npos);
  CHECK(all.find("    * app_canary;\n") != std::string::npos);
}

TEST_CASE("a failing nginx -t puts the previous include back", "[providers][routers]") {
  scratch_dir dir("floodgate-nginx-router");
  nginx_target t;
  t.include_file = (dir.path() / "split.conf").string();
  t.name = "app";
  t.canary = "c:1";
  t.stable = "s:1";
  t.test_command = {"true"};
  t.reload_command = {"true"};
  auto make = [&](const nginx_target& target) {
    return [target](boost::asio::io_context& io) { return make_nginx_router(io, target); };
  };
  REQUIRE_FALSE(route_once(make(t), 30));
  const std::string thirty = read_file(t.include_file);
  CHECK(thirty.find("weight=30") != std::string::npos);

  auto failing = t;
  failing.test_command = {"sh", "-c", "echo 'nginx: [emerg] unexpected \"}\"'; exit 1"};
  const auto error = route_once(make(failing), 60);
  REQUIRE(error);
  CHECK(*error ==
        "nginx: `sh -c echo 'nginx: [emerg] unexpected \"}\"'; exit 1` exited with 1: nginx: "
        "[emerg] unexpected \"}\"; the previous file is back in place");
  CHECK(read_file(t.include_file) == thirty);

  auto reload_fails = t;
  reload_fails.reload_command = {"floodgate-no-such-command"};
  const auto reload_error = route_once(make(reload_fails), 70);
  REQUIRE(reload_error);
  CHECK(reload_error->find("could not start") != std::string::npos);
  CHECK(read_file(t.include_file) == thirty);

  // No previous file: a rejected one is removed.
  auto fresh = failing;
  fresh.include_file = (dir.path() / "fresh.conf").string();
  const auto fresh_error = route_once(make(fresh), 10);
  REQUIRE(fresh_error);
  CHECK(fresh_error->find("the new file is removed") != std::string::npos);
  CHECK_FALSE(fs::exists(fresh.include_file));
}

TEST_CASE("manifests go to a directory or through a command", "[providers][routers]") {
  scratch_dir dir("floodgate-manifests");
  manifest_target t;
  t.kind = "gateway-api";
  t.target.name = "podinfo";
  t.target.name_space = "test";
  t.directory = dir.path().string();
  REQUIRE_FALSE(route_once([&](auto& io) { return make_manifest_router(io, t); }, 40));
  const auto doc = nlohmann::json::parse(read_file(dir.path() / "podinfo.gateway-api.json"));
  CHECK(doc == nlohmann::json(gateway_http_route(t.target, 40)));

  auto piped = t;
  piped.directory.clear();
  const auto out = dir.path() / "piped.json";
  piped.command = {"sh", "-c", "cat > '" + out.string() + "'"};
  REQUIRE_FALSE(route_once([&](auto& io) { return make_manifest_router(io, piped); }, 55));
  CHECK(nlohmann::json::parse(read_file(out)) == nlohmann::json(gateway_http_route(t.target, 55)));

  auto refused = piped;
  refused.command = {"sh", "-c",
                     "cat >/dev/null; echo 'error: the server is unreachable' >&2; "
                     "exit 1"};
  CHECK(route_once([&](auto& io) { return make_manifest_router(io, refused); }, 55) ==
        "manifests: `sh -c cat >/dev/null; echo 'error: the server is unreachable' >&2; exit 1` "
        "exited with 1: error: the server is unreachable");

  auto wrong = t;
  wrong.kind = "linkerd";
  boost::asio::io_context io;
  CHECK_THROWS_WITH(make_manifest_router(io, wrong),
                    "manifest kind: expected istio, ingress-nginx, gateway-api or smi, found "
                    "\"linkerd\"");
}

TEST_CASE("a command that outlives its timeout is killed", "[providers][routers]") {
  const auto r = run_command({"sleep", "5"}, "", milliseconds(200));
  CHECK_FALSE(r.ok());
  CHECK(r.error == "did not finish within 200ms (killed)");
  const auto big = run_command({"wc", "-c"}, std::string(1 << 20, 'x'), milliseconds(10000));
  CHECK(big.ok());
  CHECK(big.output == "1048576\n");
}

TEST_CASE("the webhook router posts the decision, any 2xx is done", "[providers][routers]") {
  int calls = 0;
  http_stub receiver([&](const stub_request& r) {
    ++calls;
    if (r.target == "/busy" && calls < 3) return reply(503, "busy");
    if (r.target == "/no") return reply(400, "unknown rollout");
    return reply(204, "");
  });
  http_endpoint ep;
  ep.base_url = receiver.url();
  ep.retry.base = milliseconds(1);
  auto make = [&](std::string path) {
    return [ep, path](boost::asio::io_context& io) { return make_webhook_router(io, ep, path); };
  };
  REQUIRE_FALSE(route_once(make("/weights"), 35));
  const auto sent = nlohmann::json::parse(receiver.requests().back().body);
  CHECK(sent["rollout"] == "test");
  CHECK(sent["canary_weight"] == 35);
  CHECK(sent["decision"]["weight"] == 35);
  CHECK(receiver.requests().back().header("content-type") == "application/json");
  calls = 0;
  REQUIRE_FALSE(route_once(make("/busy"), 35));
  CHECK(calls == 3);  // two 503s, then the 204
  CHECK(route_once(make("/no"), 35) == "webhook: HTTP 400: unknown rollout");
}

namespace {

// Fails `failures` times, then succeeds; counts the calls.
class flaky_router final : public ports::traffic_router {
 public:
  flaky_router(boost::asio::io_context& io, int failures, int& calls)
      : io_(io), failures_(failures), calls_(calls) {}
  std::string describe() const override { return "flaky"; }
  void set_weight(const ports::route_change&,
                  std::function<void(std::optional<std::string>)> done) override {
    const bool fail = ++calls_ <= failures_;
    boost::asio::post(io_, [fail, n = calls_, done = std::move(done)] {
      done(fail ? std::optional<std::string>("refused " + std::to_string(n)) : std::nullopt);
    });
  }

 private:
  boost::asio::io_context& io_;
  int failures_;
  int& calls_;
};

}  // namespace

TEST_CASE("with_retries tries again with backoff and reports the last error",
          "[providers][routers]") {
  retry_policy p;
  p.max_attempts = 3;
  p.base = milliseconds(1);
  int calls = 0;
  auto make = [&](int failures) {
    return [&, failures](boost::asio::io_context& io) {
      return with_retries(io, std::make_unique<flaky_router>(io, failures, calls), p);
    };
  };
  CHECK_FALSE(route_once(make(2), 10));
  CHECK(calls == 3);
  calls = 0;
  CHECK(route_once(make(5), 10) == "after 3 attempts: refused 3");
  CHECK(calls == 3);
}

TEST_CASE("the atomic write replaces a file whole", "[providers][routers]") {
  scratch_dir dir("floodgate-atomic");
  const auto path = (dir.path() / "f.conf").string();
  REQUIRE_FALSE(write_file_atomically(path, "one\n"));
  REQUIRE_FALSE(write_file_atomically(path, "two\n"));
  CHECK(read_file(path) == "two\n");
  CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1);
  const auto e = write_file_atomically((dir.path() / "missing" / "f.conf").string(), "x");
  REQUIRE(e);
  CHECK(e->find("create a temporary file beside") == 0);
}

TEST_CASE("a decision survives the trip through JSON", "[providers][decision]") {
  floodgate::core::decision d;
  d.at = floodgate::core::instant(milliseconds(1795000000123));
  d.step = 2;
  d.kind = floodgate::core::decision_kind::abort;
  d.weight = 0;
  d.reason.rule = "analysis Failed";
  d.reason.metric = "error-rate";
  d.reason.statistic = "count e-value";
  d.reason.e_value = 41.5;
  d.reason.p_value = std::numeric_limits<double>::quiet_NaN();
  d.reason.n = 1600;
  const auto j = ports::decision_to_json(d);
  CHECK(j["at"] == "2026-11-18T11:06:40.123Z");
  CHECK(j["kind"] == "abort");
  CHECK(j["reason"]["p_value"] == "NaN");
  CHECK_FALSE(j["reason"].contains("estimate"));
  std::string error;
  const auto back = ports::decision_from_json(nlohmann::json::parse(j.dump()), error);
  REQUIRE(back);
  CHECK(back->at == d.at);
  CHECK(back->kind == d.kind);
  CHECK(back->reason.rule == d.reason.rule);
  CHECK(back->reason.e_value == 41.5);
  CHECK(std::isnan(back->reason.p_value.value()));
  CHECK_FALSE(back->reason.estimate);
  auto bad = nlohmann::json::parse(j.dump());
  bad["weight"] = 140;
  CHECK_FALSE(ports::decision_from_json(bad, error));
  CHECK(error == "/weight: expected a percentage 0..100");
}
