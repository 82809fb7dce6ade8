// Runs the real floodgate executable and checks what a user sees: output, errors, exit codes.
#include <catch2/catch.hpp>

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "cli_values.hpp"
#include "run_cli.hpp"

namespace {

using floodgate::test::run;

int lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n' ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("floodgate --help and version", "[app]") {
  const auto help = run("--help");
  CHECK(help.code == 0);
  CHECK(help.output.find("plan") != std::string::npos);
  const auto v = run("version");
  CHECK(v.code == 0);
  CHECK(v.output.rfind("floodgate ", 0) == 0);
}

TEST_CASE("unknown commands and flags give a one-line error and exit 2", "[app]") {
  const auto cmd = run("frobnicate");
  CHECK(cmd.code == 2);
  CHECK(lines(cmd.output) == 1);
  CHECK(cmd.output.find("frobnicate") != std::string::npos);
  const auto flag =
      run("plan --rps 1000 --baseline-error-rate 0.01 --mde 0.005 --steps 5:1m --frob");
  CHECK(flag.code == 2);
  CHECK(lines(flag.output) == 1);
  CHECK(flag.output.find("--frob") != std::string::npos);
  CHECK(run("").code == 2);
}

TEST_CASE("floodgate plan: bad values name the flag and what was expected", "[app]") {
  const std::string base = "plan --rps 1000 --baseline-error-rate 0.01 --mde 0.005 ";
  auto r = run(base + "--steps 5:10x");
  CHECK(r.code == 2);
  CHECK(r.output ==
        "floodgate plan: --steps: step 1 \"5:10x\": expected a duration like 30s, 10m, 1h30m or "
        "250ms, got \"10x\"\n");
  r = run(base + "--steps 5:10m,fifty:10m");
  CHECK(r.code == 2);
  CHECK(r.output.find("step 2 \"fifty:10m\": expected a weight in (0, 100] percent") !=
        std::string::npos);
  r = run("plan --rps 0 --baseline-error-rate 0.01 --mde 0.005 --steps 5:10m");
  CHECK(r.code == 2);
  CHECK(r.output == "floodgate plan: --rps: expected a request rate > 0\n");
  r = run(base + "--steps 5:10m --model magic");
  CHECK(r.code == 2);
  CHECK(r.output.find("--model") != std::string::npos);
  r = run("plan --rps 1000 --steps 5:10m");
  CHECK(r.code == 2);
  CHECK(r.output.find("--baseline-error-rate") != std::string::npos);
}

TEST_CASE("floodgate plan prints the table and the JSON", "[app]") {
  const std::string base =
      "plan --rps 1000 --baseline-error-rate 0.01 --mde 0.005 --steps 5:10m,25:10m,50:10m ";
  const auto t = run(base + "--model quick");
  CHECK(t.code == 0);
  CHECK(t.output.find("1 522") != std::string::npos);   // the source document's n
  CHECK(t.output.find("30.44s") != std::string::npos);  // and its duration
  const auto j = run(base + "--output json");
  CHECK(j.code == 0);
  CHECK(j.output.find("\"required_canary_requests\": 3005.0") != std::string::npos);
}

TEST_CASE("floodgate plan sizes a plan file's steps and metrics on a daily traffic curve",
          "[app]") {
  const std::string root = FLOODGATE_SOURCE_DIR;
  const std::string plan = root + "/examples/compare/sequential.yaml";
  const std::string diurnal = root + "/examples/scenarios/checkout-diurnal.yaml";
  const auto t = run("plan " + plan + " --scenario " + diurnal);
  INFO(t.output);
  CHECK(t.code == 0);
  CHECK(t.output.find("metric \"error-rate\": model sequential, alpha 0.05") != std::string::npos);
  CHECK(t.output.find("durations depend on the start time") != std::string::npos);
  CHECK(t.output.find("analysis error-rate") != std::string::npos);
  CHECK(t.output.find("2026-01-05T14:00:00.000Z") != std::string::npos);  // the by-start table
  const auto j = run("plan " + plan + " --scenario " + diurnal + " --output json");
  REQUIRE(j.code == 0);
  const auto doc = nlohmann::json::parse(j.output);
  CHECK(doc.at("plan") == "sequential");
  CHECK(doc.at("traffic").at("varies") == true);
  CHECK(doc.at("steps").size() == 2);
  const auto& m = doc.at("metrics").at(0);
  CHECK(m.at("metric") == "error-rate");
  CHECK(m.at("inputs").at("baseline_error_rate") == 0.005);  // the scenario's baseline
  const auto& by = m.at("by_start");
  REQUIRE(by.size() == 24);
  // 02:00 UTC, the trough (16 req/s), takes longer than 14:00, the peak (64 req/s).
  CHECK(by.at(2).at("rps").get<double>() < by.at(14).at("rps").get<double>());
  CHECK(by.at(2).at("shortest_seconds").get<double>() >
        2.0 * by.at(14).at("shortest_seconds").get<double>());
  // A start in the trough, named by --start.
  const auto night = run("plan " + plan + " --scenario " + diurnal +
                         " --start 2026-01-05T02:00:00Z --output json");
  REQUIRE(night.code == 0);
  CHECK(nlohmann::json::parse(night.output).at("metrics").at(0).at("shortest_seconds") ==
        by.at(2).at("shortest_seconds"));
}

TEST_CASE("floodgate plan reads the traffic from a rate query over recorded series", "[app]") {
  const std::string root = FLOODGATE_SOURCE_DIR;
  const auto r = run("plan " + root + "/examples/compare/sequential.yaml --metrics " + root +
                     "/examples/recorded/checkout-traffic.prom --rate-query "
                     "'sum(rate(http_requests_total{service=\"checkout\"}[10m]))' "
                     "--baseline-error-rate 0.005 --output json");
  INFO(r.output);
  REQUIRE(r.code == 0);
  const auto doc = nlohmann::json::parse(r.output);
  const auto& traffic = doc.at("traffic");
  CHECK(traffic.at("varies") == true);
  CHECK(traffic.at("mean_rps").get<double>() > 35.0);
  CHECK(traffic.at("mean_rps").get<double>() < 45.0);
  CHECK(traffic.at("start") == "2026-01-05T00:05:00.000Z");  // the first instant rate() answers
  const auto bad = run("plan " + root + "/examples/compare/sequential.yaml --metrics " + root +
                       "/examples/recorded/checkout-traffic.prom --rate-query "
                       "'sum(rate(nothing_total[5m]))' --baseline-error-rate 0.005");
  CHECK(bad.code == 2);
  CHECK(bad.output.find("floodgate plan: --rate-query: fewer than two instants answered") == 0);
}

TEST_CASE("floodgate plan: a plan file's fixed thresholds, latency tests and refusals", "[app]") {
  const std::string root = FLOODGATE_SOURCE_DIR;
  const auto c = run("plan " + root + "/examples/checkout-canary.yaml --rps 200");
  CHECK(c.code == 2);  // a count metric without the baseline's error rate
  CHECK(c.output ==
        "floodgate plan: --baseline-error-rate: metric \"error-rate\" (sequential) needs the "
        "baseline's error rate, e.g. 0.01 (or a --scenario)\n");
  const auto ok = run("plan " + root +
                      "/examples/checkout-canary.yaml --rps 200 "
                      "--baseline-error-rate 0.01");
  CHECK(ok.code == 0);
  CHECK(ok.output.find("metric \"p99-latency\" is a fixed threshold") != std::string::npos);
  const auto none = run("plan " + root + "/examples/checkout-canary.yaml");
  CHECK(none.code == 2);
  CHECK(
      none.output.find("expected the traffic, one of: --rps R, --scenario FILE, or --rate-query") !=
      std::string::npos);
  const auto both = run("plan --rps 10 --scenario x.yaml --steps 5:1m --mde 1");
  CHECK(both.output.find("expected the traffic") != std::string::npos);
  const auto mw = run("plan --rps 100 --steps 5:10m --model mann_whitney --mde 10");
  CHECK(mw.code == 2);
  CHECK(mw.output.find("--latency-median: the mann_whitney model needs the baseline's latency") !=
        std::string::npos);
  const auto lat =
      run("plan --rps 100 --steps 5:10m,50:10m --model quantile --quantile 0.95 "
          "--mde 20 --latency-median 80 --latency-sigma 0.6");
  CHECK(lat.code == 0);
  CHECK(lat.output.find("model quantile, alpha 0.05, power 0.8, baseline latency lognormal "
                        "(median 80 ms, log-sd 0.6), quantile 0.95") != std::string::npos);
  CHECK(lat.output.find("+20 ms") != std::string::npos);
  const auto dir = std::filesystem::temp_directory_path() / "floodgate-plan-test";
  std::filesystem::create_directories(dir);
  const auto bg = (dir / "bg.yaml").string();
  std::ofstream(bg) << "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: bg}\n"
                       "spec:\n  strategy:\n    blueGreen: {activeService: a, previewService: p}\n";
  const auto b = run("plan " + bg + " --rps 100 --mde 0.01 --baseline-error-rate 0.01");
  CHECK(b.code == 2);
  CHECK(b.output.find("is blue-green: the preview gets no production traffic") !=
        std::string::npos);
}

TEST_CASE("floodgate simulate --sweep: the trade-offs and the Pareto front", "[app]") {
  const std::string root = FLOODGATE_SOURCE_DIR;
  const std::string base = "simulate " + root + "/examples/compare/sequential.yaml --scenario " +
                           root + "/examples/scenarios/checkout-healthy.yaml --scenario " + root +
                           "/examples/scenarios/checkout-bad.yaml --runs 50 ";
  const auto t = run(base + "--sweep alpha=0.01,0.1 --sweep minEffect=0.003,0.005");
  INFO(t.output);
  CHECK(t.code == 0);
  CHECK(t.output.find("swept on \"checkout-healthy\", \"checkout-bad\"") != std::string::npos);
  CHECK(t.output.find("alpha=0.1 minEffect=0.005") != std::string::npos);
  CHECK(t.output.find(
            "the Pareto front of (false-abort rate, time to detect, bad requests served)") !=
        std::string::npos);
  const auto j = run(base + "--sweep alpha=0.01,0.1 --output json");
  REQUIRE(j.code == 0);
  const auto doc = nlohmann::json::parse(j.output);
  REQUIRE(doc.at("points").size() == 2);
  CHECK(doc.at("points").at(1).at("settings").at("alpha") == "0.1");
  CHECK(doc.at("points").at(0).contains("detection"));
  const auto bad = run(base + "--sweep alpah=0.1");
  CHECK(bad.code == 2);
  CHECK(bad.output.find("floodgate simulate: --sweep alpah: \"alpah\" applies to nothing") == 0);
  const auto two = run("simulate " + root + "/examples/compare/sequential.yaml --scenario " + root +
                       "/examples/scenarios/checkout-healthy.yaml --scenario " + root +
                       "/examples/scenarios/checkout-bad.yaml");
  CHECK(two.output == "floodgate simulate: --scenario: one scenario, or several with --sweep\n");
}

TEST_CASE("duration and step syntax", "[app]") {
  using floodgate::app::parse_duration;
  CHECK(std::get<double>(parse_duration("1h30m")) == 5400.0);
  CHECK(std::get<double>(parse_duration("250ms")) == 0.25);
  CHECK(std::holds_alternative<std::string>(parse_duration("10")));
  CHECK(std::holds_alternative<std::string>(parse_duration("")));
  CHECK(std::holds_alternative<std::string>(parse_duration("-5s")));
  CHECK(floodgate::app::format_duration(75.0) == "1m15s");
  const auto steps = floodgate::app::parse_steps("5:10m,100:1s");
  REQUIRE(std::holds_alternative<std::vector<floodgate::analysis::traffic_step>>(steps));
  CHECK(std::get<0>(steps).size() == 2);
  CHECK(std::holds_alternative<std::string>(floodgate::app::parse_steps("0:10m")));
}

TEST_CASE("floodgate check: the README's example, its JSON, and a broken plan", "[app]") {
  const std::string example = std::string(FLOODGATE_SOURCE_DIR) + "/examples/checkout-canary.yaml";
  auto r = run("check " + example);
  CHECK(r.code == 0);
  CHECK_THAT(r.output, Catch::Contains("plan floodgate Plan \"checkout\""));
  CHECK_THAT(r.output, Catch::Contains("error-rate (prometheus, compare sequential_counts"));
  r = run("check --output json " + example);
  CHECK(r.code == 0);
  CHECK_THAT(r.output, Catch::Contains("\"onInsufficient\": \"inconclusive\""));
  r = run("check --output yaml " + example);
  CHECK(r.code == 0);
  CHECK_THAT(r.output, Catch::Contains("onInsufficient: \"inconclusive\""));

  const std::string broken = "/tmp/floodgate-check-broken.yaml";
  {
    std::ofstream out(broken);
    out << "apiVersion: floodgate.dev/v1\nkind: Plan\nmetadata: {name: x}\nspec:\n"
           "  strategy:\n    canary:\n      stpes: []\n";
  }
  r = run("check " + broken);
  CHECK(r.code == 2);
  CHECK_THAT(r.output, Catch::Contains(broken + ":7:7: /spec/strategy/canary/stpes: unknown field "
                                                "\"stpes\"; did you mean \"steps\"?"));
  CHECK(run("check /nonexistent.yaml").code == 2);
}

TEST_CASE("floodgate run: bad input is refused before anything starts", "[app]") {
  const std::string plan = std::string(FLOODGATE_SOURCE_DIR) + "/examples/checkout-canary.yaml";
  const auto missing = run("run /nonexistent/plan.yaml");
  CHECK(missing.code == 2);
  CHECK(missing.output == "floodgate run: cannot read /nonexistent/plan.yaml\n");
  const auto router = run("run " + plan + " --router haproxy --journal /nonexistent/j.jsonl");
  CHECK(router.code == 2);
  CHECK(router.output == "floodgate run: --router haproxy needs --haproxy-socket\n");
  const auto kind = run("run " + plan + " --router linkerd --journal /nonexistent/j.jsonl");
  CHECK(kind.code == 2);
  CHECK(kind.output.find("--router: expected none, haproxy, nginx, webhook") != std::string::npos);
  const auto arg = run("run " + plan + " --arg novalue --journal /nonexistent/j.jsonl");
  CHECK(arg.code == 2);
  CHECK(arg.output == "floodgate run: --arg \"novalue\": expected NAME=VALUE\n");
  const auto policy = run("run " + plan + " --on-router-failure retry");
  CHECK(policy.code == 2);
  CHECK(policy.output ==
        "floodgate run: --on-router-failure: expected abort or hold, found \"retry\"\n");
}

TEST_CASE("floodgate run: a pause for a human exits 3 and resumes from the journal", "[app]") {
  const auto dir =
      std::filesystem::temp_directory_path() / ("floodgate-run-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto plan = (dir / "human.yaml").string();
  const auto journal = (dir / "j.jsonl").string();
  std::ofstream(plan) << "apiVersion: floodgate.dev/v1\nkind: Plan\nmetadata: {name: human}\n"
                      << "spec:\n  strategy:\n    canary:\n      steps:\n"
                      << "      - setWeight: 20\n      - pause: {}\n      - setWeight: 50\n";
  const auto first = run("run " + plan + " --quiet --journal " + journal);
  CHECK(first.code == 3);
  CHECK(first.output.find("t=0s step=1 pause 20 [step] until approved") != std::string::npos);
  const auto again = run("run " + plan + " --quiet --journal " + journal);
  CHECK(again.code == 3);
  CHECK(again.output.find("resuming from " + journal + " (step 2/3 · weight 20 % · paused)") !=
        std::string::npos);
  CHECK(again.output.find("set_weight") == std::string::npos);  // nothing decided twice
  std::filesystem::remove_all(dir);
}

TEST_CASE("floodgate serve: a bad configuration is refused before anything listens", "[app]") {
  const auto dir =
      std::filesystem::temp_directory_path() / ("floodgate-serve-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream((dir / name).string()) << text;
    return (dir / name).string();
  };
  const auto serve = [&](const std::string& text) {
    return run("serve --config " + write("serve.yaml", text));
  };
  auto r = serve("listen: 127.0.0.1:8080\nplans: [missing.yaml]\n");
  CHECK(r.code == 2);
  CHECK(r.output ==
        dir.string() + "/serve.yaml: plans: cannot read " + dir.string() + "/missing.yaml\n");
  r = serve("listen: nowhere\njournl: x\n");
  CHECK(r.code == 2);
  CHECK(r.output.find("serve.yaml:1:9: /listen: found \"nowhere\", expected address:port") !=
        std::string::npos);
  CHECK(r.output.find(
            "serve.yaml:2:1: /journl: unknown field \"journl\"; did you mean \"journal\"?") !=
        std::string::npos);
  r = serve("unauthenticated: [argo]\n");
  CHECK(r.code == 2);
  CHECK(r.output.find("/unauthenticated/0: found \"argo\", expected flagger or kayenta") !=
        std::string::npos);
  r = serve("kayenta:\n- {name: c, metrics: [{name: m}]}\nprometheus: http://127.0.0.1:9\n");
  CHECK(r.code == 2);
  CHECK(r.output.find("kayenta[0].metrics[0].query: expected PromQL") != std::string::npos);
  r = serve("api_token_file: nothing-here\n");
  CHECK(r.code == 2);
  CHECK(r.output.find("api_token_file: cannot read") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("floodgate run: an AnalysisTemplate runs with its arguments from --arg", "[app]") {
  const std::string t =
      std::string(FLOODGATE_SOURCE_DIR) + "/examples/argo/floodgate-verdict-template.yaml";
  CHECK(run("check " + t).code == 0);
  const auto r = run("run " + t + " --arg colour=blue --journal /nonexistent/j.jsonl");
  CHECK(r.code == 2);
  CHECK(r.output ==
        "floodgate run: AnalysisTemplate \"floodgate-verdict\" has no argument \"colour\"\n");
  const auto missing = run("run " + t + " --arg plan=x --journal /nonexistent/j.jsonl");
  CHECK(missing.code == 2);
  CHECK(missing.output.find("argument \"floodgate-url\" has no value") != std::string::npos);
}

TEST_CASE("floodgate simulate: the README's replay, and bad input refused with where and what",
          "[app]") {
  const std::string root = FLOODGATE_SOURCE_DIR;
  const std::string plan = root + "/examples/success-rate-canary.yaml";
  const std::string rec = root + "/examples/recorded/checkout-incident.json";
  const std::string map = root + "/examples/recorded/checkout-incident.map.yaml";
  const auto ok = run("simulate " + plan + " --metrics " + rec + " --map " + map);
  CHECK(ok.code == 0);
  CHECK(ok.output.find("t=5m step=2 set_weight 25 [step]") != std::string::npos);
  CHECK(ok.output.find("success-rate  Successful  [0.996818]") != std::string::npos);
  CHECK(
      ok.output.find("promoted at +24m, step 6/6, weight 100 %, after 13 ticks and 6 decisions") !=
      std::string::npos);
  // Starting 12 minutes later, the analysis meets the regression and the canary is aborted.
  const auto later =
      run("simulate " + plan + " --metrics " + rec + " --map " + map + " --start 1795500720");
  CHECK(later.code == 0);
  CHECK(later.output.find("abort 0 [analysis Failed] success-rate") != std::string::npos);
  // Without the map the query's text matches nothing: each look is an Error, and it is said.
  const auto unmapped = run("simulate " + plan + " --metrics " + rec);
  CHECK(unmapped.code == 0);
  CHECK(unmapped.output.find("warning: no recorded series for the query") != std::string::npos);

  const auto dir =
      std::filesystem::temp_directory_path() / ("floodgate-sim-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto bad_csv = (dir / "bad.csv").string();
  std::ofstream(bad_csv) << "timestamp,metric,labels,value\n1795500000,m,,1\n1795500015,m,,high\n";
  const auto csv = run("simulate " + plan + " --metrics " + bad_csv);
  CHECK(csv.code == 2);
  CHECK(csv.output == bad_csv + ":3: value: \"high\" is not a number (nor \"stale\")\n");
  const auto bad_map = (dir / "map.yaml").string();
  std::ofstream(bad_map) << "success-rate: [a, b]\n";
  const auto m = run("simulate " + plan + " --metrics " + rec + " --map " + bad_map);
  CHECK(m.code == 2);
  CHECK(m.output.find(bad_map + ":1:15: /success-rate: found a list, expected the series' metric "
                                "or query text") == 0);
  const auto start = run("simulate " + plan + " --metrics " + rec + " --start yesterday");
  CHECK(start.code == 2);
  CHECK(start.output ==
        "floodgate simulate: --start: expected unix seconds or an RFC 3339 time such as "
        "2026-11-24T10:00:00Z, found \"yesterday\"\n");
  const auto lookback = run("simulate " + plan + " --metrics " + rec + " --lookback 0s");
  CHECK(lookback.code == 2);
  CHECK(lookback.output == "floodgate simulate: --lookback: expected a duration above 0\n");
  const auto no_metrics = run("simulate " + plan);
  CHECK(no_metrics.code == 2);
  CHECK(no_metrics.output ==
        "floodgate simulate: expected --metrics FILE… (recorded series) or --scenario FILE\n");
  std::filesystem::remove_all(dir);
}

TEST_CASE("floodgate simulate --scenario: one run, a Monte Carlo, and bad input refused", "[app]") {
  const std::string root = FLOODGATE_SOURCE_DIR;
  const std::string plan = root + "/examples/success-rate-canary.yaml";
  const std::string healthy = root + "/examples/scenarios/checkout-healthy.yaml";
  const std::string bad = root + "/examples/scenarios/checkout-bad.yaml";
  const auto one = run("simulate " + plan + " --scenario " + healthy);
  CHECK(one.code == 0);
  CHECK(one.output.find("floodgate simulate: plan \"success-rate\" from 2026-01-05T10:00:00.000Z "
                        "on scenario \"checkout-healthy\" (seed 1)") == 0);
  CHECK(one.output.find("success-rate  Successful  [0.99") != std::string::npos);
  // The same seed, the same run; JSON says which.
  const auto json = run("simulate " + plan + " --scenario " + healthy + " --output json");
  REQUIRE(json.code == 0);
  const auto j = nlohmann::json::parse(json.output);
  CHECK(j["scenario"] == "checkout-healthy");
  CHECK(j["seed"] == 1);
  CHECK(run("simulate " + plan + " --scenario " + healthy + " --output json").output ==
        json.output);
  // A Monte Carlo of the bad canary: every run aborts it, and the JSON carries the intervals.
  const auto mc =
      run("simulate " + plan + " --scenario " + bad + " --runs 200 --seed 5 --output json");
  REQUIRE(mc.code == 0);
  const auto m = nlohmann::json::parse(mc.output);
  CHECK(m["runs"] == 200);
  CHECK(m["aborted"].get<int>() + m["promoted"].get<int>() + m["undecided"].get<int>() == 200);
  CHECK(m["detection"]["rate"].get<double>() > 0.9);
  CHECK(m["detection"]["low"].get<double>() <= m["detection"]["rate"].get<double>());
  CHECK(m["bad_requests"]["mean"].get<double>() > 0);
  CHECK(m["false_abort"]["count"] == 0);
  const auto table = run("simulate " + plan + " --scenario " + bad + " --runs 200 --seed 5");
  CHECK(table.output.find("  detection rate    ") != std::string::npos);
  CHECK(table.output.find("  rates: Wilson score intervals") != std::string::npos);

  const auto dir =
      std::filesystem::temp_directory_path() / ("floodgate-scn-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto broken = (dir / "s.yaml").string();
  std::ofstream(broken) << "apiVersion: floodgate.dev/v1\nkind: Scenario\nspec:\n  traffic: "
                           "{rps: 10}\n  baseline: {errorRate: 2}\n";
  const auto b = run("simulate " + plan + " --scenario " + broken);
  CHECK(b.code == 2);
  CHECK(b.output == broken +
                        ":5:25: /spec/baseline/errorRate: found 2, expected a share of requests in "
                        "[0, 1]\n");
  const auto both = run("simulate " + plan + " --scenario " + healthy + " --metrics " + broken);
  CHECK(both.code == 2);
  CHECK(both.output.find("excludes") != std::string::npos);
  const auto runs_alone = run("simulate " + plan + " --metrics " + broken + " --runs 5");
  CHECK(runs_alone.code == 2);
  CHECK(runs_alone.output.find("--runs requires --scenario") != std::string::npos);
  const auto zero = run("simulate " + plan + " --scenario " + healthy + " --runs 0");
  CHECK(zero.code == 2);
  std::filesystem::remove_all(dir);
}
