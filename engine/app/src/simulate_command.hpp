#pragma once
// `floodgate simulate`: a plan replayed offline, in virtual time, on recorded metrics.

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace floodgate::app {

struct simulate_options {
  std::vector<std::string> files;
  std::string plan;
  std::vector<std::string> args;
  std::vector<std::string> metrics;
  std::string map;
  std::string start;
  std::string until;
  std::string lookback = "5m";
  std::string output = "table";
};

CLI::App* add_simulate_command(CLI::App& app, simulate_options& o);
/// 0: replayed (whatever the rollout's outcome); 2: bad input (the plan, a recorded file, a
/// flag), with the error on stderr and nothing on stdout.
int run_simulate(const simulate_options& o);

}  // namespace floodgate::app
