#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <chrono>
#include <floodgate/engine/telemetry.hpp>

namespace floodgate::engine {

namespace {

// Seconds from 1 ms to 60 s: a Prometheus query on loopback to a slow one at its deadline.
prometheus::Histogram::BucketBoundaries latency_buckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
}

// A counter that mirrors a count kept elsewhere (it only ever grows).
void mirror(prometheus::Counter& c, std::uint64_t value) {
  const double now = static_cast<double>(value);
  if (now > c.Value()) c.Increment(now - c.Value());
}

}  // namespace

struct telemetry::impl {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  prometheus::Gauge& active = prometheus::BuildGauge()
                                  .Name("floodgate_active_rollouts")
                                  .Help("Rollouts being analysed (not promoted or aborted)")
                                  .Register(*registry)
                                  .Add({});
  prometheus::Family<prometheus::Counter>& decisions =
      prometheus::BuildCounter()
          .Name("floodgate_decisions_total")
          .Help("Decisions taken, by kind (set_weight, pause, promote, abort, ...)")
          .Register(*registry);
  prometheus::Histogram& query_latency =
      prometheus::BuildHistogram()
          .Name("floodgate_query_duration_seconds")
          .Help("Time from asking a metrics provider to its answer (or error)")
          .Register(*registry)
          .Add({}, latency_buckets());
  prometheus::Counter& query_errors = prometheus::BuildCounter()
                                          .Name("floodgate_query_errors_total")
                                          .Help("Measurements that ended in an error")
                                          .Register(*registry)
                                          .Add({});
  prometheus::Counter& router_errors = prometheus::BuildCounter()
                                           .Name("floodgate_router_errors_total")
                                           .Help("Router calls that failed after their retries")
                                           .Register(*registry)
                                           .Add({});
  prometheus::Histogram& fsync_latency =
      prometheus::BuildHistogram()
          .Name("floodgate_journal_fsync_seconds")
          .Help("Time of one fdatasync of the journal (a decision's record, or a second's ticks)")
          .Register(*registry)
          .Add({}, prometheus::Histogram::BucketBoundaries{0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                           0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1});
  prometheus::Histogram& tick_latency =
      prometheus::BuildHistogram()
          .Name("floodgate_tick_duration_seconds")
          .Help(
              "Time of one rollout's tick, from its wake-up to its journal record (its queries, "
              "the judging of its comparisons, its controller)")
          .Register(*registry)
          .Add({}, latency_buckets());
  prometheus::Family<prometheus::Counter>& http =
      prometheus::BuildCounter()
          .Name("floodgate_http_responses_total")
          .Help("Sidecar API responses, by HTTP status code")
          .Register(*registry);
};

telemetry::telemetry() : impl_(std::make_unique<impl>()) {}
telemetry::~telemetry() = default;

void telemetry::decision(std::string_view kind) {
  impl_->decisions.Add({{"kind", std::string(kind)}}).Increment();
}

void telemetry::query(double seconds) { impl_->query_latency.Observe(seconds); }

void telemetry::journal_fsync(double seconds) { impl_->fsync_latency.Observe(seconds); }

void telemetry::tick(double seconds) { impl_->tick_latency.Observe(seconds); }

void telemetry::http(int status) {
  impl_->http.Add({{"code", std::to_string(status)}}).Increment();
}

void telemetry::engine_counts(std::uint64_t active_rollouts, std::uint64_t query_errors,
                              std::uint64_t router_errors) {
  impl_->active.Set(static_cast<double>(active_rollouts));
  mirror(impl_->query_errors, query_errors);
  mirror(impl_->router_errors, router_errors);
}

std::string telemetry::text() const {
  return prometheus::TextSerializer().Serialize(impl_->registry->Collect());
}

void timed_metrics::measure(const providers::ports::metric_query& q,
                            std::function<void(providers::ports::metric_answer)> done) {
  const auto start = std::chrono::steady_clock::now();
  inner_.measure(q, [this, start, done = std::move(done)](providers::ports::metric_answer a) {
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    t_.query(took.count());
    done(std::move(a));
  });
}

}  // namespace floodgate::engine
