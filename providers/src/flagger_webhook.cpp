#include <floodgate/providers/flagger_webhook.hpp>

#include <cstdint>
#include <cstdio>
#include <floodgate/providers/ports/decision_json.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <utility>

namespace floodgate::providers {

std::string payload_json(const flagger_payload& p) {
  nlohmann::ordered_json j;
  j["name"] = p.name;
  j["namespace"] = p.name_space;
  j["phase"] = p.phase;
  j["checksum"] = p.checksum;
  if (!p.metadata.empty()) j["metadata"] = p.metadata;
  return ports::json_text(j);
}

flagger_payload event_payload(flagger_payload base, const std::string& message,
                              const std::string& event_type, long long unix_millis) {
  base.metadata["eventMessage"] = message;
  base.metadata["eventType"] = event_type;
  base.metadata["timestamp"] = std::to_string(unix_millis);
  return base;
}

std::string revision_checksum(const std::map<std::string, std::string>& tracked_configs,
                              const std::string& last_applied_spec) {
  // FNV-1a 64 (Fowler, Noll, Vo; IETF draft-eastlake-fnv): offset basis and prime below. A field
  // separator (0xFF, never in UTF-8 text) keeps {"ab","c"} apart from {"a","bc"}.
  std::uint64_t h = 14695981039346656037ull;
  const auto mix = [&](const std::string& s) {
    for (const char c : s) {
      h ^= static_cast<unsigned char>(c);
      h *= 1099511628211ull;
    }
    h ^= 0xFFu;
    h *= 1099511628211ull;
  };
  for (const auto& [name, hash] : tracked_configs) {
    mix(name);
    mix(hash);
  }
  mix(last_applied_spec);
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
  return out;
}

http_endpoint hook_endpoint(const flagger_hook& hook) {
  http_endpoint ep;
  ep.base_url = split_url(hook.url).first;
  ep.attempt_timeout = hook.timeout;
  ep.retry.max_attempts = hook.retries + 1;
  ep.retry.base = core::millis(1000);
  ep.retry.cap = core::millis(30000);
  ep.retry.jitter = false;
  // Every attempt may take its full timeout and every wait its full backoff (Retry-After may
  // be longer; the overall deadline then ends the retries, as a Flagger tick would).
  ep.deadline = hook.timeout * (hook.retries + 1);
  for (int k = 1; k <= hook.retries; ++k) ep.deadline += backoff_ceiling(ep.retry, k);
  ep.verify_tls = !hook.disable_tls;
  ep.max_connections = 1;
  return ep;
}

void call_hook(boost::asio::io_context& io, const flagger_hook& hook,
               const flagger_payload& payload, std::function<void(hook_result)> done) {
  http_request r;
  r.method = "POST";
  r.target = split_url(hook.url).second;
  r.body = payload_json(payload);
  r.content_type = "application/json";
  http_endpoint endpoint = hook_endpoint(hook);
  if (const auto bad = check_base_url(endpoint.base_url)) {
    done(hook_result{false, "webhook " + hook.name + ": " + *bad, 0, 0});
    return;
  }
  auto client = std::make_shared<http_client>(io, std::move(endpoint));
  const std::string url = hook.url;
  client->send(std::move(r), [client, url, done = std::move(done)](http_outcome out) {
    hook_result res;
    res.attempts = out.attempts;
    if (!out.response) {
      res.error = "POST " + url + ": " + out.error;
    } else {
      res.status = out.response->status;
      const int s = res.status;
      res.go = s == 200 || s == 201 || s == 202;
      if (!res.go && retryable_status(s)) {
        res.error =
            "POST " + url + " giving up after " + std::to_string(out.attempts) + " attempt(s)";
      } else if (!res.go) {
        res.error = out.response->body.empty() ? out.describe() : out.response->body;
      }
    }
    done(std::move(res));
  });
}

}  // namespace floodgate::providers
