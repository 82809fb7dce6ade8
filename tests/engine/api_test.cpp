// The sidecar API over real HTTP on loopback (engine, API and Beast server in the test
// process, a scripted metrics source): the REST lifecycle, every error status with its JSON
// error and nothing changed by a bad request, bearer tokens, the Argo web verdict, Flagger's
// webhooks keyed by checksum, the load tester's gates, the Kayenta-compatible judge, the
// event stream and /metrics.

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "../support/sidecar.hpp"

using namespace floodgate;
using nlohmann::json;
using testing::sidecar;

namespace {

const char* shop_plan = R"(apiVersion: floodgate.dev/v1
kind: Plan
metadata: {name: shop}
spec:
  args: [{name: app, value: shop}]
  strategy:
    canary:
      steps:
      - setWeight: 20
      - analysis:
          metrics:
          - name: success-rate
            interval: 100ms
            count: 2
            successCondition: result[0] >= 0.99
            provider:
              prometheus: {address: "http://127.0.0.1:9", query: "sr{app='{{args.app}}'}"}
      - pause: {}
      - setWeight: 60
)";

// Instant queries answer `value`; range queries (Kayenta) answer a series per scope: the
// baseline's 1..30, the canary's the same times `canary_factor`; a query naming "broken" fails.
class scripted final : public providers::ports::metrics_source {
 public:
  scripted(boost::asio::io_context& io, double value, double canary_factor)
      : io_(io), value_(value), factor_(canary_factor) {}
  void measure(const providers::ports::metric_query& q,
               std::function<void(providers::ports::metric_answer)> done) override {
    providers::ports::metric_answer a;
    if (q.query.find("broken") != std::string::npos) {
      a.result = std::string("HTTP 503: scripted failure");
    } else if (q.range) {
      const double f = q.query.find("canary") != std::string::npos ? factor_ : 1.0;
      std::vector<core::value> pts;
      for (int i = 1; i <= 30; ++i) pts.push_back(core::value::floating(f * i));
      a.result = core::value::array(std::move(pts));
    } else {
      a.result = core::value::array({core::value::floating(value_)});
      a.value_text = "[" + core::format_float_plain(value_) + "]";
    }
    boost::asio::post(io_,
                      [a = std::move(a), done = std::move(done)]() mutable { done(std::move(a)); });
  }

 private:
  boost::asio::io_context& io_;
  double value_, factor_;
};

auto scripted_source(double value, double canary_factor = 1.0) {
  return [=](boost::asio::io_context& io) -> std::unique_ptr<providers::ports::metrics_source> {
    return std::make_unique<scripted>(io, value, canary_factor);
  };
}

engine::api_options library(std::string token = "") {
  engine::api_options o;
  o.plans = {{"shop.yaml", shop_plan}};
  o.token = std::move(token);
  return o;
}

json body_of(const providers::http_response& r) {
  INFO(r.body);
  return json::parse(r.body);
}

// Polls GET /api/v1/analyses/{id} until `pred` holds (5 s at most).
json wait_for(const sidecar& s, const std::string& id,
              const std::function<bool(const json&)>& pred) {
  json j;
  testing::wait_until(
      [&] {
        const auto r = s.send("GET", "/api/v1/analyses/" + id);
        if (r.status != 200) return false;
        j = json::parse(r.body);
        return pred(j);
      },
      std::chrono::milliseconds(5000));
  return j;
}

// Polls GET /canary/{id} until the execution is complete (5 s at most); its last answer.
json execution_when_complete(const sidecar& s, const std::string& id) {
  json got;
  testing::wait_until(
      [&] {
        got = body_of(s.send("GET", "/canary/" + id));
        return got["complete"] == true;
      },
      std::chrono::milliseconds(5000));
  return got;
}

std::string file_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("the REST API starts, shows, approves and finishes an analysis", "[api]") {
  sidecar s(scripted_source(0.995), library());
  auto r = s.send("POST", "/api/v1/analyses",
                  R"({"id": "shop-7", "plan": "shop", "version": "v7", "started_by": "ci"})");
  REQUIRE(r.status == 201);
  CHECK(r.header("Location") == "/api/v1/analyses/shop-7");
  CHECK(body_of(r)["weight"] == 20);
  // It reaches the indefinite pause, with the metric's counters visible.
  auto j = wait_for(s, "shop-7", [](const json& v) { return v["waiting_for_human"] == true; });
  CHECK(j["status"] == "paused");
  CHECK(j["version"] == "v7");
  CHECK(j["started_by"] == "ci");
  CHECK(j["verdict"] == "running");
  CHECK(j["decisions"].size() == 2);
  const auto list = body_of(s.send("GET", "/api/v1/analyses"));
  REQUIRE(list.size() == 1);
  CHECK(list[0]["id"] == "shop-7");
  CHECK_FALSE(list[0].contains("decisions"));  // the list is the summary
  // Approve (as a human would); it is promoted.
  r = s.send("POST", "/api/v1/analyses/shop-7/approve", R"({"by": "alice"})");
  CHECK(r.status == 202);
  j = wait_for(s, "shop-7", [](const json& v) { return v["finished"] == true; });
  CHECK(j["status"] == "promoted");
  CHECK(j["weight"] == 100);
  CHECK(body_of(s.send("GET", "/api/v1/analyses/shop-7/verdict"))["verdict"] == "pass");
  // Its journal says who approved it.
  CHECK(file_text(s.journal()).find(R"("type":"approve","rollout":"shop-7")") != std::string::npos);
  CHECK(file_text(s.journal()).find(R"("by":"alice")") != std::string::npos);
  // A finished analysis takes no more commands.
  CHECK(s.send("POST", "/api/v1/analyses/shop-7/abort").status == 409);
}

TEST_CASE("bad requests get the right status and a JSON error, and change nothing", "[api]") {
  engine::server_options small;
  small.body_limit = 4096;
  sidecar s(scripted_source(0.995), library("s3cret"), small);
  const providers::header_list auth{{"Authorization", "Bearer s3cret"}};
  REQUIRE(s.send("POST", "/api/v1/analyses", R"({"id": "a", "plan": "shop"})", auth).status == 201);
  const auto journal_before = file_text(s.journal());
  struct bad {
    const char* method;
    const char* target;
    std::string body;
    const char* token;  ///< "" none
    int status;
    const char* says;
  };
  const char* good = "s3cret";
  const std::vector<bad> cases{
      {"POST", "/api/v1/analyses", R"({"id": "b", "plan": "shop"})", "", 401, "Bearer"},
      {"POST", "/api/v1/analyses", R"({"id": "b", "plan": "shop"})", "s3cres", 401, "Bearer"},
      {"POST", "/api/v1/analyses/a/abort", "", "", 401, "Bearer"},
      {"POST", "/api/v1/analyses", R"({"id": "b", "plan": )", good, 400, "not valid JSON at byte"},
      {"POST", "/api/v1/analyses", R"(["a"])", good, 400, "expected a JSON object"},
      // api_fuzz found it: nlohmann throws out_of_range, not parse_error, for this number.
      {"POST", "/api/v1/analyses", R"({"id": 2222E2222222222222})", good, 400,
       "body: not usable JSON: number overflow parsing '2222E2222222222222'"},
      {"POST", "/api/v1/analyses", R"({"id": "b", "plan": "shop", "colour": 1})", good, 400,
       "body.colour: unknown field"},
      {"POST", "/api/v1/analyses", R"({"id": "b", "plan": "nope"})", good, 404, "no plan \"nope\""},
      {"POST", "/api/v1/analyses", R"({"id": "b/c", "plan": "shop"})", good, 400, "id:"},
      {"POST", "/api/v1/analyses", R"({"id": "b", "args": {"app": 3}, "plan": "shop"})", good, 400,
       "body.args.app: expected a string"},
      {"POST", "/api/v1/analyses",
       R"({"id": "b", "files": [{"name": "p.yaml", "text": "apiVersion: floodgate.dev/v1\nkind: Plan\nmetadata: {name: x}\nspec: {strategy: {canary: {steps: [{setWeigth: 5}]}}}\n"}]})",
       good, 400, "unknown field \"setWeigth\""},
      {"POST", "/api/v1/analyses", R"({"id": "a", "plan": "shop"})", good, 409, "already running"},
      {"POST", "/api/v1/analyses", R"({"id": "b", "plan": ")" + std::string(5000, 'x') + "\"}",
       good, 413, "over the limit"},
      {"DELETE", "/api/v1/analyses/a", "", good, 405, "use GET"},
      {"GET", "/api/v1/analyses/zzz", "", good, 404, "no analysis \"zzz\""},
      {"POST", "/api/v1/analyses/zzz/abort", "", good, 404, "no analysis"},
      {"POST", "/api/v1/analyses/a/abort", R"({"who": "x"})", good, 400, "body.who: unknown"},
      {"GET", "/nothing/here", "", good, 404, "no such resource"},
  };
  for (const auto& c : cases) {
    INFO(c.method << " " << c.target << " " << c.body.substr(0, 80));
    providers::header_list h;
    if (*c.token) h = {{"Authorization", std::string("Bearer ") + c.token}};
    const auto r = s.send(c.method, c.target, c.body, h);
    CHECK(r.status == c.status);
    CHECK(r.header("Content-Type") == "application/json");
    const auto j = json::parse(r.body);
    CHECK(j["status"] == c.status);
    CHECK_THAT(j["error"].get<std::string>(), Catch::Contains(c.says));
    if (c.status == 405) CHECK(r.header("Allow") == "GET");
    if (c.status == 401) CHECK(r.header("WWW-Authenticate") == "Bearer");
  }
  // Nothing changed: one analysis, still running, and no journal record beyond its own ticks.
  const auto list = body_of(s.send("GET", "/api/v1/analyses"));
  REQUIRE(list.size() == 1);
  CHECK(list[0]["id"] == "a");
  CHECK(file_text(s.journal()).find("\"rollout\":\"b\"") == std::string::npos);
  CHECK(file_text(s.journal()).rfind(journal_before, 0) == 0);  // only appended to
  // GETs need no token.
  CHECK(s.send("GET", "/api/v1/analyses/a").status == 200);
}

TEST_CASE("the Argo Rollouts web metric starts the analysis and reads its verdict", "[api]") {
  sidecar s(scripted_source(0.5), library());  // a success rate of 50 %: it fails
  const std::string body = R"({"id": "shop-abc", "plan": "shop", "args": {"app": "shop"}})";
  auto j = body_of(s.send("POST", "/api/v1/argo/verdict", body));
  CHECK(j["analysis"] == "shop-abc");
  CHECK(j["verdict"] == "running");
  testing::wait_until(
      [&] { return body_of(s.send("POST", "/api/v1/argo/verdict", body))["verdict"] == "fail"; },
      std::chrono::milliseconds(5000));
  j = body_of(s.send("POST", "/api/v1/argo/verdict", body));
  CHECK(j["verdict"] == "fail");
  CHECK(j["status"] == "aborted");
  CHECK(j["last_decision"]["kind"] == "abort");
  // It stays answered (Argo measures again every interval); no second analysis is started.
  CHECK(body_of(s.send("GET", "/api/v1/analyses")).size() == 1);
}

TEST_CASE("Flagger's webhooks answer go or no-go from the analysis of their checksum", "[api]") {
  auto o = library();
  o.plans.push_back(
      {"podinfo.yaml", std::string(shop_plan).replace(std::string(shop_plan).find("name: shop}"),
                                                      11, "name: podinfo}")});
  sidecar s(scripted_source(0.995), o);
  const auto hook = [&](const std::string& name, const std::string& checksum,
                        const std::string& metadata = "{}") {
    return s.send(
        "POST", "/flagger/" + name,
        R"({"name": "podinfo", "namespace": "test", "phase": "Progressing", "checksum": ")" +
            checksum + R"(", "metadata": )" + metadata + "}");
  };
  CHECK(hook("confirm-rollout", "c1").status == 200);
  const std::string id = "flagger.podinfo.test.c1";
  CHECK(body_of(s.send("GET", "/api/v1/analyses/" + id))["version"] == "c1");
  CHECK(hook("rollout", "c1").status == 200);
  CHECK(hook("confirm-promotion", "c1").status == 403);  // not promoted yet
  CHECK(hook("rollback", "c1").status == 403);           // 403: do not roll back
  wait_for(s, id, [](const json& v) { return v["waiting_for_human"] == true; });
  CHECK(hook("confirm-traffic-increase", "c1").status == 403);  // paused: hold the weight
  s.send("POST", "/api/v1/analyses/" + id + "/approve");
  wait_for(s, id, [](const json& v) { return v["finished"] == true; });
  CHECK(hook("confirm-promotion", "c1").status == 200);
  // A new checksum is a new revision with its own analysis, named in the metadata.
  CHECK(hook("pre-rollout", "c2", R"({"plan": "shop", "app": "shop"})").status == 200);
  CHECK(body_of(s.send("GET", "/api/v1/analyses/flagger.podinfo.test.c2"))["plan"] == "shop");
  // Flagger ends it (post-rollout after its own rollback): floodgate's analysis is aborted, and
  // then every hook of that checksum says no-go and rollback says yes.
  CHECK(hook("post-rollout", "c2").status == 200);
  wait_for(s, "flagger.podinfo.test.c2", [](const json& v) { return v["finished"] == true; });
  CHECK(hook("rollout", "c2").status == 403);
  CHECK(hook("rollback", "c2").status == 200);
  CHECK(hook("event", "c2").status == 200);
  // Bad payloads.
  CHECK(s.send("POST", "/flagger/rollout", R"({"name": "podinfo"})").status == 400);
  CHECK(s.send("POST", "/flagger/rollout", "{").status == 400);
  CHECK(s.send("POST", "/flagger/launch", "{}").status == 404);
  // A canary with no plan of its name is a no-go that says why.
  const auto r = s.send("POST", "/flagger/confirm-rollout",
                        R"({"name": "other", "namespace": "test", "checksum": "x"})");
  CHECK(r.status == 403);
  CHECK_THAT(r.body, Catch::Contains(R"(no plan \"other\")"));
}

TEST_CASE("the gates behave as Flagger's load tester's", "[api]") {
  auto o = library("tok");
  o.unauthenticated = {"flagger"};
  sidecar s(scripted_source(1), o);
  const std::string b = R"({"name": "podinfo", "namespace": "test"})";
  CHECK(s.send("POST", "/gate/approve", b).status == 200);
  CHECK(s.send("POST", "/gate/halt", b).status == 403);
  CHECK(s.send("POST", "/rollback/check", b).status == 403);
  CHECK(s.send("POST", "/rollback/open", b).status == 202);
  CHECK(s.send("POST", "/rollback/check", b).status == 200);
  CHECK(s.send("POST", "/gate/check", b).status == 403);  // the rollback gate is another key
  CHECK(s.send("POST", "/gate/check", "{nope").status == 400);
  CHECK(s.send("GET", "/gate/check").status == 405);
  // Kayenta is not exempt from the token here.
  CHECK(s.send("POST", "/canary/x", "{}").status == 401);
}

TEST_CASE("the Kayenta API judges canary against baseline and Argo reads the score", "[api]") {
  const auto config = json::parse(R"({
    "name": "shop-config", "id": "cfg-1", "applications": ["shop"],
    "classifier": {"groupWeights": {"latency": 100}},
    "metrics": [{"name": "p50", "groups": ["latency"],
                 "query": {"type": "prometheus",
                           "customInlineTemplate": "PromQL:p50{track=\"${scope}\"}"},
                 "analysisConfigurations": {"canary": {"direction": "increase", "critical": true}}}]
  })");
  auto parsed = engine::kayenta_config_from_json(config, "kayenta[0]");
  REQUIRE(std::holds_alternative<engine::kayenta_canary_config>(parsed));
  auto o = library();
  o.kayenta = {std::get<engine::kayenta_canary_config>(parsed)};
  o.kayenta[0].prometheus = "http://127.0.0.1:9";
  const std::string request = R"({"scopes": {"default": {
      "controlScope": {"scope": "baseline", "start": "2026-11-24T10:00:00Z", "end": "2026-11-24T10:30:00Z", "step": 60},
      "experimentScope": {"scope": "canary", "start": "2026-11-24T10:00:00Z", "end": "2026-11-24T10:30:00Z", "step": 60}}},
    "thresholds": {"pass": 90, "marginal": 75}})";
  const auto judge = [&](double factor) {
    sidecar s(scripted_source(1, factor), o);
    const auto configs = body_of(s.send("GET", "/canaryConfig?application=shop"));
    REQUIRE(configs.size() == 1);
    CHECK(configs[0]["id"] == "cfg-1");
    CHECK(configs[0]["name"] == "shop-config");
    CHECK(body_of(s.send("GET", "/canaryConfig?application=other")).empty());
    const auto started =
        s.send("POST",
               "/canary/cfg-1?application=shop&metricsAccountName=m&configurationAccountName=c&"
               "storageAccountName=s",
               request);
    REQUIRE(started.status == 200);
    return execution_when_complete(s, body_of(started)["canaryExecutionId"]);
  };
  // Identical series: Pass, score 100 — Argo's provider reads result.judgeResult.score.score.
  auto same = judge(1.0);
  REQUIRE(same["complete"] == true);
  CHECK(same["result"]["judgeResult"]["score"]["score"] == 100.0);
  CHECK(same["result"]["judgeResult"]["results"][0]["classification"] == "Pass");
  // The canary twice the baseline on a critical metric: High, and the score is forced to 0.
  auto worse = judge(2.0);
  CHECK(worse["result"]["judgeResult"]["score"]["score"] == 0.0);
  CHECK(worse["result"]["judgeResult"]["results"][0]["classification"] == "High");
  CHECK(worse["result"]["judgeResult"]["score"]["classification"] == "Fail");
}

TEST_CASE("Kayenta requests that cannot be judged are refused or end without a score", "[api]") {
  const auto config = json::parse(R"({"name": "c", "metrics": [
      {"name": "m", "query": "broken{track=\"${scope}\"}"}]})");
  auto o = library();
  o.kayenta = {
      std::get<engine::kayenta_canary_config>(engine::kayenta_config_from_json(config, "k"))};
  o.kayenta[0].prometheus = "http://127.0.0.1:9";
  sidecar s(scripted_source(1), o);
  const auto scope = [](const char* start, const char* end) {
    return std::string(R"({"scope": "x", "start": ")") + start + R"(", "end": ")" + end + "\"}";
  };
  const auto body = [&](const std::string& control) {
    return R"({"thresholds": {"pass": 90, "marginal": 75}, "scopes": {"default": {"controlScope": )" +
           control + R"(, "experimentScope": )" +
           scope("2026-11-24T10:00:00Z", "2026-11-24T10:10:00Z") + "}}}";
  };
  CHECK(s.send("POST", "/canary/nope", body(scope("2026-11-24T10:00:00Z", "2026-11-24T10:10:00Z")))
            .status == 404);
  auto r = s.send("POST", "/canary/c", body(scope("yesterday", "2026-11-24T10:10:00Z")));
  CHECK(r.status == 400);
  CHECK_THAT(r.body, Catch::Contains("controlScope.start: found \\\"yesterday\\\""));
  r = s.send("POST", "/canary/c", body(scope("2026-11-24T10:10:00Z", "2026-11-24T10:00:00Z")));
  CHECK(r.status == 400);
  CHECK(s.send("POST", "/canary/c", R"({"scopes": {}})").status == 400);
  r = s.send(
      "POST", "/canary/c",
      body(R"({"scope": 5, "start": "2026-11-24T10:00:00Z", "end": "2026-11-24T10:10:00Z"})"));
  CHECK(r.status == 400);
  CHECK_THAT(r.body, Catch::Contains("controlScope.scope: expected a string, found number"));
  CHECK(s.send("GET", "/canary/no-such-execution").status == 404);
  // A query that fails: TERMINAL, no result — Argo's provider records an Error, never a pass.
  r = s.send("POST", "/canary/c",
             body(scope("2026-11-24T10:00:00+01:00", "2026-11-24T10:10:00.5Z")));
  REQUIRE(r.status == 200);
  const auto got = execution_when_complete(s, body_of(r)["canaryExecutionId"]);
  CHECK(got["executionStatus"] == "TERMINAL");
  CHECK_FALSE(got.contains("result"));
  CHECK_THAT(got["exception"]["details"]["error"].get<std::string>(),
             Catch::Contains("scripted failure"));
}

TEST_CASE("the event stream carries decisions, and /metrics, /healthz and /readyz answer",
          "[api]") {
  sidecar s(scripted_source(0.5), library());
  // A client on the stream of analysis "x" (a plain socket: the stream never ends by itself).
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket sock(io);
  const auto port =
      static_cast<unsigned short>(std::stoi(s.base().substr(s.base().rfind(':') + 1)));
  sock.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  const std::string get = "GET /api/v1/events?analysis=x HTTP/1.1\r\nHost: t\r\n\r\n";
  boost::asio::write(sock, boost::asio::buffer(get));
  const timeval limit{5, 0};
  setsockopt(sock.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  std::string stream;
  const auto read_until = [&](const std::string& what) {
    char buf[4096];
    boost::system::error_code ec;
    while (stream.find(what) == std::string::npos && !ec)
      stream.append(buf, sock.read_some(boost::asio::buffer(buf), ec));
  };
  read_until(": floodgate events for x");  // subscribed
  REQUIRE(s.send("POST", "/api/v1/analyses", R"({"id": "y", "plan": "shop"})").status == 201);
  REQUIRE(s.send("POST", "/api/v1/analyses", R"({"id": "x", "plan": "shop"})").status == 201);
  read_until("event: finished");
  CHECK_THAT(stream, Catch::StartsWith("HTTP/1.1 200 OK"));
  CHECK_THAT(stream, Catch::Contains("Content-Type: text/event-stream"));
  CHECK_THAT(stream,
             Catch::Contains("event: decision\ndata: {\"analysis\":\"x\",\"decision\":{\"at\""));
  CHECK_THAT(stream, Catch::Contains(R"("kind":"set_weight","weight":20)"));
  CHECK_THAT(stream, Catch::Contains(R"("kind":"abort","weight":0)"));
  CHECK_THAT(stream, Catch::Contains(R"(data: {"analysis":"x","status":"aborted"})"));
  CHECK(stream.find(R"("analysis":"y")") == std::string::npos);  // filtered out
  wait_for(s, "y", [](const json& v) { return v["finished"] == true; });
  const auto metrics = s.send("GET", "/metrics");
  CHECK(metrics.status == 200);
  CHECK_THAT(metrics.body, Catch::Contains("floodgate_decisions_total{kind=\"abort\"} 2"));
  CHECK_THAT(metrics.body, Catch::Contains("floodgate_active_rollouts 0"));
  CHECK_THAT(metrics.body, Catch::Contains("floodgate_journal_fsync_seconds_count"));
  CHECK(s.send("GET", "/healthz").status == 200);
  CHECK(s.send("GET", "/readyz").status == 200);
  CHECK(s.send("POST", "/healthz").status == 405);
}

TEST_CASE("bytes that are not UTF-8 are answered as JSON, never a 500", "[api]") {
  // api_fuzz found it: the 404 naming such a target made the JSON writer throw
  // (tests/fuzz/corpus/api/regression-invalid-utf8-target).
  sidecar s(scripted_source(1), library());
  const auto r = s.send("GET", "/api/v1/analyses/x%C3%28y");
  CHECK(r.status == 404);
  const auto j = json::parse(r.body);
  CHECK_THAT(j["error"].get<std::string>(), Catch::Contains("no analysis \"x\xEF\xBF\xBD(y\""));
}
