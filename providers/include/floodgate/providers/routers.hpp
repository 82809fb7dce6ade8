#pragma once
// The traffic routers floodgate drives (ports/traffic_router.hpp): HAProxy's runtime API, an
// nginx include file, a JSON webhook, and Kubernetes manifests written to a directory or piped
// to a command; plus a decorator that retries any of them. Every router sets absolute weights
// (the canary gets W percent, the stable version 100 − W), so a repeated call is harmless.
//
// Asio stays in the source file. Routers are used from the thread that runs their io_context;
// the nginx and manifest routers run their files and commands on a worker thread of their own
// and report back on the io_context.

#include <memory>
#include <string>
#include <vector>

#include <floodgate/core/duration.hpp>
#include <floodgate/providers/http_client.hpp>
#include <floodgate/providers/manifests.hpp>
#include <floodgate/providers/ports/traffic_router.hpp>

namespace boost::asio {
class io_context;
}

namespace floodgate::providers {

/// HAProxy's runtime API (the `stats socket … level admin`): `set weight <backend>/<server> N`
/// for the canary (W) and the stable server (100 − W), each read back with `get weight` and
/// compared. HAProxy answers one command per connection and closes it (non-interactive mode).
struct haproxy_target {
  std::string socket;  ///< "unix:/run/haproxy/admin.sock", "/run/…sock" or "127.0.0.1:9999"
  std::string backend;
  std::string canary_server;
  std::string stable_server;
  core::millis timeout{5000};  ///< per command
};
std::unique_ptr<ports::traffic_router> make_haproxy_router(boost::asio::io_context& io,
                                                           haproxy_target target);

/// nginx: an include file holding either an `upstream` block with the two servers' weights (a
/// server at 0 % is marked `down`, since nginx refuses weight=0) or a `split_clients` block
/// mapping a share of requests to the canary's and stable's upstream names. The file is written
/// atomically (temporary file, fsync, rename); then `test_command` runs (`nginx -t`), and when
/// it fails the previous file is put back and the call fails; then `reload_command`.
struct nginx_target {
  enum class style { upstream, split_clients } kind = style::upstream;
  std::string include_file;
  std::string name;    ///< upstream name, or split_clients' variable without the '$'
  std::string canary;  ///< upstream: "127.0.0.1:8082"; split_clients: an upstream name
  std::string stable;
  std::string split_key = "${remote_addr}${request_id}";  ///< split_clients' hashed string
  std::vector<std::string> test_command{"nginx", "-t"};
  std::vector<std::string> reload_command{"nginx", "-s", "reload"};
  core::millis command_timeout{30000};
};
/// The include file's text for a canary weight (0..100; outside it throws
/// std::invalid_argument).
std::string render_nginx_include(const nginx_target& t, int canary_weight);
std::unique_ptr<ports::traffic_router> make_nginx_router(boost::asio::io_context& io,
                                                         nginx_target target);

/// A JSON webhook: POST {"rollout", "canary_weight", "decision": {…}} to the endpoint's base
/// URL plus `path`; any 2xx is done. Retries are the endpoint's (http_client).
std::unique_ptr<ports::traffic_router> make_webhook_router(boost::asio::io_context& io,
                                                           http_endpoint endpoint,
                                                           std::string path = "");

/// Kubernetes manifests (manifests.hpp): `kind` ∈ istio, ingress-nginx, gateway-api, smi. The
/// JSON document is written atomically to `<directory>/<name>.<kind>.json`, or piped to
/// `command`'s standard input (for `kubectl apply -f -`), whose non-zero exit is an error.
struct manifest_target {
  std::string kind;
  split_target target;
  std::string directory;             ///< one of directory and command
  std::vector<std::string> command;  ///< argv, run without a shell
  core::millis command_timeout{30000};
};
/// The problem with a manifest kind, or nothing.
std::optional<std::string> check_manifest_kind(const std::string& kind);
std::unique_ptr<ports::traffic_router> make_manifest_router(boost::asio::io_context& io,
                                                            manifest_target target);

/// Tries a failed call again: up to `policy.max_attempts` calls with the policy's capped
/// exponential backoff between them; the last error, prefixed with the attempt count, when all
/// fail.
std::unique_ptr<ports::traffic_router> with_retries(boost::asio::io_context& io,
                                                    std::unique_ptr<ports::traffic_router> inner,
                                                    retry_policy policy);

/// What a command run by a router came to.
struct command_result {
  int exit_code = -1;  ///< -1: it could not be started or was killed at the timeout
  std::string output;  ///< standard output and error together (the first 64 KiB)
  std::string error;   ///< why it did not run to an exit, or empty
  bool ok() const { return error.empty() && exit_code == 0; }
  std::string describe(const std::vector<std::string>& argv) const;
};
/// Runs argv (searched in PATH, no shell) with `input` on its standard input; blocking.
command_result run_command(const std::vector<std::string>& argv, const std::string& input,
                           core::millis timeout);

/// Replaces `path` with `text` atomically: a temporary file beside it, fsync, rename, fsync of
/// the directory. The error, or nothing.
std::optional<std::string> write_file_atomically(const std::string& path, const std::string& text);

}  // namespace floodgate::providers
