#pragma once
// floodgate's sidecar in the test process: an engine (journal in a scratch directory), its API
// and the Beast server on a free loopback port, run on a thread of their own; requests go over
// real HTTP. Stopped (drained) when the fixture ends.

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <floodgate/engine/api.hpp>
#include <floodgate/engine/engine.hpp>
#include <floodgate/engine/server.hpp>
#include <floodgate/engine/telemetry.hpp>
#include <memory>
#include <string>
#include <thread>

#include "no_metrics.hpp"
#include "process.hpp"
#include "route_once.hpp"

namespace floodgate::testing {

class sidecar {
 public:
  /// `make_metrics` builds the metrics source on the sidecar's io_context.
  sidecar(std::function<std::unique_ptr<providers::ports::metrics_source>(boost::asio::io_context&)>
              make_metrics,
          engine::api_options options, engine::server_options server = {})
      : metrics_(make_metrics(io_)) {
    engine::engine_options eo;
    eo.journal_path = journal();
    eo.tick_deadline = std::chrono::milliseconds(2000);
    engine::engine_events ev;
    ev.decision = [this](const std::string& id, const core::decision& d) {
      if (api_) api_->on_decision(id, d);
    };
    ev.finished = [this](const std::string& id, core::rollout_status s) {
      if (api_) api_->on_finished(id, s);
    };
    engine_ = std::make_unique<engine::engine>(io_, *metrics_, nullptr, eo, ev);
    api_ = std::make_unique<engine::api>(*engine_, telemetry_, *metrics_, std::move(options));
    engine_->recover();
    server.address = "127.0.0.1";
    server.port = 0;
    server_ = std::make_unique<engine::http_server>(io_, *api_, server);
    api_->set_ready(true);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~sidecar() {
    boost::asio::post(io_, [this] {
      server_->stop();
      engine_->drain([this] { io_.stop(); });
    });
    thread_.join();
  }
  sidecar(const sidecar&) = delete;
  sidecar& operator=(const sidecar&) = delete;

  std::string base() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  std::string journal() const { return (dir_.path() / "journal.jsonl").string(); }

  /// One request over HTTP; the response (status 0 when there was none).
  providers::http_response send(const std::string& method, const std::string& target,
                                const std::string& body = "",
                                providers::header_list headers = {}) const {
    providers::http_request r;
    r.method = method;
    r.target = target;
    r.body = body;
    if (!body.empty()) r.content_type = "application/json";
    r.headers = std::move(headers);
    auto o = send_once(base(), std::move(r));
    return o.response.value_or(providers::http_response{});
  }

 private:
  scratch_dir dir_{"floodgate-sidecar"};
  boost::asio::io_context io_;
  std::unique_ptr<providers::ports::metrics_source> metrics_;
  engine::telemetry telemetry_;
  std::unique_ptr<engine::engine> engine_;
  std::unique_ptr<engine::api> api_;
  std::unique_ptr<engine::http_server> server_;
  std::thread thread_;
};

}  // namespace floodgate::testing
