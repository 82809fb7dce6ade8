// The HAProxy and nginx routers against the real servers from Debian's packages, on free
// loopback ports, in front of two scripted backends (stable and canary); the traffic that comes
// through shows the weights took effect. Label: integration.

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <floodgate/providers/routers.hpp>
#include <fstream>
#include <optional>

#include "../support/files.hpp"
#include "../support/http_stub.hpp"
#include "../support/process.hpp"
#include "../support/route_once.hpp"

using namespace floodgate::providers;
using namespace floodgate::testing;
using std::chrono::seconds;

namespace {

std::string port_text(unsigned short p) { return std::to_string(p); }

// Two backends that say who they are.
struct backends {
  http_stub stable{[](const stub_request&) { return reply(200, "stable", "text/plain"); }};
  http_stub canary{[](const stub_request&) { return reply(200, "canary", "text/plain"); }};
};

struct real_haproxy {
  scratch_dir dir{"floodgate-haproxy"};
  unsigned short port = unused_port();
  unsigned short admin_port = unused_port();
  std::optional<child_process> process;

  explicit real_haproxy(const backends& b) {
    const auto cfg = dir.path() / "haproxy.cfg";
    std::ofstream(cfg) << "global\n"
                       << "  stats socket " << (dir.path() / "admin.sock").string()
                       << " mode 600 level admin\n"
                       << "  stats socket ipv4@127.0.0.1:" << admin_port << " level admin\n"
                       << "defaults\n  mode http\n  timeout connect 2s\n  timeout client 10s\n"
                       << "  timeout server 10s\n"
                       << "frontend fe\n  bind 127.0.0.1:" << port << "\n  default_backend app\n"
                       << "backend app\n  balance roundrobin\n"
                       << "  server stable 127.0.0.1:" << b.stable.port() << " weight 100\n"
                       << "  server canary 127.0.0.1:" << b.canary.port() << " weight 0\n";
    process.emplace(std::vector<std::string>{"haproxy", "-db", "-f", cfg.string()},
                    dir.path() / "haproxy.log");
    if (!wait_until([&] { return get_once(url(), "/").ok(); }, seconds(20)))
      FAIL("HAProxy did not start:\n" << read_file(dir.path() / "haproxy.log"));
  }
  std::string url() const { return "http://127.0.0.1:" + port_text(port); }
  haproxy_target target(std::string socket) const {
    haproxy_target t;
    t.socket = std::move(socket);
    t.backend = "app";
    t.canary_server = "canary";
    t.stable_server = "stable";
    return t;
  }
};

}  // namespace

TEST_CASE("HAProxy's runtime API takes the weights, over a unix and a TCP socket",
          "[integration][haproxy]") {
  if (!on_path("haproxy")) FAIL("haproxy is not installed (scripts/install-deps)");
  backends b;
  real_haproxy h(b);
  REQUIRE(canary_share(h.url(), 10) == 0);

  const auto unix_target = h.target("unix:" + (h.dir.path() / "admin.sock").string());
  auto via = [](haproxy_target t) {
    return [t](boost::asio::io_context& io) { return make_haproxy_router(io, t); };
  };
  REQUIRE_FALSE(route_once(via(unix_target), 20));
  // Weighted round robin: 20 of every 100 requests.
  const int share = canary_share(h.url(), 100);
  CHECK(share >= 15);
  CHECK(share <= 25);

  const auto tcp_target = h.target("127.0.0.1:" + port_text(h.admin_port));
  REQUIRE_FALSE(route_once(via(tcp_target), 100));
  CHECK(canary_share(h.url(), 20) == 20);
  REQUIRE_FALSE(route_once(via(tcp_target), 0));
  CHECK(canary_share(h.url(), 20) == 0);

  auto wrong = unix_target;
  wrong.canary_server = "canry";
  CHECK(route_once(via(wrong), 50) == "haproxy: set weight app/canry 50: No such server.");
  CHECK(canary_share(h.url(), 10) == 0);

  auto absent = unix_target;
  absent.socket = "unix:" + (h.dir.path() / "nothing.sock").string();
  const auto refused = route_once(via(absent), 50);
  REQUIRE(refused);
  CHECK(refused->find("connect " + (h.dir.path() / "nothing.sock").string() + ": ") !=
        std::string::npos);

  // Retried until HAProxy is back is the decorator's job; here it gives up after 2 attempts.
  retry_policy twice;
  twice.max_attempts = 2;
  twice.base = std::chrono::milliseconds(10);
  const auto retried = route_once(
      [&](boost::asio::io_context& io) {
        return with_retries(io, make_haproxy_router(io, absent), twice);
      },
      50);
  REQUIRE(retried);
  CHECK(retried->rfind("after 2 attempts: haproxy ", 0) == 0);
}

namespace {

struct real_nginx {
  scratch_dir dir{"floodgate-nginx"};
  unsigned short port = unused_port();
  nginx_target target;
  std::optional<child_process> process;

  real_nginx(const backends& b, nginx_target::style kind) {
    const auto d = dir.path().string();
    const auto conf = d + "/nginx.conf";
    const auto err = d + "/error.log";
    target.kind = kind;
    target.include_file = d + "/split.conf";
    if (kind == nginx_target::style::upstream) {
      target.name = "app";
      target.canary = "127.0.0.1:" + port_text(b.canary.port());
      target.stable = "127.0.0.1:" + port_text(b.stable.port());
    } else {
      target.name = "app_upstream";
      target.canary = "app_canary";
      target.stable = "app_stable";
      target.split_key = "${request_id}";
    }
    target.test_command = {"nginx", "-q", "-t", "-c", conf, "-p", d, "-e", err};
    target.reload_command = {"nginx", "-c", conf, "-p", d, "-e", err, "-s", "reload"};
    std::ofstream(target.include_file) << render_nginx_include(target, 0);
    std::ofstream c(conf);
    c << "worker_processes 1;\npid " << d << "/nginx.pid;\nevents {}\nhttp {\n"
      << "  access_log off;\n";
    for (const char* t : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"})
      c << "  " << t << "_temp_path " << d << "/" << t << ";\n";
    if (kind == nginx_target::style::split_clients) {
      c << "  upstream app_stable { server 127.0.0.1:" << b.stable.port() << "; }\n"
        << "  upstream app_canary { server 127.0.0.1:" << b.canary.port() << "; }\n";
    }
    c << "  include " << target.include_file << ";\n"
      << "  server {\n    listen 127.0.0.1:" << port << ";\n"
      << "    location / { proxy_pass http://"
      << (kind == nginx_target::style::upstream ? "app" : "$app_upstream") << "; }\n  }\n}\n";
    c.close();
    process.emplace(
        std::vector<std::string>{"nginx", "-c", conf, "-p", d, "-e", err, "-g", "daemon off;"},
        dir.path() / "nginx.log");
    if (!wait_until([&] { return get_once(url(), "/").ok(); }, seconds(20)))
      FAIL("nginx did not start:\n" << read_file(err) << read_file(dir.path() / "nginx.log"));
  }
  std::string url() const { return "http://127.0.0.1:" + port_text(port); }
  // The master's worker processes ("4711 "), from /proc.
  std::string workers() const {
    const auto pid = std::to_string(process->pid());
    return read_file("/proc/" + pid + "/task/" + pid + "/children");
  }
  // Routes, and after a reload waits until the old worker is gone and one new one serves.
  std::optional<std::string> route(int w, const nginx_target& t) {
    const std::string before = workers();
    auto e = route_once([&](boost::asio::io_context& io) { return make_nginx_router(io, t); }, w);
    if (!e && !wait_until(
                  [&] {
                    const std::string now = workers();
                    return now != before && now.find(' ') + 1 == now.size();
                  },
                  seconds(20)))
      e = "the reload did not replace nginx's worker: " + workers();
    return e;
  }
};

}  // namespace

TEST_CASE("nginx upstream weights: written, tested, reloaded, a bad one is put back",
          "[integration][nginx]") {
  if (!on_path("nginx")) FAIL("nginx is not installed (scripts/install-deps)");
  backends b;
  real_nginx n(b, nginx_target::style::upstream);
  REQUIRE(canary_share(n.url(), 10) == 0);

  REQUIRE_FALSE(n.route(100, n.target));
  CHECK(canary_share(n.url(), 10) == 10);
  REQUIRE_FALSE(n.route(30, n.target));
  const int share = canary_share(n.url(), 100);  // weighted round robin: 30 of 100
  CHECK(share >= 25);
  CHECK(share <= 35);

  // An address nginx refuses: `nginx -t` fails, the previous file returns, traffic goes on.
  const std::string before = read_file(n.target.include_file);
  auto broken = n.target;
  broken.canary = "127.0.0.1:99999";
  const auto error = n.route(50, broken);
  REQUIRE(error);
  CHECK(error->find("invalid port") != std::string::npos);
  CHECK(error->find("the previous file is back in place") != std::string::npos);
  CHECK(read_file(n.target.include_file) == before);
  CHECK(canary_share(n.url(), 10) >= 1);

  REQUIRE_FALSE(n.route(0, n.target));
  CHECK(canary_share(n.url(), 10) == 0);
}

TEST_CASE("nginx split_clients shares requests by hash", "[integration][nginx]") {
  if (!on_path("nginx")) FAIL("nginx is not installed (scripts/install-deps)");
  backends b;
  real_nginx n(b, nginx_target::style::split_clients);
  REQUIRE(canary_share(n.url(), 10) == 0);
  REQUIRE_FALSE(n.route(100, n.target));
  CHECK(canary_share(n.url(), 10) == 10);
  REQUIRE_FALSE(n.route(50, n.target));
  // $request_id is random: the canary's share of 200 requests is Binomial(200, 0.5); 70..130
  // holds with probability 1 − 2e-5 (R: pbinom(69, 200, 0.5) * 2).
  const int share = canary_share(n.url(), 200);
  CHECK(share >= 70);
  CHECK(share <= 130);
}
