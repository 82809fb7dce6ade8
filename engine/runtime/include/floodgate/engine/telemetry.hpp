#pragma once
// What floodgate tells Prometheus about itself (`/metrics`): active rollouts, decisions by
// kind, the latency of every metric query, journal fsync and tick, query and router errors, and the
// sidecar's HTTP answers by status code. prometheus-cpp's core registry and text serializer;
// the registry stays in the source file.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <floodgate/providers/ports/metrics_source.hpp>

namespace floodgate::engine {

class telemetry {
 public:
  telemetry();
  ~telemetry();
  telemetry(const telemetry&) = delete;
  telemetry& operator=(const telemetry&) = delete;

  void decision(std::string_view kind);
  void query(double seconds);
  void journal_fsync(double seconds);
  void tick(double seconds);
  void http(int status);
  /// The engine's own counts, read at scrape time (errors the engine saw, e.g. tick deadlines).
  void engine_counts(std::uint64_t active_rollouts, std::uint64_t query_errors,
                     std::uint64_t router_errors);

  /// The Prometheus text exposition format (version 0.0.4).
  std::string text() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// A metrics source that times every measurement into `t` and passes it on to `inner`.
class timed_metrics final : public providers::ports::metrics_source {
 public:
  timed_metrics(providers::ports::metrics_source& inner, telemetry& t) : inner_(inner), t_(t) {}
  void measure(const providers::ports::metric_query& q,
               std::function<void(providers::ports::metric_answer)> done) override;

 private:
  providers::ports::metrics_source& inner_;
  telemetry& t_;
};

}  // namespace floodgate::engine
