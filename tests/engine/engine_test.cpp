// The live engine with in-process ports (a scripted metrics source and a recording router) on
// real time with short intervals: a healthy plan is promoted through its weights, a failing one
// aborted to 0; a rollout stopped mid-way (the engine destroyed, as by SIGKILL) resumes from the
// journal without losing or repeating a decision; a router that keeps failing aborts the
// rollout; a metric that never answers is an Error, never a pass.

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <floodgate/engine/engine.hpp>
#include <floodgate/engine/journal.hpp>
#include <fstream>
#include <map>

#include "../support/process.hpp"

using namespace floodgate;
using namespace floodgate::engine;
using std::chrono::milliseconds;

namespace {

std::string plan_text(const char* pause) {
  return std::string(R"(apiVersion: floodgate.dev/v1
kind: Plan
metadata: {name: shop}
spec:
  args: [{name: app, value: shop}]
  strategy:
    canary:
      steps:
      - setWeight: 20
      - analysis:
          metrics:
          - name: success-rate
            interval: 100ms
            count: 3
            successCondition: result[0] >= 0.99
            provider:
              prometheus: {address: "http://127.0.0.1:9", query: "sr{app='{{args.app}}'}"}
      - setWeight: 50
      - pause: )") +
         pause + R"(
      - setWeight: 80
)";
}

class scripted_metrics final : public providers::ports::metrics_source {
 public:
  scripted_metrics(boost::asio::io_context& io, double value) : io_(io), value_(value) {}
  void measure(const providers::ports::metric_query& q,
               std::function<void(providers::ports::metric_answer)> done) override {
    queries.push_back(q.query);
    if (silent) return;  // never answers
    boost::asio::post(io_, [v = value_, done = std::move(done)] {
      providers::ports::metric_answer a;
      a.result = core::value::array({core::value::floating(v)});
      a.value_text = "[" + core::format_float_plain(v) + "]";
      done(std::move(a));
    });
  }
  std::vector<std::string> queries;
  bool silent = false;

 private:
  boost::asio::io_context& io_;
  double value_;
};

class recording_router final : public providers::ports::traffic_router {
 public:
  explicit recording_router(boost::asio::io_context& io) : io_(io) {}
  std::string describe() const override { return "recording"; }
  void set_weight(const providers::ports::route_change& c,
                  std::function<void(std::optional<std::string>)> done) override {
    const bool fail = refuse_above >= 0 && c.canary_weight > refuse_above;
    if (!fail) weights.push_back(c.canary_weight);
    boost::asio::post(io_, [fail, done = std::move(done)] {
      done(fail ? std::optional<std::string>("backend refused") : std::nullopt);
    });
  }
  std::vector<int> weights;
  int refuse_above = -1;

 private:
  boost::asio::io_context& io_;
};

struct harness {
  testing::scratch_dir dir{"floodgate-engine"};
  std::string journal_path = (dir.path() / "journal.jsonl").string();
  std::vector<std::string> decisions;  // "set_weight 20", ...
  std::vector<std::string> warnings;
  std::optional<core::rollout_status> finished;

  engine_events events(boost::asio::io_context& io, std::unique_ptr<class engine>* self,
                       bool stop_when_waiting) {
    engine_events ev;
    ev.decision = [this](const std::string&, const core::decision& d) {
      decisions.push_back(std::string(core::decision_kind_name(d.kind)) + " " +
                          std::to_string(d.weight));
    };
    ev.warning = [this](const std::string&, const std::string& m) { warnings.push_back(m); };
    ev.finished = [this, &io](const std::string&, core::rollout_status s) {
      finished = s;
      io.stop();
    };
    ev.status = [self, &io, stop_when_waiting](const std::string& id, const std::string&) {
      const auto v = (*self)->get(id);
      if (stop_when_waiting && v && v->waiting_for_human) io.stop();
    };
    return ev;
  }

  rollout_spec spec(const char* pause) const {
    rollout_spec s;
    s.id = "shop-1";
    s.files = {{"shop.yaml", plan_text(pause)}};
    s.version = "v2";
    s.started_by = "test";
    return s;
  }

  engine_options options() const {
    engine_options o;
    o.journal_path = journal_path;
    o.tick_deadline = milliseconds(300);
    o.router_hold_retry = milliseconds(50);
    return o;
  }
};

// One life of the engine: its io_context, ports and the engine itself.
struct life {
  boost::asio::io_context io;
  scripted_metrics m;
  recording_router r{io};
  std::unique_ptr<class engine> e;
  life(harness& h, double value, bool stop_when_waiting = false) : m(io, value) {
    e = std::make_unique<class engine>(io, m, &r, h.options(), h.events(io, &e, stop_when_waiting));
  }
};

}  // namespace

TEST_CASE("a healthy canary is promoted through its weights, every step journaled", "[engine]") {
  harness h;
  life l(h, 0.995);
  auto& [io, m, r, e] = l;
  REQUIRE(e->recover().empty());
  REQUIRE_FALSE(e->start(h.spec("{duration: 200ms}")));
  io.run_for(std::chrono::seconds(10));
  REQUIRE(h.finished == core::rollout_status::promoted);
  // 0 first (a known start); setWeight 80 and the promotion are decided at the same instant,
  // so the router is asked once, for the last weight.
  CHECK(r.weights == std::vector<int>{0, 20, 50, 100});
  CHECK(h.decisions == std::vector<std::string>{"set_weight 20", "set_weight 50", "pause 50",
                                                "set_weight 80", "promote 100"});
  CHECK(m.queries.size() == 3);
  CHECK(m.queries[0] == "sr{app='shop'}");
  const auto j = read_journal(h.journal_path);
  REQUIRE_FALSE(j.error);
  CHECK(j.records.front()["type"] == "start");
  CHECK(j.records.front()["version"] == "v2");
  CHECK(j.records.back()["type"] == "end");
  CHECK(j.records.back()["status"] == "promoted");
  int routed = 0;
  for (const auto& rec : j.records) routed += rec["type"] == "routed" ? 1 : 0;
  CHECK(routed == 4);
  CHECK(e->start(h.spec("{duration: 200ms}")) == std::nullopt);  // a finished id starts again
}

TEST_CASE("a failing canary is aborted and the router ends at 0", "[engine]") {
  harness h;
  life l(h, 0.9);
  auto& [io, m, r, e] = l;
  e->recover();
  REQUIRE_FALSE(e->start(h.spec("{duration: 200ms}")));
  io.run_for(std::chrono::seconds(10));
  REQUIRE(h.finished == core::rollout_status::aborted);
  CHECK(r.weights == std::vector<int>{0, 20, 0});
  CHECK(h.decisions == std::vector<std::string>{"set_weight 20", "abort 0"});
}

TEST_CASE("a rollout stopped mid-way resumes from the journal, nothing lost or repeated",
          "[engine]") {
  harness h;
  {  // First life: runs to the indefinite pause, then the engine disappears (as on SIGKILL).
    life l(h, 0.995, true);
    auto& [io, m, r, e] = l;
    e->recover();
    REQUIRE_FALSE(e->start(h.spec("{}")));
    io.run_for(std::chrono::seconds(10));
    CHECK(r.weights == std::vector<int>{0, 20, 50});
    CHECK(e->get("shop-1")->waiting_for_human);
  }
  // A torn line as a crash mid-write leaves it.
  std::ofstream(h.journal_path, std::ios::app) << R"({"seq":99,"type":"ti)";
  const auto before = h.decisions;
  CHECK(before == std::vector<std::string>{"set_weight 20", "set_weight 50", "pause 50"});

  life l(h, 0.995);
  auto& [io, m, r, e] = l;
  const auto warnings = e->recover();
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find("dropped a torn last line") != std::string::npos);
  const auto v = e->get("shop-1");
  REQUIRE(v);
  CHECK(v->weight == 50);
  CHECK(v->decisions.size() == 3);  // rebuilt from the journal, not announced again
  CHECK(e->approve("nobody", "sre") == "no rollout \"nobody\"");
  REQUIRE_FALSE(e->approve("shop-1", "sre@example.com"));
  io.run_for(std::chrono::seconds(10));
  REQUIRE(h.finished == core::rollout_status::promoted);
  CHECK(r.weights == std::vector<int>{50, 100});  // 50 set again on resume: idempotent
  CHECK(h.decisions == std::vector<std::string>{"set_weight 20", "set_weight 50", "pause 50",
                                                "set_weight 80", "promote 100"});
  CHECK(m.queries.empty());  // the analysis had completed before the stop
  const auto j = read_journal(h.journal_path);
  REQUIRE_FALSE(j.error);
  bool approved = false;
  for (const auto& rec : j.records)
    if (rec["type"] == "approve") approved = rec["by"] == "sre@example.com";
  CHECK(approved);
}

TEST_CASE("a router that keeps failing aborts the rollout", "[engine]") {
  harness h;
  life l(h, 0.995);
  auto& [io, m, r, e] = l;
  r.refuse_above = 30;
  e->recover();
  REQUIRE_FALSE(e->start(h.spec("{duration: 200ms}")));
  io.run_for(std::chrono::seconds(10));
  REQUIRE(h.finished == core::rollout_status::aborted);
  CHECK(r.weights == std::vector<int>{0, 20, 0});
  CHECK(h.decisions.back() == "abort 0");
  CHECK(e->stats().router_errors == 1);
  CHECK(std::find(h.warnings.begin(), h.warnings.end(), "router: backend refused") !=
        h.warnings.end());
}

TEST_CASE("a metric that never answers is an Error, never a pass", "[engine]") {
  harness h;
  life l(h, 0.995);
  auto& [io, m, r, e] = l;
  m.silent = true;
  e->recover();
  REQUIRE_FALSE(e->start(h.spec("{duration: 200ms}")));
  io.run_for(std::chrono::seconds(2));
  CHECK_FALSE(h.finished);
  CHECK(r.weights == std::vector<int>{0, 20});
  CHECK(e->stats().query_errors >= 1);
  const auto v = e->get("shop-1");
  REQUIRE(v);
  CHECK(v->summary.find("success-rate Running (Error: no answer within 300ms (tick deadline))") !=
        std::string::npos);
  // Drained: the coroutine ends, nothing is promoted.
  bool drained = false;
  e->drain([&] { drained = true; });
  io.restart();
  io.run_for(std::chrono::seconds(2));
  CHECK(drained);
  CHECK(r.weights == std::vector<int>{0, 20});
}

TEST_CASE("the live display says how long a timed pause has left", "[engine]") {
  rollout_spec spec;
  spec.id = "p";
  spec.files = {{"p.yaml", R"(apiVersion: floodgate.dev/v1
kind: Plan
metadata: {name: p}
spec:
  strategy:
    canary:
      steps:
      - setWeight: 20
      - pause: {duration: 10m}
      - setWeight: 50
)"}};
  const core::instant t0(std::chrono::milliseconds(1795000000000));
  auto started = session::start(spec, t0);
  REQUIRE(std::holds_alternative<session>(started));
  auto& s = std::get<session>(started);
  s.advance(t0, {});
  CHECK(s.describe() == "step 2/3 · weight 20 % · progressing");
  CHECK(s.describe(t0 + std::chrono::minutes(2)) ==
        "step 2/3 (pause, 8m left) · weight 20 % · progressing");
}

TEST_CASE("rollouts of one plan share its loaded copy, and only when everything matches",
          "[engine]") {
  const core::instant t0(std::chrono::milliseconds(1795000000000));
  plan_cache cache;
  rollout_spec spec;
  spec.id = "a";
  spec.files = {{"shop.yaml", plan_text("{duration: 1m}")}};
  const auto start = [&](const rollout_spec& s) {
    auto started = session::start(s, t0, &cache);
    REQUIRE(std::holds_alternative<session>(started));
    return std::get<session>(std::move(started));
  };
  auto a = std::make_unique<session>(start(spec));
  spec.id = "b";
  spec.args = {{"app", "cart"}};  // arguments are per session: the plan is the same
  const session b = start(spec);
  CHECK(&a->plan() == &b.plan());
  CHECK(b.spec().files.empty());  // not kept per session
  CHECK(b.files().at(0).name == "shop.yaml");
  CHECK(a->plan_hash() == b.plan_hash());
  // Another Prometheus, another plan name asked for, or other text: another copy.
  rollout_spec other = spec;
  other.prometheus = "http://127.0.0.1:19090";
  const session c = start(other);
  CHECK(&c.plan() != &b.plan());
  CHECK(c.plan().name == "shop");
  other = spec;
  other.plan = "shop";
  CHECK(&start(other).plan() != &b.plan());
  other = spec;
  other.files[0].text += "# a comment\n";
  CHECK(&start(other).plan() != &b.plan());
  const config::plan* shared = &b.plan();
  a.reset();
  CHECK(&start(spec).plan() == shared);
  // Held weakly: when no session uses it, it goes.
  plan_cache fresh;
  std::string hash;
  {
    auto s = session::start(spec, t0, &fresh);
    REQUIRE(std::holds_alternative<session>(s));
    hash = std::get<session>(s).plan_hash();
    CHECK(fresh.find(spec, hash) != nullptr);
  }
  CHECK(fresh.find(spec, hash) == nullptr);
  {
    auto s = session::start(spec, t0, &fresh);  // adding forgets the plans nobody uses
    other.files[0].text += "# another\n";
    auto t = session::start(other, t0, &fresh);
    CHECK(fresh.size() == 2);
  }
  other.files[0].text += "# a third\n";
  CHECK(std::holds_alternative<session>(session::start(other, t0, &fresh)));
  CHECK(fresh.size() == 1);
  // Without a cache, each session loads its own.
  auto alone = session::start(spec, t0);
  REQUIRE(std::holds_alternative<session>(alone));
  CHECK(&std::get<session>(alone).plan() != shared);
}

namespace {

// Two comparison metrics (the count e-value and prop.test), answered with counts: the canary of
// an app named "bad-…" fails 5 % of its requests, every other arm 0.1 %.
std::string comparison_plan() {
  std::string metrics;
  for (const char* test : {"sequential_counts", "two_proportion"}) {
    metrics += std::string(R"(
          - name: )") +
               test + R"(
            interval: 100ms
            compare: {test: )" +
               test + R"(, direction: increase, minEffect: 0.005}
            provider:
              prometheus:
                address: http://127.0.0.1:9
                canary: {events: 'e{app="{{args.app}}",t="c"}', total: 'n{app="{{args.app}}",t="c"}'}
                baseline: {events: 'e{app="{{args.app}}",t="b"}', total: 'n{app="{{args.app}}",t="b"}'})";
  }
  return R"(apiVersion: floodgate.dev/v1
kind: Plan
metadata: {name: counts}
spec:
  args: [{name: app}]
  strategy:
    canary:
      steps:
      - setWeight: 20
      - analysis:
          metrics:)" +
         metrics + "\n      - setWeight: 60\n";
}

class counting_metrics final : public providers::ports::metrics_source {
 public:
  explicit counting_metrics(boost::asio::io_context& io) : io_(io) {}
  void measure(const providers::ports::metric_query& q,
               std::function<void(providers::ports::metric_answer)> done) override {
    const bool bad = q.arms.at("canary.events").find("bad-") != std::string::npos;
    const double looks = static_cast<double>(++looks_[q.arms.at("canary.events")]);
    boost::asio::post(io_, [=, done = std::move(done)] {
      providers::ports::metric_answer a;
      core::comparison_data d;
      d.canary = {std::floor(looks * 300.0 * (bad ? 0.05 : 0.001)), looks * 300.0};
      d.baseline = {std::floor(looks * 2700.0 * 0.001), looks * 2700.0};
      a.result = d;
      a.value_text = "counts";
      done(std::move(a));
    });
  }

 private:
  boost::asio::io_context& io_;
  std::map<std::string, int> looks_;
};

}  // namespace

TEST_CASE("comparison looks that come in together are judged in one batch, as one by one",
          "[engine]") {
  // Twelve rollouts started at one instant tick together: their looks are judged in batches
  // (core::compare_batch), and each decides on its own strand. The journal's replay, which
  // judges every look on its own (core::compare), must find the same decisions — recover()
  // throws otherwise — and the same evidence for the latest looks.
  harness h;
  std::map<std::string, core::rollout_status> ended;
  std::map<std::string, rollout_view> views;
  floodgate::engine::engine::counters counts;
  {
    boost::asio::io_context io;
    counting_metrics m(io);
    engine_events ev;
    ev.warning = [&](const std::string&, const std::string& w) { h.warnings.push_back(w); };
    std::unique_ptr<class engine> e;
    ev.finished = [&](const std::string& id, core::rollout_status s) {
      ended[id] = s;
      views[id] = *e->get(id);
      if (ended.size() == 12) io.stop();
    };
    e = std::make_unique<class engine>(io, m, nullptr, h.options(), ev);
    REQUIRE(e->recover().empty());
    for (int i = 0; i < 12; ++i) {
      rollout_spec s;
      s.id = (i % 3 == 0 ? "bad-" : "good-") + std::to_string(i);
      s.files = {{"counts.yaml", comparison_plan()}};
      s.args = {{"app", s.id}};
      REQUIRE_FALSE(e->start(s));
    }
    io.run_for(std::chrono::seconds(20));
    counts = e->stats();
  }
  CHECK(h.warnings.empty());
  REQUIRE(ended.size() == 12);
  for (const auto& [id, status] : ended) {
    INFO(id);
    CHECK(status == (id.starts_with("bad-") ? core::rollout_status::aborted
                                            : core::rollout_status::promoted));
  }
  CHECK(counts.judged_looks >= 24);
  CHECK(counts.judged_looks >= 4 * counts.judged_batches);  // looks judged together, not alone
  // The journal replayed look by look: the same decisions, the same evidence.
  boost::asio::io_context io;
  counting_metrics m(io);
  class engine replayed(io, m, nullptr, h.options(), {});
  REQUIRE(replayed.recover().empty());
  for (const auto& [id, seen] : views) {
    INFO(id);
    const auto again = replayed.get(id);
    REQUIRE(again);
    CHECK(again->decisions.size() == seen.decisions.size());
    REQUIRE(again->metrics.size() == seen.metrics.size());
    for (std::size_t i = 0; i < seen.metrics.size(); ++i) {
      const auto& a = seen.metrics[i].evidence;
      const auto& b = again->metrics[i].evidence;
      REQUIRE(a);
      REQUIRE(b);
      CHECK(a->message == b->message);
      CHECK(a->p_value == b->p_value);
      CHECK(a->e_value == b->e_value);
      CHECK(a->interval_high == b->interval_high);
      CHECK(a->required_n == b->required_n);
    }
  }
}
