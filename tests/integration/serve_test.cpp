// `floodgate serve` as a process, with real parts on loopback: three of our backends (stable, a
// healthy canary and one answering 5 % errors) each under wrk load, scraped every second by
// Debian's Prometheus. Shows: the Kayenta-compatible judge scores canaries from Prometheus' range
// data; Argo's AnalysisTemplate from examples/ (run by floodgate's own Argo semantics) reads the
// sidecar's verdict; a SIGKILLed sidecar resumes its analysis from the journal with no decision
// lost or repeated; with Prometheus killed an analysis holds or aborts as its plan says and never
// promotes, and goes on when Prometheus is back. Label: integration.

#include <catch2/catch.hpp>
#include <chrono>
#include <floodgate/engine/journal.hpp>
#include <floodgate/providers/ports/decision_json.hpp>
#include <floodgate/providers/routers.hpp>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "../support/files.hpp"
#include "../support/http_stub.hpp"
#include "../support/process.hpp"
#include "../support/route_once.hpp"

using namespace floodgate::testing;
using floodgate::providers::run_command;
using nlohmann::json;
using std::chrono::seconds;

namespace {

std::string port_text(unsigned short p) { return std::to_string(p); }

// A success-rate analysis of the backend named by the `service` argument.
std::string analysis_step(int count, int error_limit) {
  return R"(      - analysis:
          metrics:
          - name: success-rate
            interval: 1s
            count: )" +
         std::to_string(count) + R"(
            consecutiveErrorLimit: )" +
         std::to_string(error_limit) + R"(
            successCondition: result[0] >= 0.99
            provider:
              prometheus:
                address: http://127.0.0.1:9
                query: sum(rate(http_requests_total{track="{{args.service}}",code!~"5.."}[3s])) / sum(rate(http_requests_total{track="{{args.service}}"}[3s]))
)";
}

std::string plan(const std::string& name, const std::string& steps) {
  return "apiVersion: floodgate.dev/v1\nkind: Plan\nmetadata: {name: " + name +
         "}\nspec:\n  args: [{name: service}]\n  strategy:\n    canary:\n"
         "      steps:\n" +
         steps;
}

struct stack {
  scratch_dir dir{"floodgate-serve"};
  unsigned short prom_port = unused_port();
  unsigned short api_port = unused_port();
  std::vector<unsigned short> backend_ports;
  std::vector<std::unique_ptr<child_process>> backends, loads;
  std::optional<child_process> prometheus, serve;

  stack() {
    const auto d = dir.path();
    const std::vector<std::pair<std::string, double>> tracks{
        {"stable", 0.0}, {"canary-good", 0.0}, {"canary-bad", 0.05}};
    std::string targets;
    for (const auto& [track, errors] : tracks) {
      const auto port = unused_port();
      backend_ports.push_back(port);
      backends.push_back(std::make_unique<child_process>(
          std::vector<std::string>{FLOODGATE_BACKEND_BIN, "--port", port_text(port), "--track",
                                   track, "--error-rate", std::to_string(errors)},
          d / (track + ".log")));
      targets +=
          (targets.empty() ? "'" : ", '") + std::string("127.0.0.1:") + port_text(port) + "'";
    }
    std::ofstream(d / "prometheus.yml")
        << "global:\n  scrape_interval: 1s\nscrape_configs:\n- job_name: app\n"
        << "  static_configs:\n  - targets: [" << targets << "]\n";
    start_prometheus();
    // About 1000 requests a second per backend: enough for the statistics, and three loads
    // that do not starve the processes under test on two cores.
    const auto paced = d / "paced.lua";
    std::ofstream(paced) << "function delay()\n  return 2\nend\n";
    for (std::size_t i = 0; i < tracks.size(); ++i) {
      const std::string url = "http://127.0.0.1:" + port_text(backend_ports[i]);
      if (!wait_until([&] { return get_once(url, "/metrics").ok(); }, seconds(20)))
        FAIL("backend " << tracks[i].first << " did not start");
      loads.push_back(std::make_unique<child_process>(
          std::vector<std::string>{"wrk", "-t1", "-c2", "-d600s", "-s", paced.string(), url + "/"},
          d / ("wrk-" + tracks[i].first + ".log")));
    }
    // Until Prometheus has a rate for every backend.
    const std::string q = "/api/v1/query?query=count(rate(http_requests_total%5B3s%5D)%20%3E%200)";
    if (!wait_until(
            [&] {
              const auto o = get_once(prom_url(), q);
              return o.ok() && json::parse(o.response->body)["data"]["result"].size() == 1 &&
                     json::parse(o.response->body)["data"]["result"][0]["value"][1] != "0" &&
                     std::stoi(json::parse(o.response->body)["data"]["result"][0]["value"][1]
                                   .get<std::string>()) >= 3;
            },
            seconds(40)))
      FAIL("Prometheus has no rates:\n" << read_file(d / "prometheus.log"));
    std::ofstream(d / "plans.yaml")
        << plan("judge", "      - setWeight: 50\n" + analysis_step(3, 4)) << "---\n"
        << plan("steady", "      - setWeight: 20\n" + analysis_step(8, 30) +
                              "      - setWeight: 60\n      - pause: {duration: 2s}\n")
        << "---\n"
        << plan("strict", "      - setWeight: 20\n" + analysis_step(30, 1));
    std::ofstream(d / "serve.yaml")
        << "listen: 127.0.0.1:" << api_port << "\njournal: " << (d / "journal.jsonl").string()
        << "\nplans: [plans.yaml]\nprometheus: " << prom_url() << "\nlog_format: json\n"
        << "kayenta:\n- name: errors\n  id: errors-v1\n  metrics:\n  - name: error-ratio\n"
        << "    query: (sum(rate(http_requests_total{track=\"${scope}\",code=~\"5..\"}[3s])) or "
           "vector(0)) / sum(rate(http_requests_total{track=\"${scope}\"}[3s]))\n"
        << "    analysisConfigurations: {canary: {direction: increase, critical: true}}\n";
    start_serve();
  }

  void start_prometheus() {
    const auto d = dir.path();
    prometheus.emplace(
        std::vector<std::string>{"prometheus", "--config.file=" + (d / "prometheus.yml").string(),
                                 "--storage.tsdb.path=" + (d / "data").string(),
                                 "--web.listen-address=127.0.0.1:" + port_text(prom_port)},
        d / "prometheus.log");
    if (!wait_until([&] { return get_once(prom_url(), "/-/ready").ok(); }, seconds(30)))
      FAIL("Prometheus did not start:\n" << read_file(d / "prometheus.log"));
  }

  void start_serve() {
    serve.emplace(std::vector<std::string>{FLOODGATE_BIN, "serve", "--config",
                                           (dir.path() / "serve.yaml").string()},
                  dir.path() / "serve.log");
    if (!wait_until([&] { return get_once(api(), "/readyz").ok(); }, seconds(20)))
      FAIL("floodgate serve did not start:\n" << read_file(dir.path() / "serve.log"));
  }

  std::string prom_url() const { return "http://127.0.0.1:" + port_text(prom_port); }
  std::string api() const { return "http://127.0.0.1:" + port_text(api_port); }

  json request(const std::string& method, const std::string& target,
               const std::string& body = "") const {
    floodgate::providers::http_request r;
    r.method = method;
    r.target = target;
    r.body = body;
    if (!body.empty()) r.content_type = "application/json";
    const auto o = send_once(api(), r);
    INFO(method << " " << target << ": " << o.describe());
    REQUIRE(o.response);
    INFO(method << " " << target << " → " << o.response->status << " " << o.response->body);
    return json::parse(o.response->body);
  }

  // Polls an analysis until `pred` holds; its last state.
  json wait_for(const std::string& id, const std::function<bool(const json&)>& pred,
                seconds limit = seconds(60)) const {
    json j;
    wait_until(
        [&] {
          const auto o = get_once(api(), "/api/v1/analyses/" + id);
          if (!o.ok()) return false;
          j = json::parse(o.response->body);
          return pred(j);
        },
        limit);
    return j;
  }

  std::string log() const { return read_file(dir.path() / "serve.log"); }
};

void require_tools() {
  for (const char* tool : {"prometheus", "wrk"})
    if (!on_path(tool)) FAIL(tool << " is not installed (scripts/install-deps)");
}

std::string rfc3339_ago(seconds ago) {
  const auto t =
      std::chrono::time_point_cast<floodgate::core::millis>(std::chrono::system_clock::now() - ago);
  return floodgate::providers::ports::format_rfc3339(t);
}

bool finished(const json& v) { return v["finished"] == true; }

// An analysis whose first metric has counted `n` measurements.
std::function<bool(const json&)> measured_at_least(int n) {
  return [n](const json& v) {
    return !v["metrics"].empty() && v["metrics"][0]["counters"]["count"].get<int>() >= n;
  };
}

}  // namespace

TEST_CASE("floodgate serve: Kayenta's calls and Argo's template judged from real Prometheus",
          "[integration][serve]") {
  require_tools();
  stack s;
  INFO(s.log());
  // Kayenta, as Argo Rollouts' provider calls it.
  const auto configs =
      s.request("GET", "/canaryConfig?application=shop&configurationAccountName=storage");
  REQUIRE(configs.size() == 1);
  CHECK(configs[0]["name"] == "errors");
  // One judgement of 7 s of data (taken again until Prometheus holds 7 s of it).
  const auto judge_once = [&](const std::string& canary) {
    const std::string scope = R"({"scope": ")";
    const std::string times = R"(", "start": ")" + rfc3339_ago(seconds(8)) + R"(", "end": ")" +
                              rfc3339_ago(seconds(1)) + R"(", "step": 1})";
    const auto started = s.request(
        "POST",
        "/canary/errors-v1?application=shop&metricsAccountName=prom&"
        "configurationAccountName=storage&storageAccountName=storage",
        R"({"thresholds": {"pass": 90, "marginal": 75}, "scopes": {"default": {"controlScope": )" +
            scope + "stable" + times + R"(, "experimentScope": )" + scope + canary + times + "}}}");
    const std::string id = started.at("canaryExecutionId");
    json got;
    wait_until(
        [&] {
          got = s.request("GET", "/canary/" + id);
          return got["complete"] == true;
        },
        seconds(20));
    INFO(got.dump());
    REQUIRE(got["executionStatus"] == "SUCCEEDED");
    return got["result"]["judgeResult"];
  };
  const auto judge = [&](const std::string& canary) {
    json r;
    wait_until(
        [&] {
          r = judge_once(canary);
          return r["results"][0]["controlMetadata"]["stats"]["count"].get<int>() >= 7 &&
                 r["results"][0]["experimentMetadata"]["stats"]["count"].get<int>() >= 7;
        },
        seconds(30));
    return r;
  };
  const auto good = judge("canary-good");
  CHECK(good["score"]["score"] == 100.0);
  CHECK(good["results"][0]["classification"] == "Pass");
  const auto bad = judge("canary-bad");
  CHECK(bad["score"]["score"] == 0.0);
  CHECK(bad["results"][0]["classification"] == "High");
  CHECK(bad["results"][0]["experimentMetadata"]["stats"]["mean"].get<double>() > 0.02);

  // Argo's AnalysisTemplate from examples/, at a 1 s interval, run by floodgate's own Argo
  // semantics: its web metric POSTs to the sidecar, which runs the plan "judge".
  auto text = read_file(std::string(FLOODGATE_SOURCE_DIR) +
                        "/examples/argo/floodgate-verdict-template.yaml");
  text.replace(text.find("interval: 30s"), 13, "interval: 1s");
  const auto t = s.dir.path() / "template.yaml";
  std::ofstream(t) << text;
  const auto run_template = [&](const std::string& analysis, const std::string& service) {
    return run_command(
        {FLOODGATE_BIN, "run", t.string(), "--quiet", "--journal",
         (s.dir.path() / ("run-" + analysis + ".jsonl")).string(), "--arg",
         "floodgate-url=" + s.api(), "--arg", "analysis=" + analysis, "--arg", "plan=judge",
         "--arg", "service=" + service, "--arg", "floodgate-token=unused"},
        "", std::chrono::milliseconds(60000));
  };
  const auto pass = run_template("rev-good", "canary-good");
  INFO(pass.output);
  CHECK(pass.exit_code == 0);  // Successful
  CHECK(s.request("GET", "/api/v1/analyses/rev-good")["status"] == "promoted");
  const auto fail = run_template("rev-bad", "canary-bad");
  INFO(fail.output);
  CHECK(fail.exit_code == 1);  // Failed: the Rollout would abort
  CHECK(s.request("GET", "/api/v1/analyses/rev-bad")["status"] == "aborted");
}

TEST_CASE("floodgate serve killed with SIGKILL resumes from its journal, nothing lost or repeated",
          "[integration][serve]") {
  require_tools();
  stack s;
  INFO(s.log());
  s.request("POST", "/api/v1/analyses",
            R"({"id": "steady-1", "plan": "steady", "args": {"service": "canary-good"}})");
  // Mid-analysis: some measurements taken, not all.
  const auto before = s.wait_for("steady-1", measured_at_least(3));
  REQUIRE(before["metrics"][0]["counters"]["count"].get<int>() < 8);
  CHECK(s.serve->stop(9) != 0);  // SIGKILL
  s.start_serve();
  const auto after = s.wait_for("steady-1", finished);
  INFO(after.dump());
  CHECK(after["status"] == "promoted");
  CHECK(after["weight"] == 100);
  // Every decision once, in order, as an uninterrupted run takes them.
  std::vector<std::string> kinds;
  for (const auto& d : after["decisions"])
    kinds.push_back(d["kind"].get<std::string>() + " " + std::to_string(d["weight"].get<int>()));
  CHECK(kinds ==
        std::vector<std::string>{"set_weight 20", "set_weight 60", "pause 60", "promote 100"});
  // The journal: one start, measuring ticks in strictly increasing time (none taken twice), 8
  // answers with a sample in all (count: 8 — none repeated or lost; an empty vector or an error is
  // an Error measurement, which Argo retries without counting), one end.
  const auto journal = floodgate::engine::read_journal((s.dir.path() / "journal.jsonl").string());
  REQUIRE_FALSE(journal.error);
  int starts = 0, ends = 0, measured = 0;
  std::int64_t last_tick = 0;
  bool increasing = true;
  for (const auto& rec : journal.records) {
    starts += rec["type"] == "start";
    ends += rec["type"] == "end";
    if (rec["type"] != "tick") continue;
    if (rec["observations"].empty()) continue;  // a tick that only moved the controller on
    increasing = increasing && rec["at_ms"].get<std::int64_t>() > last_tick;
    last_tick = rec["at_ms"].get<std::int64_t>();
    for (const auto& o : rec["observations"]) {
      const std::string v = o.value("value_text", "");
      measured += !o.contains("error") && !v.empty() && v != "[]" ? 1 : 0;
    }
  }
  CHECK(starts == 1);
  CHECK(ends == 1);
  CHECK(increasing);
  CHECK(measured == 8);
  CHECK(s.log().find("\"resumed\":1") != std::string::npos);
}

TEST_CASE("with Prometheus killed an analysis holds or aborts as planned, never promotes",
          "[integration][serve]") {
  require_tools();
  stack s;
  INFO(s.log());
  s.request("POST", "/api/v1/analyses",
            R"({"id": "patient", "plan": "steady", "args": {"service": "canary-good"}})");
  s.request("POST", "/api/v1/analyses",
            R"({"id": "strict", "plan": "strict", "args": {"service": "canary-good"}})");
  s.wait_for("patient", measured_at_least(2));
  CHECK(s.prometheus->stop(9) != 0);
  // strict (consecutiveErrorLimit 1) aborts; patient (30) holds, counting errors.
  const auto strict = s.wait_for("strict", finished);
  CHECK(strict["status"] == "aborted");
  const auto held = s.wait_for("patient", [](const json& v) {
    return v["metrics"][0]["counters"]["consecutive_error"].get<int>() >= 3;
  });
  CHECK(held["status"] == "progressing");
  CHECK(held["weight"] == 20);
  CHECK(held["metrics"][0]["latest"] == "Error");
  CHECK_THAT(held["metrics"][0]["message"].get<std::string>(), Catch::Contains("refused"));
  // Prometheus back: it goes on to the end.
  s.start_prometheus();
  const auto done = s.wait_for("patient", finished, seconds(90));
  INFO(done.dump());
  CHECK(done["status"] == "promoted");
  const auto metrics = get_once(s.api(), "/metrics");
  REQUIRE(metrics.ok());
  CHECK(metrics.response->body.find("floodgate_query_errors_total 0\n") == std::string::npos);
  // Its ticks were timed: wake-up to journal record.
  CHECK(metrics.response->body.find("floodgate_tick_duration_seconds_count ") != std::string::npos);
  CHECK(metrics.response->body.find("floodgate_tick_duration_seconds_count 0\n") ==
        std::string::npos);
}
