// Synthetic-traffic scenarios: every field read, defaults (the canary is the baseline's version
// unless it says otherwise), and every mistake reported where it is, with what was expected.
#include <catch2/catch.hpp>

#include <floodgate/config/load.hpp>
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

TEST_CASE("a sweep setting is parsed and applied where its key belongs", "[config]") {
  using floodgate::config::apply_setting;
  using floodgate::config::parse_setting;
  using floodgate::config::setting;
  using floodgate::config::source_file;
  const auto s = std::get<setting>(parse_setting("alpha=0.01,0.05"));
  CHECK(s.key == "alpha");
  CHECK(s.values == std::vector<std::string>{"0.01", "0.05"});
  CHECK(std::get<std::string>(parse_setting("alpha")) == "\"alpha\": expected KEY=VALUE,VALUE…");
  CHECK(std::get<std::string>(parse_setting("alpha=0.01,")) == "\"alpha=0.01,\": an empty value");

  const std::vector<source_file> files{{"plan.yaml", R"x(# a comment
apiVersion: floodgate.dev/v1
kind: Plan
metadata: {name: p}
spec:
  args: [{name: threshold, value: "0.99"}]
  strategy:
    canary:
      steps:
      - setWeight: 10
      - analysis:
          metrics:
          - name: errors
            interval: 1m
            compare: {test: sequential_counts, minEffect: 0.005}
            provider:
              prometheus:
                address: http://prometheus:9090
                canary: {events: a, total: b}
                baseline: {events: c, total: d}
          - name: rate
            interval: 1m
            successCondition: "result[0] >= {{args.threshold}}"
            provider: {prometheus: {address: http://prometheus:9090, query: q}}
      - setWeight: 50
      - pause: {duration: 10m}
)x"}};
  auto plan_of = [](const std::vector<source_file>& f) {
    const auto r = floodgate::config::load(f);
    INFO((r.errors.empty() ? std::string() : r.errors.front().format()));
    REQUIRE(r.ok());
    return std::get<floodgate::config::canary_strategy>(r.plans.at(0).strategy).plan;
  };
  auto with = [&](const std::string& key, const std::string& value) {
    auto r = apply_setting(files, key, value);
    INFO((std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : std::string()));
    REQUIRE(std::holds_alternative<std::vector<source_file>>(r));
    const auto out = std::get<std::vector<source_file>>(std::move(r));
    CHECK(out.at(0).name == "plan.yaml (" + key + "=" + value + ")");
    return plan_of(out);
  };
  CHECK(with("alpha", "0.01").steps[1].metrics[0].compare->alpha == 0.01);
  CHECK(with("test", "two_proportion").steps[1].metrics[0].compare->test ==
        floodgate::core::comparison_test::two_proportion);
  const auto interval = with("interval", "30s").steps[1].metrics;
  CHECK(interval[0].interval == floodgate::core::millis(30000));
  CHECK(interval[1].interval == floodgate::core::millis(30000));
  CHECK(with("weight.2", "25").steps[2].weight == 25);
  CHECK(with("pause.1", "5m").steps[3].duration == floodgate::core::millis(300000));
  CHECK(with("arg.threshold", "0.95").steps[1].metrics[1].success_condition->text ==
        "result[0] >= 0.95");
  CHECK(with("/spec/strategy/canary/steps/0/setWeight", "5").steps[0].weight == 5);
  CHECK(with("successCondition", "result[0] >= 0.9").steps[1].metrics[1].success_condition->text ==
        "result[0] >= 0.9");
  // The original is untouched, and keys that apply nowhere are refused with the list.
  CHECK(plan_of(files).steps[1].metrics[0].compare->alpha == 0.05);
  CHECK(std::get<std::string>(apply_setting(files, "weight.3", "5"))
            .rfind("\"weight.3\" applies to nothing in the plan files (keys: alpha,", 0) == 0);
  CHECK(std::holds_alternative<std::string>(apply_setting(files, "alpah", "0.1")));
  CHECK(std::holds_alternative<std::string>(apply_setting(files, "/spec/nothing/here", "1")));
  CHECK(std::get<std::string>(apply_setting({{"bad.yaml", "a: [1,"}}, "alpha", "1"))
            .rfind("bad.yaml: not valid YAML", 0) == 0);
}
