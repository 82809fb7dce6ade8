// floodgate's PromQL evaluator against a real Prometheus (Debian's 2.42) on the same samples:
// an OpenMetrics file with counters (resets, gaps, jittered scrapes), a gauge and a histogram is
// backfilled with `promtool tsdb create-blocks-from openmetrics` into a scratch Prometheus, and
// every query below is asked of both at instants on and off the scrape grid. Label: integration.

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <floodgate/providers/prometheus_client.hpp>
#include <floodgate/providers/recorded/promql.hpp>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "../support/backfilled_prometheus.hpp"
#include "../support/files.hpp"
#include "../support/http_stub.hpp"
#include "../support/process.hpp"

using namespace floodgate::providers;
using namespace floodgate::testing;
namespace rec = floodgate::providers::recorded;

namespace {

// A deterministic stream of numbers in [0, 1) for the data (not floodgate's PRNG: this test
// must not depend on the code it checks).
struct lcg {
  std::uint64_t s = 12345;
  double next() {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(s >> 11) / 9007199254740992.0;
  }
};

// Two hours of samples ending `end_s`, about every 15 s with jitter.
std::string openmetrics(std::int64_t end_s) {
  lcg r;
  std::ostringstream out;
  out.precision(17);
  const std::int64_t start_s = end_s - 7200;
  out << "# TYPE http_requests counter\n";
  for (const char* track : {"canary", "stable"}) {
    for (const char* code : {"200", "500"}) {
      double v = 0;
      for (std::int64_t t = start_s; t <= end_s; t += 15) {
        if (std::string(track) == "canary" && t > start_s + 3000 && t < start_s + 3120)
          continue;  // a gap of two minutes
        v += (std::string(code) == "200" ? 40 : 2) * r.next();
        if (std::string(track) == "stable" && std::string(code) == "200" && t == start_s + 4500)
          v = 3;  // a restart: the counter resets
        // Jittered by whole milliseconds, so both readers see the same instant.
        const auto at_ms = t * 1000 + static_cast<std::int64_t>(2000 * r.next()) - 1000;
        char at[32];
        std::snprintf(at, sizeof at, "%lld.%03lld", static_cast<long long>(at_ms / 1000),
                      static_cast<long long>(at_ms % 1000));
        out << "http_requests_total{track=\"" << track << "\",code=\"" << code << "\"} " << v << " "
            << at << "\n";
      }
    }
  }
  out << "# TYPE temperature gauge\n";
  for (std::int64_t t = start_s; t <= end_s; t += 15)
    out << "temperature " << 20 + 5 * r.next() << " " << t << "\n";
  out << "# TYPE latency_seconds histogram\n";
  std::vector<double> counts(5, 0);
  const std::vector<std::string> le{"0.05", "0.1", "0.25", "1", "+Inf"};
  for (std::int64_t t = start_s; t <= end_s; t += 15) {
    double below = 0;
    for (std::size_t b = 0; b < le.size(); ++b) {
      below += 10 * r.next();
      counts[b] += below;
    }
    for (std::size_t b = 0; b < le.size(); ++b)
      out << "latency_seconds_bucket{le=\"" << le[b] << "\"} " << counts[b] << " " << t << "\n";
    out << "latency_seconds_count " << counts.back() << " " << t << "\n";
  }
  out << "# EOF\n";
  return out.str();
}

using answer_map = std::map<std::string, double>;  // labels → value ("" for a scalar)

bool same(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (std::isinf(a) || std::isinf(b)) return a == b;
  return std::fabs(a - b) <= 1e-9 * std::max(1.0, std::fabs(b));
}

}  // namespace

TEST_CASE("floodgate's PromQL evaluator answers as a real Prometheus on the same samples",
          "[integration][promql]") {
  scratch_dir dir("floodgate-promql");
  const std::int64_t end_s = backfill_end(60);
  const std::string data = openmetrics(end_s);
  backfilled_prometheus prometheus(dir, data);

  boost::asio::io_context io;
  http_endpoint ep;
  ep.base_url = prometheus.url();
  ep.deadline = std::chrono::milliseconds(5000);
  ep.retry.max_attempts = 1;
  prometheus_client client(io, ep, query_method::get);
  auto ask = [&](const std::string& q, double at) -> std::optional<answer_map> {
    std::optional<prometheus_answer> got;
    client.query(q, at, [&](prometheus_answer a) { got = std::move(a); });
    io.restart();
    io.run();
    if (!got || !got->http.ok()) return std::nullopt;
    const auto j = nlohmann::json::parse(got->http.response->body, nullptr, false);
    if (j.is_discarded() || j.value("status", "") != "success") return std::nullopt;
    answer_map out;
    const auto& d = j["data"];
    auto number = [](const nlohmann::json& pair) { return std::stod(pair[1].get<std::string>()); };
    if (d["resultType"] == "scalar") {
      out[""] = number(d["result"]);
    } else {
      for (const auto& e : d["result"]) {
        rec::label_set l;
        for (const auto& [k, v] : e["metric"].items()) l.emplace_back(k, v.get<std::string>());
        std::sort(l.begin(), l.end());
        out[rec::format_labels(l)] = number(e["value"]);
      }
    }
    return out;
  };
  // Ready when the backfilled blocks answer.
  const bool ready = wait_until(
      [&] {
        const auto a = ask("count(temperature)", static_cast<double>(end_s));
        return a && !a->empty();
      },
      std::chrono::seconds(60));
  REQUIRE(ready);

  rec::store store;
  REQUIRE(store.add_file("data.om", data).empty());
  rec::promql::store_view view(store);
  rec::promql::evaluator ours(view);

  const std::vector<std::string> queries{
      R"(rate(http_requests_total[1m]))",
      R"(increase(http_requests_total[2m]))",
      R"(irate(http_requests_total[1m]))",
      R"(sum(rate(http_requests_total{code!~"5.."}[1m])) / sum(rate(http_requests_total[1m])))",
      R"(sum by (track) (increase(http_requests_total{code=~"5.."}[93s])))",
      R"(sum(increase(http_requests_total{track="canary",code="500"}[7m])) / sum(increase(http_requests_total{track="canary"}[7m])))",
      R"(histogram_quantile(0.99, sum by (le) (rate(latency_seconds_bucket[5m]))))",
      R"(histogram_quantile(0.5, rate(latency_seconds_bucket[1m])))",
      R"(delta(temperature[5m]))",
      R"(max_over_time(temperature[5m]) - min_over_time(temperature[5m]))",
      R"(avg_over_time(temperature[3m]))",
      R"(temperature offset 1m)",
      R"(temperature > 22)",
      R"(temperature > bool 22)",
      R"(rate(http_requests_total{code="500"}[2m]) / ignoring(code) rate(http_requests_total{code="200"}[2m]))",
      R"(scalar(sum(rate(http_requests_total[5m]))) * 2)",
      R"(-count(http_requests_total) + 1)",
  };
  int compared = 0;
  int values = 0;  // elements compared: an empty answer on both sides proves nothing
  for (std::int64_t offset : {600, 1507, 3030, 3131, 3200, 4507, 4520, 4561, 6000, 7190}) {
    // On the grid, 0.5 s after it and 7.25 s after it.
    for (double frac : {0.0, 0.5, 7.25}) {
      const double at = static_cast<double>(end_s - 7200 + offset) + frac;
      for (const auto& q : queries) {
        INFO(q << " at " << std::fixed << at);
        const auto theirs = ask(q, at);
        REQUIRE(theirs);
        auto e = rec::promql::expression::parse(q);
        REQUIRE(std::holds_alternative<rec::promql::expression>(e));
        auto r = ours.evaluate(std::get<rec::promql::expression>(e),
                               static_cast<std::int64_t>(std::llround(at * 1000)));
        REQUIRE(std::holds_alternative<rec::promql::result>(r));
        const auto& mine = std::get<rec::promql::result>(r);
        answer_map got;
        if (mine.is_scalar) {
          got[""] = mine.scalar;
        } else {
          for (const auto& x : mine.vector) got[rec::format_labels(x.labels)] = x.value;
        }
        REQUIRE(got.size() == theirs->size());
        for (const auto& [labels, v] : *theirs) {
          INFO(labels << ": Prometheus " << v);
          REQUIRE(got.count(labels) == 1);
          CHECK(same(got[labels], v));
          ++values;
        }
        ++compared;
      }
    }
  }
  CHECK(compared == 510);
  // About 28 elements an instant (the comparison filter and the gap leave some out).
  CHECK(values > 700);
  INFO(values);
}
