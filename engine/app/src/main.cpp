// floodgate: one executable, one subcommand per job.

#include <fmt/format.h>
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>

#include "check_command.hpp"
#include "plan_command.hpp"
#include "run_command.hpp"
#include "serve_command.hpp"
#include "simulate_command.hpp"

#ifndef FLOODGATE_VERSION
#define FLOODGATE_VERSION "0.0.0"
#endif

int main(int argc, char** argv) {
  CLI::App app{"floodgate: progressive-delivery analysis engine", "floodgate"};
  app.require_subcommand(1, 1);
  app.set_version_flag("--version", FLOODGATE_VERSION);
  auto* version = app.add_subcommand("version", "print the version and exit");
  floodgate::app::check_options check;
  auto* check_cmd = floodgate::app::add_check_command(app, check);
  floodgate::app::plan_options plan;
  auto* plan_cmd = floodgate::app::add_plan_command(app, plan);
  floodgate::app::run_options run;
  auto* run_cmd = floodgate::app::add_run_command(app, run);
  floodgate::app::simulate_options simulate;
  auto* simulate_cmd = floodgate::app::add_simulate_command(app, simulate);
  floodgate::app::serve_options serve;
  auto* serve_cmd = floodgate::app::add_serve_command(app, serve);
  // CLI11 reports an unknown first word only as "a subcommand is required"; name it instead.
  if (argc >= 2 && argv[1][0] != '-' &&
      app.get_subcommands([&](CLI::App* s) { return s->get_name() == argv[1]; }).empty()) {
    std::string names;
    for (const auto* s : app.get_subcommands([](CLI::App*) { return true; })) {
      names += (names.empty() ? "" : ", ") + s->get_name();
    }
    fmt::print(stderr, "floodgate: unknown command \"{}\" (commands: {}; see floodgate --help)\n",
               argv[1], names);
    return 2;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    if (argc < 2) {
      fmt::print(stderr, "{}", app.help());
      return 2;
    }
    fmt::print(stderr, "floodgate: {} (see floodgate --help)\n", e.what());
    return 2;
  }
  if (version->parsed()) {
    fmt::print("floodgate {}\n", FLOODGATE_VERSION);
    return 0;
  }
  if (check_cmd->parsed()) return floodgate::app::run_check(check);
  if (plan_cmd->parsed()) return floodgate::app::run_plan(plan);
  if (run_cmd->parsed()) return floodgate::app::run_run(run);
  if (serve_cmd->parsed()) return floodgate::app::run_serve(serve);
  if (simulate_cmd->parsed()) return floodgate::app::run_simulate(simulate);
  return 2;
}
