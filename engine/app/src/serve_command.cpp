#include "serve_command.hpp"

#include <fmt/format.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <cstdio>
#include <floodgate/config/server_config.hpp>
#include <floodgate/engine/api.hpp>
#include <floodgate/engine/engine.hpp>
#include <floodgate/engine/log.hpp>
#include <floodgate/engine/server.hpp>
#include <floodgate/engine/telemetry.hpp>
#include <floodgate/providers/live_metrics.hpp>
#include <floodgate/providers/ports/decision_json.hpp>
#include <nlohmann/json.hpp>
#include <tuple>

#include "cli_values.hpp"

namespace floodgate::app {

CLI::App* add_serve_command(CLI::App& app, serve_options& o) {
  auto* c = app.add_subcommand(
      "serve", "the sidecar: REST API, Argo Rollouts web/Kayenta and Flagger endpoints, /metrics");
  c->add_option("--config", o.config, "the server's configuration (YAML or JSON)")->required();
  c->add_option("--listen", o.listen, "address:port, overriding the configuration's listen");
  return c;
}

int run_serve(const serve_options& o) {
  // 1. Everything that can be wrong with the configuration, before anything listens.
  const auto read = config::read_files({o.config});
  if (!read.errors.empty()) {
    fmt::print(stderr, "floodgate serve: cannot read {}\n", o.config);
    return 2;
  }
  auto loaded = config::load_server_config(read.files.front());
  if (!loaded.ok()) {
    for (const auto& e : loaded.errors) fmt::print(stderr, "{}\n", e.format());
    return 2;
  }
  auto& cfg = loaded.config;
  if (!o.listen.empty()) {
    const auto l = config::parse_listen(o.listen);
    if (!l) {
      fmt::print(stderr, "floodgate serve: --listen: found \"{}\", expected address:port\n",
                 o.listen);
      return 2;
    }
    std::tie(cfg.listen_address, cfg.listen_port) = *l;
  }
  engine::api_options ao;
  if (!cfg.plans.empty()) {
    const auto plans = config::read_files(cfg.plans);
    if (!plans.errors.empty()) {
      fmt::print(stderr, "{}: plans: cannot read {}\n", o.config, plans.errors.front().file);
      return 2;
    }
    const auto checked = config::load(plans.files);
    if (!checked.ok()) {
      for (const auto& e : checked.errors) fmt::print(stderr, "{}\n", e.format());
      return 2;
    }
    ao.plans = plans.files;
  }
  ao.prometheus = cfg.prometheus;
  ao.unauthenticated = {cfg.unauthenticated.begin(), cfg.unauthenticated.end()};
  for (std::size_t i = 0; i < cfg.kayenta.size(); ++i) {
    auto c = engine::kayenta_config_from_json(cfg.kayenta[i],
                                              o.config + ": kayenta[" + std::to_string(i) + "]");
    if (auto* e = std::get_if<std::string>(&c)) {
      fmt::print(stderr, "{}\n", *e);
      return 2;
    }
    auto& k = std::get<engine::kayenta_canary_config>(c);
    if (k.prometheus.empty()) k.prometheus = cfg.prometheus;
    if (k.prometheus.empty()) {
      fmt::print(stderr, "{}: kayenta[{}]: no prometheus (give one here or at the top)\n", o.config,
                 i);
      return 2;
    }
    ao.kayenta.push_back(std::move(k));
  }
  providers::live_metrics_options mo;
  mo.deadline = cfg.tick_deadline;
  try {
    if (!cfg.api_token_file.empty())
      ao.token = read_secret_file(cfg.api_token_file, o.config + ": api_token_file");
    if (!cfg.prometheus_token_file.empty())
      mo.bearer_token =
          read_secret_file(cfg.prometheus_token_file, o.config + ": prometheus_token_file");
  } catch (const std::invalid_argument& e) {
    fmt::print(stderr, "floodgate serve: {}\n", e.what());
    return 2;
  }

  // 2. The parts, wired.
  const engine::logger log(cfg.log_format == "json");
  boost::asio::io_context io;
  auto live = providers::make_live_metrics(io, mo);
  engine::telemetry tel;
  engine::timed_metrics metrics(*live, tel);
  engine::engine_options eo;
  eo.journal_path = cfg.journal;
  eo.tick_deadline = cfg.tick_deadline;
  std::unique_ptr<engine::api> api;
  engine::engine_events ev;
  ev.decision = [&](const std::string& id, const core::decision& d) {
    nlohmann::ordered_json f;
    f["decision"] = providers::ports::decision_to_json(d);
    log("info", id, fmt::format("{} weight {}", core::decision_kind_name(d.kind), d.weight), f);
    if (api) api->on_decision(id, d);
  };
  ev.warning = [&](const std::string& id, const std::string& m) { log("warning", id, m); };
  ev.finished = [&](const std::string& id, core::rollout_status s) {
    log("info", id, std::string(core::rollout_status_name(s)));
    if (api) api->on_finished(id, s);
  };
  ev.journal_fsync = [&](double seconds) { tel.journal_fsync(seconds); };
  ev.tick = [&](double seconds) { tel.tick(seconds); };
  engine::engine eng(io, metrics, nullptr, eo, ev);
  api = std::make_unique<engine::api>(eng, tel, metrics, std::move(ao));
  try {
    for (const auto& w : eng.recover()) log("warning", "", w);
  } catch (const std::exception& e) {
    fmt::print(stderr, "floodgate serve: {}\n", e.what());
    return 2;
  }
  std::unique_ptr<engine::http_server> server;
  try {
    engine::server_options so;
    so.address = cfg.listen_address;
    so.port = cfg.listen_port;
    so.body_limit = cfg.body_limit;
    server = std::make_unique<engine::http_server>(io, *api, so);
  } catch (const std::exception& e) {
    fmt::print(stderr, "floodgate serve: {}\n", e.what());
    return 2;
  }
  api->set_ready(true);
  nlohmann::ordered_json f;
  f["address"] = cfg.listen_address;
  f["port"] = server->port();
  f["journal"] = cfg.journal;
  f["resumed"] = eng.active();
  log("info", "",
      fmt::format("listening on {}:{} (journal {}, {} analyses resumed)", cfg.listen_address,
                  server->port(), cfg.journal, eng.active()),
      f);

  // 3. Until a signal: then drain.
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    log("info", "", fmt::format("{} received; draining", sig == SIGINT ? "SIGINT" : "SIGTERM"));
    api->set_ready(false);
    server->stop();
    eng.drain([&] {
      log("info", "", "drained; the journal is complete");
      io.stop();
    });
  });
  io.run();
  return 0;
}

}  // namespace floodgate::app
