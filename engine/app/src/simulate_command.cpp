#include "simulate_command.hpp"

#include "cli_values.hpp"

#include <fmt/format.h>
#include <cstdio>
#include <nlohmann/json.hpp>

#include <floodgate/config/load.hpp>
#include <floodgate/config/scenario.hpp>
#include <floodgate/engine/progress.hpp>
#include <floodgate/providers/ports/decision_json.hpp>
#include <floodgate/providers/recorded/replay_source.hpp>
#include <floodgate/sim/monte_carlo.hpp>
#include <floodgate/sim/replay.hpp>
#include <floodgate/sim/report_html.hpp>
#include <floodgate/sim/sweep.hpp>

namespace floodgate::app {

namespace {

using ojson = nlohmann::ordered_json;
namespace recorded = providers::recorded;

CLI::Validator one_of_outputs() { return CLI::IsMember({"table", "json", "html"}); }

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

// `source` says what fed the run: "on 12 series (3456 samples)", "on scenario \"x\" (seed 1)".
void print_table(const sim::replay_result& r, core::instant start, const std::string& source,
                 const std::vector<std::string>& unmatched) {
  fmt::print("floodgate simulate: plan \"{}\" from {} {}\n\n", r.plan,
             providers::ports::format_rfc3339(start), source);
  for (const auto& t : r.ticks) {
    if (t.observations.empty() && t.decisions.empty()) continue;
    fmt::print("{:>8}  step {}/{}  weight {} %\n", offset(t.at, start), t.step + 1, r.steps,
               t.weight);
    for (std::size_t i = 0; i < t.looks.size(); ++i) {
      const auto& m = t.looks[i].taken;
      std::string line = fmt::format("          {}  {}", t.looks[i].metric, phase_of(m));
      if (!m.value.empty()) line += "  " + m.value.str();
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

// `source`: what fed the run ({"series": 12, "samples": 3456} or {"scenario": …, "seed": 1}).
void print_json(const sim::replay_result& r, core::instant start, const ojson& source,
                const std::vector<std::string>& unmatched) {
  ojson ticks = ojson::array();
  for (const auto& t : r.ticks) {
    ojson metrics = ojson::array();
    for (std::size_t i = 0; i < t.looks.size(); ++i) {
      const auto& m = t.looks[i].taken;
      ojson j = {{"metric", t.looks[i].metric},
                 {"background", t.looks[i].request.background},
                 {"phase", phase_of(m)},
                 {"value", m.value.str()},
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
  ojson out = {{"plan", r.plan},
               {"start", providers::ports::format_rfc3339(start)},
               {"start_ms", start.time_since_epoch().count()}};
  for (const auto& [k, v] : source.items()) out[k] = v;
  out["ended"] = r.ended;
  out["ended_at"] = providers::ports::format_rfc3339(r.ended_at);
  out["status"] = core::rollout_status_name(r.status);
  out["step"] = r.step;
  out["weight"] = r.weight;
  out["decisions"] = std::move(decisions);
  out["ticks"] = std::move(ticks);
  out["unmatched_queries"] = unmatched;
  fmt::print("{}\n", providers::ports::json_text(out, 2));
}

}  // namespace

CLI::App* add_simulate_command(CLI::App& app, simulate_options& o) {
  auto* c = app.add_subcommand(
      "simulate", "run a plan offline, in virtual time, on recorded metrics or synthetic traffic");
  c->add_option("files", o.files, "plan files (floodgate Plan, Argo Rollout + templates)")
      ->required();
  c->add_option("--plan", o.plan, "which plan of the files (when they hold several)");
  c->add_option("--arg", o.args, "a value for an argument resolved at run time: NAME=VALUE");
  auto* metrics = c->add_option(
      "--metrics", o.metrics,
      "recorded series: Prometheus query_range JSON, CSV (timestamp,metric,labels,value) "
      "or Prometheus/OpenMetrics text with timestamps");
  auto* scenario = c->add_option(
      "--scenario", o.scenarios,
      "a synthetic-traffic scenario (kind: Scenario) instead of recorded series; with --sweep, "
      "give a healthy and a regressing one");
  metrics->excludes(scenario);
  c->add_option("--map", o.map,
                "YAML/JSON map of METRIC, METRIC/ARM or query text to the recorded series' key")
      ->excludes(scenario);
  c->add_option("--start", o.start,
                "when the rollout starts (unix seconds or RFC 3339; default: the first sample, "
                "or 2026-01-05T10:00:00Z for a scenario)");
  c->add_option("--until", o.until,
                "no tick after this (default: the last sample plus the lookback)")
      ->excludes(scenario);
  c->add_option("--lookback", o.lookback, "how old a sample an instant query still sees")
      ->capture_default_str();
  c->add_option("--seed", o.seed, "scenario: the first run's seed (default: the scenario's, or 1)")
      ->needs(scenario);
  c->add_option("--runs", o.runs, "scenario: how many runs; more than 1 is a Monte Carlo summary")
      ->capture_default_str()
      ->check(CLI::PositiveNumber)
      ->needs(scenario);
  c->add_option("--threads", o.threads, "Monte Carlo threads (default: every core)")
      ->needs(scenario);
  c->add_option("--sweep", o.sweep,
                "KEY=V1,V2,…: run the Monte Carlo at every combination of these plan parameters "
                "(alpha, power, minEffect, test, maxTime, interval, weight.N, pause.N, arg.NAME, "
                "/json/pointer, …) and mark the Pareto front")
      ->needs(scenario);
  c->add_option("--output", o.output,
                "table, json, or html (one self-contained page of charts: redirect it to a file)")
      ->capture_default_str()
      ->check(one_of_outputs());
  return c;
}

namespace {

int fail(const std::string& what) {
  fmt::print(stderr, "floodgate simulate: {}\n", what);
  return 2;
}

// The HTML page's heading: the plan, its start, then what fed the run.
sim::report_header report_header_of(const std::string& plan, core::instant start,
                                    std::vector<std::pair<std::string, std::string>> facts) {
  sim::report_header h;
  h.title = "floodgate simulate: plan \"" + plan + "\"";
  h.facts = {{"start", providers::ports::format_rfc3339(start)}};
  h.facts.insert(h.facts.end(), facts.begin(), facts.end());
  return h;
}

ojson rate_json(const sim::rate_estimate& r) {
  return {{"rate", r.rate}, {"low", r.low}, {"high", r.high}, {"count", r.count}, {"of", r.of}};
}

ojson mean_json(const sim::mean_estimate& m) {
  return {{"mean", m.mean}, {"low", m.low}, {"high", m.high},
          {"p50", m.p50},   {"p95", m.p95}, {"n", m.n}};
}

void print_monte_carlo(const sim::monte_carlo_result& r, const config::scenario& s,
                       core::instant start, const std::string& output) {
  if (output == "json") {
    ojson out = {{"plan", r.plan},
                 {"scenario", s.name},
                 {"start", providers::ports::format_rfc3339(start)},
                 {"runs", r.runs},
                 {"seed", r.seed},
                 {"promoted", r.promoted},
                 {"aborted", r.aborted},
                 {"undecided", r.undecided},
                 {"false_abort", rate_json(r.false_abort)},
                 {"decision_seconds", mean_json(r.decision_s)}};
    if (r.regression_at) {
      out["regression_at_seconds"] = static_cast<double>(r.regression_at->count()) / 1000.0;
      out["detection"] = rate_json(r.detection);
      out["detect_seconds"] = mean_json(r.detect_s);
      out["bad_requests"] = mean_json(r.bad_requests);
    }
    fmt::print("{}\n", providers::ports::json_text(out, 2));
    return;
  }
  fmt::print(
      "floodgate simulate: plan \"{}\" on scenario \"{}\" from {}, {} runs (seeds from {})\n\n",
      r.plan, s.name, providers::ports::format_rfc3339(start), r.runs, r.seed);
  fmt::print("  promoted {}, aborted {}, undecided {}\n\n", r.promoted, r.aborted, r.undecided);
  fmt::print("  {:<18}{}\n", "", "estimate  [95 % interval]");
  fmt::print("  {:<18}{}\n", "false-abort rate", sim::format_estimate(r.false_abort));
  if (r.regression_at) {
    fmt::print("  {:<18}{}\n", "detection rate", sim::format_estimate(r.detection));
    fmt::print("  {:<18}{}\n", "time to detect", sim::format_estimate(r.detect_s, " s"));
    fmt::print("  {:<18}{}\n", "bad requests", sim::format_estimate(r.bad_requests, ""));
  }
  fmt::print("  {:<18}{}\n", "time to decision", sim::format_estimate(r.decision_s, " s"));
  fmt::print("\n  rates: Wilson score intervals; means: mean ± 1.96·s/√n; percentiles: R-7\n");
  if (r.regression_at)
    fmt::print("  the canary regresses {} after the start; a false abort is an abort before it\n",
               core::format_go_duration(*r.regression_at));
}

void print_sweep(const sim::sweep_result& r, const std::vector<config::scenario>& scenarios,
                 core::instant start, std::uint64_t seed, const std::string& output) {
  std::string names;
  for (const auto& s : scenarios) names += (names.empty() ? "\"" : ", \"") + s.name + "\"";
  if (output == "json") {
    ojson points = ojson::array();
    for (const auto& p : r.points) {
      ojson settings = ojson::object();
      for (const auto& [k, v] : p.settings) settings[k] = v;
      ojson j = {{"settings", std::move(settings)},
                 {"false_abort", rate_json(p.false_abort)},
                 {"decision_seconds", mean_json(p.decision_s)}};
      if (p.detection) {
        j["detection"] = rate_json(*p.detection);
        j["detect_seconds"] = mean_json(*p.detect_s);
        j["bad_requests"] = mean_json(*p.bad_requests);
      }
      j["pareto"] = p.pareto;
      points.push_back(std::move(j));
    }
    ojson sc = ojson::array();
    for (const auto& s : scenarios) sc.push_back(s.name);
    fmt::print("{}\n",
               providers::ports::json_text(ojson{{"plan", r.plan},
                                                 {"scenarios", std::move(sc)},
                                                 {"start", providers::ports::format_rfc3339(start)},
                                                 {"runs", r.runs},
                                                 {"seed", seed},
                                                 {"points", std::move(points)}},
                                           2));
    return;
  }
  fmt::print(
      "floodgate simulate: plan \"{}\" swept on {} from {}, {} runs per point and scenario "
      "(seeds from {})\n\n",
      r.plan, names, providers::ports::format_rfc3339(start), r.runs, seed);
  std::size_t width = 8;
  for (const auto& p : r.points) width = std::max(width, sim::settings_text(p).size());
  const bool regression = !r.points.empty() && r.points.front().detection.has_value();
  fmt::print("  {:<{}}  {:>24}", "settings", width, "false-abort [95 %]");
  if (regression) fmt::print("  {:>24}  {:>10}  {:>12}", "detection [95 %]", "detect s", "bad req");
  fmt::print("  {:>10}  {}\n", "decide s", "front");
  for (const auto& p : r.points) {
    fmt::print("  {:<{}}  {:>24}", sim::settings_text(p), width,
               fmt::format("{:.4f} [{:.4f}, {:.4f}]", p.false_abort.rate, p.false_abort.low,
                           p.false_abort.high));
    if (regression) {
      fmt::print("  {:>24}  {:>10}  {:>12}",
                 fmt::format("{:.4f} [{:.4f}, {:.4f}]", p.detection->rate, p.detection->low,
                             p.detection->high),
                 p.detect_s->n ? fmt::format("{:.1f}", p.detect_s->mean) : "-",
                 fmt::format("{:.1f}", p.bad_requests->mean));
    }
    fmt::print("  {:>10}  {}\n", p.decision_s.n ? fmt::format("{:.1f}", p.decision_s.mean) : "-",
               p.pareto ? "*" : "");
  }
  fmt::print(
      "\n  * the Pareto front of (false-abort rate, {}): no other point is as good on all and "
      "better on one\n",
      regression ? "time to detect, bad requests served" : "time to decision");
  fmt::print(
      "  false aborts over the scenarios without a regression (all, if each has one); "
      "detection, its time and bad requests over those with one\n");
}

int run_scenario(const simulate_options& o, engine::rollout_spec spec, core::millis lookback) {
  std::vector<config::scenario> scenarios;
  for (const auto& path : o.scenarios) {
    auto s =
        read_flag_file<config::scenario>("simulate", "--scenario", path, config::read_scenario);
    if (!s) return 2;
    scenarios.push_back(std::move(*s));
  }
  if (scenarios.size() > 1 && o.sweep.empty())
    return fail("--scenario: one scenario, or several with --sweep");
  const auto& s = scenarios.front();
  std::string error;
  const auto start_flag = time_flag(o.start, "--start", error);
  if (!error.empty()) return fail(error);
  const core::instant start = start_flag ? *start_flag : config::default_scenario_start;
  const std::uint64_t seed = o.seed ? *o.seed : s.seed.value_or(1);
  std::vector<config::setting> grid;
  for (const auto& text : o.sweep) {
    auto parsed = config::parse_setting(text);
    if (auto* e = std::get_if<std::string>(&parsed)) return fail("--sweep " + *e);
    grid.push_back(std::get<config::setting>(std::move(parsed)));
  }
  if (o.runs <= 1 && grid.empty()) {
    sim::scenario_simulator simulator(std::move(spec), s, start, lookback);
    auto result = simulator.run(seed, true);
    if (auto* e = std::get_if<std::string>(&result)) return fail(*e);
    const auto& r = std::get<sim::replay_result>(result);
    if (o.output == "json") {
      print_json(r, start, {{"scenario", s.name}, {"seed", seed}}, {});
    } else if (o.output == "html") {
      fmt::print("{}", sim::timeline_html(r, start,
                                          report_header_of(r.plan, start,
                                                           {{"scenario", s.name},
                                                            {"seed", std::to_string(seed)}})));
    } else {
      print_table(r, start, fmt::format("on scenario \"{}\" (seed {})", s.name, seed), {});
    }
    return 0;
  }
  sim::monte_carlo_options mo;
  mo.runs = o.runs;
  mo.seed = seed;
  mo.threads = o.threads;
  mo.lookback = lookback;
  mo.keep_first = o.output == "html";  // the report draws run 0 in full
  engine::progress_bar bar(stderr, "floodgate simulate", "runs");
  mo.progress = [&](std::size_t done, std::size_t total) { bar.update(done, total); };
  if (!grid.empty()) {
    auto result = sim::sweep(spec, grid, scenarios, start, mo);
    bar.finish();
    if (auto* e = std::get_if<std::string>(&result)) return fail(*e);
    const auto& sw = std::get<sim::sweep_result>(result);
    if (o.output == "html") {
      std::string names;
      for (const auto& x : scenarios) names += (names.empty() ? "" : ", ") + x.name;
      fmt::print(
          "{}", sim::sweep_html(
                    sw, report_header_of(sw.plan, start,
                                         {{"scenarios", names},
                                          {"runs", fmt::format("{} per point and scenario "
                                                               "(seeds from {})",
                                                               sw.runs, seed)},
                                          {"swept", fmt::format("{} points", sw.points.size())}})));
      return 0;
    }
    print_sweep(sw, scenarios, start, seed, o.output);
    return 0;
  }
  auto result = sim::monte_carlo(spec, s, start, mo);
  bar.finish();
  if (auto* e = std::get_if<std::string>(&result)) return fail(*e);
  const auto& mc = std::get<sim::monte_carlo_result>(result);
  if (o.output == "html") {
    fmt::print("{}",
               sim::monte_carlo_html(
                   mc,
                   report_header_of(mc.plan, start,
                                    {{"scenario", s.name},
                                     {"runs", fmt::format("{} (seeds from {})", mc.runs, seed)}}),
                   start));
    return 0;
  }
  print_monte_carlo(mc, s, start, o.output);
  return 0;
}

}  // namespace

int run_simulate(const simulate_options& o) {
  if (const auto e = html_to_terminal(o.output)) return fail(*e);
  const auto read = config::read_files(o.files);
  if (!read.errors.empty()) return fail("cannot read " + read.errors.front().file);
  engine::rollout_spec spec;
  spec.files = read.files;
  spec.plan = o.plan;
  spec.started_by = "floodgate simulate";
  if (const auto bad = parse_assignments(o.args, spec.args))
    return fail("--arg \"" + *bad + "\": expected NAME=VALUE");
  const auto lookback = core::parse_go_duration(o.lookback);
  if (const auto* e = std::get_if<std::string>(&lookback)) return fail("--lookback: " + *e);
  recorded::replay_options ro;
  ro.lookback = std::get<core::millis>(lookback);
  if (ro.lookback.count() <= 0) return fail("--lookback: expected a duration above 0");
  if (!o.scenarios.empty()) return run_scenario(o, std::move(spec), ro.lookback);
  if (o.metrics.empty())
    return fail("expected --metrics FILE… (recorded series) or --scenario FILE");
  if (!o.map.empty()) {
    using pairs = std::vector<std::pair<std::string, std::string>>;
    const auto m = read_flag_file<pairs>("simulate", "--map", o.map, config::read_string_map);
    if (!m) return 2;
    for (const auto& [k, v] : *m) ro.mapping[k] = v;
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
    print_json(r, opt.start, {{"series", st.series_count()}, {"samples", st.sample_count()}},
               source.unmatched());
  } else if (o.output == "html") {
    std::vector<std::pair<std::string, std::string>> facts = {
        {"recorded series",
         fmt::format("{} series ({} samples)", st.series_count(), st.sample_count())}};
    for (const auto& u : source.unmatched())
      facts.emplace_back("no series for", u + " (its looks were Errors)");
    fmt::print("{}", sim::timeline_html(r, opt.start, report_header_of(r.plan, opt.start, facts)));
  } else {
    print_table(r, opt.start,
                fmt::format("on {} series ({} samples)", st.series_count(), st.sample_count()),
                source.unmatched());
  }
  return 0;
}

}  // namespace floodgate::app
