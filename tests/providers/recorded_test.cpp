// Recorded series: the three readers (query_range JSON, CSV, Prometheus / OpenMetrics text),
// what each refuses and where, time order and duplicates, an instant query's lookback and
// staleness, the replay's answers (read as live answers are read), and the recorder's CSV read
// back into the same answers.

#include <catch2/catch.hpp>
#include <cmath>
#include <floodgate/providers/metric_readings.hpp>
#include <floodgate/providers/recorded/recorder.hpp>
#include <floodgate/providers/recorded/replay_source.hpp>
#include <floodgate/providers/recorded/series.hpp>
#include <sstream>

using namespace floodgate::providers;
using namespace floodgate::providers::recorded;
namespace core = floodgate::core;

namespace {

core::instant at_s(double seconds) {
  return core::instant(core::millis(static_cast<long long>(seconds * 1000)));
}

std::string errors_text(const std::vector<read_error>& errors) {
  std::string out;
  for (const auto& e : errors) out += e.format() + "\n";
  return out;
}

// The one series of `metric` (the test fails when there is not exactly one).
const series& only(const store& st, const std::string& metric) {
  const auto found = st.find(metric);
  REQUIRE(found.size() == 1);
  return *found.front();
}

ports::metric_query prometheus_query(const std::string& text) {
  ports::metric_query q;
  q.provider = "prometheus";
  q.query = text;
  return q;
}

}  // namespace

TEST_CASE("CSV: header, quoted fields, labels, both time forms, any row order", "[recorded]") {
  store st;
  const auto errors =
      st.add_file("rec.csv",
                  "timestamp,metric,labels,value\n"
                  "1795000010,\"sum(rate(x{code=~\"\"5..\"\"}[1m]))\",,0.5\n"
                  "2026-11-18T11:06:40Z,\"sum(rate(x{code=~\"\"5..\"\"}[1m]))\",,0.25\n"
                  "1795000020.5,up,\"{job=\"\"a\"\",instance=\"\"b, c\"\"}\",1\r\n"
                  "1795000030,up,\"{instance=\"\"b, c\"\",job=\"\"a\"\"}\",stale\n");
  REQUIRE(errors_text(errors).empty());
  const auto& rate = only(st, "sum(rate(x{code=~\"5..\"}[1m]))");
  REQUIRE(rate.samples.size() == 2);
  CHECK(rate.samples[0].at_ms == 1795000000000);  // 2026-11-18T11:06:40Z, put first
  CHECK(rate.samples[0].value == 0.25);
  CHECK(rate.samples[1].at_ms == 1795000010000);
  const auto& up = only(st, "up");
  CHECK(format_labels(up.labels) == "{instance=\"b, c\",job=\"a\"}");
  REQUIRE(up.samples.size() == 2);
  CHECK(up.samples[0].at_ms == 1795000020500);
  CHECK(up.samples[1].stale);
  CHECK(st.series_count() == 2);
  CHECK(st.sample_count() == 4);
  CHECK(st.time_span() == std::make_pair(std::int64_t{1795000000000}, std::int64_t{1795000030000}));
}

TEST_CASE("CSV: every bad row is named by file and line, and nothing of the file is kept",
          "[recorded]") {
  store st;
  const auto errors = st.add_file("bad.csv",
                                  "timestamp,metric,labels,value\n"
                                  "1795000000,m,,1\n"
                                  "yesterday,m,,1\n"
                                  "1795000001,m,{a=b},1\n"
                                  "1795000002,m,,one\n"
                                  "1795000003,m,,1,extra\n"
                                  "1795000004,\"m,,1\n"
                                  "1795000005,,,1\n"
                                  "2026-13-01T00:00:00Z,m,,1\n");
  const auto text = errors_text(errors);
  INFO(text);
  REQUIRE(errors.size() == 7);
  CHECK(errors[0].line == 3);
  CHECK(errors[0].message.find("expected unix seconds or an RFC 3339 time") != std::string::npos);
  CHECK(errors[1].line == 4);
  CHECK(errors[1].message.find("labels: expected a quoted value for the label a") !=
        std::string::npos);
  CHECK(errors[2].format() == "bad.csv:5: value: \"one\" is not a number (nor \"stale\")");
  CHECK(errors[3].message == "expected 4 fields (timestamp,metric,labels,value), found 5");
  CHECK(errors[4].message == "a quoted field is not closed (a missing \")");
  CHECK(errors[5].message.find("metric: expected") != std::string::npos);
  CHECK(errors[6].line == 9);
  CHECK(st.series_count() == 0);
  CHECK(st.add_file("h.csv", "time,metric,value\n1,m,1\n").size() == 1);
  CHECK(errors_text(st.add_file("e.csv", "")).find("expected the header") != std::string::npos);
  CHECK(errors_text(
            st.add_file(
                "e.json",
                "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}"))
            .find("no samples") != std::string::npos);
}

TEST_CASE(
    "duplicates: the same sample twice is one, another value at the same instant is an "
    "error naming both lines",
    "[recorded]") {
  store st;
  REQUIRE(
      st.add_file("a.csv", "timestamp,metric,labels,value\n10,m,,1\n10,m,,1\n20,m,,2\n").empty());
  CHECK(only(st, "m").samples.size() == 2);
  const auto errors = st.add_file("b.csv", "timestamp,metric,labels,value\n30,m,,3\n20,m,,2.5\n");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].format() ==
        "b.csv:3: duplicate sample for m at 20000 ms with another value than a.csv:4");
  CHECK(only(st, "m").samples.size() == 2);  // nothing of b.csv was kept
  // fuzz: regression-conflict-kept-samples — a conflict within one file keeps nothing of it
  const auto within = st.add_file("c.csv", "timestamp,metric,labels,value\n40,n,,1\n40,n,,2\n");
  REQUIRE(within.size() == 1);
  CHECK(within[0].format() ==
        "c.csv:3: duplicate sample for n at 40000 ms with another value than c.csv:2");
  CHECK(st.find("n").empty());
  store nan;
  CHECK(nan.add_file("n.csv", "timestamp,metric,labels,value\n1,m,,NaN\n1,m,,NaN\n").empty());
}

TEST_CASE("query_range JSON: matrix and vector answers, __name__ or the file's name as key",
          "[recorded]") {
  store st;
  const auto errors = st.add_file("recordings/error-rate.json",
                                  R"({"status":"success","data":{"resultType":"matrix","result":[
          {"metric":{"track":"canary"},"values":[[1795000000,"0.01"],[1795000015.5,"NaN"]]},
          {"metric":{"__name__":"up","job":"x"},"values":[[1795000000,"1"]]}]}})");
  REQUIRE(errors_text(errors).empty());
  const auto& rate = only(st, "error-rate");
  CHECK(format_labels(rate.labels) == "{track=\"canary\"}");
  REQUIRE(rate.samples.size() == 2);
  CHECK(rate.samples[1].at_ms == 1795000015500);
  CHECK(std::isnan(rate.samples[1].value));
  CHECK(format_labels(only(st, "up").labels) == "{job=\"x\"}");
  REQUIRE(st.add_file("v.json", R"({"status":"success","data":{"resultType":"vector",
      "result":[{"metric":{},"value":[1795000000,"3"]}]}})")
              .empty());
  CHECK(only(st, "v").samples.at(0).value == 3);
}

TEST_CASE("query_range JSON: errors name the place", "[recorded]") {
  store st;
  auto e = st.add_file("x.json", "{\n  \"status\": \"success\",\n  \"data\": {\n  ]\n}");
  REQUIRE(e.size() == 1);
  CHECK(e[0].line == 4);
  CHECK(e[0].message.find("not valid JSON") != std::string::npos);
  // fuzz: regression-result-type-not-string
  e = st.add_file("x.json", R"({"status":"success","data":{"resultType":["matrix"],"result":[]}})");
  CHECK(e.at(0).message == "/data/resultType: expected \"matrix\" or \"vector\", found \"\"");
  // fuzz: regression-json-number-overflow
  e = st.add_file("x.json", "[1795e808]");
  CHECK(e.at(0).message.find("number overflow") != std::string::npos);
  e = st.add_file("x.json", R"({"status":"error","errorType":"bad_data","error":"parse error"})");
  CHECK(e.at(0).message == "/status: the answer is an error: bad_data: parse error");
  e = st.add_file("x.json",
                  R"({"status":"success","data":{"resultType":"scalar","result":[1,"1"]}})");
  CHECK(e.at(0).message == "/data/resultType: expected \"matrix\" or \"vector\", found \"scalar\"");
  e = st.add_file("x.json", R"({"status":"success","data":{"resultType":"matrix","result":[
      {"metric":{},"values":[[1,"1"],[2,1]]}]}})");
  CHECK(e.at(0).message ==
        "/data/result/0/values/1: expected [unix seconds, \"value\"], found [2,1]");
  CHECK(st.series_count() == 0);
}

TEST_CASE("Prometheus text (milliseconds) and OpenMetrics (seconds, # EOF, exemplars)",
          "[recorded]") {
  store st;
  REQUIRE(
      errors_text(st.add_file("scrape.prom",
                              "# HELP http_requests_total Requests.\n"
                              "# TYPE http_requests_total counter\n"
                              "http_requests_total{code=\"500\",path=\"/a\\\"b\"} 3 1795000000000\n"
                              "http_requests_total{code=\"500\",path=\"/a\\\"b\"} 5 1795000015000\n"
                              "up 1 1795000000000\n"))
          .empty());
  const auto& r = only(st, "http_requests_total");
  CHECK(format_labels(r.labels) == "{code=\"500\",path=\"/a\\\"b\"}");
  CHECK(r.samples.at(1).value == 5);
  REQUIRE(errors_text(st.add_file("om.txt",
                                  "# TYPE latency_seconds summary\n"
                                  "latency_seconds{quantile=\"0.99\"} 0.25 1795000000.5 # "
                                  "{trace_id=\"x\"} 0.3 1795000000.4\n"
                                  "# EOF\n"))
              .empty());
  CHECK(only(st, "latency_seconds").samples.at(0).at_ms == 1795000000500);
  const auto e = st.add_file("nots.prom", "up 1\nup{a=\"x\" 1 2\n2up 1 1\nup x 1\nup 1 1.5\n");
  REQUIRE(e.size() == 5);
  CHECK(e[0].format() ==
        "nots.prom:1: the sample of up has no timestamp (a recording needs one per sample: value "
        "then timestamp)");
  CHECK(e[1].message == "the label set is not closed (a missing })");
  CHECK(e[2].line == 3);
  CHECK(e[3].message == "the value \"x\" of up is not a number");
  CHECK(e[4].message == "the timestamp \"1.5\" is not milliseconds since the epoch");
}

TEST_CASE(
    "an instant query sees the newest sample within the lookback, none after a staleness "
    "marker",
    "[recorded]") {
  store st;
  REQUIRE(st.add_file("s.csv",
                      "timestamp,metric,labels,value\n100,m,,1\n115,m,,2\n130,m,,stale\n"
                      "500,m,,4\n")
              .empty());
  const auto& s = only(st, "m");
  const core::millis five_minutes(300000);
  CHECK_FALSE(value_at(s, 99999, five_minutes));
  CHECK(value_at(s, 100000, five_minutes) == 1.0);
  CHECK(value_at(s, 114999, five_minutes) == 1.0);
  CHECK(value_at(s, 115000, five_minutes) == 2.0);
  CHECK_FALSE(value_at(s, 130000, five_minutes));   // the marker ends the series
  CHECK(value_at(s, 800000, five_minutes) == 4.0);  // exactly the lookback old: still seen
  CHECK_FALSE(value_at(s, 800001, five_minutes));
  CHECK(value_at(s, 120000, core::millis(5000)) == 2.0);
  CHECK_FALSE(value_at(s, 120001, core::millis(5000)));
}

TEST_CASE("the replay answers a query as Prometheus would have, read by the live code",
          "[recorded]") {
  store st;
  REQUIRE(st.add_file("r.csv",
                      "timestamp,metric,labels,value\n"
                      "100,sr,{pod=\"a\"},0.995\n100,sr,{pod=\"b\"},0.98\n"
                      "100,errs,,3\n100,total,,1000\n100,base_errs,,2\n100,base_total,,2000\n"
                      "100,recorded_by_name,,7\n")
              .empty());
  replay_source src(st, {});
  const auto a = src.answer("success-rate", prometheus_query("sr"), at_s(110));
  REQUIRE_FALSE(a.failed());
  CHECK(a.value_text == "[0.995,0.98]");
  // The same body a live Prometheus would send, read by the same reader.
  const auto body = src.instant_body("sr", at_s(110));
  REQUIRE(body);
  const auto live = read_prometheus(*body);
  CHECK(std::get<reading>(live).value_text == a.value_text);

  ports::metric_query cmp;
  cmp.provider = "prometheus";
  cmp.arms = {{"canary.events", "errs"},
              {"canary.total", "total"},
              {"baseline.events", "base_errs"},
              {"baseline.total", "base_total"}};
  const auto c = src.answer("error-rate", cmp, at_s(100));
  REQUIRE_FALSE(c.failed());
  CHECK(c.value_text == "canary 3/1000, baseline 2/2000");
  const auto& data = std::get<core::comparison_data>(c.result);
  CHECK(data.baseline.total == 2000);

  // Too late for the lookback: an empty vector, read as live reads one.
  const auto late = src.answer("success-rate", prometheus_query("sr"), at_s(500));
  CHECK(late.value_text == "[]");

  // Nothing recorded: an Error naming the query, and the report lists it.
  const auto none =
      src.answer("latency", prometheus_query("histogram_quantile(0.99, x)"), at_s(100));
  REQUIRE(none.failed());
  CHECK(std::get<std::string>(none.result) ==
        "no recorded series for \"histogram_quantile(0.99, x)\" (metric latency): record it under "
        "the query's text, map it with --map, or record the raw series it selects");
  CHECK(src.unmatched() == std::vector<std::string>{"histogram_quantile(0.99, x)"});

  // A mapping by metric name, by metric/arm, or by the query's text.
  replay_options o;
  o.mapping = {{"latency", "recorded_by_name"},
               {"error-rate/canary.events", "base_errs"},
               {"whatever query", "errs"}};
  replay_source mapped(st, o);
  CHECK(mapped.answer("latency", prometheus_query("histogram_quantile(0.99, x)"), at_s(100))
            .value_text == "[7]");
  CHECK(mapped.answer("error-rate", cmp, at_s(100)).value_text == "canary 2/1000, baseline 2/2000");
  CHECK(mapped.answer("other", prometheus_query("whatever query"), at_s(100)).value_text == "[3]");
  ports::metric_query web;
  web.provider = "web";
  CHECK(std::get<std::string>(mapped.answer("w", web, at_s(100)).result) ==
        "the web provider cannot be answered from recorded series");
}

TEST_CASE("a query recorded under no key is evaluated as PromQL over the raw series",
          "[recorded]") {
  store st;
  std::string text;
  for (int k = 0; k <= 4; ++k) {
    const std::string ms = std::to_string(k * 15000);
    text += "http_requests_total{code=\"200\"} " + std::to_string(150 * k) + " " + ms + "\n";
    text += "http_requests_total{code=\"500\"} " + std::to_string(15 * k) + " " + ms + "\n";
  }
  REQUIRE(st.add_file("raw.prom", text).empty());
  replay_source src(st, {});
  const auto a = src.answer("error-rate",
                            prometheus_query(R"(sum(rate(http_requests_total{code=~"5.."}[1m])) / )"
                                             R"(sum(rate(http_requests_total[1m])))"),
                            at_s(60));
  REQUIRE_FALSE(a.failed());
  CHECK(std::get<core::value>(a.result).items().at(0).as_double() == Approx(1.0 / 11.0));
  // A scalar stays a scalar, as Prometheus' scalar answer is read.
  CHECK(
      src.answer("s", prometheus_query("scalar(sum(http_requests_total))"), at_s(60)).value_text ==
      "660");
  // A query that sees none of the raw series, or is not PromQL floodgate evaluates: an Error.
  const auto bad = src.answer("m", prometheus_query("rate(http_requests_total[1m]"), at_s(60));
  REQUIRE(bad.failed());
  CHECK(
      std::get<std::string>(bad.result)
          .ends_with(
              "(as PromQL: at character 29: expected \",\" or \")\", found the end of the query)"));
  CHECK(src.answer("m", prometheus_query("rate(other_total[1m])"), at_s(60)).failed());
  CHECK(src.unmatched().size() == 2);
}

TEST_CASE(
    "a label that is not UTF-8 is read and replayed, not thrown (fuzz: "
    "regression-label-not-utf8)",
    "[recorded]") {
  store st;
  REQUIRE(st.add_file("l.prom", "m{a=\"\xff\x78\"} 1 1000\n").empty());
  replay_source src(st, {});
  CHECK(src.answer("m", prometheus_query("m"), at_s(1)).value_text == "[1]");
}

TEST_CASE("the recorder's CSV replays the answers it recorded, series that vanish included",
          "[recorded]") {
  std::ostringstream csv;
  csv_recorder rec(csv);
  const std::string q = "sum by (pod) (rate(x[1m]))";
  const std::string two =
      R"({"status":"success","data":{"resultType":"vector","result":[
         {"metric":{"pod":"a"},"value":[100,"0.125"]},{"metric":{"pod":"b"},"value":[100,"1e-7"]}]}})";
  const std::string one =
      R"({"status":"success","data":{"resultType":"vector","result":[
         {"metric":{"pod":"b"},"value":[110,"0.3333333333333333"]}]}})";
  const std::string none = R"({"status":"success","data":{"resultType":"vector","result":[]}})";
  rec.add(q, at_s(90), R"({"status":"success","data":{"resultType":"vector","result":[]}})");
  rec.add(q, at_s(100), two);
  rec.add(q, at_s(110), one);
  rec.add(q, at_s(120), none);
  rec.add(q, at_s(125), R"({"status":"error","errorType":"timeout","error":"query timed out"})");
  rec.add("scalar(x)", at_s(100.25),
          R"({"status":"success","data":{"resultType":"scalar","result":[100.25,"42"]}})");
  CHECK(csv.str() ==
        "timestamp,metric,labels,value\n"
        "90.000,sum by (pod) (rate(x[1m])),,stale\n"
        "100.000,sum by (pod) (rate(x[1m])),\"{pod=\"\"a\"\"}\",0.125\n"
        "100.000,sum by (pod) (rate(x[1m])),\"{pod=\"\"b\"\"}\",1e-7\n"
        "110.000,sum by (pod) (rate(x[1m])),\"{pod=\"\"b\"\"}\",0.3333333333333333\n"
        "110.000,sum by (pod) (rate(x[1m])),\"{pod=\"\"a\"\"}\",stale\n"
        "120.000,sum by (pod) (rate(x[1m])),\"{pod=\"\"b\"\"}\",stale\n"
        "100.250,scalar(x),,42\n");
  store st;
  REQUIRE(errors_text(st.add_file("rec.csv", csv.str())).empty());
  replay_source src(st, {});
  for (const auto& [t, body] : {std::pair{90.0, none}, {100.0, two}, {110.0, one}, {120.0, none}}) {
    const auto replayed = src.answer("m", prometheus_query(q), at_s(t));
    const auto live = answer_of(read_prometheus(body));
    CHECK(replayed.value_text == live.value_text);
    CHECK(std::get<core::value>(replayed.result) == std::get<core::value>(live.result));
  }
  // A scalar answer comes back as a one-element vector.
  CHECK(src.answer("s", prometheus_query("scalar(x)"), at_s(100.25)).value_text == "[42]");
}
