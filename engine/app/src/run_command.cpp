#include "run_command.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <cstdio>
#include <floodgate/config/load.hpp>
#include <floodgate/engine/engine.hpp>
#include <floodgate/providers/live_metrics.hpp>
#include <floodgate/providers/recorded/recorder.hpp>
#include <floodgate/providers/routers.hpp>
#include <fstream>
#include <optional>
#include <sstream>

#include "cli_values.hpp"

namespace floodgate::app {

namespace {

std::vector<std::string> split_words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::string need(const std::string& value, const char* flag, const std::string& router) {
  if (value.empty())
    throw std::invalid_argument(std::string("--router ") + router + " needs " + flag);
  return value;
}

// The router the flags describe (the composition root: the only place that picks one), or
// null for --router none. Throws std::invalid_argument naming the missing or bad flag.
std::unique_ptr<providers::ports::traffic_router> make_router(boost::asio::io_context& io,
                                                              const run_options& o) {
  using namespace providers;
  std::unique_ptr<ports::traffic_router> r;
  if (o.router == "none") return nullptr;
  if (o.router == "haproxy") {
    haproxy_target t;
    t.socket = need(o.haproxy_socket, "--haproxy-socket", o.router);
    t.backend = need(o.haproxy_backend, "--haproxy-backend", o.router);
    t.canary_server = need(o.haproxy_canary, "--haproxy-canary", o.router);
    t.stable_server = need(o.haproxy_stable, "--haproxy-stable", o.router);
    r = make_haproxy_router(io, t);
  } else if (o.router == "nginx") {
    nginx_target t;
    t.kind =
        o.nginx_split_clients ? nginx_target::style::split_clients : nginx_target::style::upstream;
    t.include_file = need(o.nginx_include, "--nginx-include", o.router);
    t.name = need(o.nginx_name, "--nginx-name", o.router);
    t.canary = need(o.nginx_canary, "--nginx-canary", o.router);
    t.stable = need(o.nginx_stable, "--nginx-stable", o.router);
    if (!o.nginx_test.empty()) t.test_command = split_words(o.nginx_test);
    if (!o.nginx_reload.empty()) t.reload_command = split_words(o.nginx_reload);
    r = make_nginx_router(io, t);
  } else if (o.router == "webhook") {
    const auto [base, path] = split_url(need(o.webhook_url, "--webhook-url", o.router));
    if (const auto bad = check_base_url(base))
      throw std::invalid_argument("--webhook-url: " + *bad);
    http_endpoint ep;
    ep.base_url = base;
    r = make_webhook_router(io, ep, path);
  } else if (!check_manifest_kind(o.router)) {
    manifest_target t;
    t.kind = o.router;
    t.target.name = need(o.manifest_name, "--manifest-name", o.router);
    t.target.name_space = o.manifest_namespace;
    t.directory = o.manifest_dir;
    t.command = split_words(o.manifest_command);
    r = make_manifest_router(io, t);
  } else {
    throw std::invalid_argument(
        "--router: expected none, haproxy, nginx, webhook, istio, ingress-nginx, gateway-api or "
        "smi, found \"" +
        o.router + "\"");
  }
  if (o.router_attempts < 1) throw std::invalid_argument("--router-attempts: expected 1 or more");
  retry_policy p;
  p.max_attempts = o.router_attempts;
  p.base = core::millis(500);
  p.cap = core::millis(10000);
  return with_retries(io, std::move(r), p);
}

}  // namespace

CLI::App* add_run_command(CLI::App& app, run_options& o) {
  auto* c = app.add_subcommand(
      "run", "run one analysis live: Prometheus in, router out, every decision journaled");
  c->add_option("files", o.files, "plan files (floodgate Plan, Argo Rollout + templates)")
      ->required();
  c->add_option("--plan", o.plan, "which plan of the files (when they hold several)");
  c->add_option("--id", o.id, "the rollout's id (default: the plan's name)");
  c->add_option("--arg", o.args,
                "a value for an argument resolved at run time (valueFrom): NAME=VALUE");
  c->add_option("--prometheus", o.prometheus, "Prometheus URL for every Prometheus metric");
  c->add_option("--bearer-token-file", o.token_file, "a bearer token sent to Prometheus");
  c->add_option("--journal", o.journal,
                "the decision journal (default: floodgate-journal-<id>.jsonl here)");
  c->add_option("--record", o.record,
                "write every Prometheus answer to this CSV file, for floodgate simulate --metrics");
  c->add_option("--release", o.release, "the version under test, for the journal");
  c->add_option("--router", o.router,
                "none, haproxy, nginx, webhook, istio, ingress-nginx, gateway-api or smi")
      ->capture_default_str();
  c->add_option("--haproxy-socket", o.haproxy_socket, "unix:/path or host:port (admin level)");
  c->add_option("--haproxy-backend", o.haproxy_backend, "the backend holding both servers");
  c->add_option("--haproxy-canary", o.haproxy_canary, "the canary's server name");
  c->add_option("--haproxy-stable", o.haproxy_stable, "the stable version's server name");
  c->add_option("--nginx-include", o.nginx_include, "the include file floodgate writes");
  c->add_option("--nginx-name", o.nginx_name, "upstream name (or split_clients variable)");
  c->add_option("--nginx-canary", o.nginx_canary, "canary address (or upstream name)");
  c->add_option("--nginx-stable", o.nginx_stable, "stable address (or upstream name)");
  c->add_flag("--nginx-split-clients", o.nginx_split_clients, "write split_clients, not weights");
  c->add_option("--nginx-test", o.nginx_test, "test command (default: nginx -t)");
  c->add_option("--nginx-reload", o.nginx_reload, "reload command (default: nginx -s reload)");
  c->add_option("--webhook-url", o.webhook_url, "where the webhook router POSTs decisions");
  c->add_option("--manifest-name", o.manifest_name, "the service the manifests route");
  c->add_option("--manifest-namespace", o.manifest_namespace, "its namespace")
      ->capture_default_str();
  c->add_option("--manifest-dir", o.manifest_dir, "write manifests to this directory");
  c->add_option("--manifest-command", o.manifest_command, "or pipe them to this command");
  c->add_option("--router-attempts", o.router_attempts, "tries per router call")
      ->capture_default_str();
  c->add_option("--on-router-failure", o.on_router_failure, "abort or hold")->capture_default_str();
  c->add_option("--tick-deadline", o.tick_deadline, "a metric unanswered by then is an Error")
      ->capture_default_str();
  c->add_flag("--quiet", o.quiet, "print decisions only, no line per tick");
  return c;
}

int run_run(const run_options& o) {
  // Bad input is found before anything starts.
  const auto read = config::read_files(o.files);
  if (!read.errors.empty()) {
    fmt::print(stderr, "floodgate run: cannot read {}\n", read.errors.front().file);
    return 2;
  }
  auto files = read.files;
  auto loaded = config::load(files);
  if (!loaded.ok()) {
    for (const auto& e : loaded.errors) fmt::print(stderr, "{}\n", e.format());
    return 2;
  }
  engine::rollout_spec spec;
  spec.plan = o.plan;
  spec.prometheus = o.prometheus;
  spec.version = o.release;
  spec.started_by = "floodgate run";
  if (const char* user = std::getenv("USER")) spec.started_by += " (" + std::string(user) + ")";
  if (const auto bad = parse_assignments(o.args, spec.args)) {
    fmt::print(stderr, "floodgate run: --arg \"{}\": expected NAME=VALUE\n", *bad);
    return 2;
  }
  if (loaded.plans.empty()) {
    // An AnalysisTemplate alone runs as the AnalysisRun Argo would create from it.
    auto run = config::run_of_template(files, o.plan, spec.args);
    if (auto* e = std::get_if<std::string>(&run)) {
      fmt::print(stderr, "floodgate run: {}\n", *e);
      return 2;
    }
    files = {std::get<config::source_file>(run)};
    loaded = config::load(files);
    if (!loaded.ok()) {
      for (const auto& e : loaded.errors) fmt::print(stderr, "{}\n", e.format());
      return 2;
    }
    spec.plan.clear();
  }
  spec.files = files;
  if (o.plan.empty() && loaded.plans.size() > 1) {
    fmt::print(stderr, "floodgate run: the files hold {} plans; name one with --plan\n",
               loaded.plans.size());
    return 2;
  }
  spec.id = !o.id.empty() ? o.id : (o.plan.empty() ? loaded.plans.at(0).name : o.plan);
  const auto deadline = parse_duration(o.tick_deadline);
  if (const auto* e = std::get_if<std::string>(&deadline)) {
    fmt::print(stderr, "floodgate run: --tick-deadline: {}\n", *e);
    return 2;
  }
  if (o.on_router_failure != "abort" && o.on_router_failure != "hold") {
    fmt::print(stderr, "floodgate run: --on-router-failure: expected abort or hold, found \"{}\"\n",
               o.on_router_failure);
    return 2;
  }

  boost::asio::io_context io;
  providers::live_metrics_options mo;
  std::unique_ptr<providers::ports::traffic_router> router;
  try {
    if (!o.token_file.empty())
      mo.bearer_token = read_secret_file(o.token_file, "--bearer-token-file");
    router = make_router(io, o);
  } catch (const std::invalid_argument& e) {
    fmt::print(stderr, "floodgate run: {}\n", e.what());
    return 2;
  }
  std::ofstream record_file;
  std::optional<providers::recorded::csv_recorder> recorder;
  if (!o.record.empty()) {
    record_file.open(o.record, std::ios::trunc);
    if (!record_file) {
      fmt::print(stderr, "floodgate run: --record: cannot write {}\n", o.record);
      return 2;
    }
    recorder.emplace(record_file);
    mo.tap = [&recorder](const std::string& promql, core::instant at, std::string_view body) {
      recorder->add(promql, at, body);
    };
  }
  auto metrics = providers::make_live_metrics(io, mo);

  engine::engine_options eo;
  eo.journal_path = o.journal.empty() ? "floodgate-journal-" + spec.id + ".jsonl" : o.journal;
  eo.tick_deadline = core::millis(static_cast<long long>(std::get<double>(deadline) * 1000));
  eo.on_router_failure = o.on_router_failure == "hold"
                             ? engine::engine_options::router_failure::hold
                             : engine::engine_options::router_failure::abort;
  std::optional<core::instant> epoch;
  int exit_code = 3;
  std::unique_ptr<engine::engine> eng;
  bool stopping = false;
  auto stop = [&] {
    if (stopping) return;
    stopping = true;
    eng->drain([&] { io.stop(); });
  };
  engine::engine_events ev;
  ev.decision = [&](const std::string&, const core::decision& d) {
    if (!epoch) epoch = d.at;
    fmt::print("{}\n", core::format_decision(d, *epoch));
    std::fflush(stdout);
  };
  ev.status = [&](const std::string& id, const std::string& line) {
    if (!o.quiet) fmt::print(stderr, "{}: {}\n", id, line);
    const auto v = eng->get(id);
    if (v && v->waiting_for_human && !v->finished && !stopping) {
      fmt::print(stderr,
                 "{}: paused until a human approves; floodgate run stops here and resumes from "
                 "the journal when run again\n",
                 id);
      exit_code = 3;
      stop();
    }
  };
  ev.warning = [&](const std::string& id, const std::string& m) {
    fmt::print(stderr, "{}: warning: {}\n", id.empty() ? "floodgate" : id, m);
  };
  ev.finished = [&](const std::string& id, core::rollout_status s) {
    fmt::print(stderr, "{}: {}\n", id, core::rollout_status_name(s));
    exit_code = s == core::rollout_status::promoted  ? 0
                : s == core::rollout_status::aborted ? 1
                                                     : 3;
    stop();
  };
  eng = std::make_unique<engine::engine>(io, *metrics, router.get(), eo, ev);
  try {
    for (const auto& w : eng->recover()) fmt::print(stderr, "floodgate: warning: {}\n", w);
  } catch (const std::exception& e) {
    fmt::print(stderr, "floodgate run: {}\n", e.what());
    return 2;
  }
  if (const auto v = eng->get(spec.id); v && !v->finished) {
    fmt::print(stderr, "{}: resuming from {} ({})\n", spec.id, eo.journal_path, v->summary);
    if (!v->decisions.empty()) epoch = v->decisions.front().at;
  } else if (const auto e = eng->start(spec)) {
    fmt::print(stderr, "floodgate run: {}\n", e->message);
    return 2;
  } else {
    fmt::print(stderr, "{}: started; journal {}{}\n", spec.id, eo.journal_path,
               router ? ", router " + router->describe() : "");
  }
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    fmt::print(stderr, "{}: {} received; finishing the tick in flight (run again to resume)\n",
               spec.id, sig == SIGINT ? "SIGINT" : "SIGTERM");
    exit_code = 3;
    stop();
  });
  io.run();
  return exit_code;
}

}  // namespace floodgate::app
