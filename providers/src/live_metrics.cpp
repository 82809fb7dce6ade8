#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <floodgate/providers/live_metrics.hpp>
#include <floodgate/providers/metric_readings.hpp>
#include <floodgate/providers/prometheus_client.hpp>
#include <map>

namespace floodgate::providers {

namespace {

// The numbers in a Prometheus result as Argo converted it: a scalar, or an array of them.
std::variant<std::vector<double>, std::string> numbers(const core::value& v) {
  if (v.is_number()) return std::vector<double>{v.as_double()};
  if (v.kind() != core::value_kind::array)
    return "expected numbers, found a " + std::string(core::kind_name(v.kind()));
  std::vector<double> out;
  out.reserve(v.items().size());
  for (const auto& item : v.items()) {
    if (!item.is_number())
      return "expected numbers, found a " + std::string(core::kind_name(item.kind()));
    out.push_back(item.as_double());
  }
  return out;
}

// A threshold metric's answer from a provider's reading (or its error).
ports::metric_answer answer_of(std::variant<reading, std::string> r) {
  ports::metric_answer a;
  if (auto* e = std::get_if<std::string>(&r)) {
    a.result = std::move(*e);
    return a;
  }
  auto& got = std::get<reading>(r);
  a.result = std::move(got.result);
  a.value_text = std::move(got.value_text);
  a.warnings = std::move(got.warnings);
  return a;
}

// Waits for every arm of one comparison measurement.
struct gathering {
  std::size_t waiting = 0;
  std::map<std::string, core::value> answers;
  std::vector<std::string> errors;
  std::vector<std::string> warnings;
  std::function<void(ports::metric_answer)> done;

  void finish() {
    ports::metric_answer a;
    a.warnings = std::move(warnings);
    if (!errors.empty()) {
      std::string text;
      for (const auto& e : errors) text += (text.empty() ? "" : "; ") + e;
      a.result = text;
      return done(std::move(a));
    }
    auto combined = combine_arms(answers);
    if (auto* e = std::get_if<std::string>(&combined)) {
      a.result = *e;
      return done(std::move(a));
    }
    auto& data = std::get<core::comparison_data>(combined);
    const bool samples = answers.count("canary") > 0;
    a.value_text = samples ? "canary " + std::to_string(data.canary_samples.size()) +
                                 " samples, baseline " +
                                 std::to_string(data.baseline_samples.size()) + " samples"
                           : "canary " + core::format_float_plain(data.canary.events) + "/" +
                                 core::format_float_plain(data.canary.total) + ", baseline " +
                                 core::format_float_plain(data.baseline.events) + "/" +
                                 core::format_float_plain(data.baseline.total);
    a.result = std::move(data);
    done(std::move(a));
  }
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
    if (q.range) {
      client.query_range(q.query, secs(q.range->start.time_since_epoch()),
                         secs(q.range->end.time_since_epoch()), secs(q.range->step),
                         reply(std::move(done)));
      return;
    }
    if (q.arms.empty()) {
      client.query(q.query, at, reply(std::move(done)));
      return;
    }
    auto g = std::make_shared<gathering>();
    g->waiting = q.arms.size();
    g->done = std::move(done);
    for (const auto& [arm, promql] : q.arms) {
      client.query(promql, at, [g, arm = arm](prometheus_answer answer) {
        auto r = read_answer(answer);
        if (auto* e = std::get_if<std::string>(&r)) {
          g->errors.push_back(arm + ": " + *e);
        } else {
          auto& got = std::get<reading>(r);
          g->answers[arm] = std::move(got.result);
          for (auto& w : got.warnings) g->warnings.push_back(arm + ": " + std::move(w));
        }
        if (--g->waiting == 0) g->finish();
      });
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

std::variant<core::comparison_data, std::string> combine_arms(
    const std::map<std::string, core::value>& answers) {
  core::comparison_data data;
  for (const auto& [arm, v] : answers) {
    auto got = numbers(v);
    if (auto* e = std::get_if<std::string>(&got)) return arm + ": " + *e;
    auto& xs = std::get<std::vector<double>>(got);
    const bool canary = arm.rfind("canary", 0) == 0;
    if (arm == "canary" || arm == "baseline") {
      (canary ? data.canary_samples : data.baseline_samples) = std::move(xs);
      continue;
    }
    if (xs.size() > 1)
      return arm + ": expected one number, found " + std::to_string(xs.size()) +
             " series (aggregate the query, e.g. with sum())";
    const double x = xs.empty() ? 0.0 : xs.front();  // sum() over no series: nothing happened
    auto& counts = canary ? data.canary : data.baseline;
    if (arm.size() > 7 && arm.substr(arm.size() - 7) == ".events") {
      counts.events = x;
    } else {
      counts.total = x;
    }
  }
  return data;
}

}  // namespace floodgate::providers
