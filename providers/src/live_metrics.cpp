#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <floodgate/providers/live_metrics.hpp>
#include <floodgate/providers/metric_readings.hpp>
#include <floodgate/providers/prometheus_client.hpp>
#include <map>

namespace floodgate::providers {

namespace {

// Waits for every arm of one comparison measurement.
struct gathering {
  std::size_t waiting = 0;
  std::map<std::string, std::variant<reading, std::string>> arms;
  std::function<void(ports::metric_answer)> done;
};

class live_metrics final : public ports::metrics_source {
 public:
  live_metrics(boost::asio::io_context& io, live_metrics_options o) : io_(io), opt_(std::move(o)) {}

  void measure(const ports::metric_query& q,
               std::function<void(ports::metric_answer)> done) override {
    if (q.provider != "prometheus" && q.provider != "web")
      return fail(std::move(done), "the " + q.provider + " provider is not measured live");
    if (const auto bad = check_base_url(split_url(q.address).first))
      return fail(std::move(done), q.provider + " address: " + *bad);
    if (q.provider == "prometheus") return prometheus(q, std::move(done));
    web(q, std::move(done));
  }

 private:
  // Answered later on the io_context, like every other answer (never from inside measure()).
  void fail(std::function<void(ports::metric_answer)> done, std::string why) {
    boost::asio::post(io_, [done = std::move(done), why = std::move(why)]() mutable {
      done(answer_of(std::move(why)));
    });
  }

  http_endpoint endpoint(const std::string& base, const ports::metric_query& q) const {
    http_endpoint ep;
    ep.base_url = base;
    ep.deadline = q.timeout.value_or(opt_.deadline);
    ep.retry = opt_.retry;
    ep.bearer_token = opt_.bearer_token;
    ep.headers = q.headers;
    ep.max_connections = opt_.connections;
    return ep;
  }

  // Clients are kept per address and settings, so keep-alive connections serve every interval.
  static std::string key(const http_endpoint& ep) {
    std::string k = ep.base_url + "\n" + std::to_string(ep.deadline.count());
    for (const auto& [n, v] : ep.headers) k += "\n" + n + ": " + v;
    return k;
  }

  template <typename Client>
  Client& client_for(std::map<std::string, std::unique_ptr<Client>>& clients, http_endpoint ep) {
    auto& slot = clients[key(ep)];
    if (!slot) slot = std::make_unique<Client>(io_, std::move(ep));
    return *slot;
  }

  void prometheus(const ports::metric_query& q, std::function<void(ports::metric_answer)> done) {
    auto& client = client_for(prometheus_, endpoint(q.address, q));
    const auto secs = [](core::millis d) { return static_cast<double>(d.count()) / 1000.0; };
    const std::optional<double> at =
        q.at ? std::optional<double>(secs(q.at->time_since_epoch())) : std::nullopt;
    const auto reply = [](std::function<void(ports::metric_answer)> to) {
      return [to = std::move(to)](prometheus_answer a) { to(answer_of(read_answer(a))); };
    };
    // What the tap sees: each instant query's body, before it is read (no wrapper without one).
    const auto tapped = [this, &q](const std::string& promql,
                                   std::function<void(prometheus_answer)> then) {
      if (!opt_.tap || !q.at) return then;
      return std::function<void(prometheus_answer)>(
          [tap = opt_.tap, promql, at = *q.at, then = std::move(then)](prometheus_answer a) {
            if (a.http.response) tap(promql, at, a.http.response->body);
            then(std::move(a));
          });
    };
    if (q.range) {
      client.query_range(q.query, secs(q.range->start.time_since_epoch()),
                         secs(q.range->end.time_since_epoch()), secs(q.range->step),
                         reply(std::move(done)));
      return;
    }
    if (q.arms.empty()) {
      client.query(q.query, at, tapped(q.query, reply(std::move(done))));
      return;
    }
    auto g = std::make_shared<gathering>();
    g->waiting = q.arms.size();
    g->done = std::move(done);
    for (const auto& [arm, promql] : q.arms) {
      client.query(promql, at, tapped(promql, [g, arm = arm](prometheus_answer answer) {
                     g->arms.insert_or_assign(arm, read_answer(answer));
                     if (--g->waiting == 0) g->done(comparison_answer(std::move(g->arms)));
                   }));
    }
  }

  void web(const ports::metric_query& q, std::function<void(ports::metric_answer)> done) {
    const auto [base, target] = split_url(q.address);
    auto& client = client_for(web_, endpoint(base, q));
    http_request r;
    r.method = q.method.empty() ? "GET" : q.method;
    r.target = target;
    r.body = q.body;
    if (!r.body.empty()) r.content_type = "application/json";
    client.send(std::move(r), [path = q.query, done = std::move(done)](http_outcome out) {
      if (!out.response) return done(answer_of(out.describe()));
      done(answer_of(read_web(out.response->status, out.response->body,
                              path.empty() ? std::string_view("{$}") : std::string_view(path))));
    });
  }

  boost::asio::io_context& io_;
  live_metrics_options opt_;
  std::map<std::string, std::unique_ptr<prometheus_client>> prometheus_;
  std::map<std::string, std::unique_ptr<http_client>> web_;
};

}  // namespace

std::unique_ptr<ports::metrics_source> make_live_metrics(boost::asio::io_context& io,
                                                         live_metrics_options options) {
  return std::make_unique<live_metrics>(io, std::move(options));
}

}  // namespace floodgate::providers
