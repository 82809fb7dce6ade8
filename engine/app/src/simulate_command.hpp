#pragma once
// `floodgate simulate`: a plan run offline, in virtual time, on recorded metrics (a replay) or
// on a scenario's synthetic traffic (one run, or a Monte Carlo of many).

#include <cstdint>
#include <optional>
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
  std::vector<std::string> scenarios;  ///< several only with --sweep
  std::vector<std::string> sweep;      ///< KEY=V1,V2,…
  std::optional<std::uint64_t> seed;
  std::size_t runs = 1;
  unsigned threads = 0;
};

CLI::App* add_simulate_command(CLI::App& app, simulate_options& o);
/// 0: replayed (whatever the rollout's outcome); 2: bad input (the plan, a recorded file, a
/// flag), with the error on stderr and nothing on stdout.
int run_simulate(const simulate_options& o);

}  // namespace floodgate::app
