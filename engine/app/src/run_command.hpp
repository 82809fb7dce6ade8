#pragma once
// `floodgate run PLAN…`: one analysis live in the terminal — the metrics from Prometheus, the
// weights to a router, every decision journaled — with a line per tick (step, weight, each
// metric's status, n against the required n). Exit 0 promoted, 1 aborted, 2 bad input,
// 3 inconclusive, paused for a human, or stopped by a signal (run it again to resume).

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace floodgate::app {

struct run_options {
  std::vector<std::string> files;
  std::string plan;
  std::string id;
  std::vector<std::string> args;  ///< NAME=VALUE
  std::string prometheus;
  std::string token_file;
  std::string journal;
  std::string record;  ///< --record: Prometheus answers as CSV, for floodgate simulate
  std::string release;
  std::string router = "none";
  std::string haproxy_socket, haproxy_backend, haproxy_canary, haproxy_stable;
  std::string nginx_include, nginx_name, nginx_canary, nginx_stable, nginx_test, nginx_reload;
  bool nginx_split_clients = false;
  std::string webhook_url;
  std::string manifest_name, manifest_namespace = "default", manifest_dir, manifest_command;
  int router_attempts = 3;
  std::string on_router_failure = "abort";
  std::string tick_deadline = "60s";
  bool quiet = false;
};

CLI::App* add_run_command(CLI::App& app, run_options& opts);
int run_run(const run_options& opts);

}  // namespace floodgate::app
