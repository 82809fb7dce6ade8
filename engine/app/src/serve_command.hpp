#pragma once
// `floodgate serve --config FILE`: the sidecar. Replays the journal (every unfinished analysis
// resumes), then serves the API of engine/runtime/api.hpp until SIGTERM or SIGINT, which drain:
// no new work, the ticks in flight finish, the journal is already on disk; exit 0.
// Bad configuration exits 2 before anything listens.

#include <string>

#include <CLI/CLI.hpp>

namespace floodgate::app {

struct serve_options {
  std::string config;
  std::string listen;  ///< overrides the file's `listen`
};

CLI::App* add_serve_command(CLI::App& app, serve_options& opts);
int run_serve(const serve_options& opts);

}  // namespace floodgate::app
