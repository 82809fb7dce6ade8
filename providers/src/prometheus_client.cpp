#include <floodgate/providers/prometheus_client.hpp>

#include <cstdio>
#include <utility>

namespace floodgate::providers {

struct prometheus_client::state : std::enable_shared_from_this<prometheus_client::state> {
  state(boost::asio::io_context& io, http_endpoint ep) : http(io, std::move(ep)) {}
  http_client http;
  bool get_only = false;

  // POST the form, or GET it once POST has been refused; a 405 or 501 to a POST switches to GET
  // for this and every later query.
  void send(std::string path, std::string form, std::function<void(prometheus_answer)> done) {
    http_request r;
    if (get_only) {
      r.method = "GET";
      r.target = path + "?" + form;
    } else {
      r.method = "POST";
      r.target = path;
      r.body = form;
      r.content_type = "application/x-www-form-urlencoded";
    }
    const std::string method = r.method;
    http.send(std::move(r),
              [self = shared_from_this(), path = std::move(path), form = std::move(form), method,
               done = std::move(done)](http_outcome out) mutable {
                const int status = out.response ? out.response->status : 0;
                if (method == "POST" && (status == 405 || status == 501)) {
                  self->get_only = true;
                  self->send(std::move(path), std::move(form), std::move(done));
                  return;
                }
                done(prometheus_answer{std::move(out), method});
              });
  }
};

namespace {

// Unix seconds with millisecond precision, as Prometheus reads a time parameter.
std::string unix_seconds(double t) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", t);
  return buf;
}

// Prometheus answers a bad query with a JSON error body ({"status":"error","errorType":…}) on
// 400, 422 or 503; Argo shows that error, not the status.
bool json_error_body(const http_outcome& h) {
  if (!h.response) return false;
  const std::string& b = h.response->body;
  return b.find("\"status\"") != std::string::npos && b.find("\"error\"") != std::string::npos;
}

}  // namespace

prometheus_client::prometheus_client(boost::asio::io_context& io, http_endpoint endpoint,
                                     query_method method)
    : state_(std::make_shared<state>(io, std::move(endpoint))) {
  state_->get_only = method == query_method::get;
}

http_endpoint flagger_prometheus_endpoint(
    std::string address, const std::vector<std::pair<std::string, std::string>>& secret,
    header_list headers) {
  http_endpoint ep;
  ep.base_url = std::move(address);
  ep.deadline = core::millis(5000);
  ep.retry.max_attempts = 1;
  for (const auto& [k, v] : secret) {
    if (k == "token") ep.bearer_token = v;
    if (k == "username") ep.basic_user = v;
    if (k == "password") ep.basic_password = v;
  }
  ep.headers = std::move(headers);
  return ep;
}

std::optional<std::string> flagger_online_problem(const prometheus_answer& vector_one) {
  const auto v = read_answer_single(vector_one);
  if (const auto* err = std::get_if<std::string>(&v)) return "running query failed: " + *err;
  if (std::get<double>(v) != 1.0) {
    return "running query failed: vector(1) returned " +
           core::format_float_plain(std::get<double>(v)) + ", expected 1";
  }
  return std::nullopt;
}

prometheus_client::~prometheus_client() = default;

void prometheus_client::query(std::string promql, std::optional<double> at_unix,
                              std::function<void(prometheus_answer)> done) {
  std::string form = "query=" + form_encode(promql);
  if (at_unix) form += "&time=" + unix_seconds(*at_unix);
  state_->send("/api/v1/query", std::move(form), std::move(done));
}

void prometheus_client::query_range(std::string promql, double start, double end,
                                    double step_seconds,
                                    std::function<void(prometheus_answer)> done) {
  std::string form = "query=" + form_encode(promql) + "&start=" + unix_seconds(start) +
                     "&end=" + unix_seconds(end) + "&step=" + unix_seconds(step_seconds);
  state_->send("/api/v1/query_range", std::move(form), std::move(done));
}

bool prometheus_client::uses_get() const { return state_->get_only; }

const http_client& prometheus_client::http() const { return state_->http; }

std::variant<reading, std::string> read_answer(const prometheus_answer& a) {
  if (!a.http.response) return a.http.describe();
  if (a.http.ok() || json_error_body(a.http)) {
    auto r = read_prometheus(a.http.response->body);
    if (!a.http.ok() && std::holds_alternative<reading>(r)) return a.http.describe();
    return r;
  }
  return a.http.describe();
}

std::variant<double, std::string> read_answer_single(const prometheus_answer& a) {
  if (!a.http.response) return a.http.describe();
  if (a.http.response->status >= 400) return "error response: " + a.http.describe();
  return read_prometheus_single(a.http.response->body);
}

}  // namespace floodgate::providers
