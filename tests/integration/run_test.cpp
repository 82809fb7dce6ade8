// `floodgate run` live, end to end, with real parts on loopback: two of our backends (stable and
// canary, prometheus-cpp counters), Debian's HAProxy in front of them, wrk sending traffic
// through it, Debian's Prometheus scraping the backends every second, and floodgate reading
// Prometheus and setting HAProxy's weights through its runtime API. A healthy canary ends at
// 100 % in HAProxy; one that answers 5 % errors is aborted and ends at 0 %. Label: integration.

#include <catch2/catch.hpp>
#include <floodgate/providers/routers.hpp>
#include <fstream>
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

  explicit live_stack(double canary_error_rate) {
    const auto d = dir.path();
    stable.emplace(std::vector<std::string>{FLOODGATE_BACKEND_BIN, "--port", port_text(stable_port),
                                            "--track", "stable"},
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
  floodgate::providers::command_result run_floodgate() const {
    const auto plan = dir.path() / "plan.yaml";
    std::ofstream(plan) << R"(apiVersion: floodgate.dev/v1
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
    return run_command({FLOODGATE_BIN, "run", plan.string(), "--prometheus", prom_url(),
                        "--journal", (dir.path() / "journal.jsonl").string(), "--router", "haproxy",
                        "--haproxy-socket", "unix:" + socket, "--haproxy-backend", "app",
                        "--haproxy-canary", "canary", "--haproxy-stable", "stable"},
                       "", std::chrono::milliseconds(120000));
  }

  // How many of 20 requests through HAProxy the canary answered.
  int canary_of_20() const { return canary_share(proxy_url(), 20); }
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
  CHECK(s.canary_of_20() == 0);
}
