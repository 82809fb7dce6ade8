// `floodgate run` live, end to end, with real parts on loopback: two of our backends (stable and
// canary, prometheus-cpp counters), Debian's HAProxy in front of them, wrk sending traffic
// through it, Debian's Prometheus scraping the backends every second, and floodgate reading
// Prometheus and setting HAProxy's weights through its runtime API. A healthy canary ends at
// 100 % in HAProxy; one that answers 5 % errors is aborted and ends at 0 %. Label: integration.

#include <catch2/catch.hpp>
#include <floodgate/engine/journal.hpp>
#include <floodgate/providers/routers.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>

#include "../support/files.hpp"
#include "../support/http_stub.hpp"
#include "../support/process.hpp"
#include "../support/route_once.hpp"

using namespace floodgate::testing;
using floodgate::providers::run_command;
using std::chrono::seconds;

namespace {

std::string port_text(unsigned short p) { return std::to_string(p); }

struct live_stack {
  scratch_dir dir{"floodgate-live"};
  unsigned short stable_port = unused_port();
  unsigned short canary_port = unused_port();
  unsigned short proxy_port = unused_port();
  unsigned short prom_port = unused_port();
  std::string socket = (dir.path() / "admin.sock").string();
  std::optional<child_process> stable, canary, haproxy, prometheus, load;

  explicit live_stack(double canary_error_rate, double stable_error_rate = 0.0) {
    const auto d = dir.path();
    stable.emplace(
        std::vector<std::string>{FLOODGATE_BACKEND_BIN, "--port", port_text(stable_port), "--track",
                                 "stable", "--error-rate", std::to_string(stable_error_rate)},
        d / "stable.log");
    canary.emplace(
        std::vector<std::string>{FLOODGATE_BACKEND_BIN, "--port", port_text(canary_port), "--track",
                                 "canary", "--error-rate", std::to_string(canary_error_rate)},
        d / "canary.log");
    std::ofstream(d / "haproxy.cfg")
        << "global\n  stats socket " << socket << " mode 600 level admin\n"
        << "defaults\n  mode http\n  timeout connect 2s\n  timeout client 10s\n"
        << "  timeout server 10s\n"
        << "frontend fe\n  bind 127.0.0.1:" << proxy_port << "\n  default_backend app\n"
        << "backend app\n  balance roundrobin\n"
        << "  server stable 127.0.0.1:" << stable_port << " weight 100\n"
        << "  server canary 127.0.0.1:" << canary_port << " weight 0\n";
    haproxy.emplace(std::vector<std::string>{"haproxy", "-db", "-f", (d / "haproxy.cfg").string()},
                    d / "haproxy.log");
    std::ofstream(d / "prometheus.yml")
        << "global:\n  scrape_interval: 1s\n"
        << "scrape_configs:\n- job_name: app\n  static_configs:\n"
        << "  - targets: ['127.0.0.1:" << stable_port << "', '127.0.0.1:" << canary_port << "']\n";
    prometheus.emplace(
        std::vector<std::string>{"prometheus", "--config.file=" + (d / "prometheus.yml").string(),
                                 "--storage.tsdb.path=" + (d / "data").string(),
                                 "--web.listen-address=127.0.0.1:" + port_text(prom_port)},
        d / "prometheus.log");
    if (!wait_until([&] { return get_once(proxy_url(), "/").ok(); }, seconds(20)))
      FAIL("HAProxy or the backends did not start:\n" << read_file(d / "haproxy.log"));
    if (!wait_until([&] { return get_once(prom_url(), "/-/ready").ok(); }, seconds(30)))
      FAIL("Prometheus did not start:\n" << read_file(d / "prometheus.log"));
    load.emplace(std::vector<std::string>{"wrk", "-t1", "-c4", "-d600s", proxy_url() + "/"},
                 d / "wrk.log");
  }

  std::string proxy_url() const { return "http://127.0.0.1:" + port_text(proxy_port); }
  std::string prom_url() const { return "http://127.0.0.1:" + port_text(prom_port); }

  // Writes the plan and runs floodgate on it to the end.
  floodgate::providers::command_result run_floodgate(const std::string& text = threshold_plan,
                                                     std::vector<std::string> extra = {}) const {
    const auto plan = dir.path() / "plan.yaml";
    std::ofstream(plan) << text;
    std::vector<std::string> argv{FLOODGATE_BIN,
                                  "run",
                                  plan.string(),
                                  "--prometheus",
                                  prom_url(),
                                  "--journal",
                                  journal(),
                                  "--router",
                                  "haproxy",
                                  "--haproxy-socket",
                                  "unix:" + socket,
                                  "--haproxy-backend",
                                  "app",
                                  "--haproxy-canary",
                                  "canary",
                                  "--haproxy-stable",
                                  "stable"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run_command(argv, "", std::chrono::milliseconds(120000));
  }

  std::string journal() const { return (dir.path() / "journal.jsonl").string(); }

  static constexpr const char* threshold_plan = R"(apiVersion: floodgate.dev/v1
kind: Plan
metadata: {name: live}
spec:
  strategy:
    canary:
      steps:
      - setWeight: 30
      - analysis:
          metrics:
          - name: canary-success-rate
            initialDelay: 5s
            interval: 2s
            count: 3
            successCondition: result[0] >= 0.99
            provider:
              prometheus:
                address: http://127.0.0.1:9
                query: sum(rate(http_requests_total{track="canary",code!~"5.."}[4s])) / sum(rate(http_requests_total{track="canary"}[4s]))
      - setWeight: 60
      - pause: {duration: 2s}
)";

  // A comparison metric's provider: the canary's and the stable version's 5xx and all requests
  // since the analysis started.
  static constexpr const char* error_counts_provider = R"(            provider:
              prometheus:
                address: http://127.0.0.1:9
                canary:
                  events: sum(increase(http_requests_total{track="canary",code=~"5.."}[{{elapsed}}]))
                  total: sum(increase(http_requests_total{track="canary"}[{{elapsed}}]))
                baseline:
                  events: sum(increase(http_requests_total{track="stable",code=~"5.."}[{{elapsed}}]))
                  total: sum(increase(http_requests_total{track="stable"}[{{elapsed}}]))
)";

  // How many of 20 requests through HAProxy the canary answered.
  int canary_of_20() const { return canary_share(proxy_url(), 20); }

  // The same, counting answers of any status (a backend with injected errors answers 500).
  int canary_answers_of_20() const {
    int answered = 0;
    for (int i = 0; i < 20; ++i) {
      const auto o = get_once(proxy_url(), "/");
      if (!o.response) return -1;
      answered += o.response->body == "canary" ? 1 : 0;
    }
    return answered;
  }

  // Until Prometheus holds a few seconds of every backend's counters.
  void wait_for_samples() const {
    const std::string q =
        "/api/v1/query?query=min(count_over_time(http_requests_total%5B5s%5D))%3E%3D4";
    if (!wait_until(
            [&] {
              const auto o = get_once(prom_url(), q);
              return o.ok() && o.response->body.find("\"result\":[{") != std::string::npos;
            },
            seconds(30)))
      FAIL("Prometheus has no samples:\n" << read_file(dir.path() / "prometheus.log"));
  }
};

void require_tools() {
  for (const char* tool : {"haproxy", "prometheus", "wrk"})
    if (!on_path(tool)) FAIL(tool << " is not installed (scripts/install-deps)");
}

}  // namespace

TEST_CASE("floodgate run promotes a healthy canary, HAProxy ends at 100 %", "[integration][run]") {
  require_tools();
  live_stack s(0.0);
  const auto r = s.run_floodgate();
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("set_weight 30 [step]") != std::string::npos);
  CHECK(r.output.find("set_weight 60 [step]") != std::string::npos);
  CHECK(r.output.find("promote 100 [all steps completed]") != std::string::npos);
  CHECK(s.canary_of_20() == 20);
}

TEST_CASE("floodgate run aborts a canary answering 5 % errors, HAProxy ends at 0 %",
          "[integration][run]") {
  require_tools();
  live_stack s(0.05);
  const auto r = s.run_floodgate();
  INFO(r.output);
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("set_weight 30 [step]") != std::string::npos);
  CHECK(r.output.find("abort 0 [analysis Failed] canary-success-rate") != std::string::npos);
  CHECK(r.output.find("promote") == std::string::npos);
  CHECK(s.canary_answers_of_20() == 0);
}

TEST_CASE("a 5 %-error canary judged by the sequential test is aborted within the predicted time",
          "[integration][run]") {
  // The sample-size model (floodgate plan --model sequential) says how long the canary's share
  // of the traffic takes to accrue the n the test needs; the live abort must come within that,
  // plus what measuring adds: one look interval, Prometheus' 1 s scrape and the first look's
  // empty window.
  require_tools();
  live_stack s(0.05, 0.005);
  s.wait_for_samples();  // the model is about the canary's traffic, not Prometheus' start
  const std::string plan = R"(apiVersion: floodgate.dev/v1
kind: Plan
metadata: {name: live-compare}
spec:
  strategy:
    canary:
      steps:
      - setWeight: 30
      - analysis:
          metrics:
          - name: error-rate
            interval: 2s
            compare: {test: sequential_counts, direction: increase, alpha: 0.05, power: 0.8, minEffect: 0.02}
)" + std::string(live_stack::error_counts_provider) +
                           R"(      - setWeight: 60
)";
  const auto r = s.run_floodgate(plan);
  INFO(r.output);
  REQUIRE(r.exit_code == 1);
  const auto at = r.output.find(" abort 0 ");
  REQUIRE(at != std::string::npos);
  const auto t = r.output.rfind("t=", at);
  const double abort_s = std::stod(r.output.substr(t + 2, r.output.find('s', t) - t - 2));
  // The traffic it ran under, and what the model predicts for it.
  const auto rate =
      get_once(s.prom_url(), "/api/v1/query?query=sum(rate(http_requests_total%5B20s%5D))");
  REQUIRE(rate.ok());
  const auto got = nlohmann::json::parse(rate.response->body)["data"]["result"];
  REQUIRE(got.size() == 1);
  const double rps = std::stod(got[0]["value"][1].get<std::string>());
  const auto model = run_command(
      {FLOODGATE_BIN, "plan", "--rps", std::to_string(rps), "--baseline-error-rate", "0.005",
       "--mde", "0.02", "--steps", "30:10m", "--model", "sequential", "--output", "json"},
      "", std::chrono::milliseconds(10000));
  REQUIRE(model.exit_code == 0);
  const double predicted =
      nlohmann::json::parse(model.output)["metrics"][0]["steps"][0]["required_seconds"]
          .get<double>();
  INFO("aborted at " << abort_s << " s; " << rps << " req/s; the model needs " << predicted
                     << " s at 30 %");
  CHECK(abort_s <= predicted + 2.0 /* interval */ + 1.0 /* scrape */ + 2.0 /* first window */);
  CHECK(r.output.find("promote") == std::string::npos);
  // Counted by body whatever the status: the stable backend fails 0.5 % of requests too, which
  // made a 500 among the 20 read as "no answer" now and then.
  CHECK(s.canary_answers_of_20() == 0);
}

TEST_CASE("replaying what a live rollout recorded takes the same decisions at the same instants",
          "[integration][run][simulate]") {
  // DESIGN.md's central promise: floodgate run records every Prometheus answer it got
  // (--record); floodgate simulate replays the plan on them in virtual time and must journal the
  // same decisions — kind, step, weight, reason, statistics — at the same instants. A threshold
  // metric and an anytime-valid comparison over {{elapsed}} windows, a healthy canary.
  require_tools();
  live_stack s(0.0);
  s.wait_for_samples();
  const std::string plan = R"(apiVersion: floodgate.dev/v1
kind: Plan
metadata: {name: recorded}
spec:
  strategy:
    canary:
      steps:
      - setWeight: 30
      - analysis:
          metrics:
          - name: success-rate
            initialDelay: 1s
            interval: 2s
            count: 3
            successCondition: result[0] >= 0.99
            provider:
              prometheus:
                address: http://127.0.0.1:9
                query: sum(rate(http_requests_total{track="canary",code!~"5.."}[4s])) / sum(rate(http_requests_total{track="canary"}[4s]))
          - name: error-rate
            interval: 2s
            count: 3
            compare: {test: sequential_counts, direction: increase, alpha: 0.05, power: 0.8, minEffect: 0.05}
)" + std::string(live_stack::error_counts_provider) +
                           R"(      - setWeight: 60
      - pause: {duration: 2s}
)";
  const auto recording = (s.dir.path() / "answers.csv").string();
  const auto live = s.run_floodgate(plan, {"--record", recording});
  INFO(live.output);
  REQUIRE(live.exit_code == 0);

  // What the live rollout journaled: when it started, and every decision.
  const auto contents = floodgate::engine::read_journal(s.journal());
  REQUIRE_FALSE(contents.error);
  std::int64_t start_ms = 0;
  nlohmann::json live_decisions = nlohmann::json::array();
  for (const auto& rec : contents.records) {
    if (rec.value("type", "") == "start") start_ms = rec.at("at_ms").get<std::int64_t>();
    if (rec.contains("decisions"))
      for (const auto& d : rec["decisions"]) live_decisions.push_back(d);
  }
  REQUIRE(start_ms > 0);
  REQUIRE(live_decisions.size() >= 4);

  char start[32];
  std::snprintf(start, sizeof start, "%lld.%03lld", static_cast<long long>(start_ms / 1000),
                static_cast<long long>(start_ms % 1000));
  const auto replay = run_command({FLOODGATE_BIN, "simulate", (s.dir.path() / "plan.yaml").string(),
                                   "--metrics", recording, "--start", start, "--output", "json"},
                                  "", std::chrono::milliseconds(30000));
  INFO(read_file(recording));
  INFO(replay.output);
  REQUIRE(replay.exit_code == 0);
  const auto replayed = nlohmann::json::parse(replay.output);
  CHECK(replayed["status"] == "promoted");
  CHECK(replayed["unmatched_queries"].empty());
  CHECK(replayed["decisions"].dump(2) == live_decisions.dump(2));
  // The comparison's looks were replayed with their statistics.
  bool e_values = false;
  for (const auto& t : replayed["ticks"])
    for (const auto& m : t["metrics"]) e_values = e_values || m.contains("e_value");
  CHECK(e_values);
}
