// Flagger conformance cases that need a transport: the Prometheus provider's requests and its
// availability check, run through floodgate's Prometheus client against a scripted server on
// loopback (as Flagger's own tests use httptest.Server).

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/detail/base64.hpp>
#include <floodgate/core/duration.hpp>
#include <floodgate/providers/flagger_webhook.hpp>
#include <floodgate/providers/manifests.hpp>
#include <floodgate/providers/prometheus_client.hpp>
#include <optional>

#include "../support/http_stub.hpp"
#include "../support/prometheus_query.hpp"
#include "../support/sidecar.hpp"
#include "conformance_handlers.hpp"

namespace floodgate::cases {

namespace {

using testing::http_stub;
using testing::reply;
using testing::stub_request;

// Flagger's scheduler tests: vector(1) → 1, every other query → 100 (conventions.metric_stub).
std::string vector_body(const std::string& value) {
  return R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1545905245.458,")" +
         value + R"("]}]}})";
}

// Flagger queries by GET.
providers::prometheus_answer ask(const providers::http_endpoint& ep, const std::string& query) {
  return testing::query_once(ep, query, providers::query_method::get);
}

// Flagger's single number as text, or its error.
std::string single_text(const providers::prometheus_answer& a) {
  const auto v = providers::read_answer_single(a);
  if (const auto* x = std::get_if<double>(&v)) return core::format_float_plain(*x);
  return std::get<std::string>(v);
}

std::string query_param(const std::string& target) {
  const auto q = target.find("?query=");
  if (q == std::string::npos) return "";
  std::string enc = target.substr(q + 7, target.find('&', q + 7) - (q + 7)), out;
  for (std::size_t i = 0; i < enc.size(); ++i) {
    if (enc[i] == '%' && i + 2 < enc.size()) {
      out += static_cast<char>(std::stoi(enc.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += enc[i] == '+' ? ' ' : enc[i];
    }
  }
  return out;
}

std::string base64(const std::string& s) {
  std::string out(boost::beast::detail::base64::encoded_size(s.size()), '\0');
  out.resize(boost::beast::detail::base64::encode(out.data(), s.data(), s.size()));
  return out;
}

std::vector<std::pair<std::string, std::string>> secret_of(const json& provider) {
  std::vector<std::pair<std::string, std::string>> out;
  const json secret = provider.value("secret", json::object());
  for (const auto& [k, v] : secret.items()) {
    out.emplace_back(k, v.get<std::string>());
  }
  return out;
}

// FLG-PROM-001: basic auth from username/password, then a token taking precedence.
outcome auth_requests(const json& c) {
  checker k;
  const std::string query = c["config"]["query"].get<std::string>();
  const std::string body = c["observations"]["http_response"].dump();
  http_stub server([&](const stub_request&) { return reply(200, body); });
  auto secret = secret_of(c["config"]["provider"]);
  for (const bool with_token : {false, true}) {
    if (with_token) secret.emplace_back("token", "s3cret-token");
    const auto a = ask(providers::flagger_prometheus_endpoint(server.url(), secret, {}), query);
    k.check("value", "100", single_text(a));
    const auto req = server.requests().back();
    k.check("method", "GET", req.method);
    k.check("path", "/api/v1/query", req.target.substr(0, req.target.find('?')));
    k.check("query", query, query_param(req.target));
    k.check("authorization",
            with_token ? "Bearer s3cret-token" : "Basic " + base64("username:password"),
            req.header("Authorization"));
  }
  return k.result();
}

// FLG-PROM-004: IsOnline — a 502 is offline with an error, vector(1) = 1 is online.
outcome online(const json& c) {
  checker k;
  const auto& cases = c["observations"]["cases"];
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const json& o = cases[i];
    http_stub server([&](const stub_request&) {
      if (o.contains("http_status"))
        return reply(o["http_status"].get<int>(), "bad gateway", "text/plain");
      return reply(200, vector_body(o["http_response_value"].get<std::string>()));
    });
    const auto problem = providers::flagger_online_problem(
        ask(providers::flagger_prometheus_endpoint(server.url(), {}, {}), c["config"]["query"]));
    const json& want = c["expected"][i];
    k.check("case " + std::to_string(i) + " online", want["online"].get<bool>() ? "true" : "false",
            problem ? "false" : "true");
    if (want.value("error", false)) {
      k.contains("case " + std::to_string(i) + " error", "502", problem.value_or(""));
    }
  }
  return k.result();
}

// FLG-PROM-005: MetricTemplate provider headers are sent as they are.
outcome provider_headers(const json& c) {
  checker k;
  http_stub server([](const stub_request&) { return reply(200, vector_body("100")); });
  providers::header_list headers;
  for (const auto& [name, values] : c["config"]["provider"]["headers"].items()) {
    for (const auto& v : values) headers.emplace_back(name, v.get<std::string>());
  }
  const auto a = ask(providers::flagger_prometheus_endpoint(server.url(), {}, headers),
                     c["observations"]["query"]);
  for (const auto& [name, value] : c["expected"]["request_header"].items()) {
    k.check("header " + name, value.get<std::string>(), server.requests().back().header(name));
  }
  k.check("value", "100", single_text(a));
  return k.result();
}

// FLG-MET-001: the builtin metrics' server must be online; a Canary's own metricsServer wins
// over the controller's.
outcome provider_availability(const json& c) {
  checker k;
  http_stub stub([](const stub_request& r) {
    return reply(200,
                 vector_body(r.target.find("vector%281%29") != std::string::npos ? "1" : "100"));
  });
  const auto& cases = c["observations"]["cases"];
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const json& o = cases[i];
    const auto address = [&](const std::string& v) {
      return v.rfind("stub", 0) == 0 ? stub.url() : v;
    };
    std::string server = address(o["metrics_server"].get<std::string>());
    if (o.contains("canary.spec.metricsServer")) {
      server = address(o["canary.spec.metricsServer"].get<std::string>());
    }
    const auto problem = providers::flagger_online_problem(
        ask(providers::flagger_prometheus_endpoint(server, {}, {}), "vector(1)"));
    k.check("case " + std::to_string(i), c["expected"][i].get<std::string>(),
            problem ? "error" : "ok");
  }
  return k.result();
}

// A hook from the case's "webhook" object, "<server>" standing for the stub's URL.
providers::flagger_hook hook_of(const json& w, const std::string& server) {
  providers::flagger_hook h;
  h.name = w.value("name", "hook");
  h.type = w.value("type", "");
  h.url = w.value("url", "<server>");
  if (h.url.rfind("<server>", 0) == 0) h.url = server + h.url.substr(8);
  const std::string timeout = w.value("timeout", "");
  if (timeout.size() >= 2) {  // shorter or empty: Flagger's default of 10 s
    h.timeout = std::get<core::millis>(core::parse_go_duration(timeout));
  }
  h.retries = w.value("retries", 0);
  const json metadata = w.value("metadata", json::object());
  for (const auto& [k, v] : metadata.items()) {
    h.metadata[k] = v.get<std::string>();
  }
  return h;
}

providers::flagger_payload payload_of(const json& c, const providers::flagger_hook& h) {
  const json canary = c["config"].value("canary", json::object());
  providers::flagger_payload p;
  p.name = canary.value("name", "podinfo");
  p.name_space = canary.value("namespace", "default");
  const json status = canary.value("status", json::object());
  p.phase = c["config"].value("phase", status.value("phase", "Progressing"));
  std::map<std::string, std::string> tracked;
  const json configs = status.value("trackedConfigs", json::object());
  for (const auto& [k, v] : configs.items()) {
    tracked[k] = v.get<std::string>();
  }
  p.checksum = providers::revision_checksum(tracked, status.value("lastAppliedSpec", ""));
  p.metadata = h.metadata;
  return p;
}

providers::hook_result call(const providers::flagger_hook& h, const providers::flagger_payload& p) {
  boost::asio::io_context io;
  std::optional<providers::hook_result> got;
  providers::call_hook(io, h, p, [&](providers::hook_result r) { got = std::move(r); });
  io.run();
  return *got;
}

// FLG-WH-001: the request Flagger sends to a webhook, and a 202 as a go.
outcome webhook_request(const json& c) {
  checker k;
  http_stub server([&](const stub_request&) {
    return reply(c["observations"]["server_response_status"].get<int>(), "");
  });
  const auto hook = hook_of(c["config"]["webhook"], server.url());
  const auto payload = payload_of(c, hook);
  const auto r = call(hook, payload);
  const json& want = c["expected"]["request"];
  if (server.requests().size() != 1) return outcome::fail("expected one request");
  const auto req = server.requests().front();
  k.check("method", want["method"], req.method);
  k.check("path", want["path"], req.target);
  k.check("content type", want["content_type"], req.header("Content-Type"));
  json body = json::parse(req.body);
  k.check("checksum", payload.checksum, body.value("checksum", ""));
  k.check("checksum is the revision's", "true",
          body.value("checksum", "") != providers::revision_checksum({}, "another-spec") ? "true"
                                                                                         : "false");
  body["checksum"] = "canaryChecksum(canary)";
  k.check("body", want["body"].dump(), body.dump());
  k.check("result", c["expected"]["result"], r.go ? "success" : "error: " + r.error);
  return k.result();
}

// FLG-WH-003: a 500 is retried (retries: 1), and the 202 that follows is a go.
outcome webhook_retries(const json& c) {
  checker k;
  const auto statuses = c["observations"]["server_responses_in_order"].get<std::vector<int>>();
  std::size_t next = 0;
  http_stub server([&](const stub_request&) {
    return reply(statuses[std::min(next++, statuses.size() - 1)], "");
  });
  const auto hook = hook_of(c["config"]["webhook"], server.url());
  const auto r = call(hook, payload_of(c, hook));
  k.check("result", c["expected"]["result"], r.go ? "success" : "error: " + r.error);
  k.check("attempts", std::to_string(c["expected"]["attempts"].get<int>()),
          std::to_string(r.attempts));
  return k.result();
}

// FLG-WH-004: an event hook's body carries the event; a 500 is an error (logged only).
outcome event_webhook(const json& c) {
  checker k;
  const auto& cases = c["observations"]["cases"];
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const std::string at = "case " + std::to_string(i) + " ";
    http_stub server(
        [&](const stub_request&) { return reply(cases[i]["server_status"].get<int>(), ""); });
    const auto hook = hook_of(c["config"]["webhook"], server.url());
    const auto payload = providers::event_payload(payload_of(c, hook), c["config"]["message"],
                                                  c["config"]["eventType"], 1700000000123);
    const auto r = call(hook, payload);
    const json& want = c["expected"][i];
    if (want.contains("body")) {
      json body = json::parse(server.requests().front().body);
      k.check(at + "timestamp", "1700000000123", body["metadata"].value("timestamp", ""));
      body["metadata"]["timestamp"] = "<unix ms as string>";
      body["checksum"] = "canaryChecksum(canary)";
      k.check(at + "body", want["body"].dump(), body.dump());
    }
    const std::string result = want["result"];
    k.check(at + "result", result.rfind("error", 0) == 0 ? "error" : result,
            r.go ? "success" : "error");
  }
  return k.result();
}

// FLG-RT-001: Istio — the route weights, and the mirror with its percentage only when above 0.
outcome istio_routes(const json& c) {
  checker k;
  const providers::split_target t{c["config"]["service"].get<std::string>()};
  const auto& calls = c["observations"]["calls"];
  for (std::size_t i = 0; i < calls.size(); ++i) {
    const std::string at = "call " + std::to_string(i) + " ";
    const json& set = calls[i]["SetRoutes"];
    const auto vs = providers::istio_virtual_service(t, set[1].get<int>(), set[2].get<bool>(),
                                                     calls[i].value("mirrorWeight", 0));
    const json http = json::parse(vs["spec"]["http"][0].dump());
    json weights = json::array(), route = json::array();
    for (const auto& r : http["route"]) {
      weights.push_back(r["weight"]);
      route.push_back({{"host", r["destination"]["host"]}, {"weight", r["weight"]}});
    }
    const json& want = c["expected"][i];
    if (want.contains("http[0].route"))
      k.check(at + "route", want["http[0].route"].dump(), route.dump());
    if (want.contains("weights")) k.check(at + "weights", want["weights"].dump(), weights.dump());
    if (want.contains("mirror")) {
      k.check(at + "mirror", want["mirror"].dump(), http.value("mirror", json()).dump());
    }
    if (want.contains("mirror.host")) {
      k.check(at + "mirror.host", want["mirror.host"],
              http.value("mirror", json::object()).value("host", ""));
    }
    if (want.contains("mirrorPercentage")) {
      const json got =
          http.contains("mirrorPercentage") ? http["mirrorPercentage"]["value"] : json();
      k.check(at + "mirrorPercentage", want["mirrorPercentage"].dump(), got.dump());
    }
  }
  return k.result();
}

// FLG-RT-002: ingress-nginx — only the canary Ingress' canary and canary-weight annotations.
outcome ingress_routes(const json& c) {
  checker k;
  const std::string prefix = c["config"]["annotationsPrefix"];
  const auto& calls = c["observations"]["calls"];
  for (std::size_t i = 0; i < calls.size(); ++i) {
    const auto ing =
        providers::ingress_nginx_canary({"podinfo"}, calls[i]["SetRoutes"][1].get<int>(), prefix);
    k.check("call " + std::to_string(i) + " annotations", c["expected"][i]["annotations"].dump(),
            json::parse(ing["metadata"]["annotations"].dump()).dump());
    k.check("call " + std::to_string(i) + " ingress", "podinfo-canary", ing["metadata"]["name"]);
  }
  return k.result();
}

}  // namespace

// Flagger's load tester gates, asked over HTTP of floodgate's sidecar in the case's order.
outcome gates(const json& c) {
  testing::sidecar s(
      [](boost::asio::io_context&) -> std::unique_ptr<providers::ports::metrics_source> {
        return std::make_unique<testing::no_metrics>();
      },
      {});
  checker k;
  const auto& seq = c.at("observations").at("sequence");
  const auto& want = c.at("expected");
  for (std::size_t i = 0; i < seq.size(); ++i) {
    const auto& step = seq[i];
    const std::string path = step.at("POST").get<std::string>();
    const auto r = s.send("POST", path, step.at("body").dump());
    const std::string at = "step " + std::to_string(i) + " " + path;
    k.check(at + " status", std::to_string(want[i].at("status").get<int>()),
            std::to_string(r.status));
    if (want[i].contains("body")) k.check(at + " body", want[i]["body"].get<std::string>(), r.body);
  }
  return k.result();
}

std::optional<outcome> run_flagger_transport_case(const json& c) {
  const std::string id = c.value("id", "");
  if (id == "FLG-PROM-001") return auth_requests(c);
  if (id == "FLG-PROM-004") return online(c);
  if (id == "FLG-PROM-005") return provider_headers(c);
  if (id == "FLG-MET-001") return provider_availability(c);
  if (id == "FLG-WH-001") return webhook_request(c);
  if (id == "FLG-WH-003") return webhook_retries(c);
  if (id == "FLG-WH-004") return event_webhook(c);
  if (id == "FLG-RT-001") return istio_routes(c);
  if (id == "FLG-RT-002") return ingress_routes(c);
  if (id == "FLG-WH-007") return gates(c);
  return std::nullopt;
}

}  // namespace floodgate::cases
