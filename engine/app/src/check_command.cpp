#include "check_command.hpp"

#include <fmt/format.h>
#include <cstdio>

#include <floodgate/config/describe.hpp>
#include <floodgate/config/load.hpp>
#include <floodgate/providers/ports/decision_json.hpp>

namespace floodgate::app {

CLI::App* add_check_command(CLI::App& app, check_options& opts) {
  auto* cmd = app.add_subcommand(
      "check", "validate plan files and print the normalised plans (exit 2 on any error)");
  cmd->add_option("files", opts.files,
                  "YAML (multi-document) or JSON: floodgate Plans, Argo Rollouts, "
                  "AnalysisTemplates, AnalysisRuns, Flagger Canaries, MetricTemplates")
      ->required();
  cmd->add_option("--output,-o", opts.output, "text (default), json or yaml")
      ->check(CLI::IsMember({"text", "json", "yaml"}));
  return cmd;
}

int run_check(const check_options& opts) {
  const config::load_result r = config::load_paths(opts.files);
  if (opts.output == "json") {
    fmt::print("{}\n", providers::ports::json_text(config::to_json(r), 2));
  } else if (opts.output == "yaml") {
    fmt::print("{}", config::to_yaml_text(config::to_json(r)));
  } else {
    fmt::print("{}", config::summarize(r, false));  // the errors go to stderr below
  }
  for (const auto& e : r.errors) fmt::print(stderr, "floodgate check: {}\n", e.format());
  if (!r.ok()) {
    fmt::print(stderr, "floodgate check: {} error(s); nothing loaded\n", r.errors.size());
    return 2;
  }
  return 0;
}

}  // namespace floodgate::app
