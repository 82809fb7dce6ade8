#include "simulate_command.hpp"

#include <fmt/format.h>
#include <cstdio>
#include <nlohmann/json.hpp>

#include <floodgate/config/load.hpp>
#include <floodgate/providers/ports/decision_json.hpp>
#include <floodgate/providers/recorded/replay_source.hpp>
#include <floodgate/sim/replay.hpp>

namespace floodgate::app {

namespace {

using ojson = nlohmann::ordered_json;
namespace recorded = providers::recorded;

CLI::Validator one_of_outputs() { return CLI::IsMember({"table", "json"}); }

std::string offset(core::instant t, core::instant epoch) {
  return (t < epoch ? "-" : "+") + core::format_go_duration(t < epoch ? epoch - t : t - epoch);
}

// A look's statistics, as a decision reason carries them.
core::decision_reason evidence_of(const core::measurement& m) {
  core::decision_reason r;
  if (m.evidence) core::add_evidence(r, *m.evidence);
  return r;
}

// "Successful", "Error", or "insufficient" for a comparison look short of data.
std::string phase_of(const core::measurement& m) {
  return m.insufficient() ? "insufficient" : std::string(core::phase_name(m.phase));
}

void print_table(const sim::replay_result& r, core::instant start, const recorded::store& st,
                 const std::vector<std::string>& unmatched) {
  fmt::print("floodgate simulate: plan \"{}\" replayed from {} on {} series ({} samples)\n\n",
             r.plan, providers::ports::format_rfc3339(start), st.series_count(), st.sample_count());
  for (const auto& t : r.ticks) {
    if (t.observations.empty() && t.decisions.empty()) continue;
    fmt::print("{:>8}  step {}/{}  weight {} %\n", offset(t.at, start), t.step + 1, r.steps,
               t.weight);
    for (std::size_t i = 0; i < t.looks.size(); ++i) {
      const auto& m = t.looks[i].taken;
      std::string line = fmt::format("          {}  {}", t.looks[i].metric, phase_of(m));
      if (!m.value.empty()) line += "  " + m.value;
      if (m.phase == core::phase::error && !m.message.empty()) line += "  (" + m.message + ")";
      line += core::format_evidence(evidence_of(m));
      fmt::print("{}\n", line);
    }
    for (const auto& d : t.decisions)
      fmt::print("          → {}\n", core::format_decision(d, start));
  }
  fmt::print("\n{} at {}, step {}/{}, weight {} %, after {} ticks and {} decisions\n", r.ended,
             offset(r.ended_at, start), std::min(r.step + 1, r.steps), r.steps, r.weight,
             r.ticks.size(), r.decisions.size());
  for (const auto& u : unmatched)
    fmt::print("warning: no recorded series for the query \"{}\" (its looks were Errors)\n", u);
}

void print_json(const sim::replay_result& r, core::instant start, const recorded::store& st,
                const std::vector<std::string>& unmatched) {
  ojson ticks = ojson::array();
  for (const auto& t : r.ticks) {
    ojson metrics = ojson::array();
    for (std::size_t i = 0; i < t.looks.size(); ++i) {
      const auto& m = t.looks[i].taken;
      ojson j = {{"metric", t.looks[i].metric},
                 {"background", t.looks[i].request.background},
                 {"phase", phase_of(m)},
                 {"value", m.value},
                 {"message", m.message}};
      const auto ev = evidence_of(m);
      if (!ev.statistic.empty()) {
        j["statistic"] = ev.statistic;
        providers::ports::add_statistics(j, ev);
      }
      metrics.push_back(std::move(j));
    }
    ojson decisions = ojson::array();
    for (const auto& d : t.decisions) decisions.push_back(providers::ports::decision_to_json(d));
    ticks.push_back({{"at", providers::ports::format_rfc3339(t.at)},
                     {"at_ms", t.at.time_since_epoch().count()},
                     {"step", t.step},
                     {"weight", t.weight},
                     {"metrics", std::move(metrics)},
                     {"decisions", std::move(decisions)}});
  }
  ojson decisions = ojson::array();
  for (const auto& d : r.decisions) decisions.push_back(providers::ports::decision_to_json(d));
  const ojson out = {{"plan", r.plan},
                     {"start", providers::ports::format_rfc3339(start)},
                     {"start_ms", start.time_since_epoch().count()},
                     {"series", st.series_count()},
                     {"samples", st.sample_count()},
                     {"ended", r.ended},
                     {"ended_at", providers::ports::format_rfc3339(r.ended_at)},
                     {"status", core::rollout_status_name(r.status)},
                     {"step", r.step},
                     {"weight", r.weight},
                     {"decisions", std::move(decisions)},
                     {"ticks", std::move(ticks)},
                     {"unmatched_queries", unmatched}};
  fmt::print("{}\n", providers::ports::json_text(out, 2));
}

std::optional<core::instant> time_flag(const std::string& text, const char* flag,
                                       std::string& error) {
  if (text.empty()) return std::nullopt;
  const auto t = recorded::parse_timestamp(text);
  if (const auto* e = std::get_if<std::string>(&t)) {
    error = std::string(flag) + ": " + *e;
    return std::nullopt;
  }
  return core::instant(core::millis(std::get<std::int64_t>(t)));
}

}  // namespace

CLI::App* add_simulate_command(CLI::App& app, simulate_options& o) {
  auto* c =
      app.add_subcommand("simulate", "replay a plan offline, in virtual time, on recorded metrics");
  c->add_option("files", o.files, "plan files (floodgate Plan, Argo Rollout + templates)")
      ->required();
  c->add_option("--plan", o.plan, "which plan of the files (when they hold several)");
  c->add_option("--arg", o.args, "a value for an argument resolved at run time: NAME=VALUE");
  c->add_option("--metrics", o.metrics,
                "recorded series: Prometheus query_range JSON, CSV (timestamp,metric,labels,value) "
                "or Prometheus/OpenMetrics text with timestamps")
      ->required();
  c->add_option("--map", o.map,
                "YAML/JSON map of METRIC, METRIC/ARM or query text to the recorded series' key");
  c->add_option("--start", o.start,
                "when the rollout starts (unix seconds or RFC 3339; default: the first sample)");
  c->add_option("--until", o.until,
                "no tick after this (default: the last sample plus the lookback)");
  c->add_option("--lookback", o.lookback, "how old a sample an instant query still sees")
      ->capture_default_str();
  c->add_option("--output", o.output, "table or json")
      ->capture_default_str()
      ->check(one_of_outputs());
  return c;
}

int run_simulate(const simulate_options& o) {
  const auto fail = [](const std::string& what) {
    fmt::print(stderr, "floodgate simulate: {}\n", what);
    return 2;
  };
  const auto read = config::read_files(o.files);
  if (!read.errors.empty()) return fail("cannot read " + read.errors.front().file);
  engine::rollout_spec spec;
  spec.files = read.files;
  spec.plan = o.plan;
  spec.started_by = "floodgate simulate";
  for (const auto& a : o.args) {
    const auto eq = a.find('=');
    if (eq == std::string::npos || eq == 0) return fail("--arg \"" + a + "\": expected NAME=VALUE");
    spec.args[a.substr(0, eq)] = a.substr(eq + 1);
  }
  const auto lookback = core::parse_go_duration(o.lookback);
  if (const auto* e = std::get_if<std::string>(&lookback)) return fail("--lookback: " + *e);
  recorded::replay_options ro;
  ro.lookback = std::get<core::millis>(lookback);
  if (ro.lookback.count() <= 0) return fail("--lookback: expected a duration above 0");
  if (!o.map.empty()) {
    const auto m = config::read_files({o.map});
    if (!m.errors.empty()) return fail("--map: cannot read " + o.map);
    auto pairs = config::read_string_map(m.files.front());
    if (auto* errors = std::get_if<std::vector<config::diagnostic>>(&pairs)) {
      for (const auto& e : *errors) fmt::print(stderr, "{}\n", e.format());
      return 2;
    }
    for (auto& [k, v] : std::get<std::vector<std::pair<std::string, std::string>>>(pairs))
      ro.mapping[k] = v;
  }
  recorded::store st;
  bool bad = false;
  for (const auto& path : o.metrics) {
    for (const auto& e : st.add_path(path)) {
      fmt::print(stderr, "{}\n", e.format());
      bad = true;
    }
  }
  if (bad) return 2;
  std::string error;
  const auto start = time_flag(o.start, "--start", error);
  const auto until = time_flag(o.until, "--until", error);
  if (!error.empty()) return fail(error);
  const auto span = st.time_span();
  sim::replay_options opt;
  opt.start = start ? *start : core::instant(core::millis(span->first));
  opt.until = until ? *until : core::instant(core::millis(span->second) + ro.lookback);
  recorded::replay_source source(st, ro);
  auto result = sim::replay(spec, opt,
                            [&](const std::string& metric, const providers::ports::metric_query& q,
                                core::instant at) { return source.answer(metric, q, at); });
  if (auto* e = std::get_if<std::string>(&result)) return fail(*e);
  const auto& r = std::get<sim::replay_result>(result);
  if (o.output == "json") {
    print_json(r, opt.start, st, source.unmatched());
  } else {
    print_table(r, opt.start, st, source.unmatched());
  }
  return 0;
}

}  // namespace floodgate::app
