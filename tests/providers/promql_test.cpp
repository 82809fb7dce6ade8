// The PromQL subset: parsing (what is refused, and where), and evaluation against values
// worked out by hand from Prometheus 2.x's definitions (promql/functions.go extrapolatedRate,
// promql/quantile.go bucketQuantile). tests/integration/prometheus_test.cpp checks the same
// evaluator against a real Prometheus on the same samples.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <floodgate/providers/recorded/promql.hpp>
#include <functional>

namespace {

namespace rec = floodgate::providers::recorded;
namespace promql = floodgate::providers::recorded::promql;

std::string parse_error(const std::string& q) {
  auto p = promql::expression::parse(q);
  if (auto* e = std::get_if<std::string>(&p)) return *e;
  return "";
}

promql::expression parsed(const std::string& q) {
  auto p = promql::expression::parse(q);
  if (auto* e = std::get_if<std::string>(&p)) FAIL(q << ": " << *e);
  return std::get<promql::expression>(std::move(p));
}

// Samples every 15 s from t = 0 (ms), with the values given.
void add_series(rec::store& s, const std::string& metric, rec::label_set labels,
                const std::vector<double>& values, std::int64_t step_ms = 15000) {
  for (std::size_t i = 0; i < values.size(); ++i)
    s.add(metric, labels, {static_cast<std::int64_t>(i) * step_ms, values[i], false}, "test", 0);
}

struct world {
  rec::store store;
  std::optional<rec::promql::store_view> view;
  std::optional<promql::evaluator> eval;
  void ready() {
    REQUIRE(store.finish().empty());
    view.emplace(store);
    eval.emplace(*view);
  }
  promql::result at(const std::string& q, std::int64_t at_ms) {
    auto r = eval->evaluate(parsed(q), at_ms);
    if (auto* e = std::get_if<std::string>(&r)) FAIL(q << ": " << *e);
    return std::get<promql::result>(std::move(r));
  }
  double one(const std::string& q, std::int64_t at_ms) {
    const auto r = at(q, at_ms);
    if (r.is_scalar) return r.scalar;
    INFO(q);
    REQUIRE(r.vector.size() == 1);
    return r.vector[0].value;
  }
  std::string error(const std::string& q, std::int64_t at_ms) {
    auto r = eval->evaluate(parsed(q), at_ms);
    if (auto* e = std::get_if<std::string>(&r)) return *e;
    return "";
  }
};

}  // namespace

TEST_CASE("the PromQL subset parses the queries rollouts use", "[providers][promql]") {
  for (
      const char* q : {
          R"(sum(rate(http_requests_total{service="checkout",track="canary",code!~"5.."}[1m])) / sum(rate(http_requests_total{service="checkout",track="canary"}[1m])))",
          R"(histogram_quantile(0.99, sum(rate(http_request_duration_seconds_bucket{track="canary"}[5m])) by (le)))",
          R"(histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m]))))",
          R"(sum(increase(http_requests_total{code=~"5.."}[93s])))",
          R"(1 - sum(rate(a[1m])) / sum(rate(b[1m] offset 1m)))",
          R"(scalar(sum(up)) > bool 0)",
          R"(a / on(pod) b)",
          R"(a - ignoring(code) b)",
          R"(-x ^ 2)",
          R"(max_over_time(x[10m]) # a comment)",
          R"({__name__="x", job!=""})",
          R"(clamp_min(x, 0))",
          R"(Inf)",
      }) {
    INFO(q);
    CHECK(parse_error(q).empty());
  }
}

TEST_CASE("the PromQL subset refuses what it does not evaluate, saying where",
          "[providers][promql]") {
  CHECK(parse_error("rate(x[5m]") ==
        R"x(at character 11: expected "," or ")", found the end of the query)x");
  CHECK(parse_error("topk(3, x)") ==
        "at character 1: the function topk() is not supported by floodgate's PromQL evaluator");
  CHECK(parse_error("x[5m:1m]") ==
        "at character 5: a subquery is not supported by floodgate's PromQL evaluator");
  CHECK(parse_error("x and y") ==
        "at character 3: \"and\" is not supported by floodgate's PromQL evaluator");
  CHECK(parse_error("a / on(x) group_left b").find("group_left is not supported") !=
        std::string::npos);
  CHECK(parse_error("rate(x)") ==
        "at character 6: rate() expects a range vector as argument 1, found an instant vector");
  CHECK(parse_error("1 > 2") ==
        "at character 3: comparisons between scalars must use the bool modifier");
  CHECK(parse_error("x[5m]") ==
        "at character 1: the query is a range vector; floodgate evaluates instant queries to a "
        "scalar or an instant vector");
  CHECK(parse_error("x{a=~\"(\"}").starts_with("at character 6: invalid regular expression"));
  CHECK(parse_error("x[5q]") ==
        "at character 4: expected a duration unit (ms, s, m, h, d, w, y), found \"q\"");
  CHECK(parse_error("x[30s5m]") == "at character 7: duration units must go largest first");
  // Found by promql_fuzz: a duration beyond int64 milliseconds overflowed.
  CHECK(parse_error("max_over_time(g[522222222y2") == "at character 17: the duration is too long");
  CHECK(parse_error("rate(x[292y])").empty());
  CHECK(parse_error("rate(x[293y])").ends_with("the duration is too long"));
  CHECK(parse_error("{a=\"\"}") ==
        "at character 1: vector selector must contain at least one non-empty matcher");
  CHECK(parse_error("sum(x) by (le") ==
        R"x(at character 14: expected "," or ")", found the end of the query)x");
  CHECK(parse_error("x @ 100") ==
        "at character 3: the @ modifier is not supported by floodgate's PromQL evaluator");
  CHECK(parse_error(std::string(300, '(') + "1" + std::string(300, ')'))
            .ends_with("the query nests too deeply"));
  CHECK(parse_error("x y") ==
        "at character 3: expected an operator or the end of the query, "
        "found \"y\"");
}

TEST_CASE("rate and increase extrapolate as Prometheus 2.x does", "[providers][promql]") {
  world w;
  // A counter growing 1 per second, scraped every 15 s from t = 0 to 120 s.
  add_series(w.store, "c", {{"job", "a"}}, {0, 15, 30, 45, 60, 75, 90, 105, 120});
  // Reset after 30 s: 10, 20, 5, 15 at 0, 15, 30, 45 s.
  add_series(w.store, "r", {}, {10, 20, 5, 15});
  w.ready();
  // Every sample of [0, 60] s: 60 over 60 s.
  CHECK(w.one("rate(c[1m])", 60000) == Approx(1.0));
  // [7, 67] s: 15..60 s, 45 over 45 s sampled; 8 s to the start and 7 s to the end are within
  // 1.1 intervals, so the increase is stretched to the whole 60 s: 60.
  CHECK(w.one("increase(c[1m])", 67000) == Approx(60.0));
  // A window of 25 s at 60 s: [35, 60] holds 45 and 60 only; 10 s to the start < 16.5 → +10;
  // to zero is 15·45/15 = 45 s, not shorter: 15·(25/15) = 25.
  CHECK(w.one("increase(c[25s])", 60000) == Approx(25.0));
  // The reset is added back: 15 − 10 + 20 = 25 over [0, 45].
  CHECK(w.one("increase(r[45s])", 45000) == Approx(25.0));
  // A counter is not extrapolated below zero: at 40 s over [0, 40] (samples 0..30 s, values 0,
  // 15, 30) the start needs no extrapolation and the end 10 s < 16.5: 30·40/30 = 40.
  CHECK(w.one("increase(c[40s])", 40000) == Approx(40.0));
  // delta does not treat resets: 15 − 10.
  CHECK(w.one("delta(r[45s])", 45000) == Approx(5.0));
  // irate: the last two samples; after a reset, the last sample is all new.
  CHECK(w.one("irate(c[1m])", 60000) == Approx(1.0));
  CHECK(w.one("irate(r[1m] offset 15s)", 45000) == Approx(5.0 / 15.0));
  // One sample in the window: no rate.
  CHECK(w.at("rate(c[10s])", 60000).vector.empty());
  // The metric name is dropped, the other labels kept.
  const auto r = w.at("rate(c[1m])", 60000);
  CHECK(r.vector[0].labels == rec::label_set{{"job", "a"}});
}

TEST_CASE("histogram_quantile interpolates inside the bucket", "[providers][promql]") {
  world w;
  for (const auto& [le, n] :
       std::vector<std::pair<std::string, double>>{{"0.1", 50}, {"0.5", 90}, {"+Inf", 100}})
    add_series(w.store, "h_bucket", {{"le", le}}, {n});
  w.ready();
  CHECK(w.one("histogram_quantile(0.5, h_bucket)", 0) == Approx(0.1));
  CHECK(w.one("histogram_quantile(0.7, h_bucket)", 0) == Approx(0.3));
  CHECK(w.one("histogram_quantile(0.9, h_bucket)", 0) == Approx(0.5));
  // In the +Inf bucket: the highest finite bound.
  CHECK(w.one("histogram_quantile(0.95, h_bucket)", 0) == Approx(0.5));
  CHECK(std::isinf(w.one("histogram_quantile(1.5, h_bucket)", 0)));
  // Without the +Inf bucket, no quantile.
  CHECK(std::isnan(w.one("histogram_quantile(0.5, h_bucket{le!=\"+Inf\"})", 0)));
}

TEST_CASE("aggregations, vector matching and comparisons", "[providers][promql]") {
  world w;
  add_series(w.store, "req", {{"code", "200"}, {"pod", "a"}}, {90});
  add_series(w.store, "req", {{"code", "500"}, {"pod", "a"}}, {10});
  add_series(w.store, "req", {{"code", "200"}, {"pod", "b"}}, {40});
  add_series(w.store, "up", {{"pod", "a"}}, {1});
  add_series(w.store, "up", {{"pod", "b"}}, {0});
  add_series(w.store, "down", {{"pod", "b"}}, {1});
  w.ready();
  CHECK(w.one("sum(req)", 0) == 140);
  CHECK(w.one(R"(sum(req{code!~"5.."}) / sum(req))", 0) == Approx(130.0 / 140.0));
  const auto by_pod = w.at("sum by (pod) (req)", 0);
  REQUIRE(by_pod.vector.size() == 2);
  CHECK(by_pod.vector[0].labels == rec::label_set{{"pod", "a"}});
  CHECK(by_pod.vector[0].value == 100);
  CHECK(by_pod.vector[1].value == 40);
  CHECK(w.at("sum(req) without (code)", 0).vector.size() == 2);
  CHECK(w.one("count(req)", 0) == 3);
  // Regexes are RE2's, as Prometheus': flags work, and a pattern that makes a backtracking
  // engine take exponential time (promql_fuzz's timeout) answers at once.
  CHECK(w.one(R"(count(req{code=~"(?i)2.*"}))", 0) == 2);
  CHECK(w.at(R"(req{code=~"(0*)*0*0*0*0*0*0*0*0*0*0*0*0*0*0*0*0*0*0*0*0*0*0*0*x"})", 0)
            .vector.empty());
  CHECK(w.one("avg(req)", 0) == Approx(140.0 / 3));
  CHECK(w.one("max(req)", 0) == 90);
  // One-to-one matching on pod: the per-pod error share.
  const auto share = w.at(R"(sum by (pod) (req{code="500"}) / on(pod) sum by (pod) (req))", 0);
  REQUIRE(share.vector.size() == 1);
  CHECK(share.vector[0].value == Approx(0.1));
  // A comparison filters; with bool it answers 0 or 1.
  CHECK(w.at("up == 1", 0).vector.size() == 1);
  CHECK(w.at("up == bool 1", 0).vector.size() == 2);
  CHECK(w.one("scalar(sum(up)) > bool 0", 0) == 1);
  CHECK(w.one("-up{pod=\"a\"} * 2 ^ 2", 0) == -4);
  // Selectors return their series in label order (Prometheus' index order).
  const auto all = w.at("req", 0);
  REQUIRE(all.vector.size() == 3);
  CHECK(all.vector[1].labels == rec::label_set{{"__name__", "req"}, {"code", "200"}, {"pod", "b"}});
  // Many-to-one without group_left is an error, as in Prometheus.
  CHECK(w.error("req / on(pod) up", 0).starts_with("multiple matches for labels {pod=\"a\"}"));
  CHECK(w.error("rate(req[1m]) + rate(up[1m])", 15000).empty());
  CHECK(w.error("abs(req) + abs(up)", 0).empty());
  CHECK(w.error("abs({__name__=~\"up|down\"})", 0)
            .starts_with("vector cannot contain metrics with the same labelset"));
}

TEST_CASE("an aggregation into one group answers as the labelled path does",
          "[providers][promql]") {
  // sum(…) without grouping: the same sums, counts and extremes as through a grouping, and the
  // collision error when dropping the name makes two series one (Prometheus raises it inside an
  // aggregation too).
  world w;
  add_series(w.store, "req", {{"code", "200"}, {"pod", "a"}}, {0, 90, 200, 260});
  add_series(w.store, "req", {{"code", "500"}, {"pod", "a"}}, {0, 10, 12, 40});
  add_series(w.store, "req", {{"code", "200"}, {"pod", "b"}}, {5, 40, 41, 3});  // a reset
  add_series(w.store, "up", {{"pod", "b"}}, {1, 2, 3, 4});
  add_series(w.store, "down", {{"pod", "b"}}, {1, 2, 3, 4});
  w.ready();
  for (const char* f : {"sum", "avg", "min", "max", "count"}) {
    for (const char* arg : {"rate(req[1m])", "increase(req[40s])", "irate(req[1m])",
                            "max_over_time(req[1m])", "last_over_time(req[1m])", "req"}) {
      // Each (pod, code) group holds one series, so grouping first changes no value.
      const std::string one = std::string(f) + "(" + arg + ")";
      const std::string grouped = std::string(f) + "(" + f + " by (pod, code) (" + arg + "))";
      INFO(one << " against " << grouped);
      CHECK(w.one(one, 45000) == Approx(w.one(grouped, 45000)).epsilon(1e-15));
    }
  }
  CHECK(w.one("sum(rate(req[1m]))", 45000) ==
        Approx(w.one("sum(sum by (pod, code) (rate(req[1m])))", 45000)).epsilon(1e-15));
  CHECK(w.one("count(irate(req[1m]))", 45000) == 3);
  CHECK(w.one("sum(increase(req[1m]))", 45000) ==
        Approx(w.one("sum(sum by (code) (increase(req[1m])))", 45000)).epsilon(1e-15));
  CHECK(w.error("sum(rate({__name__=~\"up|down\"}[1m]))", 45000)
            .starts_with("vector cannot contain metrics with the same labelset"));
  CHECK(w.error("sum(rate(up[1m]))", 45000).empty());
}

TEST_CASE("instant selectors look back 5 minutes and stop at a staleness marker",
          "[providers][promql]") {
  world w;
  w.store.add("g", {}, {0, 1, false}, "t", 1);
  w.store.add("g", {}, {60000, 2, false}, "t", 2);
  w.store.add("g", {}, {120000, 0, true}, "t", 3);
  w.store.add("h", {}, {0, 7, false}, "t", 4);
  w.ready();
  CHECK(w.one("g", 90000) == 2);
  CHECK(w.at("g", 130000).vector.empty());
  CHECK(w.one("h", 300000) == 7);  // the lookback's boundary is inclusive
  CHECK(w.at("h", 300001).vector.empty());
  CHECK(w.one("g offset 1m", 90000) == 1);
  // A range over the marker leaves it out.
  CHECK(w.one("count_over_time(g[5m])", 130000) == 2);
}

namespace {

// Lanes of one world: the same series and instants, values differing lane by lane (counter
// resets in some lanes, NaN and infinities in others, histograms of different shapes).
class lanes_world final : public promql::lane_view {
 public:
  std::vector<rec::label_set> names;
  std::vector<std::int64_t> t;
  std::vector<std::vector<promql::lanes>> v;

  std::size_t size() const override { return names.size(); }
  const rec::label_set& labels(std::size_t i) const override { return names[i]; }
  std::span<const std::int64_t> times(std::size_t) const override { return t; }
  std::span<const promql::lanes> values(std::size_t i) const override { return v[i]; }
  /// Told when `tells_monotone` (counter windows without resets then skip their pass); worked
  /// out from the rows themselves.
  bool tells_monotone = false;
  std::size_t monotone_from(std::size_t i) const override {
    if (!tells_monotone) return lane_view::monotone_from(i);
    std::size_t from = 0;
    for (std::size_t j = 1; j < v[i].size(); ++j)
      for (std::size_t k = 0; k < promql::lane_width; ++k)
        if (v[i][j][k] < v[i][j - 1][k]) from = j;
    return from;
  }

  void add(const std::string& metric, rec::label_set l,
           const std::function<double(std::size_t j, std::size_t lane)>& f) {
    l.emplace_back("__name__", metric);
    std::sort(l.begin(), l.end());
    names.push_back(l);
    auto& rows = v.emplace_back(t.size());
    for (std::size_t j = 0; j < t.size(); ++j)
      for (std::size_t k = 0; k < promql::lane_width; ++k) rows[j][k] = f(j, k);
  }
  /// Lane `lane` as a store.
  void fill(rec::store& s, std::size_t lane) const {
    for (std::size_t i = 0; i < names.size(); ++i) {
      std::string metric;
      rec::label_set l;
      for (const auto& kv : names[i]) {
        if (kv.first == "__name__") {
          metric = kv.second;
        } else {
          l.push_back(kv);
        }
      }
      for (std::size_t j = 0; j < t.size(); ++j)
        s.add(metric, l, {t[j], v[i][j][lane], false}, "lanes", 0);
    }
  }
};

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

}  // namespace

TEST_CASE("a lane evaluation gives each lane the value the evaluator gives over it",
          "[providers][promql]") {
  lanes_world w;
  for (std::int64_t j = 0; j < 40; ++j) w.t.push_back(1000000 + j * 15000 + (j % 3) * 700);
  const auto lane = [](std::size_t k) { return static_cast<double>(k); };
  for (const char* code : {"200", "500"})
    for (const char* pod : {"a", "b"}) {
      const double c = code[0] == '5' ? 0.05 : 1.0;
      const double p = pod[0] == 'a' ? 1.0 : 1.7;
      w.add("req", {{"code", code}, {"pod", pod}}, [=](std::size_t j, std::size_t k) {
        // A counter; lanes 3 and 7 reset it at sample 20, lane 11 holds still.
        const double x = static_cast<double>(j);
        if (k == 11) return 5.0;
        if ((k == 3 || k == 7) && j >= 20) return c * p * (x - 20) * (3 + lane(k));
        return c * p * x * (3 + lane(k)) + 2;
      });
    }
  w.add("gauge", {{"pod", "a"}}, [=](std::size_t j, std::size_t k) {
    if (k == 5 && j == 38) return std::nan("");
    if (k == 6 && j == 37) return HUGE_VAL;
    return std::sin(static_cast<double>(j) + lane(k)) * 10;
  });
  w.add("gauge", {{"pod", "b"}},
        [=](std::size_t j, std::size_t k) { return std::cos(static_cast<double>(j) * lane(k)); });
  for (const char* le : {"0.1", "0.25", "0.5", "1", "+Inf"}) {
    const double bound = std::string(le) == "+Inf" ? 2.0 : std::stod(le);
    w.add("lat_bucket", {{"le", le}}, [=](std::size_t j, std::size_t k) {
      // Lane 9's buckets stay empty: NaN quantiles.
      if (k == 9) return 0.0;
      return std::floor(static_cast<double>(j) * (10 + lane(k)) *
                        std::min(1.0, bound * (0.5 + lane(k) / 40)));
    });
  }
  std::vector<rec::store> stores(promql::lane_width);
  std::vector<std::optional<promql::store_view>> views(promql::lane_width);
  std::vector<std::optional<promql::evaluator>> evals(promql::lane_width);
  for (std::size_t k = 0; k < promql::lane_width; ++k) {
    w.fill(stores[k], k);
    REQUIRE(stores[k].finish().empty());
    views[k].emplace(stores[k]);
    evals[k].emplace(*views[k]);
  }
  // Told where the counters stop resetting, rate() and increase() skip their pass over the
  // windows after: the same bits.
  w.tells_monotone = GENERATE(false, true);
  INFO("the view tells where its series are monotone: " << w.tells_monotone);
  promql::lane_evaluator lanes(w);
  const char* queries[] = {
      "sum(rate(req[1m]))",
      R"(sum(rate(req{code=~"5.."}[2m])) / sum(rate(req[2m])))",
      "sum(increase(req[5m])) by (pod)",
      "irate(req[1m])",
      "delta(gauge[3m])",
      "increase(req[9m] offset 1m)",
      "histogram_quantile(0.99, sum by (le) (rate(lat_bucket[2m])))",
      "histogram_quantile(scalar(gauge{pod=\"b\"}), rate(lat_bucket[2m]))",
      "avg_over_time(gauge[2m])",
      "min_over_time(gauge[4m])",
      "max_over_time(gauge[4m])",
      "sum_over_time(gauge[1m])",
      "count_over_time(gauge[1m])",
      "last_over_time(gauge[1m])",
      "abs(gauge) + ceil(gauge) - floor(gauge)",
      "clamp_min(gauge, 0.5)",
      "clamp_max(gauge, scalar(gauge{pod=\"b\"}))",
      "-gauge % 3 ^ 2",
      "gauge > bool 0",
      "sum by (pod) (req) / on(pod) sum by (pod) (req{code=\"200\"})",
      "min(gauge)",
      "max(gauge)",
      "avg(req)",
      "count(req)",
      "scalar(sum(gauge))",
      "vector(3) * 2",
      "req",
      "gauge offset 30s",
  };
  for (const char* q : queries) {
    const auto e = parsed(q);
    REQUIRE(promql::lanewise(e));
    for (const std::int64_t at :
         {1000000 + 14000, 1000000 + 300000, 1000000 + 435000, 1000000 + 584000}) {
      INFO(q << " at " << at);
      auto got = lanes.evaluate(e, at);
      REQUIRE(std::holds_alternative<promql::lane_result>(got));
      const auto& r = std::get<promql::lane_result>(got);
      for (std::size_t k = 0; k < promql::lane_width; ++k) {
        INFO("lane " << k);
        auto one = evals[k]->evaluate(e, at);
        REQUIRE(std::holds_alternative<promql::result>(one));
        const auto& x = std::get<promql::result>(one);
        REQUIRE(r.is_scalar == x.is_scalar);
        if (x.is_scalar) CHECK(same_bits(r.scalar[k], x.scalar));
        REQUIRE(r.vector.size() == x.vector.size());
        for (std::size_t i = 0; i < x.vector.size(); ++i) {
          CHECK(r.vector[i].labels == x.vector[i].labels);
          INFO(r.vector[i].values[k] << " against " << x.vector[i].value);
          CHECK(same_bits(r.vector[i].values[k], x.vector[i].value));
        }
      }
    }
  }
  // Errors are the labels', the same in every lane.
  const auto dup = parsed("req / on(pod) gauge");
  auto dup_lanes = lanes.evaluate(dup, 1300000);
  auto dup_one = evals[0]->evaluate(dup, 1300000);
  REQUIRE(std::holds_alternative<std::string>(dup_lanes));
  REQUIRE(std::holds_alternative<std::string>(dup_one));
  CHECK(std::get<std::string>(dup_lanes) == std::get<std::string>(dup_one));
  // A comparison that filters a vector keeps different elements in different lanes.
  CHECK_FALSE(promql::lanewise(parsed("gauge > 0")));
  CHECK_FALSE(promql::lanewise(parsed("sum(rate(req[1m])) > 3 * 2")));
  CHECK_FALSE(promql::lanewise(parsed("1 < gauge")));
  CHECK(promql::lanewise(parsed("gauge > bool 0")));
  CHECK(promql::lanewise(parsed("scalar(gauge) > bool 1")));
  auto filtered = lanes.evaluate(parsed("gauge > 0"), 1300000);
  REQUIRE(std::holds_alternative<std::string>(filtered));
  CHECK(std::get<std::string>(filtered) ==
        "a comparison without bool does not evaluate lane by lane");
}
