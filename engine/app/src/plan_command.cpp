#include "plan_command.hpp"

#include <fmt/format.h>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include <floodgate/providers/ports/decision_json.hpp>
#include <floodgate/sim/capacity_plan.hpp>

#include "cli_values.hpp"

namespace floodgate::app {
namespace {

using nlohmann::json;

json finite_or_null(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

std::string count_text(double v) {
  if (!std::isfinite(v)) return "n/a";
  // Thousands separated by a thin space-like ' ' for the table.
  auto s = fmt::format("{:.0f}", v);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3)
    s.insert(static_cast<std::size_t>(i), " ");
  return s;
}

std::string effect_text(double delta, double p) {
  if (!std::isfinite(delta)) return "none";
  if (p > 0.0) return fmt::format("+{:.3g} pp (x{:.3g})", delta * 100.0, (p + delta) / p);
  return fmt::format("+{:.3g} pp", delta * 100.0);
}

void print_table(const sim::capacity_inputs& in, const sim::capacity_plan& plan) {
  fmt::print(
      "floodgate plan: model {}, alpha {:g}, power {:g}, {:g} req/s, baseline error rate {:g} %, "
      "smallest regression to catch +{:g} pp, baseline = {}\n\n",
      sim::to_string(in.model), in.alpha, in.power, in.total_rps, in.baseline_error_rate * 100.0,
      in.mde * 100.0,
      in.baseline == sim::baseline_source::rest ? "rest of traffic" : "matched deployment");
  fmt::print("{:>4} {:>6} {:>9} {:>12} {:>13} {:>10} {:>10} {:>13} {:>6} {:>10}  {}\n", "step",
             "share", "duration", "canary req", "baseline req", "canary err", "base err",
             "needed (req)", "enough", "shortest", "detects");
  int i = 0;
  for (const auto& s : plan.steps) {
    fmt::print("{:>4} {:>5.4g}% {:>9} {:>12} {:>13} {:>10.1f} {:>10.1f} {:>13} {:>6} {:>10}  {}\n",
               ++i, s.weight * 100.0, format_duration(s.duration_s), count_text(s.canary_requests),
               count_text(s.baseline_requests), s.canary_error_events, s.baseline_error_events,
               count_text(s.required_canary_requests), s.long_enough ? "yes" : "NO",
               format_duration(s.required_seconds),
               effect_text(s.detectable_effect, in.baseline_error_rate));
  }
  fmt::print("\nplan: {} steps, {} in all; smallest regression it can detect as written: {}\n",
             plan.steps.size(), format_duration(plan.total_seconds),
             effect_text(plan.detectable_effect, in.baseline_error_rate));
  for (const auto& n : plan.notes) fmt::print("note: {}\n", n);
}

void print_json(const sim::capacity_inputs& in, const sim::capacity_plan& plan) {
  json steps = json::array();
  for (const auto& s : plan.steps) {
    steps.push_back({{"weight", s.weight},
                     {"duration_s", s.duration_s},
                     {"canary_requests", s.canary_requests},
                     {"baseline_requests", s.baseline_requests},
                     {"canary_error_events", s.canary_error_events},
                     {"baseline_error_events", s.baseline_error_events},
                     {"required_canary_requests", finite_or_null(s.required_canary_requests)},
                     {"required_seconds", finite_or_null(s.required_seconds)},
                     {"long_enough", s.long_enough},
                     {"detectable_effect", finite_or_null(s.detectable_effect)}});
  }
  const json out = {
      {"model", sim::to_string(in.model)},
      {"inputs",
       {{"rps", in.total_rps},
        {"baseline_error_rate", in.baseline_error_rate},
        {"mde", in.mde},
        {"alpha", in.alpha},
        {"power", in.power},
        {"baseline", in.baseline == sim::baseline_source::rest ? "rest" : "matched"}}},
      {"steps", steps},
      {"total_seconds", plan.total_seconds},
      {"detectable_effect", finite_or_null(plan.detectable_effect)},
      {"notes", plan.notes}};
  fmt::print("{}\n", providers::ports::json_text(out, 2));
}

}  // namespace

CLI::App* add_plan_command(CLI::App& app, plan_options& o) {
  auto* cmd = app.add_subcommand(
      "plan", "estimate how long each canary step must run to detect a regression");
  cmd->add_option("--rps", o.rps, "total requests per second across canary and baseline")
      ->required();
  cmd->add_option("--baseline-error-rate", o.baseline_error_rate,
                  "baseline error rate as a fraction, e.g. 0.01 for 1 %")
      ->required();
  cmd->add_option("--mde", o.mde,
                  "smallest absolute increase of the error rate worth catching, e.g. 0.005")
      ->required();
  cmd->add_option("--steps", o.steps, "WEIGHT:DURATION,... e.g. 5:10m,25:10m,50:10m")->required();
  cmd->add_option("--alpha", o.alpha, "false-abort rate of each test")->capture_default_str();
  cmd->add_option("--power", o.power, "probability of catching a regression of size --mde")
      ->capture_default_str();
  cmd->add_option("--model", o.model, "required-sample-size model")
      ->check(CLI::IsMember({"quick", "two_sample", "sequential"}))
      ->capture_default_str();
  cmd->add_option("--baseline", o.baseline,
                  "baseline traffic: rest (stable serves the rest) or matched (canary-sized)")
      ->check(CLI::IsMember({"rest", "matched"}))
      ->capture_default_str();
  cmd->add_option("--output", o.output, "output format")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  return cmd;
}

int run_plan(const plan_options& o) {
  sim::capacity_inputs in;
  in.total_rps = o.rps;
  in.baseline_error_rate = o.baseline_error_rate;
  in.mde = o.mde;
  in.alpha = o.alpha;
  in.power = o.power;
  in.model = o.model == "quick"        ? sim::sample_size_model::quick
             : o.model == "sequential" ? sim::sample_size_model::sequential
                                       : sim::sample_size_model::two_sample;
  in.baseline =
      o.baseline == "matched" ? sim::baseline_source::matched : sim::baseline_source::rest;
  auto steps = parse_steps(o.steps);
  if (const auto* msg = std::get_if<std::string>(&steps)) {
    fmt::print(stderr, "floodgate plan: --steps: {}\n", *msg);
    return 2;
  }
  in.steps = std::get<std::vector<analysis::traffic_step>>(std::move(steps));
  const auto result = sim::plan_capacity(in);
  if (result.error) {
    fmt::print(stderr, "floodgate plan: --{}: {}\n", result.error->field, result.error->message);
    return 2;
  }
  if (o.output == "json") {
    print_json(in, result.plan);
  } else {
    print_table(in, result.plan);
  }
  return 0;
}

}  // namespace floodgate::app
