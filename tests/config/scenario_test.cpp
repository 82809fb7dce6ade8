// Synthetic-traffic scenarios: every field read, defaults (the canary is the baseline's version
// unless it says otherwise), and every mistake reported where it is, with what was expected.
#include <catch2/catch.hpp>

#include <floodgate/config/scenario.hpp>

namespace config = floodgate::config;

namespace {

std::vector<std::string> errors_of(const std::string& spec) {
  auto r = config::read_scenario(
      {"s.yaml",
       "apiVersion: floodgate.dev/v1\nkind: Scenario\nmetadata: {name: t}\nspec:\n" + spec});
  std::vector<std::string> out;
  if (auto* e = std::get_if<std::vector<config::diagnostic>>(&r))
    for (const auto& d : *e) out.push_back(d.format());
  return out;
}

}  // namespace

TEST_CASE("a scenario is read whole, the canary defaulting to the baseline", "[config][scenario]") {
  auto r = config::read_scenario({"s.yaml", R"(apiVersion: floodgate.dev/v1
kind: Scenario
metadata: {name: checkout}
spec:
  seed: 9
  traffic: {rps: 250, diurnal: {amplitude: 0.4, peak: "15:30"}}
  scrapeInterval: 30s
  warmup: 5m
  duration: 3h
  labels: {service: checkout}
  series: {requests: reqs_total, latency: lat_seconds, buckets: [0.1, 0.5, 2]}
  baseline:
    errorRate: 0.002
    latency: {empirical: {bounds: [50ms, 100ms, 1s], cumulative: [0.5, 0.9, 1]}}
  canary:
    labels: {track: new}
  regressions:
  - at: 20m
    latency: {multiply: 1.5, add: 10ms}
  - at: 10m
    errorRate: {add: 0.01}
)"});
  REQUIRE(std::holds_alternative<config::scenario>(r));
  const auto& s = std::get<config::scenario>(r);
  CHECK(s.name == "checkout");
  CHECK(s.seed == 9u);
  CHECK(s.rps == 250);
  CHECK(s.diurnal_amplitude == 0.4);
  CHECK(s.diurnal_peak.count() == (15 * 60 + 30) * 60000LL);
  CHECK(s.scrape_interval.count() == 30000);
  CHECK(s.warmup.count() == 300000);
  CHECK(s.duration.count() == 3 * 3600000);
  CHECK(s.requests_metric == "reqs_total");
  CHECK(s.buckets == std::vector<double>{0.1, 0.5, 2});
  CHECK(s.baseline.labels == std::map<std::string, std::string>{{"track", "stable"}});
  CHECK(s.canary.labels == std::map<std::string, std::string>{{"track", "new"}});
  CHECK(s.canary.error_rate == 0.002);
  CHECK(s.canary.latency.k == config::latency_model::kind::empirical);
  CHECK(s.canary.latency.bounds == std::vector<double>{0.05, 0.1, 1});
  // In time order, whatever the file's order.
  REQUIRE(s.regressions.size() == 2);
  CHECK(s.regressions[0].at.count() == 600000);
  CHECK(s.regressions[0].error_add == 0.01);
  CHECK(s.regressions[1].latency_multiply == 1.5);
  CHECK(s.regressions[1].latency_add == Approx(0.01));
  CHECK(s.canary_regression_at() == std::chrono::milliseconds(600000));
}

TEST_CASE("a bad scenario is refused with every error located", "[config][scenario]") {
  CHECK(errors_of("  traffic: {rps: -3}\n") ==
        std::vector<std::string>{
            "s.yaml:5:18: /spec/traffic/rps: found -3, expected requests per second > 0"});
  CHECK(errors_of("  traffic: {rps: 10}\n  baseline: {errorRate: high}\n") ==
        std::vector<std::string>{
            "s.yaml:6:25: /spec/baseline/errorRate: found \"high\", expected a number"});
  CHECK(errors_of("  traffic: {rps: 10}\n  canary: {latncy: {}}\n")[0].find(
            "unknown field \"latncy\"; did you mean \"latency\"?") != std::string::npos);
  CHECK(errors_of("  traffic: {rps: 10}\n  regressions:\n  - {at: 5m}\n") ==
        std::vector<std::string>{
            "s.yaml:7:5: /spec/regressions/0: expected errorRate or latency: what changes"});
  CHECK(
      errors_of(
          "  traffic: {rps: 10}\n  regressions:\n  - {at: 5m, arm: both, errorRate: {add: 0.1}}\n")
          .at(0)
          .ends_with("/spec/regressions/0/arm: found \"both\", expected canary or baseline"));
  CHECK(errors_of("  traffic: {rps: 10, diurnal: {peak: \"25:00\"}}\n")
            .at(0)
            .ends_with("expected a UTC time of day such as 14:00"));
  CHECK(errors_of("  traffic: {rps: 10}\n  baseline:\n    latency: {empirical: {bounds: [1s, "
                  "500ms], cumulative: [0.5, 0.9]}}\n")
            .size() == 2);  // bounds out of order, and the last share is not 1
  CHECK(errors_of("  traffic: {rps: 10}\n  series: {buckets: [0.5, 0.1]}\n")
            .at(0)
            .ends_with("expected bucket bounds in seconds, > 0 and increasing"));
  CHECK(errors_of("  traffic: {}\n")
            .at(0)
            .ends_with("/spec/traffic/rps: missing; expected requests per second"));
  auto wrong_kind =
      config::read_scenario({"s.yaml", "apiVersion: floodgate.dev/v1\nkind: Plan\nspec: {}\n"});
  REQUIRE(std::holds_alternative<std::vector<config::diagnostic>>(wrong_kind));
  CHECK(std::get<std::vector<config::diagnostic>>(wrong_kind)[0].format() ==
        "s.yaml:2:7: /kind: found \"Plan\", expected Scenario");
  auto not_yaml = config::read_scenario({"s.yaml", "a: [\n"});
  CHECK(std::holds_alternative<std::vector<config::diagnostic>>(not_yaml));
}
