#pragma once
// `floodgate check FILE…`: loads plan files (floodgate Plans, Argo Rollouts with their
// AnalysisTemplates, Flagger Canaries with their MetricTemplates), reports every error with its
// file, line and JSON pointer (exit 2), or prints the normalised plans.

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace floodgate::app {

struct check_options {
  std::vector<std::string> files;
  std::string output = "text";
};

CLI::App* add_check_command(CLI::App& app, check_options& opts);
/// 0: every file loaded; 2: errors (printed to stderr, or in the JSON/YAML document).
int run_check(const check_options& opts);

}  // namespace floodgate::app
