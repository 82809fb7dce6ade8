// `floodgate plan --rate-query Q --prometheus URL`: the traffic read from a real Prometheus
// (Debian's), backfilled with a day of diurnal request counters, gives the same plan as the same
// query evaluated over the same samples recorded in a file (`--metrics`). Label: integration.

#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "../app/run_cli.hpp"
#include "../support/backfilled_prometheus.hpp"
#include "../support/process.hpp"
#include "../support/prometheus_query.hpp"

using namespace floodgate::testing;
using json = nlohmann::json;

namespace {

constexpr double pi = 3.14159265358979323846;

// Counters of a service taking 40 req/s ± 60 % over the day (peak at `end_s` − 10 h), 1 % of
// them 500s, scraped every minute from `from_s` to `end_s`.
std::string diurnal_counters(std::int64_t from_s, std::int64_t end_s) {
  std::ostringstream out;
  out.precision(17);
  out << "# TYPE http_requests counter\n";
  for (const char* code : {"200", "500"}) {
    const double share = std::string(code) == "500" ? 0.01 : 0.99;
    double v = 0;
    for (std::int64_t t = from_s; t <= end_s; t += 60) {
      const double rps =
          40.0 * (1.0 + 0.6 * std::cos(2 * pi * static_cast<double>(t - end_s + 36000) / 86400.0));
      v += rps * 60.0 * share;
      out << "http_requests_total{code=\"" << code << "\"} " << v << " " << t << "\n";
    }
  }
  out << "# EOF\n";
  return out.str();
}

json plan_json(const std::string& traffic) {
  const auto r = floodgate::test::run_command(
      std::string(FLOODGATE_BIN) + " plan " + FLOODGATE_SOURCE_DIR +
      "/examples/compare/sequential.yaml --rate-query 'sum(rate(http_requests_total[5m]))' "
      "--rate-step 5m --baseline-error-rate 0.01 " +
      traffic + " --output json 2>&1");
  INFO(r.output);
  REQUIRE(r.code == 0);
  return json::parse(r.output);
}

bool close(double a, double b) { return std::fabs(a - b) <= 1e-9 * std::max(1.0, std::fabs(b)); }

// Equal, numbers within 1e-9 (Prometheus and floodgate sum in different orders).
bool same(const json& a, const json& b) {
  if (a.is_number() && b.is_number()) return close(a.get<double>(), b.get<double>());
  if (a.is_object() && b.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto it = a.begin(); it != a.end(); ++it)
      if (!b.contains(it.key()) || !same(it.value(), b[it.key()])) return false;
    return true;
  }
  if (a.is_array() && b.is_array()) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (!same(a[i], b[i])) return false;
    return true;
  }
  return a == b;
}

}  // namespace

TEST_CASE("plan reads the traffic from a live Prometheus as from the same samples recorded",
          "[integration][plan]") {
  scratch_dir dir("floodgate-plan-live");
  const std::int64_t end_s = backfill_end(300);
  // Exactly a day: the recorded replay's first answered instant (the first with two samples in
  // the 5m window) is the range query's first, 5 minutes into the window.
  const std::string data = diurnal_counters(end_s - 86400, end_s);
  const auto file = dir.path() / "traffic.om";
  std::ofstream(file) << data;
  backfilled_prometheus prometheus(dir, data);
  floodgate::providers::http_endpoint ep;
  ep.base_url = prometheus.url();
  ep.retry.max_attempts = 1;
  ep.deadline = std::chrono::milliseconds(2000);
  REQUIRE(wait_until(
      [&] {
        const auto a = query_once(ep, "count(last_over_time(http_requests_total[1h]))");
        return a.http.ok() && a.http.response->body.find("\"2\"") != std::string::npos;
      },
      std::chrono::seconds(60)));

  const auto live = plan_json("--prometheus " + prometheus.url() + " --rate-until " +
                              std::to_string(end_s) + " --rate-window 24h");
  const auto recorded = plan_json("--metrics " + file.string());
  INFO(live.dump(2));
  INFO(recorded["traffic"].dump(2));
  const auto& lt = live["traffic"];
  const auto& rt = recorded["traffic"];
  CHECK(lt["varies"].get<bool>());
  CHECK(lt["start"] == rt["start"]);
  for (const char* k : {"mean_rps", "min_rps", "max_rps"}) {
    INFO(k);
    CHECK(close(lt[k].get<double>(), rt[k].get<double>()));
  }
  // The data's own figures: 40 req/s on average, 16 to 64.
  CHECK(std::fabs(lt["mean_rps"].get<double>() - 40.0) < 0.5);
  CHECK(lt["min_rps"].get<double>() < 17.0);
  CHECK(lt["max_rps"].get<double>() > 63.0);
  // The curve repeats after the window: the 24 starts are whole hours apart.
  REQUIRE(live["metrics"].size() > 0);
  const auto& starts = live["metrics"][0]["by_start"];
  REQUIRE(starts.size() == 24);
  for (const std::size_t h : {1U, 23U})
    CHECK(starts[h]["start"].get<std::string>().substr(14) ==
          starts[0]["start"].get<std::string>().substr(14));
  // And so the same plan, at each of the 24 starts.
  REQUIRE(live["metrics"].size() == recorded["metrics"].size());
  for (std::size_t i = 0; i < live["metrics"].size(); ++i) {
    CHECK(close(live["metrics"][i]["total_seconds"].get<double>(),
                recorded["metrics"][i]["total_seconds"].get<double>()));
    REQUIRE(live["metrics"][i]["by_start"].size() == 24);
    for (std::size_t h = 0; h < 24; ++h)
      CHECK(same(live["metrics"][i]["by_start"][h], recorded["metrics"][i]["by_start"][h]));
  }

  // A query that answers several series, and one Prometheus refuses, are errors that say so.
  const auto split = floodgate::test::run_command(
      std::string(FLOODGATE_BIN) +
      " plan --rate-query 'sum by (code) (rate(http_requests_total[5m]))' --prometheus " +
      prometheus.url() + " --rate-until " + std::to_string(end_s) +
      " --baseline-error-rate 0.01 --mde 0.005 --steps 5:10m 2>&1");
  CHECK(split.code == 2);
  CHECK(split.output.find("2 series answered; expected one (sum them)") != std::string::npos);
  const auto bad = floodgate::test::run_command(
      std::string(FLOODGATE_BIN) + " plan --rate-query 'sum(rate(' --prometheus " +
      prometheus.url() + " --baseline-error-rate 0.01 --mde 0.005 --steps 5:10m 2>&1");
  CHECK(bad.code == 2);
  CHECK(bad.output.find("bad_data") != std::string::npos);
  const auto down = floodgate::test::run_command(
      std::string(FLOODGATE_BIN) +
      " plan --rate-query 'sum(rate(x[5m]))' --prometheus http://127.0.0.1:1 "
      "--baseline-error-rate 0.01 --mde 0.005 --steps 5:10m 2>&1");
  CHECK(down.code == 2);
  CHECK(down.output.find("--prometheus http://127.0.0.1:1: connect") != std::string::npos);
}
