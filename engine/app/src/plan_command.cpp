#include "plan_command.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include <floodgate/config/load.hpp>
#include <floodgate/config/scenario.hpp>
#include <floodgate/providers/ports/decision_json.hpp>
#include <floodgate/providers/prometheus_client.hpp>
#include <floodgate/providers/recorded/replay_source.hpp>
#include <floodgate/sim/capacity_plan.hpp>
#include <floodgate/sim/plan_outline.hpp>
#include <floodgate/sim/report_html.hpp>

#include "cli_values.hpp"

namespace floodgate::app {
namespace {

using ojson = nlohmann::ordered_json;
namespace recorded = providers::recorded;

constexpr double day_s = 86400.0;

ojson finite_or_null(double v) { return std::isfinite(v) ? ojson(v) : ojson(nullptr); }

int fail(const std::string& what) {
  fmt::print(stderr, "floodgate plan: {}\n", what);
  return 2;
}

std::string count_text(double v) {
  if (!std::isfinite(v)) return "n/a";
  // Thousands separated by a space for the table.
  auto s = fmt::format("{:.0f}", v);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3)
    s.insert(static_cast<std::size_t>(i), " ");
  return s;
}

std::string seconds_text(double s) { return std::isfinite(s) ? format_duration(s) : "never"; }

// The traffic: a rate curve, what it is, and where the plan starts on it.
struct traffic_source {
  sim::rate_curve curve;
  std::string description;
  std::optional<std::int64_t> origin_ms;  ///< the wall-clock instant of the curve's time 0
  double start_s = 0.0;
  std::optional<double> baseline_error_rate;  ///< a scenario's
  std::optional<sim::latency_assumption> latency;
};

// The seconds from `origin_ms` to `at_ms`, within one period of the curve.
double offset_in_period(std::int64_t at_ms, std::int64_t origin_ms, double period) {
  const double s = static_cast<double>(at_ms - origin_ms) / 1000.0;
  return s - std::floor(s / period) * period;
}

traffic_source scenario_traffic(const config::scenario& s) {
  traffic_source t;
  if (s.diurnal_amplitude > 0.0) {
    // The scenario's curve through a point a minute, from midnight UTC of the day `floodgate
    // simulate` starts scenarios on.
    const std::int64_t start = config::default_scenario_start.time_since_epoch().count();
    const std::int64_t midnight = start - start % 86400000;
    std::vector<std::pair<double, double>> pts;
    for (int i = 0; i < 1440; ++i) {
      pts.emplace_back(60.0 * i, s.rps_at(core::instant(core::millis(midnight + 60000LL * i))));
    }
    t.curve = std::get<sim::rate_curve>(sim::rate_curve::sampled(std::move(pts), day_s));
    t.origin_ms = midnight;
    t.start_s = static_cast<double>(start - midnight) / 1000.0;
    t.description =
        fmt::format("scenario \"{}\": {:g} req/s on average, diurnal ±{:g} % peaking at {} UTC",
                    s.name, s.rps, s.diurnal_amplitude * 100.0,
                    fmt::format("{:02d}:{:02d}", s.diurnal_peak.count() / 3600000,
                                s.diurnal_peak.count() / 60000 % 60));
  } else {
    t.curve = sim::rate_curve(s.rps);
    t.description = fmt::format("scenario \"{}\": {:g} req/s", s.name, s.rps);
  }
  t.baseline_error_rate = s.baseline.error_rate;
  if (s.baseline.latency.k == config::latency_model::kind::lognormal) {
    t.latency =
        sim::latency_assumption{s.baseline.latency.median * 1000.0, s.baseline.latency.sigma};
  }
  return t;
}

// The number a rate query answers: a scalar, or a vector of exactly one element.
std::optional<double> single_number(const core::value& v) {
  if (v.is_number()) return v.as_double();
  if (v.items().size() == 1 && v.items().front().is_number()) return v.items().front().as_double();
  return std::nullopt;
}

// A rate curve through the rates answered at instants `step_s` apart (unix ms, req/s), from the
// first answered instant and repeating after the last (plus a step).
std::variant<traffic_source, std::string> sampled_traffic(
    const std::vector<std::pair<std::int64_t, double>>& answered, double step_s,
    const std::string& last_error) {
  if (answered.size() < 2) {
    return "--rate-query: fewer than two instants answered" +
           (last_error.empty() ? std::string() : " (last: " + last_error + ")");
  }
  const std::int64_t origin = answered.front().first;
  std::vector<std::pair<double, double>> pts;
  for (const auto& [at, rps] : answered)
    pts.emplace_back(static_cast<double>(at - origin) / 1000.0, std::max(0.0, rps));
  const double period = pts.back().first + step_s;
  auto curve = sim::rate_curve::sampled(std::move(pts), period);
  if (const auto* e = std::get_if<std::string>(&curve)) return "--rate-query: " + *e;
  traffic_source t;
  t.curve = std::get<sim::rate_curve>(std::move(curve));
  t.origin_ms = origin;
  return t;
}

std::variant<double, std::string> rate_step_of(const plan_options& o) {
  const auto step = parse_duration(o.rate_step);
  if (const auto* e = std::get_if<std::string>(&step)) return "--rate-step: " + *e;
  const double step_s = std::get<double>(step);
  if (!(step_s >= 1.0)) return std::string("--rate-step: expected at least 1s");
  return step_s;
}

std::variant<traffic_source, std::string> recorded_traffic(const plan_options& o, double step_s) {
  recorded::store st;
  std::string errors;
  for (const auto& path : o.metrics) {
    for (const auto& e : st.add_path(path)) errors += (errors.empty() ? "" : "\n") + e.format();
  }
  if (!errors.empty()) return errors;
  const auto span = st.time_span();
  if (!span) return std::string("--metrics: the files hold no samples");
  recorded::replay_source source(st, {});
  providers::ports::metric_query q;
  q.provider = "prometheus";
  q.query = o.rate_query;
  std::vector<std::pair<std::int64_t, double>> answered;
  std::string last_error;
  const auto step_ms = static_cast<std::int64_t>(step_s * 1000.0);
  for (std::int64_t at = span->first; at <= span->second; at += step_ms) {
    const auto a = source.answer("rate", q, core::instant(core::millis(at)));
    if (const auto* e = std::get_if<std::string>(&a.result)) {
      last_error = *e;
      continue;
    }
    const auto* v = std::get_if<core::value>(&a.result);
    const auto n = v ? single_number(*v) : std::nullopt;
    if (!n) {
      last_error = "expected one number (sum the series), got " + a.value_text.str();
      continue;
    }
    answered.emplace_back(at, *n);
  }
  auto t = sampled_traffic(answered, step_s, last_error);
  if (auto* c = std::get_if<traffic_source>(&t)) {
    c->description =
        fmt::format("{} over {} series recorded from {}, every {}", o.rate_query, st.series_count(),
                    providers::ports::format_rfc3339(core::instant(core::millis(*c->origin_ms))),
                    format_duration(step_s));
  }
  return t;
}

// Runs one request (`send`, given the callback to answer) on `io` to completion.
providers::prometheus_answer await_answer(
    boost::asio::io_context& io,
    const std::function<void(std::function<void(providers::prometheus_answer)>)>& send) {
  providers::prometheus_answer got;
  send([&](providers::prometheus_answer a) { got = std::move(a); });
  io.restart();
  io.run();
  return got;
}

// An answer of Prometheus' HTTP API read as recorded series (the query_range/vector reader of
// providers/recorded: its status, result type and sample checks), or what went wrong.
std::variant<recorded::store, std::string> answer_series(const providers::prometheus_answer& a) {
  if (!a.http.response) return a.http.describe();
  recorded::store st;
  const auto errors = st.add_file("answer.json", a.http.response->body);
  if (errors.empty()) return st;
  // A refusal with Prometheus' own error says it best; anything else, the HTTP exchange.
  const auto& e = errors.front().message;
  if (a.http.ok() || e.starts_with("/status")) return e;
  return a.http.describe();
}

// The samples of an answer's only series (finite values), or why there is not exactly one.
std::variant<std::vector<std::pair<std::int64_t, double>>, std::string> only_series(
    const recorded::store& st) {
  std::vector<std::pair<std::int64_t, double>> out;
  if (st.series_count() > 1)
    return fmt::format("--rate-query: {} series answered; expected one (sum them)",
                       st.series_count());
  for (const auto& m : st.metrics())
    for (const auto* series : st.find(m))
      for (const auto& x : series->samples)
        if (std::isfinite(x.value)) out.emplace_back(x.at_ms, x.value);
  return out;
}

std::string rfc3339_of_seconds(double s) {
  return providers::ports::format_rfc3339(core::instant(core::millis(std::llround(s * 1000))));
}

// The rate query asked of a live Prometheus as a range query over --rate-window, ending at
// --rate-until or the server's own now (`vector(time())`: no local clock, and the server's is
// the one its data is stamped with).
std::variant<traffic_source, std::string> live_traffic(const plan_options& o, double step_s) {
  const auto window = parse_duration(o.rate_window);
  if (const auto* e = std::get_if<std::string>(&window)) return "--rate-window: " + *e;
  const double window_s = std::get<double>(window);
  if (!(window_s >= 2.0 * step_s)) return std::string("--rate-window: expected at least two steps");
  std::string error;
  const auto until_flag = time_flag(o.rate_until, "--rate-until", error);
  if (!error.empty()) return error;
  if (const auto bad = providers::check_base_url(o.prometheus)) return "--prometheus: " + *bad;
  boost::asio::io_context io;
  providers::http_endpoint ep;
  ep.base_url = o.prometheus;
  providers::prometheus_client client(io, ep);
  const auto where = "--prometheus " + o.prometheus + ": ";
  double until_s = 0;
  if (until_flag) {
    until_s = static_cast<double>(until_flag->time_since_epoch().count()) / 1000.0;
  } else {
    auto now = answer_series(await_answer(
        io, [&](auto done) { client.query("vector(time())", std::nullopt, std::move(done)); }));
    if (auto* e = std::get_if<std::string>(&now)) return where + *e;
    const auto values = only_series(std::get<recorded::store>(now));
    const auto* v = std::get_if<std::vector<std::pair<std::int64_t, double>>>(&values);
    if (v == nullptr || v->size() != 1) return where + "vector(time()) did not answer one number";
    until_s = std::floor(v->front().second);
  }
  // The window's instants, the first one step after its start: the curve repeats after exactly
  // the window (a day of traffic is a day long).
  const double from_s = until_s - window_s + step_s;
  auto range = answer_series(await_answer(io, [&](auto done) {
    client.query_range(o.rate_query, from_s, until_s, step_s, std::move(done));
  }));
  if (auto* e = std::get_if<std::string>(&range)) return where + *e;
  auto answered = only_series(std::get<recorded::store>(range));
  if (auto* e = std::get_if<std::string>(&answered)) return *e;
  const auto& samples = std::get<0>(answered);
  const std::string none = samples.empty()
                               ? "no series answered from " + rfc3339_of_seconds(from_s) + " to " +
                                     rfc3339_of_seconds(until_s)
                               : "";
  auto t = sampled_traffic(samples, step_s, none);
  if (auto* c = std::get_if<traffic_source>(&t)) {
    c->description = fmt::format(
        "{} from {}, {} from {}, every {}", o.rate_query, o.prometheus, format_duration(window_s),
        rfc3339_of_seconds(static_cast<double>(*c->origin_ms) / 1000.0), format_duration(step_s));
  }
  return t;
}

std::variant<traffic_source, std::string> rate_query_traffic(const plan_options& o) {
  if (o.metrics.empty() == o.prometheus.empty())
    return std::string(
        "--rate-query: expected --metrics FILE… (recorded series) or --prometheus URL to read it "
        "on");
  const auto step = rate_step_of(o);
  if (const auto* e = std::get_if<std::string>(&step)) return *e;
  return o.prometheus.empty() ? recorded_traffic(o, std::get<double>(step))
                              : live_traffic(o, std::get<double>(step));
}

// Which traffic flags were given, when it is not exactly one source.
std::optional<std::string> traffic_choice_error(const plan_options& o) {
  const int given = (o.rps ? 1 : 0) + (o.scenario.empty() ? 0 : 1) + (o.rate_query.empty() ? 0 : 1);
  if (given == 1) return std::nullopt;
  return std::string(
      "expected the traffic, one of: --rps R, --scenario FILE, or --rate-query Q with "
      "--metrics FILE… or --prometheus URL");
}

// The traffic of the one source given (`scenario`: --scenario's, read).
std::variant<traffic_source, std::string> read_traffic(
    const plan_options& o, const std::optional<config::scenario>& scenario) {
  std::variant<traffic_source, std::string> t;
  if (o.rps) {
    traffic_source c;
    c.curve = sim::rate_curve(*o.rps);
    c.description = fmt::format("{:g} req/s", *o.rps);
    t = std::move(c);
  } else if (scenario) {
    t = scenario_traffic(*scenario);
  } else {
    t = rate_query_traffic(o);
  }
  auto* source = std::get_if<traffic_source>(&t);
  if (!source) return t;
  std::string error;
  const auto start = time_flag(o.start, "--start", error);
  if (!error.empty()) return error;
  if (start && source->origin_ms) {
    source->start_s = offset_in_period(start->time_since_epoch().count(), *source->origin_ms,
                                       source->curve.period());
  }
  return t;
}

// One test to size: a metric of the plan, or the flags' test.
struct sizing {
  std::string name;  ///< "" for the flags' test
  sim::capacity_inputs in;
};

std::optional<std::string> loaded_outline(const plan_options& o, sim::plan_outline& outline,
                                          std::string& plan_name) {
  const auto loaded = config::load_paths(o.files);
  if (!loaded.ok()) {
    std::string all;
    for (const auto& e : loaded.errors) all += (all.empty() ? "" : "\n") + e.format();
    return all;
  }
  const auto chosen = config::choose_plan(loaded, o.plan);
  if (const auto* e = std::get_if<std::string>(&chosen)) return *e;
  const auto& p = *std::get<const config::plan*>(chosen);
  plan_name = p.name;
  auto out = sim::outline_of(p);
  if (const auto* e = std::get_if<std::string>(&out)) return *e;
  outline = std::get<sim::plan_outline>(std::move(out));
  return std::nullopt;
}

std::string effect_text(const sim::capacity_inputs& in, double delta) {
  if (!std::isfinite(delta)) return "none";
  if (sim::is_latency_model(in.model)) return fmt::format("+{:.3g} ms", delta);
  const double p = in.baseline_error_rate;
  if (p > 0.0) return fmt::format("+{:.3g} pp (x{:.3g})", delta * 100.0, (p + delta) / p);
  return fmt::format("+{:.3g} pp", delta * 100.0);
}

std::string assumptions_text(const sim::capacity_inputs& in) {
  std::string s = fmt::format("model {}, alpha {:g}, power {:g}, ", sim::to_string(in.model),
                              in.alpha, in.power);
  if (sim::is_latency_model(in.model)) {
    s += fmt::format("baseline latency lognormal (median {:g} ms, log-sd {:g}), ",
                     in.latency->median_ms, in.latency->sigma);
    if (in.model == sim::sample_size_model::quantile)
      s += fmt::format("quantile {:g}, ", in.quantile);
  } else {
    s += fmt::format("baseline error rate {:g} %, ", in.baseline_error_rate * 100.0);
  }
  return s + "smallest regression to catch " + effect_text(in, in.mde) +
         (in.baseline == sim::baseline_source::rest ? ", baseline = rest of traffic"
                                                    : ", baseline = matched deployment");
}

std::string start_text(const traffic_source& t, double start_s) {
  if (!t.origin_ms) return fmt::format("+{}", format_duration(start_s));
  const auto at = *t.origin_ms + static_cast<std::int64_t>(std::llround(start_s * 1000.0));
  return providers::ports::format_rfc3339(core::instant(core::millis(at)));
}

// Notes on open-ended steps whose test needs longer than their analysis may run.
std::vector<std::string> max_time_notes(const sim::plan_outline& outline,
                                        const sim::capacity_plan& plan) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < plan.steps.size() && i < outline.steps.size(); ++i) {
    const auto& limit = outline.steps[i].max_seconds;
    if (limit && plan.steps[i].open_ended && !(plan.steps[i].required_seconds <= *limit)) {
      out.push_back(fmt::format(
          "step {}: the test needs {} but the analysis' maxTime is {}: it ends insufficient "
          "there (onInsufficient decides)",
          i + 1, seconds_text(plan.steps[i].required_seconds), format_duration(*limit)));
    }
  }
  return out;
}

std::size_t steps_long_enough(const sim::capacity_plan& plan) {
  return static_cast<std::size_t>(std::count_if(plan.steps.begin(), plan.steps.end(),
                                                [](const auto& st) { return st.long_enough; }));
}

struct sized {
  const sizing* what;
  sim::capacity_plan plan;
  std::vector<sim::start_time_answer> by_start;
};

void print_table(const std::string& plan_name, const traffic_source& traffic,
                 const sim::plan_outline& outline, const std::vector<sized>& all) {
  fmt::print("floodgate plan: {}traffic {}\n",
             plan_name.empty() ? "" : fmt::format("plan \"{}\", ", plan_name), traffic.description);
  if (!traffic.curve.is_constant()) {
    fmt::print(
        "  the rate varies from {:.4g} to {:.4g} req/s (mean {:.4g}): durations depend on "
        "the start time; starting {}\n",
        traffic.curve.min(), traffic.curve.max(), traffic.curve.mean(),
        start_text(traffic, traffic.start_s));
  }
  for (const auto& s : all) {
    const auto& in = s.what->in;
    const bool latency = sim::is_latency_model(in.model);
    fmt::print("\n{}{}\n\n",
               s.what->name.empty() ? "" : fmt::format("metric \"{}\": ", s.what->name),
               assumptions_text(in));
    fmt::print("{:>4} {:>6} {:>9} {:>12} {:>13} {:>10} {:>10} {:>13} {:>6} {:>10}  {:<22} {}\n",
               "step", "share", "duration", "canary req", "baseline req",
               latency ? "" : "canary err", latency ? "" : "base err", "needed (req)", "enough",
               "shortest", "detects", "what");
    for (std::size_t i = 0; i < s.plan.steps.size(); ++i) {
      const auto& st = s.plan.steps[i];
      const std::string what = i < outline.steps.size() ? outline.steps[i].what : "";
      fmt::print(
          "{:>4} {:>5.4g}% {:>9} {:>12} {:>13} {:>10} {:>10} {:>13} {:>6} {:>10}  {:<22} {}\n",
          i + 1, st.weight * 100.0, st.open_ended ? "open" : format_duration(st.duration_s),
          count_text(st.canary_requests), count_text(st.baseline_requests),
          latency ? "" : fmt::format("{:.1f}", st.canary_error_events),
          latency ? "" : fmt::format("{:.1f}", st.baseline_error_events),
          count_text(st.required_canary_requests),
          st.open_ended ? "-" : (st.long_enough ? "yes" : "NO"), seconds_text(st.required_seconds),
          effect_text(in, st.detectable_effect), what);
    }
    fmt::print(
        "\nplan: {} steps, {} in all; {} if every step ran exactly what its test needs; smallest "
        "regression it can detect as written: {}\n",
        s.plan.steps.size(), seconds_text(s.plan.total_seconds),
        seconds_text(s.plan.shortest_seconds), effect_text(in, s.plan.detectable_effect));
    for (const auto& n : s.plan.notes) fmt::print("note: {}\n", n);
    for (const auto& n : max_time_notes(outline, s.plan)) fmt::print("note: {}\n", n);
    if (!s.by_start.empty()) {
      fmt::print("\nby start time ({} starts over the curve's {}):\n", s.by_start.size(),
                 format_duration(traffic.curve.period()));
      fmt::print("  {:<26} {:>10} {:>12} {:>14} {:>12}  {}\n", "start", "rate", "as written",
                 "long enough", "shortest", "detects");
      for (const auto& b : s.by_start) {
        const auto enough = steps_long_enough(b.plan);
        fmt::print("  {:<26} {:>10.4g} {:>12} {:>14} {:>12}  {}\n", start_text(traffic, b.start_s),
                   traffic.curve.rate_at(b.start_s), seconds_text(b.plan.total_seconds),
                   fmt::format("{} of {}", enough, b.plan.steps.size()),
                   seconds_text(b.plan.shortest_seconds),
                   effect_text(in, b.plan.detectable_effect));
      }
    }
  }
  if (!outline.notes.empty()) fmt::print("\n");
  for (const auto& n : outline.notes) fmt::print("note: {}\n", n);
}

ojson plan_json(const sim::capacity_plan& plan) {
  ojson steps = ojson::array();
  for (const auto& s : plan.steps) {
    steps.push_back({{"weight", s.weight},
                     {"start_s", s.start_s},
                     {"duration_s", finite_or_null(s.duration_s)},
                     {"open_ended", s.open_ended},
                     {"canary_requests", finite_or_null(s.canary_requests)},
                     {"baseline_requests", finite_or_null(s.baseline_requests)},
                     {"canary_error_events", finite_or_null(s.canary_error_events)},
                     {"baseline_error_events", finite_or_null(s.baseline_error_events)},
                     {"required_canary_requests", finite_or_null(s.required_canary_requests)},
                     {"required_seconds", finite_or_null(s.required_seconds)},
                     {"long_enough", s.long_enough},
                     {"detectable_effect", finite_or_null(s.detectable_effect)}});
  }
  return {{"steps", std::move(steps)},
          {"total_seconds", finite_or_null(plan.total_seconds)},
          {"shortest_seconds", finite_or_null(plan.shortest_seconds)},
          {"detectable_effect", finite_or_null(plan.detectable_effect)},
          {"notes", plan.notes}};
}

void print_json(const std::string& plan_name, const traffic_source& traffic,
                const sim::plan_outline& outline, const std::vector<sized>& all) {
  ojson metrics = ojson::array();
  for (const auto& s : all) {
    const auto& in = s.what->in;
    ojson inputs = {{"alpha", in.alpha}, {"power", in.power}, {"mde", in.mde}};
    if (sim::is_latency_model(in.model)) {
      inputs["latency_median_ms"] = in.latency->median_ms;
      inputs["latency_sigma"] = in.latency->sigma;
      if (in.model == sim::sample_size_model::quantile) inputs["quantile"] = in.quantile;
    } else {
      inputs["baseline_error_rate"] = in.baseline_error_rate;
    }
    inputs["baseline"] = in.baseline == sim::baseline_source::rest ? "rest" : "matched";
    ojson m = {{"metric", s.what->name.empty() ? ojson(nullptr) : ojson(s.what->name)},
               {"model", sim::to_string(in.model)},
               {"inputs", std::move(inputs)}};
    const ojson answer = plan_json(s.plan);
    for (const auto& [k, v] : answer.items()) m[k] = v;
    for (const auto& n : max_time_notes(outline, s.plan)) m["notes"].push_back(n);
    if (!s.by_start.empty()) {
      ojson starts = ojson::array();
      for (const auto& b : s.by_start) {
        const auto enough = steps_long_enough(b.plan);
        starts.push_back({{"start", start_text(traffic, b.start_s)},
                          {"rps", traffic.curve.rate_at(b.start_s)},
                          {"total_seconds", finite_or_null(b.plan.total_seconds)},
                          {"shortest_seconds", finite_or_null(b.plan.shortest_seconds)},
                          {"steps_long_enough", enough},
                          {"detectable_effect", finite_or_null(b.plan.detectable_effect)}});
      }
      m["by_start"] = std::move(starts);
    }
    metrics.push_back(std::move(m));
  }
  ojson steps = ojson::array();
  for (const auto& s : outline.steps) steps.push_back(s.what);
  ojson out = {{"plan", plan_name.empty() ? ojson(nullptr) : ojson(plan_name)},
               {"traffic",
                {{"description", traffic.description},
                 {"varies", !traffic.curve.is_constant()},
                 {"mean_rps", traffic.curve.mean()},
                 {"min_rps", traffic.curve.min()},
                 {"max_rps", traffic.curve.max()},
                 {"start", start_text(traffic, traffic.start_s)}}},
               {"steps", std::move(steps)},
               {"metrics", std::move(metrics)},
               {"notes", outline.notes}};
  fmt::print("{}\n", providers::ports::json_text(out, 2));
}

void print_html(const std::string& plan_name, const traffic_source& traffic,
                const sim::plan_outline& outline, const std::vector<sized>& all) {
  sim::capacity_report r;
  for (const auto& st : outline.steps) r.steps.push_back(st.what);
  r.curve = &traffic.curve;
  r.start_s = traffic.start_s;
  r.when = [&traffic](double s) { return start_text(traffic, s); };
  r.notes = outline.notes;
  for (const auto& s : all) {
    const std::string model(sim::to_string(s.what->in.model));
    r.tests.push_back(
        {s.what->name.empty() ? model : s.what->name, model, s.plan,
         traffic.curve.is_constant() ? std::vector<sim::start_time_answer>{} : s.by_start});
    for (const auto& n : s.plan.notes) r.notes.push_back(n);
    for (const auto& n : max_time_notes(outline, s.plan)) r.notes.push_back(n);
  }
  sim::report_header h;
  h.title = "floodgate plan" + (plan_name.empty() ? std::string() : ": plan \"" + plan_name + "\"");
  h.facts = {{"traffic", traffic.description}, {"starts", start_text(traffic, traffic.start_s)}};
  if (!traffic.curve.is_constant())
    h.facts.emplace_back("note", "the rate varies: durations depend on the start time");
  for (const auto& s : all)
    h.facts.emplace_back(s.what->name.empty() ? "test" : s.what->name,
                         assumptions_text(s.what->in));
  fmt::print("{}", sim::capacity_html(r, h));
}

// Per-test inputs: the plan's (or the flags') test with the traffic and flag overrides.
std::variant<sizing, std::string> inputs_for(const plan_options& o, const traffic_source& traffic,
                                             const sim::sized_metric* m,
                                             const std::vector<analysis::traffic_step>& steps) {
  sizing s;
  auto& in = s.in;
  in.traffic = traffic.curve;
  in.start_s = traffic.start_s;
  in.steps = steps;
  in.baseline =
      o.baseline == "matched" ? sim::baseline_source::matched : sim::baseline_source::rest;
  if (m) {
    s.name = m->name;
    in.model = m->model;
    in.alpha = m->alpha;
    in.power = m->power;
    in.mde = m->min_effect;
    in.quantile = m->quantile;
  } else {
    in.model = sim::parse_sample_size_model(o.model.empty() ? "two_sample" : o.model)
                   .value_or(sim::sample_size_model::two_sample);
  }
  if (o.alpha) in.alpha = *o.alpha;
  if (o.power) in.power = *o.power;
  if (o.mde) in.mde = *o.mde;
  if (o.quantile) in.quantile = *o.quantile;
  const std::string who = m ? fmt::format("metric \"{}\" ({})", m->name, sim::to_string(in.model))
                            : fmt::format("the {} model", sim::to_string(in.model));
  if (sim::is_latency_model(in.model)) {
    if (o.latency_median || o.latency_sigma) {
      if (!o.latency_median || !o.latency_sigma)
        return std::string("--latency-median and --latency-sigma go together");
      in.latency = sim::latency_assumption{*o.latency_median, *o.latency_sigma};
    } else if (traffic.latency) {
      in.latency = traffic.latency;
    } else {
      return "--latency-median: " + who +
             " needs the baseline's latency: --latency-median MS --latency-sigma S (lognormal), "
             "or a --scenario with a lognormal latency";
    }
  } else if (o.baseline_error_rate) {
    in.baseline_error_rate = *o.baseline_error_rate;
  } else if (traffic.baseline_error_rate) {
    in.baseline_error_rate = *traffic.baseline_error_rate;
  } else {
    return "--baseline-error-rate: " + who +
           " needs the baseline's error rate, e.g. 0.01 (or a --scenario)";
  }
  if (!m && !o.mde) return std::string("--mde: expected the smallest regression to catch");
  return s;
}

}  // namespace

CLI::App* add_plan_command(CLI::App& app, plan_options& o) {
  auto* cmd = app.add_subcommand(
      "plan", "estimate how long each canary step must run for its test to decide");
  cmd->add_option("files", o.files,
                  "plan files, any format `floodgate check` accepts: their steps and comparison "
                  "metrics are sized (optional: --steps and the flags instead)");
  cmd->add_option("--plan", o.plan, "which plan of the files (when they hold several)");
  cmd->add_option("--rps", o.rps, "traffic: total requests per second across canary and baseline");
  cmd->add_option("--scenario", o.scenario,
                  "traffic: a scenario's rate (constant or diurnal), baseline error rate and "
                  "latency (kind: Scenario)");
  cmd->add_option("--rate-query", o.rate_query,
                  "traffic: a PromQL query for the total request rate, read on --metrics or "
                  "--prometheus");
  cmd->add_option("--metrics", o.metrics,
                  "recorded series for --rate-query (Prometheus query_range JSON, CSV or text)");
  auto* prometheus =
      cmd->add_option("--prometheus", o.prometheus,
                      "a Prometheus to ask --rate-query of, as a range query over --rate-window");
  cmd->add_option("--rate-window", o.rate_window,
                  "--prometheus: how much history to read; the curve repeats after it")
      ->capture_default_str()
      ->needs(prometheus);
  cmd->add_option("--rate-until", o.rate_until,
                  "--prometheus: where the window ends (unix seconds or RFC 3339; default: the "
                  "server's now)")
      ->needs(prometheus);
  cmd->add_option("--rate-step", o.rate_step, "how often --rate-query is read over the history")
      ->capture_default_str();
  cmd->add_option("--start", o.start,
                  "where a varying rate starts the plan (unix seconds or RFC 3339; default: the "
                  "recording's start, or 10:00 UTC for a diurnal scenario)");
  cmd->add_option("--steps", o.steps,
                  "WEIGHT:DURATION,... e.g. 5:10m,25:10m,50:10m (instead of a plan's steps)");
  cmd->add_option("--baseline-error-rate", o.baseline_error_rate,
                  "baseline error rate as a fraction, e.g. 0.01 for 1 %");
  cmd->add_option("--mde", o.mde,
                  "smallest regression worth catching: an error-rate increase (0.005) or ms for "
                  "the latency models (overrides a plan's minEffect)");
  cmd->add_option("--alpha", o.alpha,
                  "false-abort rate of each test (default 0.05, or the plan's)");
  cmd->add_option(
      "--power", o.power,
      "probability of catching a regression of size --mde (default 0.8, or the plan's)");
  cmd->add_option("--model", o.model,
                  "size one test instead of the plan's metrics (default two_sample without a plan)")
      ->check(CLI::IsMember(
          {"quick", "two_sample", "sequential", "mann_whitney", "quantile", "welch"}));
  cmd->add_option("--quantile", o.quantile, "the quantile model's quantile (default 0.99)");
  cmd->add_option("--latency-median", o.latency_median,
                  "latency models: the baseline's median latency in ms (lognormal)");
  cmd->add_option("--latency-sigma", o.latency_sigma,
                  "latency models: the log-scale standard deviation (lognormal)");
  cmd->add_option("--baseline", o.baseline,
                  "baseline traffic: rest (stable serves the rest) or matched (canary-sized)")
      ->check(CLI::IsMember({"rest", "matched"}))
      ->capture_default_str();
  cmd->add_option("--output", o.output,
                  "table, json, or html (one self-contained page of charts: redirect it to a file)")
      ->check(CLI::IsMember({"table", "json", "html"}))
      ->capture_default_str();
  return cmd;
}

int run_plan(const plan_options& o) {
  if (const auto e = html_to_terminal(o.output)) return fail(*e);
  sim::plan_outline outline;
  std::string plan_name;
  if (!o.files.empty()) {
    if (const auto e = loaded_outline(o, outline, plan_name)) return fail(*e);
  }
  std::vector<analysis::traffic_step> steps;
  if (!o.steps.empty()) {
    auto parsed = parse_steps(o.steps);
    if (const auto* msg = std::get_if<std::string>(&parsed)) return fail("--steps: " + *msg);
    steps = std::get<std::vector<analysis::traffic_step>>(std::move(parsed));
    outline.steps.clear();
    for (const auto& s : steps) outline.steps.push_back({s, "", std::nullopt});
  } else if (o.files.empty()) {
    return fail("--steps: expected WEIGHT:DURATION,… (or a plan file)");
  } else {
    for (const auto& s : outline.steps) steps.push_back(s.traffic);
    if (steps.empty()) {
      return fail("--steps: plan \"" + plan_name +
                  "\" has no step that sends the canary traffic; give --steps");
    }
  }
  if (const auto e = traffic_choice_error(o)) return fail(*e);
  std::optional<config::scenario> scenario;
  if (!o.scenario.empty()) {
    scenario =
        read_flag_file<config::scenario>("plan", "--scenario", o.scenario, config::read_scenario);
    if (!scenario) return 2;
  }
  auto traffic_read = read_traffic(o, scenario);
  if (const auto* e = std::get_if<std::string>(&traffic_read)) return fail(*e);
  const auto& traffic = std::get<traffic_source>(traffic_read);

  std::vector<sizing> tests;
  auto add = [&](const sim::sized_metric* m) -> std::optional<std::string> {
    auto s = inputs_for(o, traffic, m, steps);
    if (auto* e = std::get_if<std::string>(&s)) return *e;
    tests.push_back(std::get<sizing>(std::move(s)));
    return std::nullopt;
  };
  if (!o.model.empty() || outline.metrics.empty()) {
    if (!o.files.empty() && o.model.empty() && !o.mde) {
      return fail("--mde: plan \"" + plan_name +
                  "\" has no comparison metric to size; give --mde (and --model) to size its "
                  "steps for a test");
    }
    if (const auto e = add(nullptr)) return fail(*e);
  } else {
    for (const auto& m : outline.metrics) {
      if (const auto e = add(&m)) return fail(*e);
    }
  }
  std::vector<sized> all;
  for (const auto& t : tests) {
    auto r = sim::plan_capacity(t.in);
    if (r.error) return fail("--" + r.error->field + ": " + r.error->message);
    all.push_back({&t, std::move(r.plan), sim::plan_by_start_time(t.in, 24)});
  }
  if (o.output == "json") {
    print_json(plan_name, traffic, outline, all);
  } else if (o.output == "html") {
    print_html(plan_name, traffic, outline, all);
  } else {
    print_table(plan_name, traffic, outline, all);
  }
  return 0;
}

}  // namespace floodgate::app
