#include <floodgate/providers/http_client.hpp>

#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/core/detail/base64.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <charconv>
#include <deque>
#include <random>
#include <stdexcept>
#include <variant>

namespace floodgate::providers {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

struct parsed_url {
  bool tls = false;
  std::string host;
  std::string port;
  std::string base_path;  // "" or "/prefix" (no trailing slash)
};

std::variant<parsed_url, std::string> parse_url(std::string_view url) {
  parsed_url u;
  std::string_view rest;
  if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else if (url.rfind("https://", 0) == 0) {
    u.tls = true;
    rest = url.substr(8);
  } else {
    return "expected http:// or https://, found \"" + std::string(url) + "\"";
  }
  const std::size_t slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  if (authority.empty()) return "no host in \"" + std::string(url) + "\"";
  if (authority.find('@') != std::string_view::npos) {
    return "credentials in the URL are not sent; use the endpoint's basic auth instead";
  }
  if (slash != std::string_view::npos) {
    std::string_view path = rest.substr(slash);
    if (path.find_first_of("?#") != std::string_view::npos) {
      return "a base URL has no query or fragment: \"" + std::string(url) + "\"";
    }
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    u.base_path = std::string(path);
  }
  std::string_view host = authority;
  std::string_view port;
  if (!host.empty() && host.front() == '[') {  // [::1]:9090
    const std::size_t close = host.find(']');
    if (close == std::string_view::npos) return "unclosed '[' in \"" + std::string(url) + "\"";
    if (close + 1 < host.size()) {
      if (host[close + 1] != ':') return "expected ':' after ']' in \"" + std::string(url) + "\"";
      port = host.substr(close + 2);
    }
    host = host.substr(1, close - 1);
  } else if (const std::size_t colon = host.rfind(':'); colon != std::string_view::npos) {
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
  }
  if (host.empty()) return "no host in \"" + std::string(url) + "\"";
  if (!port.empty()) {
    unsigned p = 0;
    const auto r = std::from_chars(port.data(), port.data() + port.size(), p);
    if (r.ec != std::errc() || r.ptr != port.data() + port.size() || p == 0 || p > 65535) {
      return "port \"" + std::string(port) + "\" is not a number from 1 to 65535";
    }
  }
  u.host = std::string(host);
  u.port = port.empty() ? (u.tls ? "443" : "80") : std::string(port);
  return u;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// One kept-alive connection, plain or TLS.
struct connection {
  std::variant<beast::tcp_stream, beast::ssl_stream<beast::tcp_stream>> stream;
  beast::flat_buffer buffer;
  bool reused = false;

  beast::tcp_stream& tcp() {
    if (auto* s = std::get_if<beast::tcp_stream>(&stream)) return *s;
    return beast::get_lowest_layer(std::get<1>(stream));
  }
};

// Why an attempt got no response, and whether another attempt may help (not when the deadline
// has passed, the response was too large, or the client is gone).
struct failure {
  std::string text;
  bool retryable = true;
};

// Retry-After as seconds (the HTTP-date form is not used by Prometheus or webhook receivers we
// know; it is ignored and the backoff applies).
std::optional<core::millis> retry_after(const http_response& r) {
  const std::string v = r.header("Retry-After");
  unsigned s = 0;
  const auto res = std::from_chars(v.data(), v.data() + v.size(), s);
  if (v.empty() || res.ec != std::errc() || res.ptr != v.data() + v.size()) return std::nullopt;
  return core::millis(static_cast<long long>(s) * 1000);
}

std::string seconds_text(core::millis d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + "s";
  return std::to_string(d.count()) + "ms";
}

}  // namespace

struct http_client::impl : std::enable_shared_from_this<http_client::impl> {
  impl(asio::io_context& io_, http_endpoint ep_, parsed_url url_)
      : io(io_),
        ep(std::move(ep_)),
        url(std::move(url_)),
        ssl(asio::ssl::context::tls_client),
        rng(std::random_device{}()) {
    if (url.tls) {
      if (ep.verify_tls) {
        ssl.set_verify_mode(asio::ssl::verify_peer);
        if (ep.ca_file.empty()) {
          ssl.set_default_verify_paths();
        } else {
          ssl.load_verify_file(ep.ca_file);
        }
      } else {
        ssl.set_verify_mode(asio::ssl::verify_none);
      }
    }
    if (!ep.bearer_token.empty()) {
      authorization = "Bearer " + ep.bearer_token;
    } else if (!ep.basic_user.empty() || !ep.basic_password.empty()) {
      const std::string plain = ep.basic_user + ":" + ep.basic_password;
      std::string encoded(beast::detail::base64::encoded_size(plain.size()), '\0');
      encoded.resize(beast::detail::base64::encode(encoded.data(), plain.data(), plain.size()));
      authorization = "Basic " + encoded;
    }
  }

  asio::io_context& io;
  http_endpoint ep;
  parsed_url url;
  asio::ssl::context ssl;
  std::string authorization;
  std::minstd_rand rng;
  std::vector<std::unique_ptr<connection>> idle;
  std::size_t open = 0;  // connections lent out or idle
  std::size_t opened_total = 0;
  std::deque<asio::steady_timer*> waiting;  // requests waiting for a connection
  bool closed = false;

  // A timed-out attempt is tried again only when attempts have their own timeout (the overall
  // deadline then still decides whether there is time for another).
  bool per_attempt() const { return ep.attempt_timeout.has_value(); }
  std::string timed_out() const {
    return "no answer within " + seconds_text(ep.attempt_timeout.value_or(ep.deadline));
  }

  // A connection to use: an idle one, a new one within the bound, or the next one returned.
  asio::awaitable<std::variant<std::unique_ptr<connection>, failure>> acquire(
      asio::steady_timer::time_point deadline) {
    while (true) {
      if (closed) co_return failure{"the client was shut down", false};
      if (!idle.empty()) {
        auto c = std::move(idle.back());
        idle.pop_back();
        c->reused = true;
        co_return std::move(c);
      }
      if (open < std::max<std::size_t>(1, ep.max_connections)) {
        ++open;
        auto made = co_await connect(deadline);
        if (std::holds_alternative<failure>(made)) release(nullptr);
        co_return made;
      }
      asio::steady_timer wake(io);
      wake.expires_at(deadline);
      // Listed while it waits — and unlisted however the wait ends, also when the io_context
      // is destroyed with this coroutine suspended (the list must never hold a freed timer).
      struct listed {
        std::deque<asio::steady_timer*>& list;
        asio::steady_timer* timer;
        ~listed() {  // usually the front: woken in order
          if (const auto it = std::find(list.begin(), list.end(), timer); it != list.end())
            list.erase(it);
        }
      } entry{waiting, &wake};
      waiting.push_back(&wake);
      const auto [ec] = co_await wake.async_wait(use_tuple);
      if (!ec) {
        co_return failure{"no connection free within " + seconds_text(ep.deadline) + " (" +
                              std::to_string(ep.max_connections) + " in use)",
                          false};
      }
    }
  }

  // Gives a connection back (nullptr: it was closed), waking one waiter.
  void release(std::unique_ptr<connection> c) {
    if (c && !closed) {
      idle.push_back(std::move(c));
    } else {
      --open;
    }
    if (!waiting.empty()) waiting.front()->cancel();
  }

  asio::awaitable<std::variant<std::unique_ptr<connection>, failure>> connect(
      asio::steady_timer::time_point deadline) {
    tcp::resolver resolver(io);
    const auto [rec, endpoints] = co_await resolver.async_resolve(url.host, url.port, use_tuple);
    if (rec) co_return failure{"resolve " + url.host + ": " + rec.message()};
    auto c = std::make_unique<connection>(connection{beast::tcp_stream(io), {}, false});
    c->tcp().expires_at(deadline);
    const auto [cec, ep_] = co_await c->tcp().async_connect(endpoints, use_tuple);
    if (cec == beast::error::timeout) {
      co_return failure{"connect " + url.host + ":" + url.port + ": " + timed_out(), per_attempt()};
    }
    if (cec) co_return failure{"connect " + url.host + ":" + url.port + ": " + cec.message()};
    ++opened_total;
    if (url.tls) {
      beast::tcp_stream plain = std::move(c->tcp());
      c->stream.emplace<1>(std::move(plain), ssl);
      auto& s = std::get<1>(c->stream);
      // SNI; SSL_set_tlsext_host_name is this call behind a C-style cast.
      if (SSL_ctrl(s.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                   static_cast<void*>(const_cast<char*>(url.host.c_str()))) != 1) {
        co_return failure{"tls " + url.host + ": cannot set the server name", false};
      }
      if (ep.verify_tls) s.set_verify_callback(asio::ssl::host_name_verification(url.host));
      const auto [hec] = co_await s.async_handshake(asio::ssl::stream_base::client, use_tuple);
      if (hec) co_return failure{"tls handshake with " + url.host + ": " + hec.message(), false};
    }
    co_return std::move(c);
  }

  http::request<http::string_body> build(const http_request& r) const {
    http::request<http::string_body> req;
    req.method(http::string_to_verb(r.method));
    req.target(url.base_path + (r.target.empty() ? "/" : r.target));
    req.version(11);
    req.set(http::field::host, url.host);
    req.set(http::field::user_agent, "floodgate/0.1");
    req.set(http::field::accept, "application/json");
    if (!authorization.empty()) req.set(http::field::authorization, authorization);
    for (const auto& [k, v] : r.headers) req.set(k, v);
    for (const auto& [k, v] : ep.headers) req.set(k, v);  // last: may override auth
    if (!r.body.empty() || r.method == "POST" || r.method == "PUT") {
      if (!r.content_type.empty()) req.set(http::field::content_type, r.content_type);
      req.body() = r.body;
      req.prepare_payload();
    }
    req.keep_alive(true);
    return req;
  }

  // One exchange on one connection; the connection is returned to the pool when reusable.
  asio::awaitable<std::variant<http_response, failure>> exchange(
      std::unique_ptr<connection> c, const http::request<http::string_body>& req,
      asio::steady_timer::time_point deadline, bool& stale) {
    stale = false;
    c->tcp().expires_at(deadline);
    http::response_parser<http::string_body> parser;
    parser.body_limit(ep.max_response_bytes);
    parser.header_limit(64 * 1024);
    beast::error_code ec;
    if (auto* plain = std::get_if<beast::tcp_stream>(&c->stream)) {
      std::tie(ec, std::ignore) = co_await http::async_write(*plain, req, use_tuple);
      if (!ec) {
        std::tie(ec, std::ignore) = co_await http::async_read(*plain, c->buffer, parser, use_tuple);
      }
    } else {
      auto& s = std::get<1>(c->stream);
      std::tie(ec, std::ignore) = co_await http::async_write(s, req, use_tuple);
      if (!ec)
        std::tie(ec, std::ignore) = co_await http::async_read(s, c->buffer, parser, use_tuple);
    }
    if (ec) {
      // A kept-alive connection the server closed meanwhile: try once more on a fresh one.
      stale = c->reused && !parser.got_some() &&
              (ec == http::error::end_of_stream || ec == asio::error::connection_reset ||
               ec == asio::error::broken_pipe || ec == asio::error::eof);
      release(nullptr);
      if (ec == http::error::body_limit) {
        co_return failure{
            "response larger than " + std::to_string(ep.max_response_bytes) + " bytes", false};
      }
      if (ec == beast::error::timeout) co_return failure{timed_out(), per_attempt()};
      co_return failure{"exchange with " + url.host + ":" + url.port + ": " + ec.message()};
    }
    auto res = parser.release();
    http_response out;
    out.status = static_cast<int>(res.result_int());
    for (const auto& f : res)
      out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    out.body = std::move(res.body());
    if (res.keep_alive()) {
      release(std::move(c));
    } else {
      release(nullptr);
    }
    co_return out;
  }

  asio::awaitable<http_outcome> run(http_request request) {
    auto self = shared_from_this();
    asio::steady_timer deadline_timer(io);
    deadline_timer.expires_after(ep.deadline);
    const auto deadline = deadline_timer.expiry();
    const auto req = build(request);
    http_outcome out;
    const int attempts = std::max(1, ep.retry.max_attempts);
    for (int attempt = 1; attempt <= attempts; ++attempt) {
      out.attempts = attempt;
      out.response.reset();
      out.error.clear();
      std::optional<core::millis> server_wait;
      bool retry_error = false;
      auto attempt_deadline = deadline;
      if (ep.attempt_timeout) {
        asio::steady_timer per_attempt(io);
        per_attempt.expires_after(*ep.attempt_timeout);
        attempt_deadline = std::min(deadline, per_attempt.expiry());
      }
      for (int fresh_try = 0; fresh_try < 2; ++fresh_try) {
        auto got = co_await acquire(attempt_deadline);
        if (auto* err = std::get_if<failure>(&got)) {
          out.error = err->text;
          retry_error = err->retryable;
          break;
        }
        bool stale = false;
        auto answer = co_await exchange(std::move(std::get<0>(got)), req, attempt_deadline, stale);
        if (auto* r = std::get_if<http_response>(&answer)) {
          out.response = std::move(*r);
          out.error.clear();
          retry_error = false;
          break;
        }
        out.error = std::get<failure>(answer).text;
        retry_error = std::get<failure>(answer).retryable;
        if (!stale) break;
      }
      const bool retry_status = out.response && retryable_status(out.response->status);
      if (!(retry_error || retry_status) || attempt == attempts) break;
      if (out.response) server_wait = retry_after(*out.response);
      // Full jitter: uniform in [0, min(cap, base·2^(attempt−1))], or the server's wait.
      const long long ceiling = backoff_ceiling(ep.retry, attempt).count();
      std::uniform_int_distribution<long long> pick(0, std::max<long long>(0, ceiling));
      core::millis wait(ep.retry.jitter ? pick(rng) : ceiling);
      if (server_wait && *server_wait > wait) wait = *server_wait;
      asio::steady_timer pause(io);
      pause.expires_after(wait);
      if (pause.expiry() >= deadline) break;  // the next attempt could not finish in time
      co_await pause.async_wait(use_tuple);
    }
    co_return out;
  }
};

bool retryable_status(int s) { return s == 429 || (s >= 500 && s != 501 && s <= 599); }

core::millis backoff_ceiling(const retry_policy& p, int retry) {
  return std::min(p.cap, core::millis(p.base.count() << std::clamp(retry - 1, 0, 20)));
}

std::string http_response::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) return v;
  }
  return "";
}

std::string http_outcome::describe() const {
  if (!response) return error.empty() ? "no response" : error;
  std::string body = response->body.substr(0, 200);
  std::replace(body.begin(), body.end(), '\n', ' ');
  return "HTTP " + std::to_string(response->status) + (body.empty() ? "" : ": " + body);
}

std::optional<std::string> check_base_url(std::string_view url) {
  auto r = parse_url(url);
  if (auto* e = std::get_if<std::string>(&r)) return *e;
  return std::nullopt;
}

http_client::http_client(asio::io_context& io, http_endpoint endpoint) {
  auto u = parse_url(endpoint.base_url);
  if (auto* e = std::get_if<std::string>(&u)) throw std::invalid_argument(*e);
  impl_ = std::make_shared<impl>(io, std::move(endpoint), std::get<parsed_url>(std::move(u)));
}

http_client::~http_client() {
  impl_->closed = true;
  impl_->idle.clear();
  for (auto* w : impl_->waiting) w->cancel();
}

void http_client::send(http_request request, std::function<void(http_outcome)> done) {
  asio::co_spawn(impl_->io, impl_->run(std::move(request)),
                 [done = std::move(done)](std::exception_ptr e, http_outcome out) {
                   if (e) {
                     try {
                       std::rethrow_exception(e);
                     } catch (const std::exception& ex) {
                       out = http_outcome{};
                       out.error = std::string("internal error: ") + ex.what();
                     }
                   }
                   done(std::move(out));
                 });
}

const http_endpoint& http_client::endpoint() const { return impl_->ep; }

std::size_t http_client::connections_opened() const { return impl_->opened_total; }

std::pair<std::string, std::string> split_url(const std::string& url) {
  const std::size_t scheme = url.find("://");
  const std::size_t path = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (path == std::string::npos) return {url, "/"};
  return {url.substr(0, path), url.substr(path)};
}

std::string form_encode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3 / 2);
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += ch;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0xF];
    }
  }
  return out;
}

}  // namespace floodgate::providers
