#pragma once
// `floodgate plan`: how long each canary step must run for its test to decide, from a plan file
// or --steps, and the traffic (--rps, a scenario's curve, or a rate query over recorded series).

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace floodgate::app {

struct plan_options {
  std::vector<std::string> files;  ///< plan files (optional: --steps and flags instead)
  std::string plan;                ///< which plan of the files
  std::optional<double> rps;
  std::string scenario;              ///< traffic (and baseline) from a synthetic scenario
  std::string rate_query;            ///< the total rate, evaluated over --metrics
  std::vector<std::string> metrics;  ///< recorded series for --rate-query
  std::string prometheus;            ///< or a live Prometheus for --rate-query
  std::string rate_window = "24h";   ///< the span read from it (the curve's period)
  std::string rate_until;            ///< its end (default: the server's now)
  std::string rate_step = "1m";
  std::string start;  ///< where on a varying curve the plan starts
  std::optional<double> baseline_error_rate;
  std::optional<double> mde;
  std::optional<double> alpha;
  std::optional<double> power;
  std::optional<double> quantile;
  std::optional<double> latency_median;
  std::optional<double> latency_sigma;
  std::string steps;
  std::string model;  ///< empty: the plan's tests (two_sample without a plan)
  std::string baseline = "rest";
  std::string output = "table";
};

// Adds the `plan` subcommand to `app`, filling `opts` when parsed.
CLI::App* add_plan_command(CLI::App& app, plan_options& opts);
// Runs it; returns the process exit code (0 ok, 2 bad input). Writes to stdout / stderr.
int run_plan(const plan_options& opts);

}  // namespace floodgate::app
