#pragma once
// `floodgate plan`: per-step durations for a canary from traffic assumptions.

#include <string>

#include <CLI/CLI.hpp>

namespace floodgate::app {

struct plan_options {
  double rps = 0.0;
  double baseline_error_rate = 0.0;
  double mde = 0.0;
  double alpha = 0.05;
  double power = 0.8;
  std::string steps;
  std::string model = "two_sample";
  std::string baseline = "rest";
  std::string output = "table";
};

// Adds the `plan` subcommand to `app`, filling `opts` when parsed.
CLI::App* add_plan_command(CLI::App& app, plan_options& opts);
// Runs it; returns the process exit code (0 ok, 2 bad input). Writes to stdout / stderr.
int run_plan(const plan_options& opts);

}  // namespace floodgate::app
