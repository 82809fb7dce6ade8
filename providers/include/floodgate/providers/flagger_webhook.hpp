#pragma once
// Calling a Flagger webhook as Flagger does (pkg/controller/webhook.go; shared/reference/
// flagger-and-routers.md §3): POST a JSON body {"name","namespace","phase","checksum",
// "metadata"} (metadata omitted when empty); 200, 201 and 202 are a go, anything else — 204
// included —, a timeout or a connection error a no-go. The timeout (default 10 s) applies per
// attempt; `retries` (default 0) retries connection errors, 429 and 5xx except 501 after
// 1 s·2^n (capped at 30 s, Retry-After honoured), as go-retryablehttp v0.7.8 does.

#include <functional>
#include <map>
#include <string>

#include <floodgate/core/duration.hpp>
#include <floodgate/providers/http_client.hpp>

namespace floodgate::providers {

struct flagger_hook {
  std::string name;
  std::string type;  ///< confirm-rollout, pre-rollout, rollout, …, event
  std::string url;
  core::millis timeout{10000};
  int retries = 0;
  std::map<std::string, std::string> metadata;
  bool disable_tls = false;  ///< skip certificate verification
};

/// What Flagger sends. `checksum` identifies the revision under test.
struct flagger_payload {
  std::string name;
  std::string name_space;
  std::string phase;
  std::string checksum;
  std::map<std::string, std::string> metadata;
};

/// The request body, keys as Flagger writes them.
std::string payload_json(const flagger_payload& p);

/// An event hook's payload: the hook's metadata plus eventMessage, eventType ("Normal" or
/// "Warning") and timestamp (Unix milliseconds as a string), which the hook's own metadata
/// cannot override.
flagger_payload event_payload(flagger_payload base, const std::string& message,
                              const std::string& event_type, long long unix_millis);

/// A revision's identity as Flagger's canaryChecksum uses it: the tracked ConfigMaps and Secrets
/// (name → hash) and the last applied spec hash. floodgate's value is FNV-1a (64 bit, hex) over
/// those fields in order; it is not byte-equal to Flagger's (a hash of Go's spew printing), only
/// equally stable: the same revision gives the same checksum, another revision another.
std::string revision_checksum(const std::map<std::string, std::string>& tracked_configs,
                              const std::string& last_applied_spec);

/// The HTTP endpoint settings of a hook (timeout per attempt, retries, backoff, TLS).
http_endpoint hook_endpoint(const flagger_hook& hook);

struct hook_result {
  bool go = false;
  std::string
      error;  ///< why not: the body for a refusal, "POST <url> giving up after N attempt(s)"
  int attempts = 0;
  int status = 0;  ///< the last HTTP status, 0 without a response
};

/// Calls the hook with `payload`; `done` runs once, on the io_context.
void call_hook(boost::asio::io_context& io, const flagger_hook& hook,
               const flagger_payload& payload, std::function<void(hook_result)> done);

}  // namespace floodgate::providers
