// The JSON webhook router and the retrying decorator every router can wear.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <floodgate/providers/ports/decision_json.hpp>
#include <floodgate/providers/routers.hpp>
#include <random>

namespace floodgate::providers {

namespace asio = boost::asio;

namespace {

class webhook_router final : public ports::traffic_router {
 public:
  webhook_router(asio::io_context& io, http_endpoint endpoint, std::string path)
      : client_(io, std::move(endpoint)), path_(std::move(path)) {}

  std::string describe() const override { return "webhook " + client_.endpoint().base_url + path_; }

  void set_weight(const ports::route_change& change,
                  std::function<void(std::optional<std::string>)> done) override {
    nlohmann::ordered_json body;
    body["rollout"] = change.rollout;
    body["canary_weight"] = change.canary_weight;
    body["decision"] = ports::decision_to_json(change.because);
    http_request request;
    request.method = "POST";
    request.target = path_;
    request.body = ports::json_text(body);
    request.content_type = "application/json";
    client_.send(std::move(request), [done = std::move(done)](http_outcome out) {
      if (out.ok()) return done(std::nullopt);
      done("webhook: " + out.describe());
    });
  }

 private:
  http_client client_;
  std::string path_;
};

class retrying_router final : public ports::traffic_router {
 public:
  retrying_router(asio::io_context& io, std::unique_ptr<ports::traffic_router> inner,
                  retry_policy policy)
      : io_(io), inner_(std::move(inner)), policy_(policy), rng_(std::random_device{}()) {}

  std::string describe() const override { return inner_->describe(); }

  void set_weight(const ports::route_change& change,
                  std::function<void(std::optional<std::string>)> done) override {
    attempt(change, 1, std::move(done));
  }

 private:
  void attempt(ports::route_change change, int n,
               std::function<void(std::optional<std::string>)> done) {
    inner_->set_weight(change, [this, change, n,
                                done = std::move(done)](std::optional<std::string> error) mutable {
      if (!error) return done(std::nullopt);
      if (n >= policy_.max_attempts) {
        return done(n == 1 ? *error
                           : "after " + std::to_string(n) + " attempts: " + std::move(*error));
      }
      const auto ceiling = backoff_ceiling(policy_, n);
      std::uniform_int_distribution<long long> pick(0, ceiling.count());
      const core::millis wait = policy_.jitter ? core::millis(pick(rng_)) : ceiling;
      auto timer = std::make_shared<asio::steady_timer>(io_, wait);
      timer->async_wait([this, timer, change = std::move(change), n,
                         done = std::move(done)](const boost::system::error_code&) mutable {
        attempt(std::move(change), n + 1, std::move(done));
      });
    });
  }

  asio::io_context& io_;
  std::unique_ptr<ports::traffic_router> inner_;
  retry_policy policy_;
  std::mt19937_64 rng_;
};

}  // namespace

std::unique_ptr<ports::traffic_router> make_webhook_router(asio::io_context& io,
                                                           http_endpoint endpoint,
                                                           std::string path) {
  return std::make_unique<webhook_router>(io, std::move(endpoint), std::move(path));
}

std::unique_ptr<ports::traffic_router> with_retries(asio::io_context& io,
                                                    std::unique_ptr<ports::traffic_router> inner,
                                                    retry_policy policy) {
  return std::make_unique<retrying_router>(io, std::move(inner), policy);
}

}  // namespace floodgate::providers
